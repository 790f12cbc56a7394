// Continuous batching of completions (issue 14): the generation steps of several requests decoded
// together, one forward pass per step, on one multi-sequence ModelContext (decode_batch: each
// sequence at its own positions, attending only to its own cache).
//
//   CompletionBatch batch(model, tokenizer, n_ctx, n_seq);
//   batch.admit(std::move(job));           // between steps, from the thread that steps
//   while (batch.busy()) batch.step();     // jobs are answered through their promises
//
// A job's prompts wait for free sequences. A prompt that gets one is decoded into it alone, in the
// passes completion_run_prompts uses (the job's shared prefix, then the rest of the prompt's input,
// n_ubatch rows per pass); its last token then joins the next step, which decodes one row for every
// generating sequence. A completion leaves the batch when it ends (end-of-generation token, stop
// string, max_tokens, full context) and the next waiting prompt takes its sequence at the next step.
// Each completion keeps its own sampler (seed, penalties), stop strings and max_tokens.
//
// Why a request's output is the one it gets alone, whatever else is decoded: in a step every row is
// computed as a one-row decode computes it (row-wise norms and RoPE, attention over its own
// sequence's cache with the kernel a one-row pass takes), except for the matrix products, whose
// kernel can depend on the number of rows (engine/kernels/gemm_tiles.h: the tile kernels of the
// integer types repeat vec_dot bit for bit, those of f32/f16/bf16 sum in another order and start at
// 4 rows). So batch_invariant_steps() decodes probe tokens one at a time and together before the
// first request, and at most as many sequences as gave every logit bit for bit are batched (an F32
// model: 3; M1 Q4_K_M: all 8 asked). For a mixture of experts the rows an expert gets vary with the
// batch, and the probe sees only some of those mixes.
//
// Prompt passes are not batched across requests: echoed log-probs need every row of a prompt's
// logits, which decode_batch does not give (it returns each entry's last row), and a prompt's pass
// shares its matrix products only with its own rows, as alone. A request that echoes log-probs, or
// generates nothing (scoring: lm-eval's loglikelihood and QuantScope's eval --endpoint send echo
// with max_tokens 1), runs whole on a separate one-sequence context by completion_run_prompts, as
// every request ran before batching: its log-probs are bit for bit what they were then (whatever
// else is queued), its prompts are decoded once, and the batch's steps wait meanwhile (as
// they wait for any prompt pass: a long echo generation holds them as long).
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <list>
#include <memory>
#include <optional>
#include <vector>

#include "model/model.h"
#include "serve/completion.h"

namespace qs {

// One request as queued: `options` for every prompt; the promise gets one output per prompt, or
// the qs::Error the request raised.
struct CompletionJob {
    CompletionRequest options;
    std::vector<std::vector<int32_t>> prompts;
    std::promise<std::vector<CompletionOutput>> result;
};

class CompletionBatch {
public:
    // n_seq: sequences decoded together (the KV cache holds n_seq x n_ctx positions).
    CompletionBatch(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, int n_ctx, int n_seq);
    ~CompletionBatch();  // unanswered jobs get qs::Error("server stopping")
    CompletionBatch(const CompletionBatch&) = delete;
    CompletionBatch& operator=(const CompletionBatch&) = delete;

    // Checks a job; one that echoes log-probs or generates nothing runs whole now (on the
    // one-sequence context) and is answered, as is one that fails; the others' prompts wait for a
    // sequence.
    void admit(CompletionJob job);
    // No prompt of an admitted job is waiting for a sequence: taking another job now delays nobody.
    bool has_room() const { return waiting_.empty(); }
    // Some admitted job is not answered yet.
    bool busy() const { return !jobs_.empty(); }
    // Free sequences take waiting prompts (their prompt passes), then one pass decodes the next
    // row of every generating sequence and each samples from its row.
    void step();

    int n_seq() const { return ctx_.n_seq(); }

private:
    struct Admitted {
        CompletionJob job;
        std::vector<CompletionOutput> outs;  // [prompts]
        size_t prefix = 0;                   // completion_shared_prefix of the prompts
        size_t unfinished = 0;               // prompts not done generating
    };
    struct Waiting {
        Admitted* job;
        size_t prompt;
    };
    struct Sequence {
        Admitted* job = nullptr;  // null: free
        size_t prompt = 0;
        std::optional<CompletionStream> stream;
        int32_t next = 0;         // the token its next row decodes
    };

    void start(int seq, const Waiting& w);           // the prompt's passes into sequence seq
    void finish(Sequence& s);                         // a completion ended: its output to its job
    void answer(Admitted& a);                         // every output done: the promise, then forget it
    void fail(Admitted& a, std::exception_ptr error);  // the promise gets the error; its sequences are freed

    std::shared_ptr<const Model> model_;
    std::shared_ptr<const Tokenizer> tokenizer_;
    int n_ctx_;
    ModelContext ctx_;                      // n_seq sequences of n_ctx positions
    std::optional<ModelContext> echo_ctx_;  // one sequence, made for the first scoring job
    std::list<Admitted> jobs_;              // admitted, not answered (list: stable addresses)
    std::deque<Waiting> waiting_;           // prompts waiting for a sequence, in arrival order
    std::vector<Sequence> seqs_;            // [n_seq]
    std::vector<float> logits_;             // [n_seq x n_vocab] one step's rows
};

// The most sequences, up to n_seq, whose one-row steps decoded together give every sequence's
// logits bit for bit as a one-row decode() alone: probe tokens decoded alone, then together in
// batches of 2, 3, ... n_seq; the first batch that differs ends the count. 1 when n_seq <= 1.
int batch_invariant_steps(const std::shared_ptr<const Model>& model, int n_seq);

}  // namespace qs
