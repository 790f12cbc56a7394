// Greedy generation against llama.cpp: llama-completion --temp 0 -n 48 on the prompts in
// ../shared/reference/generate.json (stories260K and the synthetic M1). The reference stdout is
// the generated text followed by the "\n\n" that llama-completion prints when it stops
// (tools/completion/completion.cpp: LOG("\n\n") before the perf report).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <cmath>
#include <regex>

#include "common/test_paths.h"
#include "core/text_file.h"
#include "generate/generate.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

// "prompt eval time = ... / 21 tokens" from llama.cpp's log: how many prompt tokens it decoded.
int prompt_tokens_in_log(const std::string& log_path) {
    std::ifstream in(log_path);
    std::string line;
    const std::regex re(R"(prompt eval time =.*/\s*(\d+) tokens)");
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, re)) return std::stoi(m[1]);
    return -1;
}

void check_case(size_t index) {
    QS_REQUIRE_SHARED(json_path, "reference/generate.json");
    std::ifstream in(json_path);
    const nlohmann::json c = nlohmann::json::parse(in)["cases"].at(index);
    QS_REQUIRE_SHARED(model_path, c["model"].get<std::string>());
    QS_REQUIRE_SHARED(prompt_path, c["prompt_file"].get<std::string>());
    QS_REQUIRE_SHARED(log_path, c["log"].get<std::string>());

    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> prompt = generate_prompt_tokens(*tokenizer, text_file_read(prompt_path));
    EXPECT_EQ(int(prompt.size()), prompt_tokens_in_log(log_path)) << "prompt tokens differ from llama.cpp's";

    ModelContext ctx(model, 2048);
    GenerateOptions opts;
    opts.n_predict = c["n_predict"].get<int>();
    const GenerateResult r = generate(ctx, *tokenizer, prompt, opts);
    EXPECT_EQ(r.tokens.size(), size_t(opts.n_predict));
    EXPECT_EQ(r.stop_reason, StopReason::MaxTokens);
    EXPECT_EQ(r.text + "\n\n", c["generated_text"].get<std::string>());
}

TEST(GenerateReference, Stories260KGreedyEqualsLlamaCompletion) { check_case(0); }
TEST(GenerateReference, M1GreedyEqualsLlamaCompletion) { check_case(1); }

// Each greedy token is the argmax of the logits that decoding the whole sequence so far in one
// batch, from an empty cache, gives: incremental decoding with the KV cache changes nothing.
TEST(GenerateReference, GreedyTokensAreTheArgmaxOfAFreshForwardPass) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> prompt = generate_prompt_tokens(*tokenizer, "Once upon a time, a little dog");
    ModelContext ctx(model, 256);
    GenerateOptions opts;
    opts.n_predict = 24;
    const GenerateResult r = generate(ctx, *tokenizer, prompt, opts);
    ASSERT_EQ(r.tokens.size(), 24u);

    std::vector<int32_t> all = prompt;
    all.insert(all.end(), r.tokens.begin(), r.tokens.end() - 1);
    const int64_t n_vocab = model->hparams().n_vocab;
    std::vector<uint8_t> want(all.size(), 0);
    for (size_t i = prompt.size() - 1; i < all.size(); ++i) want[i] = 1;
    std::vector<float> logits(size_t(r.tokens.size() * n_vocab));
    ModelContext fresh(model, 256);
    fresh.decode(all, want, logits.data());
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        const float* row = logits.data() + t * n_vocab;
        const int32_t argmax = int32_t(std::max_element(row, row + n_vocab) - row);
        EXPECT_EQ(r.tokens[t], argmax) << "token " << t;
    }
    std::string pieces;
    for (const int32_t t : r.tokens) pieces += tokenizer->token_to_piece(t, false);
    EXPECT_EQ(r.text, pieces);
}

