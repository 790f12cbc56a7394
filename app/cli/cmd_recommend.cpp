// quantscope-cli recommend --model M (--max-bpw B | --max-bytes N | --max-kld K) --text FILE
//     [--types q2_K,...] [--base PRECISION] [--imatrix FILE] [--ctx N --chunks K] [--rounds R] [--db FILE] [--json]
//
// A type per tensor group, chosen from a sensitivity scan's additive model under the budget
// (exact knapsack), then measured as `eval --kld` measures it (engine/mixplan/mix_recommend.h).
// The answer is a recipe string quantize, eval and the GUI accept, its exact size and its measured
// mean KLD with a 95 % interval.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "mix_output.h"
#include "mixplan/mix_recommend.h"
#include "model/model.h"
#include "progress_bar.h"
#include "quant/imatrix.h"
#include "quant/precision_recipe.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct RecommendCliOptions {
    std::string model, base, text, db, note, imatrix;
    std::vector<std::string> types = {"q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_0"};
    std::vector<uint64_t> max_bytes;  // several: one scan, each budget solved and measured
    double max_bpw = 0, max_kld = 0;
    int n_ctx = 512, chunks = -1, threads = 0, rounds = 3;
    bool json = false;
};

nlohmann::json round_json(const RecommendRound& r) {
    return {{"recipe", r.recipe}, {"tensor_bytes", r.tensor_bytes}, {"bits_per_weight", r.bits_per_weight},
            {"predicted_kld", r.predicted_kld}, {"target_kld", r.target_kld}, {"kld_mean", r.kld.value},
            {"kld_stderr", r.kld.unc}, {"kld_ci_low", r.kld.value - 1.96 * r.kld.unc},
            {"kld_ci_high", r.kld.value + 1.96 * r.kld.unc}, {"ln_ppl_ratio", r.ln_ppl_ratio.value},
            {"ln_ppl_ratio_stderr", r.ln_ppl_ratio.unc}};
}

nlohmann::json recommendation_json(const Recommendation& rec, const RecommendCliOptions& o) {
    const RecommendRound& best = rec.rounds.at(size_t(rec.best));
    nlohmann::json groups = nlohmann::json::array(), rounds = nlohmann::json::array();
    for (size_t g = 0; g < rec.scan.groups.size(); ++g)
        groups.push_back({{"group", rec.scan.groups[g].label()}, {"type", type_name(best.group_types[g])},
                          {"bytes", tensor_group_bytes(rec.scan.groups[g], best.group_types[g])}});
    for (const RecommendRound& r : rec.rounds) rounds.push_back(round_json(r));
    nlohmann::json j = round_json(best);
    j["budget"] = {{"max_bytes", rec.budget_bytes}, {"max_bpw", o.max_bpw}, {"max_kld", o.max_kld}};
    j["n_elements"] = rec.n_elements;
    j["groups"] = groups;
    j["rounds"] = rounds;
    return j;
}

void print_recommendation(const Recommendation& rec) {
    const RecommendRound& best = rec.rounds.at(size_t(rec.best));
    for (size_t i = 0; i < rec.rounds.size(); ++i) {
        const RecommendRound& r = rec.rounds[i];
        fmt::print("round {}: {} bytes ({:.4f} bpw), predicted KLD {:.6f}{}, measured {:.6f} +/- {:.6f}\n", i + 1,
                   r.tensor_bytes, r.bits_per_weight, r.predicted_kld,
                   r.target_kld > 0 ? fmt::format(" (solved for {:.6f})", r.target_kld) : "", r.kld.value, r.kld.unc);
    }
    fmt::print("\ngroup types:\n");
    for (size_t g = 0; g < rec.scan.groups.size(); ++g)
        fmt::print("  {:<20} {}\n", rec.scan.groups[g].label(), type_name(best.group_types[g]));
    fmt::print("\nrecipe:        {}\n", best.recipe);
    fmt::print("tensor bytes:  {} ({:.4f} bits per weight){}\n", best.tensor_bytes, best.bits_per_weight,
               rec.budget_bytes ? fmt::format(", budget {}", rec.budget_bytes) : "");
    fmt::print("mean KLD:      {:.6f} +/- {:.6f} (95 % {:.6f} .. {:.6f}) against {}, measured over {} chunks of {}\n",
               best.kld.value, best.kld.unc, best.kld.value - 1.96 * best.kld.unc, best.kld.value + 1.96 * best.kld.unc,
               rec.scan.base, rec.scan.base_perplexity.chunks, rec.scan.base_perplexity.n_ctx);
    fmt::print("ln PPL ratio:  {:+.6f} +/- {:.6f}\n", best.ln_ppl_ratio.value, best.ln_ppl_ratio.unc);
}

