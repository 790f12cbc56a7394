// Weight x activation products, ggml style: activations are converted once to the weight type's
// vec_dot_type, then every output element is one row dot product (integer sums per block for the
// quantized types). Few tokens stream weight rows through vec_dot; many tokens use the ISA's
// register-tiled kernels (gemm_tiles.h), which keep the per-block integer arithmetic for the
// legacy types and compute in f32 from the dequantized rows for f16/bf16 and the K-quants, so
// results match the row path up to float rounding and summation order.
#include "kernels/matmul.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "core/error.h"
#include "kernels/gemm_tiles.h"
#include "kernels/kernels.h"
#include "kernels/parallel_work.h"

namespace qs {
namespace {

// 64-byte aligned storage for packed rows (full-width vector loads never straddle cache lines).
class AlignedBuffer {
public:
    explicit AlignedBuffer(size_t bytes) : data_(static_cast<char*>(::operator new(bytes, std::align_val_t(64)))) {}
    ~AlignedBuffer() { ::operator delete(data_, std::align_val_t(64)); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    char* data() { return data_; }

private:
    char* data_;
};

// Per-call buffers (converted activations, packed activations, a worker's weight panel) are this
// thread's, kept between calls and grown when needed: one buffer per use and thread. Allocating
// and freeing them in every matmul left glibc's heap holding freed blocks of every size beside the
// live ones, about 120 MB on top of what an L1B F16 perplexity run uses (its peak then exceeded
// llama-perplexity's). Slot tells the uses apart.
enum class BufferSlot { Activations, PackedActivations, WeightPanel };

template <BufferSlot Slot>
char* thread_buffer(size_t bytes) {
    thread_local std::unique_ptr<AlignedBuffer> buffer;
    thread_local size_t capacity = 0;
    if (capacity < bytes) {
        buffer.reset();
        buffer = std::make_unique<AlignedBuffer>(bytes);
        capacity = bytes;
    }
    return buffer->data();
}

// Activation rows in the vec_dot_type: either the caller's f32 rows or a converted copy.
struct ActivationRows {
    const char* data = nullptr;
    size_t stride = 0;  // bytes between rows
};

ActivationRows convert_activations(const float* x, int64_t m, int64_t ldx, int64_t k, GgmlType type, Isa isa) {
    ActivationRows a;
    if (type == GgmlType::F32) {
        a.data = reinterpret_cast<const char*>(x);
        a.stride = size_t(ldx) * sizeof(float);
        return a;
    }
    const FromF32Fn from_f32 = kernels_get(type, isa).from_f32;
    if (!from_f32) throw Error(fmt::format("matmul: no activation conversion to {}", type_name(type)));
    a.stride = row_size(type, k);
    char* out = thread_buffer<BufferSlot::Activations>(a.stride * size_t(m));  // every byte written by from_f32
    const size_t stride = a.stride;
#pragma omp parallel for schedule(static) if (m > 1 && worth_parallel(m * k))
    for (int64_t i = 0; i < m; ++i) from_f32(x + i * ldx, out + size_t(i) * stride, k);
    a.data = out;
    return a;
}

void check_shapes(const WeightView& w) {
    const TypeTraits& tr = type_traits(w.type);
    if (w.k <= 0 || w.n <= 0 || w.k % tr.block_size != 0)
        throw Error(fmt::format("matmul: weight of type {} has {} x {} elements; the row length must be a "
                                "positive multiple of {}",
                                tr.name, w.n, w.k, tr.block_size));
}

// One output row per token (m == 1) or few tokens: memory-bound, so weight rows are streamed once,
// in contiguous chunks handed out dynamically: a thread that is descheduled (shared machines)
// then delays the call by its current chunk only, not by a fixed half of the matrix.
void matmul_rows(const WeightView& w, const TypeKernels& wk, const ActivationRows& a, int64_t m, float* y, int64_t ldy) {
    const size_t wstride = row_size(w.type, w.k);
    const char* wdata = static_cast<const char*>(w.data);
    const int64_t chunk = std::max<int64_t>(8, w.n / (16 * int64_t(omp_get_max_threads())));
    const int64_t chunks = (w.n + chunk - 1) / chunk;
#pragma omp parallel for schedule(dynamic, 1) if (worth_parallel(w.n * w.k * m))
    for (int64_t c = 0; c < chunks; ++c) {
        const int64_t j0 = c * chunk, j1 = std::min(w.n, j0 + chunk);
        if (wk.vec_dot_rows) {
            for (int64_t i = 0; i < m; ++i)
                wk.vec_dot_rows(w.k, y + i * ldy + j0, j1 - j0, wdata + size_t(j0) * wstride, wstride, a.data + size_t(i) * a.stride);
            continue;
        }
        for (int64_t j = j0; j < j1; ++j)
            for (int64_t i = 0; i < m; ++i)
                wk.vec_dot(w.k, y + i * ldy + j, wdata + size_t(j) * wstride, a.data + size_t(i) * a.stride);
    }
}

// Many tokens without a tile kernel: a panel of weight rows small enough to stay in L2 is swept
// across a block of tokens, so weights are read from memory about once per call.
void matmul_blocked(const WeightView& w, VecDotFn dot, const ActivationRows& a, int64_t m, float* y, int64_t ldy) {
    const size_t wstride = row_size(w.type, w.k);
    const char* wdata = static_cast<const char*>(w.data);
    const int64_t panel = std::clamp<int64_t>(int64_t((128 << 10) / wstride), 1, 64);
    const int64_t panels = (w.n + panel - 1) / panel;
    const int64_t token_block = 64;
    const int64_t token_blocks = (m + token_block - 1) / token_block;
#pragma omp parallel for schedule(dynamic, 1) if (worth_parallel(w.n * w.k * m))
    for (int64_t item = 0; item < panels * token_blocks; ++item) {
        const int64_t j0 = item / token_blocks * panel, j1 = std::min(w.n, j0 + panel);
        const int64_t i0 = item % token_blocks * token_block, i1 = std::min(m, i0 + token_block);
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j) dot(w.k, y + i * ldy + j, wdata + size_t(j) * wstride, a.data + size_t(i) * a.stride);
    }
}

// Bytes rounded up to a cache line, so packed rows start on one.
size_t cache_aligned(size_t bytes) { return (bytes + 63) / 64 * 64; }
// Distance between packed rows (or row groups) of k elements.
size_t packed_stride(const GemmTile& tile, int64_t k) { return cache_aligned(tile.w_packed_bytes(k)); }

// Many tokens with a tile kernel: activations are repacked once; each work item repacks one panel
// of weight rows (unless the whole matrix was packed once: `prepacked`) and sweeps a range of
// tokens with register tiles, chunk of k by chunk of k.
void matmul_tiles(const WeightView& w, const GemmTile& tile, const ActivationRows& a, int64_t m, float* y, int64_t ldy,
                  const char* prepacked) {
    const int64_t k = w.k;
    const size_t wstride = row_size(w.type, k);
    const char* wdata = static_cast<const char*>(w.data);
    const size_t xp = cache_aligned(tile.x_packed_bytes(k)), wp = packed_stride(tile, k);

    char* const xpacked = thread_buffer<BufferSlot::PackedActivations>(xp * size_t(m));
#pragma omp parallel for schedule(static) if (m > 1 && worth_parallel(m * k))
    for (int64_t i = 0; i < m; ++i) tile.pack_x(k, a.data + size_t(i) * a.stride, xpacked + size_t(i) * xp);

    // Blocking: a chunk of k is a few KiB of packed weight row, a panel 64 rows of it (a few
    // hundred KiB, L2-resident while every token sweeps it; a register tile's rows stay in L1).
    const int64_t k_chunk = tile.k_chunk;
    const int64_t panel = std::max<int64_t>(1, 64 / tile.rows) * tile.rows;
    const int64_t panels = (w.n + panel - 1) / panel;
    // Split tokens too when there are too few panels to keep every thread busy.
    const int64_t threads = omp_get_max_threads();
    int64_t token_splits = std::clamp<int64_t>((4 * threads + panels - 1) / panels, 1, (m + tile.cols - 1) / tile.cols);
    const int64_t tokens_per_split = (m + token_splits - 1) / token_splits;
    token_splits = (m + tokens_per_split - 1) / tokens_per_split;

#pragma omp parallel if (worth_parallel(w.n * k * m))
    {
        const int il = tile.interleave;  // divides tile.rows, hence panel
        char* const wbuffer = prepacked ? nullptr : thread_buffer<BufferSlot::WeightPanel>(wp * size_t(panel / il));
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < panels * token_splits; ++item) {
            const int64_t j0 = item / token_splits * panel, rows = std::min(w.n - j0, panel);
            const int64_t i0 = item % token_splits * tokens_per_split, i1 = std::min(m, i0 + tokens_per_split);
            const char* wpanel = prepacked ? prepacked + size_t(j0 / il) * wp : wbuffer;
            for (int64_t r = 0; r < rows && !prepacked; r += il) {
                const char* src = wdata + size_t(j0 + r) * wstride;
                char* out = wbuffer + size_t(r / il) * wp;
                if (il == 1) tile.pack_w(k, src, out);
                else tile.pack_w_rows(k, src, wstride, int(std::min<int64_t>(il, rows - r)), out);
            }
            // k in chunks: a chunk of the panel's rows stays in L1/L2 while all tokens sweep it.
            for (int64_t k0 = 0; k0 < k; k0 += k_chunk) {
                const int64_t kc = std::min(k_chunk, k - k0);
                const char* wchunk = wpanel + tile.w_packed_bytes(k0);
                const char* xchunk = xpacked + tile.x_packed_bytes(k0);
                for (int64_t i = i0; i < i1; i += tile.cols) {
                    const int nc = int(std::min<int64_t>(tile.cols, i1 - i));
                    for (int64_t r = 0; r < rows; r += tile.rows) {
                        const int nr = int(std::min<int64_t>(tile.rows, rows - r));
                        tile.kernel(kc, wchunk + size_t(r / il) * wp, wp, nr, xchunk + size_t(i) * xp, xp, nc, y + i * ldy + j0 + r,
                                    ldy, k0 > 0);
                    }
                }
            }
        }
    }
}

thread_local MatmulObserver* t_observer = nullptr;

}  // namespace

