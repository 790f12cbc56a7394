// quantscope-cli generate --model M [--precision P] --prompt TEXT | --prompt-file F [--n-predict N]
//     [--temp T --seed S --top-k K --top-p P --min-p P --repeat-penalty R --repeat-last-n N]
//     [--stop STR]... [--ctx N] [--threads T] [--json]
//
// One continuation of a prompt (engine/generate). Prints the generated text only on stdout, as
// llama-completion --no-display-prompt does, and the timings on stderr; --json prints one object
// with the text, the token ids and the timings (keys in README, "generate").
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "core/text_file.h"
#include "generate/chat_template.h"
#include "generate/generate.h"
#include "model/model.h"
#include "model_precision.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct GenerateCliOptions {
    std::string model, precision = kAsLoaded, prompt, prompt_file, chat_template = "none";
    bool prompt_given = false;
    GenerateOptions gen;
    int n_ctx = 0, threads = 0, parallel = 1;
    bool json = false;
};

// --parallel N: N generations of the prompt decoded together in one KV cache (seeds seed .. seed+N-1
// when sampling), for generation throughput with several sequences.
void run_parallel(const GenerateCliOptions& o, const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                  const std::string& prompt, const std::vector<int32_t>& prompt_tokens, int n_ctx) {
    std::vector<GenerateRequest> requests(size_t(o.parallel), GenerateRequest{prompt_tokens, o.gen});
    for (int i = 0; i < o.parallel; ++i) requests[size_t(i)].options.sampling.seed = o.gen.sampling.seed + uint32_t(i);
    ContextOptions copts;
    copts.n_seq = o.parallel;
    ModelContext ctx(model, n_ctx, copts);
    std::vector<GenerateResult> results(requests.size());
    const auto t0 = std::chrono::steady_clock::now();
    generate_batch(ctx, tokenizer, requests, [&](size_t i, GenerateResult&& r) { results[i] = std::move(r); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t tokens = 0;
    nlohmann::json texts = nlohmann::json::array();
    for (const GenerateResult& r : results) {
        tokens += r.tokens.size();
        texts.push_back(r.text);
    }
    if (o.json) {
        const nlohmann::json j = {{"model", o.model}, {"precision", o.precision}, {"prompt", prompt}, {"parallel", o.parallel},
                                  {"texts", texts}, {"n_prompt", prompt_tokens.size()}, {"n_generated", tokens},
                                  {"seconds", seconds}, {"generate_tps", double(tokens) / seconds},
                                  {"threads", omp_get_max_threads()}};
        fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    for (const GenerateResult& r : results) fmt::print("{}\n---\n", r.text);
    std::fprintf(stderr, "generate: %d sequences, %zu tokens in %.2f s (%.1f t/s, prompts included)\n", o.parallel, tokens,
                 seconds, double(tokens) / seconds);
}

void run(GenerateCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    if (o.prompt_given == !o.prompt_file.empty())
        throw Error("generate: give exactly one of --prompt and --prompt-file");
    std::string prompt = o.prompt;
    if (!o.prompt_file.empty()) {
        prompt = text_file_read(o.prompt_file);
        if (prompt.back() == '\n') prompt.pop_back();  // as llama.cpp's -f drops the file's final newline
    }
    const auto base = Model::load(o.model);
    double quantize_seconds = 0;
    const auto model = model_at(base, o.precision, o.threads, global.quiet || o.json, quantize_seconds);
    const auto tokenizer = Tokenizer::from_gguf(base->file());
    prompt = chat_wrap_prompt(chat_template_resolve(o.chat_template, base->file()), prompt);
    const std::vector<int32_t> prompt_tokens = generate_prompt_tokens(*tokenizer, prompt);
    const int64_t train_ctx = model->hparams().n_ctx_train > 0 ? model->hparams().n_ctx_train : 4096;
    const int n_ctx = o.n_ctx > 0 ? o.n_ctx
                                  : int(std::min<int64_t>(train_ctx, int64_t(prompt_tokens.size()) + o.gen.n_predict));
    if (o.parallel > 1) return run_parallel(o, model, *tokenizer, prompt, prompt_tokens, n_ctx);
    ModelContext ctx(model, n_ctx);
    const GenerateResult r = generate(ctx, *tokenizer, prompt_tokens, o.gen);

    if (o.json) {
        const SamplerParams& s = o.gen.sampling;
        nlohmann::json j = {
            {"model", o.model},
            {"precision", o.precision},
            {"prompt", prompt},
            {"chat_template", o.chat_template},
            {"prompt_tokens", prompt_tokens},
            {"text", r.text},
            {"tokens", r.tokens},
            {"n_prompt", r.n_prompt},
            {"n_generated", r.tokens.size()},
            {"stop_reason", stop_reason_name(r.stop_reason)},
            {"stop_string", r.stop_string},
            {"n_ctx", n_ctx},
            {"sampling",
             {{"temperature", s.temperature}, {"greedy", s.greedy()}, {"seed", s.seed}, {"top_k", s.top_k}, {"top_p", s.top_p},
              {"min_p", s.min_p}, {"repeat_penalty", s.repeat_penalty}, {"repeat_last_n", s.repeat_last_n}}},
            {"timings",
             {{"quantize_ms", quantize_seconds * 1e3}, {"prompt_ms", r.prompt_seconds * 1e3}, {"generate_ms", r.generate_seconds * 1e3},
              {"prompt_tps", r.prompt_tps()}, {"generate_tps", r.generate_tps()}, {"threads", omp_get_max_threads()}}},
        };
        fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));  // text may end mid-character
        return;
    }
    std::fwrite(r.text.data(), 1, r.text.size(), stdout);
    std::fflush(stdout);
    if (!global.quiet)
        std::fprintf(stderr, "\ngenerate: %d prompt tokens in %.1f ms (%.1f t/s), %zu generated in %.1f ms (%.1f t/s), stop: %s\n",
                     r.n_prompt, r.prompt_seconds * 1e3, r.prompt_tps(), r.tokens.size(), r.generate_seconds * 1e3,
                     r.generate_tps(), stop_reason_name(r.stop_reason));
}

}  // namespace

