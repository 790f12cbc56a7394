// Search tables of the IQ grid quantizers; see iq_grid_search.h.
#include "quant/iq_grid_search.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "tensor/iq_tables.h"

namespace qs::quant_detail {

namespace {

// The grid's vectors as raw magnitudes (one byte per element).
std::vector<uint8_t> grid_bytes(IqGridKind kind, int& dim) {
    auto from = [&](const auto& table, int d) {
        dim = d;
        std::vector<uint8_t> out(sizeof table);
        std::memcpy(out.data(), table, sizeof table);  // little-endian: byte k = element k
        return out;
    };
    switch (kind) {
        case IqGridKind::Iq2xxs: return from(iq::iq2xxs_grid, 8);
        case IqGridKind::Iq2xs: return from(iq::iq2xs_grid, 8);
        case IqGridKind::Iq2s: return from(iq::iq2s_grid, 8);
        case IqGridKind::Iq3xxs: return from(iq::iq3xxs_grid, 4);
        case IqGridKind::Iq3s: return from(iq::iq3s_grid, 4);
    }
    return {};
}

// ggml: nwant = 2 for iq2_xxs / iq2_xs and the 256-point iq3 grid, 1 for iq2_s, 3 for the 512-point iq3 grid.
int neighbour_distances(IqGridKind kind) {
    switch (kind) {
        case IqGridKind::Iq2s: return 1;
        case IqGridKind::Iq3s: return 3;
        default: return 2;
    }
}

IqGridSearch build(IqGridKind kind) {
    IqGridSearch g;
    const std::vector<uint8_t> bytes = grid_bytes(kind, g.dim);
    g.bits = g.dim == 8 ? 2 : 3;
    const std::set<uint8_t> distinct(bytes.begin(), bytes.end());
    const std::vector<uint8_t> magnitudes(distinct.begin(), distinct.end());
    g.points.resize(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        const int l = int(std::lower_bound(magnitudes.begin(), magnitudes.end(), bytes[i]) - magnitudes.begin());
        g.points[i] = int8_t(2 * l + 1);
    }
    const int n = g.grid_size();
    const int levels_max = (1 << g.bits) - 1;
    // ggml's kmap sizes: every 3-bit index (8^4), and for the 2-bit grids the indices up to all
    // levels 2 (the quantizers never ask for level 3): 2 * (4^8 - 1) / 3 + 2 = 43692.
    const int map_size = g.bits == 3 ? 4096 : 43692;
    g.map.assign(size_t(map_size), -1);
    for (int i = 0; i < n; ++i) {
        int index = 0;
        for (int k = 0; k < g.dim; ++k) index |= ((g.point(i)[k] - 1) / 2) << (g.bits * k);
        g.map[size_t(index)] = i;
    }
    const int nwant = neighbour_distances(kind);
    std::vector<std::pair<int, int>> dist(static_cast<size_t>(n));  // (squared distance, grid index)
    for (int index = 0; index < map_size; ++index) {
        if (g.map[size_t(index)] >= 0) continue;
        int8_t pos[8];
        for (int k = 0; k < g.dim; ++k) pos[k] = int8_t(2 * ((index >> (g.bits * k)) & levels_max) + 1);
        for (int j = 0; j < n; ++j) {
            int d2 = 0;
            for (int k = 0; k < g.dim; ++k) d2 += (g.point(j)[k] - pos[k]) * (g.point(j)[k] - pos[k]);
            dist[size_t(j)] = {d2, j};
        }
        std::sort(dist.begin(), dist.end());
        const size_t start = g.neighbours.size();
        g.map[size_t(index)] = -int32_t(start + 1);
        g.neighbours.push_back(0);
        int have = 1, d2 = dist[0].first;
        for (const auto& [d, j] : dist) {
            if (d > d2) {
                if (have == nwant) break;
                d2 = d;
                ++have;
            }
            g.neighbours.push_back(uint16_t(j));
        }
        g.neighbours[start] = uint16_t(g.neighbours.size() - start - 1);
    }
    return g;
}

}  // namespace

const IqGridSearch& iq_grid_search(IqGridKind kind) {
    static std::array<IqGridSearch, 5> tables;
    static std::array<std::once_flag, 5> once;
    const size_t k = size_t(kind);
    std::call_once(once[k], [&] { tables[k] = build(kind); });
    return tables[k];
}

}  // namespace qs::quant_detail
