// quantscope-cli calibration --model M --precisions P[,P...] --calib [NAME=]FILE [--calib ...]
//     [--eval [NAME=]FILE ...] [--base PRECISION] [--no-plain] [--ctx N --chunks K]
//     [--imatrix-ctx N --imatrix-chunks K] [--db FILE] [--note TEXT] [--json]
//
// The calibration-mismatch table (engine/mixplan/calibration_study.h): an importance matrix from
// each calibration text, each precision made with it, its mean KLD against the base on each
// evaluation text (by default the calibration texts themselves, each scored only after the tokens its
// own imatrix read). With --db the study is stored as a
// run that the GUI's Sensitivity page and the report show as a heatmap.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "mix_output.h"
#include "mixplan/calibration_record.h"
#include "mixplan/calibration_study.h"
#include "mixplan/sensitivity_scan.h"
#include "model/model.h"
#include "progress_bar.h"
#include "quant/precision_recipe.h"
#include "store/file_hash.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct CalibrationCliOptions {
    std::string model, base, db, note;
    std::vector<std::string> precisions, calib, eval;
    int n_ctx = 512, chunks = 32, imatrix_ctx = 512, imatrix_chunks = 32, threads = 0;
    bool no_plain = false, json = false;
};

// "[NAME=]FILE": the name defaults to the file's stem ("wiki.test.raw" -> "wiki.test").
StudyText read_study_text(const std::string& arg, const Tokenizer& tokenizer, const char* flag) {
    StudyText t;
    const size_t eq = arg.find('=');
    t.path = eq == std::string::npos ? arg : arg.substr(eq + 1);
    t.name = eq == std::string::npos ? std::filesystem::path(t.path).stem().string() : arg.substr(0, eq);
    if (t.name.empty() || t.path.empty()) throw Error(fmt::format("{} '{}': expected [NAME=]FILE", flag, arg));
    t.tokens = tokenizer.encode(perplexity_read_text(t.path), true);
    return t;
}

// Stores the study as it runs: the run, each evaluation text's base pass once, each cell as a KLD job.
// Stores a study as it runs: the base passes (with the first cell), then each cell as a KLD job.
class CalibrationRecorder {
public:
    CalibrationRecorder(ResultsStore* store, std::string model_path, std::string base, std::string settings, std::string note)
        : study_(store, std::move(model_path), "quantscope-cli calibration", std::move(base), std::move(settings), std::move(note)) {}
    void cell(const CalibrationStudy& study, const CalibrationCell& cell) {
        if (!study_.active()) return;
        if (!study_.started())
            for (size_t e = 0; e < study.eval.size(); ++e)
                study_.store_job(calibration_base_job(study, int(e), next_index_++, study_.settings()));
        study_.store_job(calibration_cell_job(study, cell, next_index_++, study_.settings()));
    }
    void finish() { study_.finish(); }
    int64_t run_id() const { return study_.run_id(); }

private:
    StudyRecorder study_;
    int next_index_ = 0;
};

std::string row_name(const CalibrationStudy& s, int calib) { return calib < 0 ? kNoImatrixRow : s.calib[size_t(calib)]; }

nlohmann::json study_json(const CalibrationStudy& s) {
    nlohmann::json j = {{"base", s.base}, {"precisions", s.precisions}, {"seconds", s.seconds_total}};
    j["calib"] = nlohmann::json::array();
    for (size_t c = 0; c < s.calib.size(); ++c)
        j["calib"].push_back({{"name", s.calib[c]}, {"path", s.calib_paths[c]}, {"imatrix_chunks", s.imatrix_chunks[c]}});
    j["eval"] = nlohmann::json::array();
    for (size_t e = 0; e < s.eval.size(); ++e)
        j["eval"].push_back({{"name", s.eval[e]}, {"path", s.eval_paths[e]}, {"base_ppl", s.base_perplexity[e].ppl},
                             {"tokens_held_out_for_imatrix", s.eval_skipped[e]}});
    j["cells"] = nlohmann::json::array();
    for (const CalibrationCell& c : s.cells)
        j["cells"].push_back({{"imatrix_text", row_name(s, c.calib)}, {"eval_text", s.eval[size_t(c.eval)]},
                              {"precision", s.precisions[size_t(c.precision)]}, {"kld", c.kld.value}, {"kld_stderr", c.kld.unc},
                              {"ln_ppl_ratio", c.ln_ppl_ratio.value}, {"ln_ppl_ratio_stderr", c.ln_ppl_ratio.unc},
                              {"same_top", c.same_top.value}, {"ppl", c.ppl}});
    return j;
}