void add_generate_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<GenerateCliOptions>();
    CLI::App* cmd = app.add_subcommand("generate", "Generate a continuation of a prompt (greedy, or seeded sampling as llama.cpp)");
    cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
    cmd->add_option("--precision", o->precision, "Precision recipe to quantize to in memory ('file' = the file as is)")->capture_default_str();
    cmd->add_option("--prompt", o->prompt, "Prompt text")->each([o](const std::string&) { o->prompt_given = true; });
    cmd->add_option("-f,--prompt-file", o->prompt_file, "Prompt file (its final newline dropped, as llama.cpp's -f)");
    cmd->add_option("-n,--n-predict", o->gen.n_predict, "Tokens to generate at most")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--temp", o->gen.sampling.temperature, "Temperature (0: greedy)")->capture_default_str();
    cmd->add_option("-s,--seed", o->gen.sampling.seed, "Sampling seed")->capture_default_str();
    cmd->add_option("--top-k", o->gen.sampling.top_k, "Top-k (0: off)")->capture_default_str();
    cmd->add_option("--top-p", o->gen.sampling.top_p, "Top-p (1: off)")->capture_default_str();
    cmd->add_option("--min-p", o->gen.sampling.min_p, "Min-p (0: off)")->capture_default_str();
    cmd->add_option("--repeat-penalty", o->gen.sampling.repeat_penalty, "Repetition penalty (1: off)")->capture_default_str();
    cmd->add_option("--repeat-last-n", o->gen.sampling.repeat_last_n, "Tokens the penalty looks back over")->capture_default_str();
    cmd->add_option("--stop", o->gen.stop, "Stop string (repeatable); the text is cut where it starts");
    cmd->add_option("--chat-template", o->chat_template, "Wrap the prompt as one user turn: none, auto (the model's template), chatml, llama3, gemma, ...")->capture_default_str();
    cmd->add_flag("--ignore-eos", [o](int64_t) { o->gen.stop_at_eog = false; }, "Do not stop at end-of-generation tokens");
    cmd->add_option("--parallel", o->parallel, "Generate N sequences of the prompt together in one KV cache (throughput)")->capture_default_str()->check(CLI::Range(1, 256));
    cmd->add_option("-c,--ctx", o->n_ctx, "Context size (0: prompt + n-predict, at most the model's)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("-t,--threads", o->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", o->json, "Print one JSON object (text, token ids, timings)");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
