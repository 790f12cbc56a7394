// Importance matrix file I/O; see imatrix.h.
#include "quant/imatrix.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace qs {

namespace {

constexpr const char* kSumsSuffix = ".in_sum2";
constexpr const char* kCountsSuffix = ".counts";

bool remove_suffix(std::string& name, const std::string& suffix) {
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    name.resize(name.size() - suffix.size());
    return true;
}

std::vector<float> read_f32(const GgufFile& f, const GgufTensorInfo& t) {
    if (t.type != GgmlType::F32) fail_file(f.path(), "imatrix tensor '{}' has type {}, expected f32", t.name, type_name(t.type));
    std::vector<float> v(size_t(t.n_elements()));
    std::memcpy(v.data(), t.data, v.size() * sizeof(float));
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) fail_file(f.path(), "imatrix tensor '{}': value {} is not finite", t.name, i);
    return v;
}

// Second dimension of an imatrix tensor (1 when absent); more than 2 dimensions are refused.
int64_t matrices_of(const GgufFile& f, const GgufTensorInfo& t) {
    if (t.ne.size() > 2) fail_file(f.path(), "imatrix tensor '{}' has {} dimensions, expected at most 2", t.name, t.ne.size());
    return t.ne.size() == 2 ? t.ne[1] : 1;
}

}  // namespace

std::vector<float> ImportanceMatrix::weights_for(const std::string& tensor_name) const {
    const auto it = entries.find(tensor_name);
    if (it == entries.end()) return {};
    const ImatrixEntry& e = it->second;
    std::vector<float> w(e.sums.size());
    for (int64_t m = 0; m < e.n_mat(); ++m) {
        const float count = e.counts[size_t(m)];
        for (int64_t i = 0; i < e.n_per_row; ++i) {
            const size_t k = size_t(m * e.n_per_row + i);
            w[k] = count > 0.0f ? e.sums[k] / count : 1.0f;  // a matrix that saw no token: neutral weights
        }
    }
    return w;
}

ImportanceMatrix imatrix_read(const std::string& path) {
    const GgufFile f = GgufFile::open(path);
    ImportanceMatrix m;
    if (f.get_string_or("general.type", "") != "imatrix")
        fail_file(path, "not an importance matrix (general.type is not \"imatrix\"; legacy .dat files are not read)");
    const auto datasets = f.get_string_array("imatrix.datasets");
    if (!datasets) fail_file(path, "missing imatrix metadata 'imatrix.datasets'");
    m.datasets = *datasets;
    const int64_t chunk_count = f.get_int("imatrix.chunk_count"), chunk_size = f.get_int("imatrix.chunk_size");
    if (chunk_count < 0 || chunk_count > UINT32_MAX || chunk_size < 0 || chunk_size > UINT32_MAX)
        fail_file(path, "imatrix chunk_count {} / chunk_size {} out of range", chunk_count, chunk_size);
    m.chunk_count = uint32_t(chunk_count);
    m.chunk_size = uint32_t(chunk_size);

    std::map<std::string, std::pair<const GgufTensorInfo*, const GgufTensorInfo*>> found;
    for (const GgufTensorInfo& t : f.tensors()) {
        std::string name = t.name;
        if (remove_suffix(name, kSumsSuffix)) found[name].first = &t;
        else if (remove_suffix(name, kCountsSuffix)) found[name].second = &t;
        // other tensors (e.g. newer versions' in_sum) are ignored, as llama-quantize does
    }
    if (found.empty()) fail_file(path, "the importance matrix holds no entries");
    for (const auto& [name, pair] : found) {
        const auto [sums, counts] = pair;
        if (!sums || !counts) fail_file(path, "imatrix entry '{}' has {} but no {}", name, sums ? kSumsSuffix : kCountsSuffix,
                                        sums ? kCountsSuffix : kSumsSuffix);
        const int64_t n_mat = matrices_of(f, *sums);
        if (counts->ne[0] != 1 || matrices_of(f, *counts) != n_mat || sums->ne[0] <= 0)
            fail_file(path, "imatrix entry '{}': counts shape does not match {} matrices of {} columns", name, n_mat,
                      sums->ne[0]);
        ImatrixEntry e;
        e.n_per_row = sums->ne[0];
        e.sums = read_f32(f, *sums);
        e.counts = read_f32(f, *counts);
        for (float c : e.counts)
            if (c < 0) fail_file(path, "imatrix entry '{}' has a negative count", name);
        m.entries.emplace(name, std::move(e));
    }
    return m;
}

void imatrix_write(const ImportanceMatrix& m, const std::string& path) {
    GgufWriter w;
    w.set("general.type", GgufValue::str("imatrix"));
    std::vector<GgufValue> datasets;
    for (const std::string& d : m.datasets) datasets.push_back(GgufValue::str(d));
    w.set("imatrix.datasets", GgufValue::array(GgufType::STRING, std::move(datasets)));
    w.set("imatrix.chunk_count", GgufValue::u32(m.chunk_count));
    w.set("imatrix.chunk_size", GgufValue::u32(m.chunk_size));
    for (const auto& [name, e] : m.entries) {  // std::map: name order, as llama-imatrix sorts them
        const int64_t n_mat = e.n_mat();
        std::vector<int64_t> sums_ne{e.n_per_row}, counts_ne{1};
        if (n_mat > 1) {
            sums_ne.push_back(n_mat);
            counts_ne.push_back(n_mat);
        }
        w.add_tensor(name + kSumsSuffix, GgmlType::F32, sums_ne, e.sums.data(), e.sums.size() * sizeof(float));
        w.add_tensor(name + kCountsSuffix, GgmlType::F32, counts_ne, e.counts.data(), e.counts.size() * sizeof(float));
    }
    w.write(path);
}

}  // namespace qs
