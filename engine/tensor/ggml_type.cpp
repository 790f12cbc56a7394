#include "tensor/ggml_type.h"

#include <array>
#include <cctype>
#include <cassert>

#include "tensor/blocks.h"
#include "tensor/blocks_extra.h"
#include "tensor/blocks_iq.h"

namespace qs {
namespace {

struct Entry {
    uint32_t id;
    TypeTraits traits;
};

// Sizes of the types we do not compute with come from ggml-common.h; they let `info` report the
// bytes of any file and let the reader check tensor extents even for types we cannot run.
constexpr std::array kTypes = {
    Entry{0, {"f32", 1, 4, false, true}},
    Entry{1, {"f16", 1, 2, false, true}},
    Entry{2, {"q4_0", QK4_0, sizeof(block_q4_0), true, true}},
    Entry{3, {"q4_1", QK4_1, sizeof(block_q4_1), true, true}},
    Entry{6, {"q5_0", QK5_0, sizeof(block_q5_0), true, true}},
    Entry{7, {"q5_1", QK5_1, sizeof(block_q5_1), true, true}},
    Entry{8, {"q8_0", QK8_0, sizeof(block_q8_0), true, true}},
    Entry{9, {"q8_1", QK8_1, sizeof(block_q8_1), true, true}},
    Entry{10, {"q2_K", QK_K, sizeof(block_q2_K), true, true}},
    Entry{11, {"q3_K", QK_K, sizeof(block_q3_K), true, true}},
    Entry{12, {"q4_K", QK_K, sizeof(block_q4_K), true, true}},
    Entry{13, {"q5_K", QK_K, sizeof(block_q5_K), true, true}},
    Entry{14, {"q6_K", QK_K, sizeof(block_q6_K), true, true}},
    Entry{15, {"q8_K", QK_K, sizeof(block_q8_K), true, true}},
    Entry{16, {"iq2_xxs", QK_K, sizeof(block_iq2_xxs), true, true}},
    Entry{17, {"iq2_xs", QK_K, sizeof(block_iq2_xs), true, true}},
    Entry{18, {"iq3_xxs", QK_K, sizeof(block_iq3_xxs), true, true}},
    Entry{19, {"iq1_s", QK_K, sizeof(block_iq1_s), true, true}},
    Entry{20, {"iq4_nl", QK4_NL, sizeof(block_iq4_nl), true, true}},
    Entry{21, {"iq3_s", QK_K, sizeof(block_iq3_s), true, true}},
    Entry{22, {"iq2_s", QK_K, sizeof(block_iq2_s), true, true}},
    Entry{23, {"iq4_xs", QK_K, sizeof(block_iq4_xs), true, true}},
    Entry{24, {"i8", 1, 1, false, false}},
    Entry{25, {"i16", 1, 2, false, false}},
    Entry{26, {"i32", 1, 4, false, false}},
    Entry{27, {"i64", 1, 8, false, false}},
    Entry{28, {"f64", 1, 8, false, false}},
    Entry{29, {"iq1_m", QK_K, sizeof(block_iq1_m), true, true}},
    Entry{30, {"bf16", 1, 2, false, true}},
    Entry{34, {"tq1_0", QK_K, 54, true, false}},
    Entry{35, {"tq2_0", QK_K, 66, true, false}},
    Entry{39, {"mxfp4", 32, 17, true, false}},
    Entry{1000, {"nf4", QK_NF4, sizeof(block_nf4), true, true}},
    Entry{1001, {"fp8_e4m3", QK_FP8, sizeof(block_fp8), true, true}},
    Entry{1002, {"fp8_e5m2", QK_FP8, sizeof(block_fp8), true, true}},
    Entry{1003, {"int8_row", QK_I8_ROW, sizeof(block_i8_row), true, true, sizeof(float)}},
    Entry{1004, {"int4_g128", QK_I4_G128, sizeof(block_i4_g128), true, true}},
};

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower((unsigned char)a[i]) != std::tolower((unsigned char)b[i])) return false;
    return true;
}

}  // namespace

const TypeTraits* type_traits_or_null(uint32_t raw_type) {
    for (const Entry& e : kTypes)
        if (e.id == raw_type) return &e.traits;
    return nullptr;
}

const TypeTraits& type_traits(GgmlType t) {
    const TypeTraits* tr = type_traits_or_null(uint32_t(t));
    assert(tr && "invalid GgmlType");
    return *tr;
}

std::optional<GgmlType> type_from_name(std::string_view name) {
    for (const Entry& e : kTypes)
        if (iequal(e.traits.name, name)) return GgmlType(e.id);
    return std::nullopt;
}

}  // namespace qs
