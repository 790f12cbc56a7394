// quantscope-cli detect --endpoint URL --api-model NAME --reference MODEL --text FILE
//     [--precisions F16,Q8_0,Q6_K,Q4_K_M,Q4_0,Q3_K_M,Q2_K] [--ctx 128] [--chunks 16] [--top 20] [--json]
//
// Which precision of the reference model the endpoint serves: the endpoint's top-N log-probs on
// the probe text against the reference quantized in memory to each candidate (engine/remote/
// quant_detect.h), nearest with a bootstrap confidence, or "undetermined".
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "endpoint_args.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "model_precision.h"
#include "progress_bar.h"
#include "remote/quant_detect.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct DetectCliOptions {
    EndpointArgs endpoint;
    std::string reference, text;
    std::vector<std::string> precisions = {"F16", "Q8_0", "Q6_K", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K"};
    int n_ctx = 128, chunks = 16, top = 20, threads = 0;
    DetectOptions decide;
    bool json = false;
};

void run(DetectCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    const bool quiet = global.quiet || o.json;
    const auto base = Model::load(o.reference);
    std::shared_ptr<const Tokenizer> tokenizer = Tokenizer::from_gguf(base->file());
    auto client = connect_endpoint(o.endpoint, "detect", tokenizer);
    const auto tokens = tokenizer->encode(perplexity_read_text(o.text), true);

    ProgressBar bar(!quiet);
    Progress progress(bar.callback());
    const DetectProbe probe = detect_probe(*client, *tokenizer, tokens, o.n_ctx, o.chunks, o.top, progress);
    bar.finish();

    std::vector<DetectCandidate> candidates;
    for (const std::string& p : o.precisions) {
        double quantize_seconds = 0;
        const auto model = model_at(base, p, o.threads, quiet, quantize_seconds);
        ModelContext ctx(model, o.n_ctx);
        ProgressBar b(!quiet);
        Progress prog(b.callback());
        DetectCandidate c;
        c.precision = p;
        c.chunk_distance = detect_distances(ctx, probe, prog);
        b.finish();
        candidates.push_back(std::move(c));
    }
    const DetectResult r = detect_decide(std::move(candidates), o.n_ctx - 1, o.decide);
    const EndpointIdentity& id = client->identity();

    if (o.json) {
        nlohmann::json cands = nlohmann::json::array();
        for (const DetectCandidate& c : r.candidates)
            cands.push_back({{"precision", c.precision}, {"distance", c.distance}, {"ci_low", c.ci_low}, {"ci_high", c.ci_high},
                             {"interval", {c.ci_low, c.ci_high}}, {"nearest_share", c.nearest_share}});
        const nlohmann::json j = {
            {"endpoint", {{"url", id.url}, {"model", id.model}, {"fingerprint", id.fingerprint}}},
            {"reference", o.reference}, {"text", o.text}, {"n_ctx", o.n_ctx}, {"chunks", r.chunks}, {"top_n", o.top},
            {"distance", "KL(endpoint || candidate) over the endpoint's top-N tokens and the rest, nats per token"},
            {"nearest", r.nearest}, {"best", r.best}, {"confidence", r.confidence},
            {"tokens", r.tokens_needed >= 0 ? nlohmann::json(r.tokens_needed) : nlohmann::json(nullptr)},
            {"tokens_scored", r.tokens_scored}, {"candidates", cands},
            {"usage", {{"prompt_tokens", client->prompt_tokens()}, {"completion_tokens", client->completion_tokens()}}}};
        fmt::print("{}\n", j.dump(2));
        return;
    }
    fmt::print("endpoint {} model '{}' (fingerprint {}), reference {}\n", id.url, id.model, id.fingerprint.empty() ? "none" : id.fingerprint,
               o.reference);
    fmt::print("{} chunks x {} scored tokens, top-{} log-probs; distance = KL(endpoint || candidate) over the top tokens + rest, nats/token\n\n",
               r.chunks, o.n_ctx - 1, o.top);
    fmt::print("{:<12} {:>12} {:>27} {:>10}\n", "precision", "distance", "95 % interval", "nearest in");
    for (const DetectCandidate& c : r.candidates)
        fmt::print("{:<12} {:>12.6f}   [{:>10.6f}, {:>10.6f}] {:>9.1f} %\n", c.precision, c.distance, c.ci_low, c.ci_high,
                   100 * c.nearest_share);
    if (r.nearest == "undetermined")
        fmt::print("\nnearest: undetermined (best {} in {:.1f} % of resamples; {:.0f} % needed, at least {} chunks)\n", r.best,
                   100 * r.confidence, 100 * o.decide.min_confidence, o.decide.min_chunks);
    else
        fmt::print("\nnearest: {} (confidence {:.1f} %; {} tokens needed of {} scored)\n", r.nearest, 100 * r.confidence, r.tokens_needed,
                   r.tokens_scored);
}

}  // namespace

void add_detect_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<DetectCliOptions>();
    CLI::App* cmd = app.add_subcommand("detect", "Which precision of a reference model does an endpoint serve? (hidden quantization)");
    add_endpoint_flags(cmd, o->endpoint, true);
    cmd->add_option("--reference", o->reference, "GGUF of the model the endpoint is supposed to serve")->required();
    cmd->add_option("--text", o->text, "Probe text (plain text, read as llama-perplexity -f)")->required();
    cmd->add_option("--precisions", o->precisions, "Candidate precisions of the reference")->delimiter(',')->capture_default_str();
    cmd->add_option("-c,--ctx", o->n_ctx, "Tokens per probe chunk")->capture_default_str()->check(CLI::Range(8, 1 << 16));
    cmd->add_option("--chunks", o->chunks, "Probe chunks (-1: all of the text)")->capture_default_str();
    cmd->add_option("--top", o->top, "Top-N log-probs asked per token (the endpoint's maximum: 5 at OpenAI, 20 at vLLM and serve)")
        ->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--bootstrap", o->decide.bootstrap, "Bootstrap resamples of the chunks")->capture_default_str()->check(CLI::Range(10, 1000000));
    cmd->add_option("--min-confidence", o->decide.min_confidence, "Confidence below which the answer is 'undetermined'")->capture_default_str()->check(CLI::Range(0.5, 1.0));
    cmd->add_option("--min-chunks", o->decide.min_chunks, "Chunks needed before any answer")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--seed", o->decide.seed, "Bootstrap seed")->capture_default_str();
    cmd->add_option("-t,--threads", o->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
