// Continuous batching (serve/completion_batch.h): requests that join and leave the batch at
// different steps, with different prompts, samplers, seeds, stop strings and lengths, each get bit
// for bit what completion_run_prompts gives them alone on a one-sequence context (the path serve
// took before batching): generated tokens, text, finish reason, every log-prob, echoed log-probs.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>

#include "common/test_paths.h"
#include "generate/generate.h"
#include "model/model.h"
#include "serve/completion_batch.h"
#include "serve/completion_queue.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

struct Case {
    CompletionRequest options;
    std::vector<std::vector<int32_t>> prompts;
};

// Eight requests unlike each other: greedy and seeded sampling with every filter, penalties, a stop
// string, a one-token prompt, an item's two choices sharing a prefix (two sequences for one job),
// echo with generation, and a scoring-only request (max_tokens 0) between them.
std::vector<Case> mixed_cases(const Tokenizer& tok) {
    auto p = [&](const char* text) { return generate_prompt_tokens(tok, text); };
    std::vector<Case> cases(8);
    cases[0].prompts = {p("Once upon a time")};
    cases[0].options.max_tokens = 12, cases[0].options.sampling.temperature = 0, cases[0].options.logprobs = 3;
    cases[1].prompts = {p("The little dog ran to the")};
    cases[1].options.max_tokens = 20, cases[1].options.sampling.seed = 11, cases[1].options.sampling.top_k = 40;
    cases[1].options.sampling.temperature = 0.8f, cases[1].options.logprobs = 0;
    cases[2].prompts = {p("Tom and Sue went to the park. They")};
    cases[2].options.max_tokens = 24, cases[2].options.sampling.seed = 12, cases[2].options.sampling.top_p = 0.9f;
    cases[2].options.stop = {".", "!"};
    cases[3].prompts = {p("The cat sat on the mat"), p("The cat sat on the hat and")};
    cases[3].options.max_tokens = 5, cases[3].options.echo = true, cases[3].options.logprobs = 2, cases[3].options.sampling.temperature = 0;
    cases[4].prompts = {p("One day a bird"), p("One day a fish")};
    cases[4].options.max_tokens = 0, cases[4].options.echo = true, cases[4].options.logprobs = 1;
    cases[5].prompts = {{tok.bos() >= 0 ? tok.bos() : 1}};
    cases[5].options.max_tokens = 30, cases[5].options.sampling.temperature = 0, cases[5].options.sampling.frequency_penalty = 0.5f;
    cases[6].prompts = {p("Lily wanted to play with her")};
    cases[6].options.max_tokens = 16, cases[6].options.sampling.seed = 99, cases[6].options.sampling.min_p = 0.05f;
    cases[6].options.sampling.temperature = 0.7f, cases[6].options.logprobs = 1;
    cases[7] = cases[1];
    cases[7].options.sampling.seed = 12345, cases[7].options.max_tokens = 9;
    return cases;
}

bool same_bits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

void expect_same(const std::vector<TokenLogprob>& got, const std::vector<TokenLogprob>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].token, want[k].token) << what << " " << k;
        EXPECT_TRUE(same_bits(got[k].logprob, want[k].logprob)) << what << " " << k;
        ASSERT_EQ(got[k].top.size(), want[k].top.size()) << what << " " << k;
        for (size_t j = 0; j < got[k].top.size(); ++j) {
            EXPECT_EQ(got[k].top[j].first, want[k].top[j].first) << what << " " << k;
            EXPECT_TRUE(same_bits(got[k].top[j].second, want[k].top[j].second)) << what << " " << k;
        }
    }
}

void expect_same(const std::vector<CompletionOutput>& got, const std::vector<CompletionOutput>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
        const std::string w = what + " prompt " + std::to_string(i);
        EXPECT_EQ(got[i].tokens, want[i].tokens) << w;
        EXPECT_EQ(got[i].text, want[i].text) << w;
        EXPECT_EQ(got[i].finish_reason, want[i].finish_reason) << w;
        EXPECT_EQ(got[i].n_prompt, want[i].n_prompt) << w;
        expect_same(got[i].token_logprobs, want[i].token_logprobs, w + " generated");
        expect_same(got[i].prompt_logprobs, want[i].prompt_logprobs, w + " echoed");
    }
}

