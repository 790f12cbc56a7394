// llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out), read the way
// tests/test-tokenizer-0.cpp reads them: texts separated by "\n__ggml_vocab_test__\n",
// expected ids one line per text, tokenized with add_special = false, parse_special = false.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "common/test_paths.h"
#include "tokenizer_test_util.h"

namespace qs {
namespace {

struct VocabCase {
    std::string text;
    std::vector<int32_t> expected;
};

std::vector<VocabCase> read_vocab_tests(const std::string& inp_path, const std::string& out_path) {
    const std::string raw = test::read_binary(inp_path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0; pos < raw.size();) {
        const size_t next = raw.find(sep, pos);
        if (next == std::string::npos) {
            texts.push_back(raw.substr(pos));
            break;
        }
        texts.push_back(raw.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::istringstream out(test::read_binary(out_path));
    std::vector<VocabCase> cases;
    size_t i = 0;
    for (std::string line; std::getline(out, line); ++i) {
        VocabCase c;
        c.text = i < texts.size() ? texts[i] : std::string();
        std::istringstream ids(line);
        for (int32_t id; ids >> id;) c.expected.push_back(id);
        cases.push_back(std::move(c));
    }
    EXPECT_EQ(texts.size(), cases.size()) << "input and output files have different numbers of tests";
    return cases;
}

void run_vocab_tests(const std::string& gguf, size_t min_cases) {
    const auto tok = test::load_tokenizer(gguf);
    const auto cases = read_vocab_tests(gguf + ".inp", gguf + ".out");
    ASSERT_GE(cases.size(), min_cases);
    size_t passed = 0;
    for (const VocabCase& c : cases) {
        const std::vector<int32_t> got = tok->encode(c.text, false, false);
        if (got == c.expected) {
            ++passed;
        } else {
            std::ostringstream g, e;
            for (int32_t id : got) g << id << ' ';
            for (int32_t id : c.expected) e << id << ' ';
            ADD_FAILURE() << "text '" << c.text << "'\n  got      " << g.str() << "\n  expected " << e.str();
        }
    }
    EXPECT_EQ(passed, cases.size());
    std::printf("[ vectors ] %s: %zu / %zu pass\n", gguf.c_str(), passed, cases.size());
}

TEST(TokenizerVectors, LlamaSpm) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-llama-spm.gguf");
    run_vocab_tests(path, 40);
}

TEST(TokenizerVectors, Gpt2) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-gpt-2.gguf");
    run_vocab_tests(path, 40);
}

}  // namespace
}  // namespace qs
