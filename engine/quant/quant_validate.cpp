// Checks of quantized data, as ggml_validate_row_data does before llama-quantize writes a tensor:
// every stored fp16/bf16 value (scales, mins, or the elements of f16/bf16 tensors) must be finite.
// Finite input can still overflow there: a block whose scale exceeds fp16's 65504 stores +-inf,
// and llama-quantize then refuses the file ("quantized data validation failed"); we refuse too.
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "quant/quantize.h"
#include "tensor/blocks.h"
#include "tensor/blocks_extra.h"

namespace qs {

namespace {

struct HalfField {
    size_t offset;  // byte offset inside the block
    bool bf16;      // bfloat16 rather than IEEE half
};

// The 16-bit float fields of one block of each type.
std::vector<HalfField> half_fields(GgmlType type) {
    switch (type) {
        case GgmlType::F16: return {{0, false}};
        case GgmlType::BF16: return {{0, true}};
        case GgmlType::Q4_0: return {{offsetof(block_q4_0, d), false}};
        case GgmlType::Q5_0: return {{offsetof(block_q5_0, d), false}};
        case GgmlType::Q8_0: return {{offsetof(block_q8_0, d), false}};
        case GgmlType::Q4_1: return {{offsetof(block_q4_1, d), false}, {offsetof(block_q4_1, m), false}};
        case GgmlType::Q5_1: return {{offsetof(block_q5_1, d), false}, {offsetof(block_q5_1, m), false}};
        case GgmlType::Q2_K: return {{offsetof(block_q2_K, d), false}, {offsetof(block_q2_K, dmin), false}};
        case GgmlType::Q3_K: return {{offsetof(block_q3_K, d), false}};
        case GgmlType::Q4_K: return {{offsetof(block_q4_K, d), false}, {offsetof(block_q4_K, dmin), false}};
        case GgmlType::Q5_K: return {{offsetof(block_q5_K, d), false}, {offsetof(block_q5_K, dmin), false}};
        case GgmlType::Q6_K: return {{offsetof(block_q6_K, d), false}};
        case GgmlType::I4_G128: return {{offsetof(block_i4_g128, d), false}};
        // The IQ types' super-block scale d is their first field (iq1_m, which spreads it over its
        // scales, is never written by QuantScope).
        case GgmlType::IQ2_XXS: case GgmlType::IQ2_XS: case GgmlType::IQ2_S: case GgmlType::IQ3_XXS:
        case GgmlType::IQ3_S: case GgmlType::IQ1_S: case GgmlType::IQ4_NL: case GgmlType::IQ4_XS: return {{0, false}};
        default: return {};
    }
}

// All exponent bits set: infinity or NaN.
bool half_is_finite(uint16_t h, bool bf16) {
    return bf16 ? (h & 0x7F80u) != 0x7F80u : (h & 0x7C00u) != 0x7C00u;
}

}  // namespace

void validate_quantized(GgmlType type, const void* data, size_t nbytes, const std::string& tensor_name,
                        size_t first_block) {
    const TypeTraits& traits = type_traits(type);
    const std::string what = tensor_name.empty() ? std::string("quantized data") : "tensor '" + tensor_name + "'";
    // Types with a row header (int8_row) have only an fp32 row scale, finite for finite input, and
    // their byte count is not a multiple of the block size: nothing to check block by block.
    if (traits.row_header_bytes != 0) return;
    if (nbytes % traits.type_size != 0) {
        throw Error(fmt::format("{}: {} bytes is not a whole number of {} blocks ({} bytes each)", what, nbytes,
                                type_name(type), traits.type_size));
    }
    const std::vector<HalfField> fields = half_fields(type);
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t block = 0; block < nbytes / traits.type_size; ++block) {
        for (const HalfField& f : fields) {
            uint16_t h;
            std::memcpy(&h, bytes + block * traits.type_size + f.offset, sizeof h);
            if (!half_is_finite(h, f.bf16)) {
                throw Error(fmt::format("{}: {} block {} holds a non-finite {} value: the input is too large for {} "
                                        "(fp16 scales stop at 65504)",
                                        what, type_name(type), first_block + block, f.bf16 ? "bf16" : "fp16", type_name(type)));
            }
        }
    }
}

}  // namespace qs
