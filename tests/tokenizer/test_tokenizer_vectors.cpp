// llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out), read the way
// tests/test-tokenizer-0.cpp reads them: texts separated by "\n__ggml_vocab_test__\n",
// expected ids one line per text, tokenized with add_special = false, parse_special = false.
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "tokenizer_test_util.h"

namespace qs {
namespace {

TEST(TokenizerVectors, LlamaSpm) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-llama-spm.gguf");
    test::run_vocab_tests(*test::load_tokenizer(path), path, 40);
}

TEST(TokenizerVectors, Gpt2) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-gpt-2.gguf");
    test::run_vocab_tests(*test::load_tokenizer(path), path, 40);
}

}  // namespace
}  // namespace qs
