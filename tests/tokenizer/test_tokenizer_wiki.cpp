// wiki.test.raw against llama.cpp's full token id lists:
//   llama-tokenize -m <model> -f wiki.test.raw --ids --show-count
// llama-tokenize reads the file as is (the final newline stays) and tokenizes with
// add_special = true and parse_special = true (its defaults). It also expands backslash escapes
// unless --no-escape is given; wiki.test.raw has no backslash, so that makes no difference here.
#include <gtest/gtest.h>

#include <ctime>

#include "common/test_paths.h"
#include "tokenizer_test_util.h"

namespace qs {
namespace {

constexpr const char* WIKI = "data/wikitext-2-raw/wiki.test.raw";

// The tokenization time is printed, never asserted: CI must not gate on timings.
void compare_with_log(const std::string& model, const std::string& log_gz) {
    const auto tok = test::load_tokenizer(model);
    const std::string text = test::read_binary(test::shared_path(WIKI));
    const test::TokenizeLog ref = test::parse_tokenize_log(test::read_gzip(log_gz));
    ASSERT_EQ(int64_t(ref.ids.size()), ref.total) << "log id list and count disagree";

    // CPU time of this thread: the machine is shared, so wall-clock time says little.
    const auto cpu_seconds = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    };
    const double t0 = cpu_seconds();
    const std::vector<int32_t> ids = tok->encode(text, true, true);
    const double seconds = cpu_seconds() - t0;
    std::printf("[ wiki    ] %s: %zu tokens in %.3f s CPU (%.1f MB/s)\n", model.c_str(), ids.size(), seconds,
                double(text.size()) / seconds / 1e6);

    ASSERT_EQ(ids.size(), ref.ids.size());
    size_t first_diff = ids.size();
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] != ref.ids[i]) {
            first_diff = i;
            break;
        }
    EXPECT_EQ(first_diff, ids.size()) << "first difference at token " << first_diff << ": got " << ids[first_diff]
                                      << ", llama.cpp " << ref.ids[first_diff];
}

TEST(TokenizerWiki, Stories260kSpmMatchesLlamaTokenize) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(wiki, WIKI);
    QS_REQUIRE_SHARED(log, "reference/logs/tokenize_stories260K_count.log.gz");
    compare_with_log(model, log);
}

TEST(TokenizerWiki, M1SpmMatchesLlamaTokenize) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(wiki, WIKI);
    QS_REQUIRE_SHARED(log, "reference/logs/tokenize_m1_count.log.gz");
    compare_with_log(model, log);
}

TEST(TokenizerWiki, M2Gpt2BpeMatchesLlamaTokenize) {
    QS_REQUIRE_SHARED(model, "models/synthetic/qwen2-d256-gpt2bpe.gguf");
    QS_REQUIRE_SHARED(wiki, WIKI);
    QS_REQUIRE_SHARED(log, "reference/logs/tokenize_m2_count.log.gz");
    compare_with_log(model, log);
}

// llama-perplexity reads -f through common/arg.cpp, which drops one trailing '\n'; its token
// stream is therefore the file without that newline. Dropping it must change only the tail.
TEST(TokenizerWiki, PerplexityInputDropsFinalNewlineOnlyAtTheEnd) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(wiki, WIKI);
    const auto tok = test::load_tokenizer(model);
    std::string text = test::read_binary(wiki);
    ASSERT_EQ(text.back(), '\n');
    text.erase(0, text.rfind("\n = ", text.size() - 20000));  // the last sections are enough
    const std::vector<int32_t> full = tok->encode(text, true);
    text.pop_back();
    const std::vector<int32_t> trimmed = tok->encode(text, true);
    ASSERT_LT(trimmed.size(), full.size());
    EXPECT_TRUE(std::equal(trimmed.begin(), trimmed.end() - 1, full.begin()));
}

}  // namespace
}  // namespace qs