TEST(GenerateReference, StopStringCutsTheTextWhereItStarts) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(prompt_path, "reference/generate/prompt-stories.txt");
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    ModelContext ctx(model, 512);
    GenerateOptions opts;
    opts.n_predict = 48;
    opts.stop = {"zzz-never", " ball", "\nLily"};
    const GenerateResult r = generate(ctx, *tokenizer, generate_prompt_tokens(*tokenizer, text_file_read(prompt_path)), opts);
    // The greedy text is " outside in the park. One day, she saw a big, red ball. ..." (above).
    EXPECT_EQ(r.text, " outside in the park. One day, she saw a big, red");
    EXPECT_EQ(r.stop_reason, StopReason::StopString);
    EXPECT_EQ(r.stop_string, " ball");
    EXPECT_LT(r.tokens.size(), 48u);
}

TEST(GenerateReference, EndOfGenerationTokensAreKnown) {
    QS_REQUIRE_SHARED(spm, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(bpe, "models/synthetic/qwen2-d256-gpt2bpe.gguf");
    const auto t1 = Tokenizer::from_gguf(GgufFile::open(spm));
    EXPECT_TRUE(t1->is_eog(t1->eos()));
    EXPECT_FALSE(t1->is_eog(t1->bos()));
    const auto t2 = Tokenizer::from_gguf(GgufFile::open(bpe));
    EXPECT_TRUE(t2->is_eog(t2->eos()));
}

TEST(GenerateReference, BadRequestsAreErrors) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    ModelContext ctx(model, 16);
    GenerateOptions opts;
    EXPECT_THROW(generate(ctx, *tokenizer, std::vector<int32_t>{}, opts), Error);
    EXPECT_THROW(generate(ctx, *tokenizer, std::vector<int32_t>(16, 1), opts), Error);  // no room left
    opts.n_predict = 0;
    EXPECT_THROW(generate(ctx, *tokenizer, std::vector<int32_t>{1}, opts), Error);
    // A full context ends generation and says so.
    opts.n_predict = 100;
    const GenerateResult r = generate(ctx, *tokenizer, std::vector<int32_t>{1, 400}, opts);
    EXPECT_EQ(r.stop_reason, StopReason::ContextFull);
    EXPECT_EQ(r.tokens.size(), 15u);  // 2 prompt + 14 decoded fill the 16 positions, and one last pick
}

}  // namespace
}  // namespace qs::test