void run(const RecommendCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    RecommendOptions ropts;
    ropts.types = parse_type_list(o.types, "recommend --types");
    ropts.max_bytes = o.max_bytes.empty() ? 0 : o.max_bytes.front();
    ropts.max_bpw = o.max_bpw;
    ropts.max_kld = o.max_kld;
    ropts.ppl.n_ctx = o.n_ctx;
    ropts.ppl.max_chunks = o.chunks;
    ropts.n_threads = o.threads;
    ropts.rounds = o.rounds;
    ImportanceMatrix imatrix;
    if (!o.imatrix.empty()) {
        imatrix = imatrix_read(o.imatrix);
        ropts.imatrix = &imatrix;
    }
    if ((ropts.max_bytes > 0) + (ropts.max_bpw > 0) + (ropts.max_kld > 0) != 1)
        throw Error("recommend: give exactly one of --max-bpw, --max-bytes, --max-kld");
    const auto model = Model::load(o.model);
    ropts.base = PrecisionRecipe::parse(o.base.empty() ? default_base_precision(model->file()) : o.base).to_string();
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> tokens = tokenizer->encode(perplexity_read_text(o.text), true);

    std::unique_ptr<ResultsStore> store;
    if (!o.db.empty()) store = std::make_unique<ResultsStore>(o.db);
    const nlohmann::json settings = {{"n_ctx", o.n_ctx}, {"chunks", o.chunks}, {"base", ropts.base}, {"low", o.types}};
    SensitivityRecorder recorder(store.get(), o.model, o.text, ropts.base, settings.dump(), o.note);

    ProgressBar bar(!global.quiet);
    Progress progress(bar.callback());
    // One scan, then each byte budget solved and measured from it.
    std::vector<Recommendation> recs;
    recs.push_back(mix_recommend(model, *tokenizer, tokens, ropts, progress,
                                 [&](const SensitivityScan& s, const SensitivityCell& c) { recorder.cell(s, c); }));
    for (size_t i = 1; i < o.max_bytes.size(); ++i) {
        ropts.max_bytes = o.max_bytes[i];
        recs.push_back(mix_recommend_from_scan(model, *tokenizer, tokens, ropts, recs.front().scan, progress));
    }
    bar.finish();
    recorder.finish();

    if (o.json) {
        nlohmann::json j = recommendation_json(recs.front(), o);
        if (recs.size() > 1) {
            j = nlohmann::json::object();
            j["recommendations"] = nlohmann::json::array();
            for (const Recommendation& r : recs) j["recommendations"].push_back(recommendation_json(r, o));
        }
        j["model"] = o.model;
        j["text"] = o.text;
        j["base"] = recs.front().scan.base;
        j["scan"] = sensitivity_json(recs.front().scan);
        fmt::print("{}\n", j.dump(2));
        return;
    }
    for (size_t i = 0; i < recs.size(); ++i) {
        if (recs.size() > 1) fmt::print("{}budget {} bytes\n", i ? "\n" : "", recs[i].budget_bytes);
        print_recommendation(recs[i]);
    }
    if (store) fmt::print("scan stored as run {} in {}\n", recorder.run_id(), o.db);
}

}  // namespace

void add_recommend_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<RecommendCliOptions>();
    CLI::App* cmd = app.add_subcommand("recommend", "A type per tensor group under a size or KLD budget, from a sensitivity scan, measured");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    auto* bpw = cmd->add_option("--max-bpw", o->max_bpw, "Budget: bits per weight over every tensor")->check(CLI::PositiveNumber);
    auto* bytes = cmd->add_option("--max-bytes", o->max_bytes, "Budget: tensor bytes (as quantize reports them); "
                                  "comma-separated budgets share one scan")->check(CLI::PositiveNumber)->delimiter(',');
    auto* kld = cmd->add_option("--max-kld", o->max_kld, "Budget: measured mean KLD against the base")->check(CLI::PositiveNumber);
    bpw->excludes(bytes)->excludes(kld);
    bytes->excludes(kld);
    cmd->add_option("-f,--text", o->text, "Text for the KLD passes, read as llama-perplexity -f")->required();
    cmd->add_option("--types", o->types, "Candidate types of every group")->capture_default_str()->delimiter(',');
    cmd->add_option("--base", o->base, "The KLD reference (default: the file's float type)");
    cmd->add_option("--imatrix", o->imatrix, "Quantize with this importance matrix (then measure the recipe with eval --imatrix)");
    cmd->add_option("-c,--ctx", o->n_ctx, "Tokens per chunk")->capture_default_str()->check(CLI::Range(8, 1 << 20));
    cmd->add_option("--chunks", o->chunks, "Chunks (-1: all)")->capture_default_str();
    cmd->add_option("--rounds", o->rounds, "Measurements at most (a KLD budget is corrected between them)")->capture_default_str()->check(CLI::Range(1, 20));
    cmd->add_option("--db", o->db, "Store the scan as a run in this results database");
    cmd->add_option("--note", o->note, "Free text stored with the run");
    cmd->add_option("-t,--threads", o->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
