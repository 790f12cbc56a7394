// GGUF reader: header, metadata (every typed lookup), tensor table, then each tensor's bytes and
// its first row dequantized; the readers layered on the header (model summary, hyper-parameters,
// the vocabulary) and, for files small enough, the model's weight binding.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "fuzz_support.h"
#include "fuzz_target.h"
#include "gguf/gguf_file.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/model_hparams.h"
#include "model/model_summary.h"
#include "tokenizer/tokenizer.h"

using namespace qs;

namespace {

template <class F>
void expect_only_qs_errors(F&& f) {
    try {
        f();
    } catch (const Error&) {
    }
}

void read_metadata(const GgufFile& f) {
    for (const GgufMetadataEntry& e : f.metadata()) {
        (void)e.value.to_display_string();
        expect_only_qs_errors([&] { (void)f.get_string_or(e.key, ""); });
        expect_only_qs_errors([&] { (void)f.get_int_or(e.key, 0); });
        expect_only_qs_errors([&] { (void)f.get_float_or(e.key, 0.0); });
        expect_only_qs_errors([&] { (void)f.get_bool_or(e.key, false); });
        expect_only_qs_errors([&] { (void)f.get_string_array(e.key); });
        expect_only_qs_errors([&] { (void)f.get_float_array(e.key); });
        expect_only_qs_errors([&] { (void)f.get_int_array(e.key); });
    }
}

// Copies each tensor's bytes to the heap (so AddressSanitizer sees its exact bounds, which it
// cannot in the mapping) and dequantizes the first row from the copy.
void read_tensors(const GgufFile& f) {
    for (const GgufTensorInfo& t : f.tensors()) {
        if (f.find_tensor(t.name) != &t) std::abort();  // the index must point at the entry
        const std::vector<uint8_t> bytes(t.data, t.data + t.nbytes);
        if (t.ne.empty() || t.ne[0] <= 0 || t.ne[0] > (1 << 20)) continue;
        const TypeKernels* k = nullptr;
        expect_only_qs_errors([&] { k = &kernels_get(t.type, Isa::Scalar); });
        if (!k || !k->to_f32) continue;
        const size_t row_bytes = row_size(t.type, t.ne[0]);
        if (row_bytes > bytes.size()) std::abort();  // the reader promised nbytes = rows * row size
        std::vector<uint8_t> row(bytes.begin(), bytes.begin() + std::ptrdiff_t(row_bytes));
        std::vector<float> out(size_t(t.ne[0]));
        k->to_f32(row.data(), out.data(), t.ne[0]);
    }
}

}  // namespace

QS_FUZZ_TARGET(gguf) {
    const std::string path = fuzz::write_scratch("input.gguf", data, size);
    try {
        const GgufFile f = GgufFile::open(path);
        read_metadata(f);
        read_tensors(f);
        expect_only_qs_errors([&] { (void)model_summary_read(f); });
        expect_only_qs_errors([&] { (void)model_hparams_read(f); });
        expect_only_qs_errors([&] {
            const auto tok = Tokenizer::from_gguf(f);
            const std::vector<int32_t> ids = tok->encode("Hello, world! <s> \xE2\x96\x81 \xFF", true, true);
            for (int32_t id : ids)
                if (id < 0 || id >= tok->n_tokens()) std::abort();
            (void)tok->decode(ids, true);
        });
        if (size <= (256u << 10)) expect_only_qs_errors([&] { (void)Model::load(path); });
    } catch (const Error&) {
    }
}
