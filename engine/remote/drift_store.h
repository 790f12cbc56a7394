// The time series of drift checks in an SQLite file (`monitor --db`). Its own tables, prefixed
// drift_, created if missing, so the file may be a results database (store/) as well; nothing here
// touches the results store's tables or schema version. A series is one endpoint URL x model name x
// golden file content (SHA-256): a changed golden file starts a new series.
//   drift_series(id, endpoint, model, golden_path, golden_hash, created_at)
//   drift_checks(id, series_id, seq, checked_at, fingerprint, items, seconds, prompt_tokens,
//                completion_tokens, mean_logprob, mean_delta, agreement, between_larger, within_larger,
//                greedy_changed, greedy_unstable, p_logprob, p_agreement, p_value, alpha, flagged)
//   drift_items(check_id, item, logprob_a, logprob_b, greedy_a, greedy_b)
// No API key is ever stored (the endpoint URL refuses credentials: endpoint_base_url).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "remote/drift_monitor.h"

struct sqlite3;

namespace qs {

// One series as a list shows it (the GUI's drift history).
struct DriftSeriesInfo {
    int64_t id = 0;
    std::string endpoint, model, golden_path, created_at;
    int checks = 0;          // checks stored
    int flagged = 0;         // of which flagged a change
    std::string last_check;  // checked_at of the newest ("" when none)
};

class DriftStore {
public:
    explicit DriftStore(const std::string& path);  // creates the file and tables when missing
    ~DriftStore();
    DriftStore(const DriftStore&) = delete;
    DriftStore& operator=(const DriftStore&) = delete;

    // The series' id, created when new.
    int64_t series(const std::string& endpoint, const std::string& model, const std::string& golden_path,
                   const std::string& golden_hash);
    // Every series in the file, oldest first (none is created).
    std::vector<DriftSeriesInfo> series_list() const;
    // Every check of the series, oldest first, with their items.
    std::vector<DriftCheck> checks(int64_t series_id) const;
    // Stores one check (one transaction); sets check.id.
    void add_check(int64_t series_id, DriftCheck& check);

private:
    void exec(const char* sql) const;
    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace qs
