// Byte identity with llama.cpp: every tensor that llama-quantize (b9928, no imatrix) wrote for M1
// must be exactly what quantize_rows produces from M1's F32 data.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/test_paths.h"
#include "gguf/gguf_file.h"
#include "quant/quantize.h"

namespace qs {
namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";

struct CompareResult {
    int identical = 0;          // tensors whose bytes match
    int quantized_as_type = 0;  // of those, tensors stored in the file's nominal type
    std::vector<std::string> failures;
};

// Describes the first differing block of a tensor: its row, block index within the row, and both
// byte sequences, so a mismatch can be traced to one block of the algorithm.
std::string first_difference(const GgufTensorInfo& t, const uint8_t* ours, const uint8_t* theirs) {
    const size_t block_bytes = type_traits(t.type).type_size;
    const size_t row_bytes = row_size(t.type, t.ne[0]);
    size_t i = 0;
    while (ours[i] == theirs[i]) ++i;
    const size_t block = i / block_bytes;
    std::string ours_hex, theirs_hex;
    for (size_t b = block * block_bytes; b < (block + 1) * block_bytes && b < t.nbytes; ++b) {
        ours_hex += fmt::format("{:02x}", ours[b]);
        theirs_hex += fmt::format("{:02x}", theirs[b]);
    }
    return fmt::format("tensor '{}' ({}): first difference at byte {} = row {}, block {} of the row\n  ours:     {}\n  llama.cpp: {}",
                       t.name, type_name(t.type), i, i / row_bytes, (i % row_bytes) / block_bytes, ours_hex, theirs_hex);
}

// Quantizes every tensor of `quantized` from the matching F32 tensor of `source` to the type the
// file stores, and compares bytes.
CompareResult compare_file(const GgufFile& source, const GgufFile& quantized, GgmlType nominal) {
    CompareResult r;
    for (const GgufTensorInfo& t : quantized.tensors()) {
        const GgufTensorInfo* src = source.find_tensor(t.name);
        if (!src || src->type != GgmlType::F32 || src->ne != t.ne) {
            r.failures.push_back("tensor '" + t.name + "' has no F32 source of the same shape");
            continue;
        }
        std::vector<uint8_t> ours(t.nbytes);
        const size_t written = quantize_rows(t.type, reinterpret_cast<const float*>(src->data), ours.data(), t.rows(),
                                             t.ne[0], t.name);
        if (written != t.nbytes) {
            r.failures.push_back(fmt::format("tensor '{}': wrote {} bytes, file holds {}", t.name, written, t.nbytes));
            continue;
        }
        if (std::memcmp(ours.data(), t.data, t.nbytes) != 0) {
            r.failures.push_back(first_difference(t, ours.data(), t.data));
            continue;
        }
        ++r.identical;
        if (t.type == nominal) ++r.quantized_as_type;
    }
    return r;
}

// --pure files: every 2-D tensor (token_embd and output included) is of the file's type, the 1-D
// norms stay F32.
class PureFile : public ::testing::TestWithParam<const char*> {};

TEST_P(PureFile, EveryTensorByteIdentical) {
    const std::string type_label = GetParam();
    QS_REQUIRE_SHARED(m1_path, kM1);
    QS_REQUIRE_SHARED(q_path, "models/synthetic/m1-quantized/m1-pure-" + type_label + ".gguf");
    const GgmlType type = *type_from_name(type_label);
    const GgufFile source = GgufFile::open(m1_path);
    const GgufFile quantized = GgufFile::open(q_path);

    int matrices = 0;
    for (const GgufTensorInfo& t : quantized.tensors()) {
        if (t.ne.size() >= 2 && t.ne[1] > 1) {
            ++matrices;
            EXPECT_EQ(t.type, type) << t.name;  // guards against comparing the wrong kind of file
        }
    }
    const CompareResult r = compare_file(source, quantized, type);
    for (const std::string& f : r.failures) ADD_FAILURE() << f;
    EXPECT_EQ(r.identical, int(quantized.tensors().size()));
    EXPECT_EQ(r.quantized_as_type, matrices);
    EXPECT_GT(matrices, 20);  // M1: token_embd, output and 7 matrices x 4 layers
    std::printf("[ pure %-5s ] %d/%zu tensors identical, %d of them %s\n", type_label.c_str(), r.identical,
                quantized.tensors().size(), r.quantized_as_type, type_label.c_str());
}

INSTANTIATE_TEST_SUITE_P(M1, PureFile,
                         ::testing::Values("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"));

// The usual mixes: several types per file (q4_K with q6_K bumps, q3_K with q5_K, ...). Each tensor
// is quantized to whatever type the file holds; this checks identity across the mix, not the choice
// of types (that is quant_mix's test).
class MixFile : public ::testing::TestWithParam<const char*> {};

TEST_P(MixFile, EveryTensorByteIdentical) {
    const std::string mix = GetParam();
    QS_REQUIRE_SHARED(m1_path, kM1);
    QS_REQUIRE_SHARED(q_path, "models/synthetic/m1-quantized/m1-mix-" + mix + ".gguf");
    const GgufFile source = GgufFile::open(m1_path);
    const GgufFile quantized = GgufFile::open(q_path);
    const CompareResult r = compare_file(source, quantized, GgmlType::F32);
    for (const std::string& f : r.failures) ADD_FAILURE() << f;
    EXPECT_EQ(r.identical, int(quantized.tensors().size()));
}

INSTANTIATE_TEST_SUITE_P(M1, MixFile, ::testing::Values("Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"));

}  // namespace
}  // namespace qs
