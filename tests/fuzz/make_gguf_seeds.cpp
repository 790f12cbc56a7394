// Writes the small GGUF seeds of the gguf harness (tests/fuzz/corpus/gguf/): a tiny llama model
// with its vocabulary, and a file with one metadata value of every type and tensors of several
// types. Made here with GgufWriter rather than copied from ../shared, so the committed seeds are
// a few KB and reproducible:  make_gguf_seeds DIR
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "gguf/gguf_writer.h"
#include "quant/imatrix.h"

using namespace qs;

namespace {

// Deterministic filler bytes (some fp16 scales come out as NaN or Inf: fine for a seed).
std::vector<uint8_t>& filler(std::vector<std::vector<uint8_t>>& keep, size_t n) {
    keep.emplace_back(n);
    for (size_t i = 0; i < n; ++i) keep.back()[i] = uint8_t((i * 37 + 11) % 251);
    return keep.back();
}

void add(GgufWriter& w, std::vector<std::vector<uint8_t>>& keep, const std::string& name, GgmlType type,
         std::vector<int64_t> ne) {
    int64_t rows = 1;
    for (size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
    const size_t n = row_size(type, ne[0]) * size_t(rows);
    if (type == GgmlType::F32) {  // small finite values for the norms
        keep.emplace_back(n);
        std::vector<float> v(n / 4, 1.0f);
        std::memcpy(keep.back().data(), v.data(), n);
        w.add_tensor(name, type, std::move(ne), keep.back().data(), n);
        return;
    }
    w.add_tensor(name, type, std::move(ne), filler(keep, n).data(), n);
}

GgufValue strings(const std::vector<std::string>& items) {
    std::vector<GgufValue> v;
    for (const auto& s : items) v.push_back(GgufValue::str(s));
    return GgufValue::array(GgufType::STRING, std::move(v));
}

void tiny_llama(const std::string& path) {
    GgufWriter w;
    std::vector<std::vector<uint8_t>> keep;
    const int64_t e = 32, ff = 64, vocab = 16;
    w.set("general.architecture", GgufValue::str("llama"));
    w.set("general.name", GgufValue::str("tiny"));
    w.set("llama.embedding_length", GgufValue::u32(uint32_t(e)));
    w.set("llama.block_count", GgufValue::u32(1));
    w.set("llama.attention.head_count", GgufValue::u32(2));
    w.set("llama.attention.head_count_kv", GgufValue::u32(1));
    w.set("llama.feed_forward_length", GgufValue::u32(uint32_t(ff)));
    w.set("llama.context_length", GgufValue::u32(64));
    w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(1e-5f));
    w.set("llama.rope.freq_base", GgufValue::f32(10000.0f));
    w.set("tokenizer.ggml.model", GgufValue::str("llama"));
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab"};
    while (tokens.size() < size_t(vocab)) tokens.push_back(fmt::format("t{}", tokens.size()));
    std::vector<GgufValue> scores, types;
    for (size_t i = 0; i < tokens.size(); ++i) {
        scores.push_back(GgufValue::f32(-float(i)));
        types.push_back(GgufValue::i32(i == 0 ? 2 : i < 3 ? 3 : 1));
    }
    w.set("tokenizer.ggml.tokens", strings(tokens));
    w.set("tokenizer.ggml.scores", GgufValue::array(GgufType::FLOAT32, std::move(scores)));
    w.set("tokenizer.ggml.token_type", GgufValue::array(GgufType::INT32, std::move(types)));
    w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(1));
    w.set("tokenizer.ggml.eos_token_id", GgufValue::u32(2));
    add(w, keep, "token_embd.weight", GgmlType::Q8_0, {e, vocab});
    add(w, keep, "output_norm.weight", GgmlType::F32, {e});
    add(w, keep, "output.weight", GgmlType::Q4_0, {e, vocab});
    add(w, keep, "blk.0.attn_norm.weight", GgmlType::F32, {e});
    add(w, keep, "blk.0.attn_q.weight", GgmlType::Q4_0, {e, e});
    add(w, keep, "blk.0.attn_k.weight", GgmlType::Q4_1, {e, e / 2});
    add(w, keep, "blk.0.attn_v.weight", GgmlType::Q5_0, {e, e / 2});
    add(w, keep, "blk.0.attn_output.weight", GgmlType::F16, {e, e});
    add(w, keep, "blk.0.ffn_norm.weight", GgmlType::F32, {e});
    add(w, keep, "blk.0.ffn_gate.weight", GgmlType::Q8_0, {e, ff});
    add(w, keep, "blk.0.ffn_up.weight", GgmlType::BF16, {e, ff});
    add(w, keep, "blk.0.ffn_down.weight", GgmlType::Q5_1, {ff, e});
    w.write(path);
}