void check_batched_equals_alone(const std::string& relative, int asked, int expect_at_least) {
    QS_REQUIRE_SHARED(path, relative);
    const auto model = Model::load(path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    constexpr int kCtx = 128;
    const std::vector<Case> cases = mixed_cases(*tok);

    std::vector<std::vector<CompletionOutput>> alone;
    for (const Case& c : cases) {
        ModelContext single(model, kCtx);
        alone.push_back(completion_run_prompts(single, *tok, c.options, c.prompts));
    }
    // The cases must exercise what they claim: two seeds that sample differently, every prompt token echoed.
    ASSERT_NE(alone[1][0].tokens, alone[7][0].tokens);
    ASSERT_EQ(alone[3][0].prompt_logprobs.size(), cases[3].prompts[0].size());

    const int n_seq = batch_invariant_steps(model, asked);
    ASSERT_GE(n_seq, expect_at_least) << relative;
    CompletionBatch batch(model, tok, kCtx, n_seq);
    ASSERT_EQ(batch.n_seq(), n_seq);
    std::vector<std::future<std::vector<CompletionOutput>>> results;
    // Requests arrive between steps (0, 1 or 2 steps apart), so each joins a batch already
    // generating, and leaves it at its own step.
    for (size_t i = 0; i < cases.size(); ++i) {
        CompletionJob job{cases[i].options, cases[i].prompts, {}};
        results.push_back(job.result.get_future());
        batch.admit(std::move(job));
        for (size_t s = 0; s < i % 3 && batch.busy(); ++s) batch.step();
    }
    int steps = 0;
    while (batch.busy() && steps < 1000) batch.step(), ++steps;
    ASSERT_FALSE(batch.busy());
    for (size_t i = 0; i < cases.size(); ++i) {
        ASSERT_EQ(results[i].wait_for(std::chrono::seconds(0)), std::future_status::ready) << i;
        expect_same(results[i].get(), alone[i], relative + " request " + std::to_string(i));
    }
}

// M1 Q4_K_M: the integer kernels give a row the same bits in any batch, so on the AVX-512 VM all 8
// sequences decode together (at least 2 is required anywhere, or batching would not be tested).
TEST(CompletionBatch, M1Q4KMBatchedEqualsAlone) {
    check_batched_equals_alone("models/synthetic/m1-quantized/m1-mix-Q4_K_M.gguf", 8, 2);
}
// stories260K is F32: the probe keeps the batch below the float tile's 4 rows, still batched.
TEST(CompletionBatch, Stories260KF32BatchedEqualsAlone) { check_batched_equals_alone("models/stories260K.gguf", 8, 2); }

// A request the batch cannot run fails alone, with the engine's message; the others are answered.
TEST(CompletionBatch, ABadRequestFailsAloneAndTheOthersFinish) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const auto model = Model::load(path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    CompletionBatch batch(model, tok, 64, 2);
    CompletionRequest good;
    good.max_tokens = 8;
    CompletionRequest too_long = good;
    too_long.max_tokens = 64;  // prompt + 64 tokens do not fit 64 positions
    CompletionJob a{good, {generate_prompt_tokens(*tok, "Once upon a time")}, {}}, b{too_long, {generate_prompt_tokens(*tok, "One day")}, {}};
    auto fa = a.result.get_future(), fb = b.result.get_future();
    batch.admit(std::move(a));
    batch.step();
    batch.admit(std::move(b));
    while (batch.busy()) batch.step();
    EXPECT_EQ(fa.get()[0].n_prompt, int(generate_prompt_tokens(*tok, "Once upon a time").size()));
    try {
        fb.get();
        ADD_FAILURE() << "the request that does not fit was answered";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("do not fit the context of 64 tokens"), std::string::npos) << e.what();
    }
}

// Stopping: what a worker admitted is finished; what still waits in the queue gets "server stopping".
TEST(CompletionQueue, StoppingFinishesAdmittedRequestsAndRefusesWaitingOnes) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const auto model = Model::load(path);
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    std::vector<std::future<std::vector<CompletionOutput>>> futures;
    {
        CompletionQueue queue(model, tok, CompletionQueueOptions{.n_ctx = 128, .max_pending = 64, .threads = 1, .batch = 2});
        CompletionRequest r;
        r.max_tokens = 100;
        r.sampling.seed = 3;
        const std::vector<int32_t> prompt = generate_prompt_tokens(*tok, "Once upon a time");
        for (int i = 0; i < 24; ++i) futures.push_back(queue.submit(r, {prompt}));
    }
    int answered = 0, refused = 0;
    for (auto& f : futures) {
        ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
        try {
            EXPECT_FALSE(f.get()[0].finish_reason.empty());
            ++answered;
        } catch (const Error& e) {
            EXPECT_STREQ(e.what(), "server stopping");
            ++refused;
        }
    }
    EXPECT_EQ(answered + refused, 24);
    EXPECT_GT(refused, 0);  // the worker admits one request per step: 24 cannot all be in before the stop
}

}  // namespace
}  // namespace qs::test
