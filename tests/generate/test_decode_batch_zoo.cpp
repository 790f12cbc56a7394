// Several sequences in one batch on every architecture of the zoo (../shared/models/zoo): each
// sequence's logits are the ones it gets decoded alone. The sequences are longer than the
// gemma models' 128-position sliding window, so each sequence's window, its RoPE positions (local
// and global bases), the MoE routing of its rows and phi3's fused projections are all checked
// per sequence, not per batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/test_paths.h"
#include "model/model.h"

namespace qs::test {
namespace {

std::vector<int32_t> random_tokens(size_t n, int32_t n_vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> pick(1, n_vocab - 1);
    std::vector<int32_t> out(n);
    for (auto& t : out) t = pick(rng);
    return out;
}

void check_batch_equals_alone(const std::string& stem) {
    QS_REQUIRE_SHARED(model_path, "models/zoo/" + stem + ".gguf");
    const auto model = Model::load(model_path);
    const int32_t n_vocab = int32_t(model->hparams().n_vocab);
    // 150 and 140 positions: past the 128-position window; 30: a short one beside them.
    const std::vector<std::vector<int32_t>> seqs = {random_tokens(150, n_vocab, 1), random_tokens(140, n_vocab, 2),
                                                    random_tokens(30, n_vocab, 3)};
    // A context of 512 positions gives passes of 512 rows (n_ubatch = min(512, n_ctx)), so the
    // batch's 320 rows run in one pass and every sequence gets the attention kernel it gets alone
    // (a sequence split across passes would take llama.cpp's small-batch kernel for its tail).
    constexpr int kCtx = 512;
    ContextOptions copts;
    copts.n_seq = 3;
    ModelContext batch_ctx(model, kCtx, copts);
    std::vector<float> batched(seqs.size() * size_t(n_vocab));
    // In slot order 2, 0, 1: a sequence's place in the batch and its cache slot differ.
    const SeqTokens batch[] = {{2, seqs[0]}, {0, seqs[1]}, {1, seqs[2]}};
    batch_ctx.decode_batch(batch, batched.data());
    for (size_t i = 0; i < seqs.size(); ++i) {
        ModelContext alone(model, kCtx);
        std::vector<uint8_t> want(seqs[i].size(), 0);
        want.back() = 1;
        std::vector<float> logits(static_cast<size_t>(n_vocab));
        alone.decode(seqs[i], want, logits.data());
        const float* got = batched.data() + i * size_t(n_vocab);
        // Bit for bit: every step is row by row, and the matrix kernels give a row the same sums
        // whatever rows share its call.
        EXPECT_TRUE(std::equal(logits.begin(), logits.end(), got)) << stem << " sequence " << i;
    }
}

TEST(DecodeBatchZoo, Qwen3) { check_batch_equals_alone("qwen3-d256-bpe4k"); }
TEST(DecodeBatchZoo, Gemma2SlidingWindowAndSoftcaps) { check_batch_equals_alone("gemma2-d256-spm512"); }
TEST(DecodeBatchZoo, Gemma3SlidingWindowLocalRope) { check_batch_equals_alone("gemma3-d256-spm512"); }
TEST(DecodeBatchZoo, Phi3FusedProjections) { check_batch_equals_alone("phi3-d256-spm512"); }
TEST(DecodeBatchZoo, Qwen3MoeRouting) { check_batch_equals_alone("qwen3moe-d256-spm512-Q4_K_M"); }

}  // namespace
}  // namespace qs::test
