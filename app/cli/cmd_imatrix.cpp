// quantscope-cli imatrix --model M --text FILE [--ctx 512] [--chunks N] --out FILE.gguf
//                        [--process-output] [--threads T] [--json]
// Computes an importance matrix as llama-imatrix does and writes it in its GGUF format (what
// `quantize --imatrix` and llama-quantize --imatrix read). The text path is recorded as given in
// imatrix.datasets, as llama-imatrix records its -f argument.
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "eval/imatrix_collect.h"
#include "model/model.h"
#include "progress_bar.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct ImatrixCliOptions {
    std::string model, text, out;
    int n_ctx = 512, chunks = -1, threads = 0;
    bool process_output = false, json = false;
};

void run(const ImatrixCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    const auto model = Model::load(o.model);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> tokens = tokenizer->encode(perplexity_read_text(o.text), true);
    ModelContext ctx(model, o.n_ctx);
    ImatrixOptions opts;
    opts.chunks.n_ctx = o.n_ctx;
    opts.chunks.max_chunks = o.chunks;
    opts.process_output = o.process_output;
    opts.dataset = o.text;
    ProgressBar bar(!global.quiet);
    Progress progress(bar.callback());
    const ImatrixResult r = imatrix_collect(ctx, *tokenizer, tokens, opts, progress);
    bar.finish();
    imatrix_write(r.matrix, o.out);

    if (o.json) {
        const nlohmann::json j = {
            {"model", o.model}, {"text", o.text}, {"out", o.out}, {"n_ctx", o.n_ctx},
            {"chunks", r.matrix.chunk_count}, {"entries", r.matrix.entries.size()},
            {"ppl", r.perplexity.ppl}, {"ppl_stderr", r.perplexity.ppl_stderr}, {"seconds", r.perplexity.seconds},
        };
        fmt::print("{}\n", j.dump(2));
        return;
    }
    fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}\n", r.perplexity.ppl, r.perplexity.ppl_stderr);
    fmt::print("stored {} importance matrix entries from {} chunks of {} tokens in {}\n", r.matrix.entries.size(),
               r.matrix.chunk_count, r.matrix.chunk_size, o.out);
}

}  // namespace

void add_imatrix_command(CLI::App& app, const GlobalOptions& global) {
    auto opts = std::make_shared<ImatrixCliOptions>();
    CLI::App* cmd = app.add_subcommand("imatrix", "Importance matrix of a model over a text, as llama-imatrix computes it");
    cmd->add_option("-m,--model", opts->model, "GGUF model file")->required();
    cmd->add_option("-f,--text", opts->text, "UTF-8 calibration text (its final newline is dropped, as llama.cpp -f does)")
        ->required();
    cmd->add_option("-c,--ctx", opts->n_ctx, "Tokens per chunk")->capture_default_str()->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--chunks", opts->chunks, "Use at most N chunks (-1: all)")->capture_default_str();
    cmd->add_option("-o,--out", opts->out, "Output imatrix file (GGUF, llama-imatrix's format)")->required();
    cmd->add_flag("--process-output", opts->process_output, "Also collect output.weight (llama-imatrix --process-output)");
    cmd->add_option("-t,--threads", opts->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, &global] { run(*opts, global); });
}

}  // namespace qs::cli