ScopedMatmulObserver::ScopedMatmulObserver(MatmulObserver* observer) : previous_(t_observer) { t_observer = observer; }
ScopedMatmulObserver::~ScopedMatmulObserver() { t_observer = previous_; }

void matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx, float* y, int64_t ldy, Isa isa) {
    check_shapes(w);
    if (m <= 0) return;
    if (t_observer) t_observer->on_matmul(w, x, m, ldx);
    const TypeKernels& wk = kernels_get(w.type, isa);
    const ActivationRows a = convert_activations(x, m, ldx, w.k, wk.vec_dot_type, isa);
    const GemmTile* tile = gemm_tile_get(w.type, isa);
    // A matrix packed once for this very kernel runs every token count through it.
    const char* prepacked = w.packed && tile && w.packed->tile() == tile ? w.packed->data() : nullptr;
    if (tile && (prepacked || m >= tile->min_tokens))
        matmul_tiles(w, *tile, a, m, y, ldy, prepacked);
    else if (m < 4)
        matmul_rows(w, wk, a, m, y, ldy);
    else
        matmul_blocked(w, wk.vec_dot, a, m, y, ldy);
}

void PackedWeight::AlignedDelete::operator()(char* p) const { ::operator delete(p, std::align_val_t(64)); }

namespace {
// The tile a matrix of type t is packed once for at this ISA, or nullptr.
const GemmTile* pack_once_tile(GgmlType t, Isa isa) {
    const GemmTile* tile = gemm_tile_get(t, isa);
    return tile && tile->pack_once && tile->interleave > 1 ? tile : nullptr;
}
size_t packed_bytes_for(const GemmTile& tile, int64_t k, int64_t n) {
    return packed_stride(tile, k) * size_t((n + tile.interleave - 1) / tile.interleave);
}
}  // namespace

