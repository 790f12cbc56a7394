// quantscope-cli sensitivity --model M [--base PRECISION] --low TYPE[,TYPE...] --text FILE [--ctx N --chunks K]
//     [--imatrix FILE] [--db FILE] [--json]
//
// Each tensor group (layer x role) alone in the low type, the rest at the base: mean KLD and ln PPL
// ratio against the base (engine/mixplan/sensitivity_scan.h). With --db the scan is stored as a run
// (one KLD job per cell) that the GUI shows as a heatmap.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "mix_output.h"
#include "mixplan/sensitivity_scan.h"
#include "model/model.h"
#include "progress_bar.h"
#include "quant/imatrix.h"
#include "quant/precision_recipe.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct SensitivityCliOptions {
    std::string model, base, text, db, note, imatrix;
    std::vector<std::string> low;
    int n_ctx = 512, chunks = -1, threads = 0;
    bool json = false;
};

void run(const SensitivityCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    SensitivityOptions sopts;
    sopts.low = parse_type_list(o.low, "sensitivity --low");
    sopts.ppl.n_ctx = o.n_ctx;
    sopts.ppl.max_chunks = o.chunks;
    sopts.n_threads = o.threads;
    ImportanceMatrix imatrix;
    if (!o.imatrix.empty()) {
        imatrix = imatrix_read(o.imatrix);
        sopts.imatrix = &imatrix;
    }
    const auto model = Model::load(o.model);
    sopts.base = PrecisionRecipe::parse(o.base.empty() ? default_base_precision(model->file()) : o.base).to_string();
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> tokens = tokenizer->encode(perplexity_read_text(o.text), true);

    std::unique_ptr<ResultsStore> store;
    if (!o.db.empty()) store = std::make_unique<ResultsStore>(o.db);
    const nlohmann::json settings = {{"n_ctx", o.n_ctx}, {"chunks", o.chunks}, {"base", sopts.base}, {"low", o.low}};
    SensitivityRecorder recorder(store.get(), o.model, o.text, sopts.base, settings.dump(), o.note);

    ProgressBar bar(!global.quiet);
    Progress progress(bar.callback());
    const SensitivityScan scan = sensitivity_scan(model, *tokenizer, tokens, sopts, progress,
                                                  [&](const SensitivityScan& s, const SensitivityCell& c) { recorder.cell(s, c); });
    bar.finish();
    recorder.finish();
    if (o.json) {
        nlohmann::json j = sensitivity_json(scan);
        j["model"] = o.model;
        j["text"] = o.text;
        if (store) j["run_id"] = recorder.run_id(), j["db"] = o.db;
        fmt::print("{}\n", j.dump(2));
        return;
    }
    sensitivity_print_table(scan);
    if (store) fmt::print("stored as run {} in {}\n", recorder.run_id(), o.db);
}

}  // namespace

void add_sensitivity_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<SensitivityCliOptions>();
    CLI::App* cmd = app.add_subcommand("sensitivity", "KLD of each tensor group (layer x role) quantized alone to a low type, the rest at a base");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("--base", o->base, "Precision of everything else and the KLD reference (default: the file's float type)");
    cmd->add_option("--low", o->low, "Comma-separated types each group is tried in (q2_K,q4_K,...)")->required()->delimiter(',');
    cmd->add_option("-f,--text", o->text, "Text for the KLD passes, read as llama-perplexity -f")->required();
    cmd->add_option("-c,--ctx", o->n_ctx, "Tokens per chunk")->capture_default_str()->check(CLI::Range(8, 1 << 20));
    cmd->add_option("--chunks", o->chunks, "Chunks (-1: all)")->capture_default_str();
    cmd->add_option("--imatrix", o->imatrix, "Quantize with this importance matrix");
    cmd->add_option("--db", o->db, "Store the scan as a run in this results database (the GUI shows it as a heatmap)");
    cmd->add_option("--note", o->note, "Free text stored with the run");
    cmd->add_option("-t,--threads", o->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
