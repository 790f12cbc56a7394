// A sensitivity scan as results-store records, and back: each cell is a KLD job whose precision is
// the cell's equivalent recipe and whose settings carry {"sensitivity": {"group", "layer", "role",
// "type", "bytes"}}, so history, CSV and comparisons show it like any KLD job, and the GUI and the
// report find a run's scan by those settings (sensitivity_table_from_run).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mixplan/sensitivity_scan.h"
#include "store/run_record.h"

namespace qs {

// The base pass as a Done perplexity job, and one cell as a Done KLD job (index = position in the run).
JobRecord sensitivity_base_job(const SensitivityScan& scan, const std::string& dataset, const std::string& settings_json);
JobRecord sensitivity_cell_job(const SensitivityScan& scan, const SensitivityCell& cell, int index,
                               const std::string& dataset, const std::string& settings_json);

// The scan a stored run carries, as plain values for heatmaps and ranked lists.
struct SensitivityEntry {
    std::string group;       // "blk.3.attn_q", "output"
    int layer = -1;          // -1 outside the blocks
    std::string role;
    std::string type;        // low type name ("q2_K")
    uint64_t bytes = 0;
    double kld = 0, kld_stderr = 0, ln_ppl_ratio = 0, ln_ppl_ratio_stderr = 0;
};
struct SensitivityTable {
    std::vector<std::string> types;   // in the order the scan ran them
    std::vector<std::string> roles;   // the roles present, in tensor_group_role_order
    int n_layers = 0;                 // blocks 0 .. n_layers-1
    std::vector<SensitivityEntry> entries;
    bool empty() const { return entries.empty(); }
    // The entry of (layer, role, type), nullptr if the scan has none.
    const SensitivityEntry* find(int layer, const std::string& role, const std::string& type) const;
    // The entries of `type`, largest mean KLD first.
    std::vector<const SensitivityEntry*> ranked(const std::string& type) const;
};
// Reads the KLD jobs of `run` that carry sensitivity settings (Done ones only); empty when none do.
SensitivityTable sensitivity_table_from_run(const RunRecord& run);

}  // namespace qs