namespace qs::test {
namespace {

// Several sequences in one KV cache: each result is the one a single-sequence generate() gives,
// token for token, whatever the mix of prompt lengths, stop reasons and slot reuse.
void check_batch_equals_single(const std::string& model_rel, int n_seq, size_t n_requests) {
    QS_REQUIRE_SHARED(model_path, model_rel);
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<std::string> prompts = {"Once upon a time", "The little cat saw a big", "Lily and Tom went to the park to play",
                                              "One day", "A boy had a red ball. He", "The sun was"};
    std::vector<GenerateRequest> requests;
    for (size_t i = 0; i < n_requests; ++i) {
        GenerateRequest r;
        r.prompt = generate_prompt_tokens(*tokenizer, prompts[i]);
        r.options.n_predict = 6 + 4 * int(i);
        if (i == 2) r.options.stop = {"."};
        if (i == 4) r.options.sampling.temperature = 0.9f, r.options.sampling.seed = 7;  // seeded sampling too
        requests.push_back(r);
    }
    ContextOptions copts;
    copts.n_seq = n_seq;
    ModelContext batch_ctx(model, 96, copts);
    std::vector<GenerateResult> batched(requests.size());
    std::vector<size_t> order;
    generate_batch(batch_ctx, *tokenizer, requests, [&](size_t i, GenerateResult&& r) {
        order.push_back(i);
        batched[i] = std::move(r);
    });
    ASSERT_EQ(order.size(), requests.size());
    ModelContext single(model, 96);
    for (size_t i = 0; i < requests.size(); ++i) {
        const GenerateResult one = generate(single, *tokenizer, requests[i].prompt, requests[i].options);
        EXPECT_EQ(batched[i].tokens, one.tokens) << "request " << i;
        EXPECT_EQ(batched[i].text, one.text) << "request " << i;
        EXPECT_EQ(batched[i].stop_reason, one.stop_reason) << "request " << i;
    }
}

// More requests than slots, so slots are reused; a stop string, a sampled request, different lengths.
TEST(GenerateBatch, Stories260KBatchedEqualsOneAtATime) { check_batch_equals_single("models/stories260K.gguf", 3, 6); }
TEST(GenerateBatch, M1BatchedEqualsOneAtATime) { check_batch_equals_single("models/synthetic/llama-d256-spm512.gguf", 2, 5); }

// decode_batch's logits for a sequence do not depend on what else is in the batch: the same as
// decoding it alone in the same passes (the same rows per pass).
TEST(GenerateBatch, SequencesDoNotSeeEachOther) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const auto model = Model::load(model_path);
    const size_t n_vocab = size_t(model->hparams().n_vocab);
    const std::vector<int32_t> a = {1, 400, 65, 88, 23}, b = {1, 300, 301, 17};
    // Decodes `tokens` alone in passes of the given sizes; returns the last token's logits.
    auto alone = [&](const std::vector<int32_t>& tokens, std::vector<size_t> passes) {
        ModelContext ctx(model, 32);
        std::vector<float> logits(n_vocab);
        size_t at = 0;
        for (size_t n : passes) {
            std::vector<uint8_t> want(n, 0);
            want.back() = 1;
            ctx.decode(std::span(tokens).subspan(at, n), want, logits.data());
            at += n;
        }
        return logits;
    };
    for (const int n_ubatch : {512, 8}) {
        ContextOptions copts;
        copts.n_seq = 2;
        copts.n_ubatch = n_ubatch;  // 8: a (5) and 3 of b's 4 rows share a pass, b's last row goes alone
        ModelContext ctx(model, 32, copts);
        std::vector<float> both(2 * n_vocab);
        const SeqTokens batch[] = {{1, a}, {0, b}};
        ctx.decode_batch(batch, both.data());
        EXPECT_EQ(ctx.n_past(1), 5);
        EXPECT_EQ(ctx.n_past(0), 4);
        const std::vector<float> la = alone(a, {5});
        const std::vector<float> lb = n_ubatch == 8 ? alone(b, {3, 1}) : alone(b, {4});
        if (n_ubatch == 512) {  // same pass sizes on both sides of the matmul's tile threshold: bit for bit
            EXPECT_TRUE(std::equal(la.begin(), la.end(), both.begin()));
            EXPECT_TRUE(std::equal(lb.begin(), lb.end(), both.begin() + std::ptrdiff_t(n_vocab)));
        } else {  // b's first 3 rows ran in a pass of 8 rows (tile kernel) vs 3 alone: rounding only
            for (size_t v = 0; v < n_vocab; ++v) {
                EXPECT_NEAR(both[v], la[v], 1e-4f * (1.0f + std::fabs(la[v]))) << v;
                EXPECT_NEAR(both[n_vocab + v], lb[v], 1e-4f * (1.0f + std::fabs(lb[v]))) << v;
            }
        }
    }
    ContextOptions copts;
    copts.n_seq = 2;
    ModelContext ctx(model, 32, copts);
    std::vector<float> out(2 * n_vocab);
    const SeqTokens repeated[] = {{0, b}, {0, b}};
    EXPECT_THROW(ctx.decode_batch(repeated, out.data()), Error);
    const SeqTokens outside[] = {{2, b}};
    EXPECT_THROW(ctx.decode_batch(outside, out.data()), Error);
    EXPECT_EQ(ctx.n_past(0), 0);  // refused batches change nothing
}

}  // namespace
}  // namespace qs::test