size_t packed_weight_bytes(GgmlType t, int64_t k, int64_t n, Isa isa) {
    const GemmTile* tile = pack_once_tile(t, isa);
    return tile ? packed_bytes_for(*tile, k, n) : 0;
}

PackedWeight::PackedWeight(const WeightView& w, Isa isa) {
    const GemmTile* tile = pack_once_tile(w.type, isa);
    if (!tile) return;
    check_shapes(w);
    const int64_t il = tile->interleave, groups = (w.n + il - 1) / il;
    const size_t wp = packed_stride(*tile, w.k), wstride = row_size(w.type, w.k);
    bytes_ = packed_bytes_for(*tile, w.k, w.n);
    data_.reset(static_cast<char*>(::operator new(bytes_, std::align_val_t(64))));
    tile_ = tile;
    const char* src = static_cast<const char*>(w.data);
    char* out = data_.get();
#pragma omp parallel for schedule(dynamic, 8)
    for (int64_t g = 0; g < groups; ++g)
        tile->pack_w_rows(w.k, src + size_t(g * il) * wstride, wstride, int(std::min(il, w.n - g * il)), out + size_t(g) * wp);
}

void weight_row_to_f32(const WeightView& w, int64_t row, float* out) {
    check_shapes(w);
    if (row < 0 || row >= w.n)
        throw Error(fmt::format("weight row {} out of range (the weight has {} rows)", row, w.n));
    const char* data = static_cast<const char*>(w.data) + size_t(row) * row_size(w.type, w.k);
    kernels_get(w.type).to_f32(data, out, w.k);
}

}  // namespace qs