void every_type(const std::string& path) {
    GgufWriter w;
    std::vector<std::vector<uint8_t>> keep;
    w.set("general.architecture", GgufValue::str("none"));
    w.set("general.alignment", GgufValue::u32(64));
    w.set("t.u8", {GgufType::UINT8, uint64_t(200)});
    w.set("t.i8", {GgufType::INT8, int64_t(-100)});
    w.set("t.u16", {GgufType::UINT16, uint64_t(60000)});
    w.set("t.i16", {GgufType::INT16, int64_t(-30000)});
    w.set("t.u32", GgufValue::u32(4000000000u));
    w.set("t.i32", GgufValue::i32(-2000000000));
    w.set("t.u64", GgufValue::u64(~uint64_t(0)));
    w.set("t.i64", {GgufType::INT64, int64_t(-1)});
    w.set("t.f32", GgufValue::f32(1.5f));
    w.set("t.f64", {GgufType::FLOAT64, 2.25});
    w.set("t.bool", GgufValue::boolean(true));
    w.set("t.str", GgufValue::str("caf\xC3\xA9"));
    w.set("t.strs", strings({"a", "", "bc"}));
    w.set("t.ints", GgufValue::array(GgufType::INT32, {GgufValue::i32(1), GgufValue::i32(-2)}));
    w.set("t.nested", GgufValue::array(GgufType::ARRAY, {GgufValue::array(GgufType::UINT8, {{GgufType::UINT8, uint64_t(7)}})}));
    add(w, keep, "f32", GgmlType::F32, {8});
    add(w, keep, "f16", GgmlType::F16, {8, 2});
    add(w, keep, "bf16", GgmlType::BF16, {8, 1, 1, 1});
    add(w, keep, "q4_0", GgmlType::Q4_0, {32});
    add(w, keep, "q8_0", GgmlType::Q8_0, {32, 2});
    add(w, keep, "q4_k", GgmlType::Q4_K, {256});
    add(w, keep, "q6_k", GgmlType::Q6_K, {256});
    add(w, keep, "q2_k", GgmlType::Q2_K, {256});
    w.write(path);
}

// An importance matrix of two entries: a dense matrix and one of two experts (one never reached).
void small_imatrix(const std::string& path) {
    ImportanceMatrix m;
    m.datasets = {"calibration.txt"};
    m.chunk_count = 2;
    m.chunk_size = 64;
    m.entries["blk.0.attn_q.weight"] = {8, {1, 2, 3, 4, 5, 6, 7, 8}, {128}};
    m.entries["blk.0.ffn_up_exps.weight"] = {4, {1, 1, 2, 2, 0, 0, 0, 0}, {64, 0}};
    imatrix_write(m, path);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 3) {
        std::fprintf(stderr, "usage: %s GGUF_DIR [IMATRIX_DIR]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    tiny_llama(dir + "/tiny_llama.gguf");
    every_type(dir + "/every_type.gguf");
    if (argc == 3) small_imatrix(std::string(argv[2]) + "/small.imatrix.gguf");
    return 0;
}