// Per precision: rows = imatrix text, columns = evaluation text, cells = mean KLD ± its uncertainty;
// the lowest of each column marked with '*'.
void print_table(const CalibrationStudy& s) {
    for (size_t e = 0; e < s.eval.size(); ++e)
        if (s.eval_skipped[e] > 0)
            fmt::print("{}: evaluated after its first {} tokens (read by its own imatrix)\n", s.eval[e], s.eval_skipped[e]);
    for (size_t p = 0; p < s.precisions.size(); ++p) {
        fmt::print("{} (mean KLD against {}; rows: imatrix from; columns: evaluated on; * = best in the column)\n", s.precisions[p], s.base);
        fmt::print("{:<16}", "imatrix");
        for (const std::string& e : s.eval) fmt::print(" {:>22}", e);
        fmt::print("\n");
        for (int c = -1; c < int(s.calib.size()); ++c) {
            bool any = false;
            for (size_t e = 0; e < s.eval.size(); ++e) any = any || s.find(c, int(e), int(p));
            if (!any) continue;
            fmt::print("{:<16}", row_name(s, c));
            for (size_t e = 0; e < s.eval.size(); ++e) {
                const CalibrationCell* cell = s.find(c, int(e), int(p));
                if (!cell) {
                    fmt::print(" {:>22}", "-");
                    continue;
                }
                bool best = true;
                for (int o = -1; o < int(s.calib.size()); ++o)
                    if (const CalibrationCell* x = s.find(o, int(e), int(p)); x && x->kld.value < cell->kld.value) best = false;
                fmt::print(" {:>22}", fmt::format("{:.6f} ± {:.6f}{}", cell->kld.value, cell->kld.unc, best ? "*" : " "));
            }
            fmt::print("\n");
        }
        fmt::print("\n");
    }
}

void run(const CalibrationCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    const auto model = Model::load(o.model);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    std::vector<StudyText> calib, eval;
    for (const std::string& a : o.calib) calib.push_back(read_study_text(a, *tokenizer, "--calib"));
    for (const std::string& a : o.eval.empty() ? o.calib : o.eval) eval.push_back(read_study_text(a, *tokenizer, "--eval"));

    CalibrationStudyOptions copts;
    copts.base = PrecisionRecipe::parse(o.base.empty() ? default_base_precision(model->file()) : o.base).to_string();
    copts.precisions = o.precisions;
    copts.without_imatrix = !o.no_plain;
    copts.eval.n_ctx = o.n_ctx;
    copts.eval.max_chunks = o.chunks;
    copts.imatrix.n_ctx = o.imatrix_ctx;
    copts.imatrix.max_chunks = o.imatrix_chunks;
    copts.n_threads = o.threads;

    std::unique_ptr<ResultsStore> store;
    if (!o.db.empty()) store = std::make_unique<ResultsStore>(o.db);
    const nlohmann::json settings = {{"n_ctx", o.n_ctx}, {"chunks", o.chunks}, {"imatrix_ctx", o.imatrix_ctx},
                                     {"imatrix_chunks", o.imatrix_chunks}, {"base", copts.base}, {"precisions", o.precisions}};
    CalibrationRecorder recorder(store.get(), o.model, copts.base, settings.dump(), o.note);

    ProgressBar bar(!global.quiet);
    Progress progress(bar.callback());
    const CalibrationStudy study = calibration_study(model, *tokenizer, calib, eval, copts, progress,
                                                     [&](const CalibrationStudy& s, const CalibrationCell& c) { recorder.cell(s, c); });
    bar.finish();
    recorder.finish();
    if (o.json) {
        nlohmann::json j = study_json(study);
        j["model"] = o.model;
        if (store) j["run_id"] = recorder.run_id(), j["db"] = o.db;
        fmt::print("{}\n", j.dump(2));
        return;
    }
    print_table(study);
    if (store) fmt::print("stored as run {} in {}\n", recorder.run_id(), o.db);
}

}  // namespace

void add_calibration_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<CalibrationCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "calibration", "Calibration-mismatch table: an imatrix from each text, each precision made with it, KLD on each domain");
    cmd->add_option("-m,--model", o->model, "GGUF model file (unquantized: the imatrix and the base are computed on it)")->required();
    cmd->add_option("--precisions", o->precisions, "Comma-separated precisions made with each imatrix (Q3_K_S,IQ3_XXS,...)")
        ->required()
        ->delimiter(',');
    cmd->add_option("--calib", o->calib, "[NAME=]FILE: a text to compute an imatrix from (repeat the flag)")->required();
    cmd->add_option("--eval", o->eval, "[NAME=]FILE: a text to evaluate on (repeat; default: the --calib texts)");
    cmd->add_option("--base", o->base, "Reference precision (default: the file's float type)");
    cmd->add_flag("--no-plain", o->no_plain, "Leave out the row quantized without an imatrix");
    cmd->add_option("-c,--ctx", o->n_ctx, "Tokens per chunk of the KLD passes")->capture_default_str()->check(CLI::Range(8, 1 << 20));
    cmd->add_option("--chunks", o->chunks, "Chunks of each evaluation text (-1: all)")->capture_default_str();
    cmd->add_option("--imatrix-ctx", o->imatrix_ctx, "Tokens per chunk of the imatrix passes (llama-imatrix -c)")
        ->capture_default_str()
        ->check(CLI::Range(8, 1 << 20));
    cmd->add_option("--imatrix-chunks", o->imatrix_chunks,
                    "Chunks of each calibration text (-1: all; a text also evaluated on is then scored after them)")
        ->capture_default_str();
    cmd->add_option("--db", o->db, "Store the study as a run in this results database (the GUI shows it as a heatmap)");
    cmd->add_option("--note", o->note, "Free text stored with the run");
    cmd->add_option("-t,--threads", o->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
