// Scalar reference kernels of QuantScope's own formats (nf4, fp8_e4m3, fp8_e5m2, int8_row,
// int4_g128). All multiply against q8_0 activations, like ggml's own 4- and 8-bit types, so that
// KL divergences of these formats and of llama.cpp's compare weight formats on an equal footing.
// The chunk scheme (extra_common.h) is the contract the SIMD files reproduce.
#include <cstring>

#include "kernels/extra_common.h"
#include "kernels/kernel_table.h"
#include "tensor/blocks.h"
#include "tensor/blocks_extra.h"

namespace qs {
namespace {

// Each format: static float chunk(const void* row, int64_t c, float w[32]) decodes the c-th
// 32-element chunk of a row into unscaled values and returns the chunk's scale.

// 16 bytes of nibbles -> 32 codes: byte j gives element j (low) and element j+16 (high).
inline void unpack_nibbles(const uint8_t* qs, int q[32]) {
    for (int j = 0; j < 16; ++j) {
        q[j] = qs[j] & 0x0F;
        q[j + 16] = qs[j] >> 4;
    }
}

struct Nf4 {
    static float chunk(const void* row, int64_t c, float w[32]) {
        const block_nf4& b = static_cast<const block_nf4*>(row)[c / 2];
        int q[32];
        unpack_nibbles(b.qs + 16 * (c % 2), q);
        for (int i = 0; i < 32; ++i) w[i] = kNf4Values[q[i]];
        return b.d;
    }
};

template <const std::array<float, 256>& table>
struct Fp8 {
    static float chunk(const void* row, int64_t c, float w[32]) {
        const block_fp8& b = static_cast<const block_fp8*>(row)[c];
        for (int i = 0; i < 32; ++i) w[i] = table[b.qs[i]];
        return b.d;
    }
};

struct I8Row {
    static float chunk(const void* row, int64_t c, float w[32]) {
        float d;
        std::memcpy(&d, row, sizeof d);  // row header
        const auto* blocks = reinterpret_cast<const block_i8_row*>(static_cast<const uint8_t*>(row) + sizeof(float));
        for (int i = 0; i < 32; ++i) w[i] = float(blocks[c].qs[i]);
        return d;
    }
};

struct I4G128 {
    static float chunk(const void* row, int64_t c, float w[32]) {
        const block_i4_g128& b = static_cast<const block_i4_g128*>(row)[c / 4];
        int q[32];
        unpack_nibbles(b.qs + 16 * (c % 4), q);
        for (int i = 0; i < 32; ++i) w[i] = float(q[i] - int(b.zero));
        return fp16_to_fp32(b.d);
    }
};

template <class F>
void to_f32(const void* x, float* y, int64_t n) {
    for (int64_t c = 0; c < n / 32; ++c) {
        float w[32];
        const float d = F::chunk(x, c, w);
        for (int i = 0; i < 32; ++i) y[32 * c + i] = w[i] * d;
    }
}

template <class F>
void vec_dot(int64_t n, float* s, const void* x, const void* vy) {
    const auto* y = static_cast<const block_q8_0*>(vy);
    float total = 0;
    for (int64_t c = 0; c < n / 32; ++c) {
        float w[32];
        const float d = F::chunk(x, c, w);
        float sum = 0;
        for (int i = 0; i < 32; ++i) sum += w[i] * float(y[c].qs[i]);
        total += sum * (d * fp16_to_fp32(y[c].d));
    }
    *s = total;
}

template <class F>
TypeKernels kernels_of() {
    TypeKernels k;
    k.to_f32 = to_f32<F>;
    k.vec_dot = vec_dot<F>;
    k.vec_dot_type = GgmlType::Q8_0;
    return k;
}

}  // namespace

void kernels_register_extra_scalar(KernelTable& t) {
    t[GgmlType::NF4] = kernels_of<Nf4>();
    t[GgmlType::FP8_E4M3] = kernels_of<Fp8<extra::kFp8E4M3Table>>();
    t[GgmlType::FP8_E5M2] = kernels_of<Fp8<extra::kFp8E5M2Table>>();
    t[GgmlType::I8_ROW] = kernels_of<I8Row>();
    t[GgmlType::I4_G128] = kernels_of<I4G128>();
}

}  // namespace qs
