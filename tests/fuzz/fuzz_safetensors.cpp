// The safetensors header (Hugging Face weights, hf/safetensors_file.h) on arbitrary bytes: the
// 8-byte length, the JSON, every dtype, shape and offset pair. What the parser promises every
// reader of the tensors is checked too: each tensor lies inside the image, its byte count is its
// element count times its element size, and no two tensors overlap.
#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "core/error.h"
#include "fuzz_target.h"
#include "hf/safetensors_file.h"

QS_FUZZ_TARGET(safetensors) {
    try {
        const std::vector<qs::SafetensorsTensor> tensors = qs::safetensors_parse("fuzz.safetensors", data, size);
        std::vector<std::pair<const uint8_t*, const uint8_t*>> spans;
        for (const qs::SafetensorsTensor& t : tensors) {
            if (t.nbytes > 0 && (t.data < data || t.data + t.nbytes > data + size)) std::abort();
            if (t.float_type && uint64_t(t.n_elements()) * qs::type_traits(t.type).type_size != t.nbytes) std::abort();
            if (t.nbytes > 0) spans.push_back({t.data, t.data + t.nbytes});
        }
        std::sort(spans.begin(), spans.end());
        for (size_t i = 1; i < spans.size(); ++i)
            if (spans[i].first < spans[i - 1].second) std::abort();
    } catch (const qs::Error&) {
    }
}
