#include "remote/drift_store.h"

#include <cmath>

#include <sqlite3.h>
#include <fmt/format.h>

#include "core/error.h"
#include "store/results_store.h"
#include "store/sqlite_statement.h"

namespace qs {

namespace {

class Stmt : public SqliteStatement {
public:
    Stmt(sqlite3* db, const std::string& db_path, const char* sql) : SqliteStatement(db, db_path, "drift database", sql) {}
};

}  // namespace

DriftStore::DriftStore(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw Error(fmt::format("{}: cannot open the database: {}", path, msg));
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec(R"(CREATE TABLE IF NOT EXISTS drift_series(
             id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, model TEXT NOT NULL, golden_path TEXT NOT NULL,
             golden_hash TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(endpoint, model, golden_hash));
           CREATE TABLE IF NOT EXISTS drift_checks(
             id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL REFERENCES drift_series(id) ON DELETE CASCADE,
             seq INTEGER NOT NULL, checked_at TEXT NOT NULL, fingerprint TEXT NOT NULL, items INTEGER NOT NULL,
             seconds REAL, prompt_tokens INTEGER, completion_tokens INTEGER, mean_logprob REAL, mean_delta REAL,
             agreement REAL, between_larger INTEGER, within_larger INTEGER, greedy_changed INTEGER,
             greedy_unstable INTEGER, p_logprob REAL, p_agreement REAL, p_value REAL, alpha REAL, flagged INTEGER NOT NULL,
             UNIQUE(series_id, seq));
           CREATE TABLE IF NOT EXISTS drift_items(
             check_id INTEGER NOT NULL REFERENCES drift_checks(id) ON DELETE CASCADE, item INTEGER NOT NULL,
             logprob_a REAL, logprob_b REAL, greedy_a TEXT NOT NULL, greedy_b TEXT NOT NULL, PRIMARY KEY(check_id, item));)");
}

DriftStore::~DriftStore() { sqlite3_close(db_); }

void DriftStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw Error(fmt::format("{}: {}", path_, msg));
    }
}

int64_t DriftStore::series(const std::string& endpoint, const std::string& model, const std::string& golden_path,
                           const std::string& golden_hash) {
    Stmt find(db_, path_, "SELECT id FROM drift_series WHERE endpoint = ? AND model = ? AND golden_hash = ?");
    find.bind(1, endpoint).bind(2, model).bind(3, golden_hash);
    if (find.step()) return find.i64(0);
    Stmt add(db_, path_, "INSERT INTO drift_series(endpoint, model, golden_path, golden_hash, created_at) VALUES(?, ?, ?, ?, ?)");
    add.bind(1, endpoint).bind(2, model).bind(3, golden_path).bind(4, golden_hash).bind(5, utc_now_iso8601());
    add.step();
    return sqlite3_last_insert_rowid(db_);
}

std::vector<DriftSeriesInfo> DriftStore::series_list() const {
    std::vector<DriftSeriesInfo> out;
    Stmt q(db_, path_,
           "SELECT s.id, s.endpoint, s.model, s.golden_path, s.created_at, COUNT(c.id), COALESCE(SUM(c.flagged), 0), "
           "COALESCE(MAX(c.checked_at), '') FROM drift_series s LEFT JOIN drift_checks c ON c.series_id = s.id GROUP BY s.id ORDER BY s.id");
    while (q.step())
        out.push_back({q.i64(0), q.text(1), q.text(2), q.text(3), q.text(4), int(q.i64(5)), int(q.i64(6)), q.text(7)});
    return out;
}

std::vector<DriftCheck> DriftStore::checks(int64_t series_id) const {
    std::vector<DriftCheck> out;
    Stmt q(db_, path_,
           "SELECT id, seq, checked_at, fingerprint, seconds, prompt_tokens, completion_tokens, mean_logprob, mean_delta, agreement, "
           "between_larger, within_larger, greedy_changed, greedy_unstable, p_logprob, p_agreement, p_value, alpha, flagged "
           "FROM drift_checks WHERE series_id = ? ORDER BY seq");
    q.bind(1, series_id);
    while (q.step()) {
        DriftCheck c;
        c.id = q.i64(0);
        c.seq = int(q.i64(1));
        c.checked_at = q.text(2);
        c.fingerprint = q.text(3);
        c.seconds = q.real(4);
        c.prompt_tokens = q.i64(5);
        c.completion_tokens = q.i64(6);
        c.mean_logprob = q.real(7);
        c.mean_delta = q.real(8);
        c.agreement = q.real(9);
        c.between_larger = int(q.i64(10));
        c.within_larger = int(q.i64(11));
        c.greedy_changed = int(q.i64(12));
        c.greedy_unstable = int(q.i64(13));
        c.p_logprob = q.real(14);
        c.p_agreement = q.real(15);
        c.p_value = q.real(16);
        c.alpha = q.real(17);
        c.flagged = q.i64(18) != 0;
        Stmt items(db_, path_, "SELECT logprob_a, logprob_b, greedy_a, greedy_b FROM drift_items WHERE check_id = ? ORDER BY item");
        items.bind(1, c.id);
        while (items.step()) c.items.push_back({items.real(0), items.real(1), items.text(2), items.text(3)});
        out.push_back(std::move(c));
    }
    return out;
}

void DriftStore::add_check(int64_t series_id, DriftCheck& c) {
    exec("BEGIN IMMEDIATE");
    try {
        Stmt q(db_, path_,
               "INSERT INTO drift_checks(series_id, seq, checked_at, fingerprint, items, seconds, prompt_tokens, completion_tokens, "
               "mean_logprob, mean_delta, agreement, between_larger, within_larger, greedy_changed, greedy_unstable, p_logprob, "
               "p_agreement, p_value, alpha, flagged) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, series_id).bind(2, int64_t(c.seq)).bind(3, c.checked_at).bind(4, c.fingerprint).bind(5, int64_t(c.items.size()));
        q.bind(6, c.seconds).bind(7, c.prompt_tokens).bind(8, c.completion_tokens).bind(9, c.mean_logprob).bind(10, c.mean_delta);
        q.bind(11, c.agreement).bind(12, int64_t(c.between_larger)).bind(13, int64_t(c.within_larger));
        q.bind(14, int64_t(c.greedy_changed)).bind(15, int64_t(c.greedy_unstable)).bind(16, c.p_logprob).bind(17, c.p_agreement);
        q.bind(18, c.p_value).bind(19, c.alpha).bind(20, int64_t(c.flagged));
        q.step();
        c.id = sqlite3_last_insert_rowid(db_);
        for (size_t i = 0; i < c.items.size(); ++i) {
            const DriftItem& it = c.items[i];
            Stmt item(db_, path_, "INSERT INTO drift_items(check_id, item, logprob_a, logprob_b, greedy_a, greedy_b) VALUES(?, ?, ?, ?, ?, ?)");
            item.bind(1, c.id).bind(2, int64_t(i)).bind(3, it.logprob_a).bind(4, it.logprob_b).bind(5, it.greedy_a).bind(6, it.greedy_b);
            item.step();
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

}  // namespace qs
