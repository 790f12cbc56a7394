// Greedy generation against llama.cpp: llama-completion --temp 0 -n 48 on the prompts in
// ../shared/reference/generate.json (stories260K and the synthetic M1). The reference stdout is
// the generated text followed by the "\n\n" that llama-completion prints when it stops
// (tools/completion/completion.cpp: LOG("\n\n") before the perf report).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
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
