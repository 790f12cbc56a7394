// Private to engine/quant: the search tables the IQ grid quantizers need, derived from the format's
// own grids (engine/tensor/iq_tables.h) as ggml's iq2xs_init_impl / iq3xs_init_impl derive them.
//
// A grid point is stored in "level" form: coordinate k is 2 l_k + 1 with l_k the rank of its
// magnitude among the grid's distinct magnitudes (iq2: 8, 25, 43 -> 1, 3, 5; iq3_xxs: 4..62 -> 1..15;
// iq3_s magnitudes already are 1..15). A vector of levels has the index sum l_k << (bits * k);
// `map` gives its grid entry, or -(offset + 1) of its neighbour list when it is not on the grid.
// A neighbour list holds every grid point at the `nwant` smallest distinct squared distances,
// ordered by (distance, grid index), preceded by its length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qs::quant_detail {

enum class IqGridKind { Iq2xxs, Iq2xs, Iq2s, Iq3xxs, Iq3s };

struct IqGridSearch {
    int dim = 0;                     // elements per grid vector (8 or 4)
    int bits = 0;                    // bits per level in an index (2 or 3)
    std::vector<int8_t> points;      // grid_size * dim levels, 2 l + 1
    std::vector<int32_t> map;        // index -> grid entry, or -(neighbour offset + 1)
    std::vector<uint16_t> neighbours;

    int grid_size() const { return int(points.size()) / dim; }
    const int8_t* point(int i) const { return points.data() + size_t(i) * size_t(dim); }
    // Neighbour list of an off-grid index: [count, entry...].
    const uint16_t* neighbours_of(int index) const { return neighbours.data() + (-map[size_t(index)] - 1); }
};

// Built once per kind on first use (thread-safe), immutable afterwards.
const IqGridSearch& iq_grid_search(IqGridKind kind);

}  // namespace qs::quant_detail
