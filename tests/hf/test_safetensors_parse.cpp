// The safetensors header parser against hostile input: every truncation, random corruption of the
// header, and each specific lie a header can tell (length, offsets, dtype, shape). Every case must
// end in a qs::Error that says what is wrong, or a correct parse; never a crash (run under ASan in
// the debug preset).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "hf/safetensors_file.h"

namespace qs::test {
namespace {

std::vector<uint8_t> image(const std::string& header, size_t data_bytes, uint64_t declared_len = UINT64_MAX) {
    const uint64_t len = declared_len == UINT64_MAX ? header.size() : declared_len;
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; ++i) out[size_t(i)] = uint8_t(len >> (8 * i));
    out.insert(out.end(), header.begin(), header.end());
    for (size_t i = 0; i < data_bytes; ++i) out.push_back(uint8_t(i * 7 + 1));
    return out;
}

// Two tensors: a [2, 3] F16 matrix and a [3] F32 vector, 12 + 12 bytes.
const std::string kGood =
    R"({"__metadata__":{"format":"pt"},"a.weight":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},)"
    R"("b.bias":{"dtype":"F32","shape":[3],"data_offsets":[12,24]}})";

std::string error_of(const std::vector<uint8_t>& bytes) {
    try {
        safetensors_parse("t.safetensors", bytes.data(), bytes.size());
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(SafetensorsParse, ReadsAValidHeader) {
    const auto bytes = image(kGood, 24);
    const auto t = safetensors_parse("t.safetensors", bytes.data(), bytes.size());
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].name, "a.weight");
    EXPECT_EQ(t[0].type, GgmlType::F16);
    EXPECT_EQ(t[0].shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(t[0].data, bytes.data() + 8 + kGood.size());
    EXPECT_EQ(t[1].nbytes, 12u);
    EXPECT_EQ(t[1].type, GgmlType::F32);
    EXPECT_EQ(t[1].data, t[0].data + 12);
}

TEST(SafetensorsParse, EveryTruncationIsAnErrorNamingTheFile) {
    const auto bytes = image(kGood, 24);
    for (size_t n = 0; n < bytes.size(); ++n) {
        const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
        const std::string e = error_of(cut);
        EXPECT_NE(e.find("t.safetensors"), std::string::npos) << "cut at " << n << ": '" << e << "'";
    }
}

TEST(SafetensorsParse, RandomHeaderCorruptionNeverCrashes) {
    const auto good = image(kGood, 24);
    std::mt19937 rng(12);
    int errors = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        auto bytes = good;
        const int flips = 1 + int(rng() % 4);
        for (int f = 0; f < flips; ++f) bytes[8 + rng() % kGood.size()] = uint8_t(rng());
        if (trial % 5 == 0) bytes[rng() % 8] = uint8_t(rng());  // the length too, now and then
        try {
            for (const SafetensorsTensor& t : safetensors_parse("t", bytes.data(), bytes.size())) {
                // Whatever parses must lie inside the image.
                ASSERT_GE(t.data, bytes.data());
                ASSERT_LE(t.data + t.nbytes, bytes.data() + bytes.size());
            }
        } catch (const Error&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 1000);  // most corruptions are caught, none crash
}

struct Hostile {
    const char* what;
    std::string header;
    size_t data;
    uint64_t declared_len;
    const char* message;
};

TEST(SafetensorsParse, HostileHeadersAreRefusedWithTheReason) {
    const auto t = [](const char* body) { return std::string("{") + body + "}"; };
    const Hostile cases[] = {
        {"huge header length", kGood, 24, uint64_t(1) << 62, "exceeds the 100 MiB limit"},
        {"header past the end", kGood, 24, kGood.size() + 100, "runs past the end of the file"},
        {"not JSON", "{\"a\": [1, 2", 0, UINT64_MAX, "not valid JSON"},
        {"not an object", "[1, 2, 3]", 0, UINT64_MAX, "not a JSON object"},
        {"offsets past the end", t(R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]})"), 8, UINT64_MAX, "runs past the end of the data"},
        {"overlapping tensors",
         t(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})"), 12,
         UINT64_MAX, "overlap"},
        {"dtype/shape mismatch", t(R"("a":{"dtype":"BF16","shape":[3,3],"data_offsets":[0,12]})"), 12, UINT64_MAX, "do not hold shape"},
        {"backwards offsets", t(R"("a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]})"), 8, UINT64_MAX, "run backwards"},
        {"negative offset", t(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]})"), 8, UINT64_MAX, "not a non-negative integer"},
        {"float offset", t(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]})"), 8, UINT64_MAX, "not a non-negative integer"},
        {"absurd shape", t(R"("a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]})"), 8,
         UINT64_MAX, "absurdly large"},
        {"unknown dtype", t(R"("a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]})"), 8, UINT64_MAX, "unknown dtype 'Q4'"},
        {"no dtype", t(R"("a":{"shape":[1],"data_offsets":[0,4]})"), 8, UINT64_MAX, "no dtype"},
        {"offsets not a pair", t(R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0]})"), 8, UINT64_MAX, "not a pair"},
    };
    for (const Hostile& c : cases) {
        const std::string e = error_of(image(c.header, c.data, c.declared_len));
        EXPECT_NE(e.find(c.message), std::string::npos) << c.what << ": '" << e << "'";
        EXPECT_NE(e.find("t.safetensors"), std::string::npos) << c.what << ": '" << e << "'";
    }
}

}  // namespace
}  // namespace qs::test
