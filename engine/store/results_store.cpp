#include "store/results_store.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/error.h"
#include "store/file_hash.h"
#include "store/store_schema.h"

namespace qs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Why a write may have failed, from what SQLite cannot see: the space left on the database's
// disk and the process's file size limit (ulimit -f).
std::string write_failure_hint(sqlite3* db) {
    std::string hint;
    const char* file = sqlite3_db_filename(db, "main");
    struct statvfs fs {};
    if (file && *file && ::statvfs(std::filesystem::path(file).parent_path().c_str(), &fs) == 0)
        hint = fmt::format("{:.1f} MB free on its disk", double(fs.f_bavail) * double(fs.f_frsize) / 1e6);
    rlimit limit {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        hint += fmt::format("{}file size limit (ulimit -f) {} bytes", hint.empty() ? "" : ", ", uint64_t(limit.rlim_cur));
    return hint;
}

// SQLite's message for the last error, with what a user can act on: what read-only means here,
// and for a failed write, the free space and the file size limit.
std::string error_text(sqlite3* db) {
    std::string msg = sqlite3_errmsg(db);
    const int code = sqlite3_extended_errcode(db);
    if ((code & 0xff) == SQLITE_READONLY)
        msg += " (the database file or its folder is read-only: check their permissions, or use another database)";
    else if ((code & 0xff) == SQLITE_FULL || code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_FSYNC ||
             code == SQLITE_IOERR_TRUNCATE)
        msg += " (the disk is full or a file size limit was reached: " + write_failure_hint(db) +
               "; every job committed before is kept)";
    return msg;
}

// One prepared statement; every failure names the database file.
class Stmt {
public:
    Stmt(sqlite3* db, const std::string& db_path, const char* sql) : db_(db), path_(db_path) {
        if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) fail();
    }
    ~Stmt() { sqlite3_finalize(st_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, int64_t v) { return check(sqlite3_bind_int64(st_, i, v)); }
    Stmt& bind(int i, int v) { return bind(i, int64_t(v)); }
    Stmt& bind(int i, double v) {  // NaN is stored as NULL (SQLite would do so anyway, silently)
        return check(std::isnan(v) ? sqlite3_bind_null(st_, i) : sqlite3_bind_double(st_, i, v));
    }
    Stmt& bind(int i, const std::string& v) {
        return check(sqlite3_bind_text(st_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
    }
    // true while a row is available.
    bool step() {
        const int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail();
    }
    void run() {
        while (step()) {
        }
        sqlite3_reset(st_);
    }
    void reset() {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
    }
    int64_t i64(int c) const { return sqlite3_column_int64(st_, c); }
    double real(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL ? kNaN : sqlite3_column_double(st_, c); }
    std::string text(int c) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
        return p ? std::string(p, size_t(sqlite3_column_bytes(st_, c))) : std::string();
    }

private:
    Stmt& check(int rc) {
        if (rc != SQLITE_OK) fail();
        return *this;
    }
    [[noreturn]] void fail() const { fail_file(path_, "results database: {}", error_text(db_)); }
    sqlite3* db_;
    const std::string& path_;
    sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when an exception leaves the scope.
class Transaction {
public:
    Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) { exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
        if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        exec("COMMIT");
        committed_ = true;
    }

private:
    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            sqlite3_free(err);
            fail_file(path_, "results database: {}", error_text(db_));
        }
    }
    sqlite3* db_;
    const std::string& path_;
    bool committed_ = false;
};

constexpr const char* kJobColumns =
    "j.id, j.run_id, j.idx, j.precision, j.evaluator, j.dataset, j.dataset_path, j.dataset_hash, j.settings_json, "
    "j.status, j.error, j.seconds, j.finished_at, j.precision_name";

JobRecord read_job_columns(const Stmt& s) {
    JobRecord j;
    j.id = s.i64(0);
    j.run_id = s.i64(1);
    j.index = int(s.i64(2));
    j.precision = s.text(3);
    j.evaluator = evaluator_from_name(s.text(4));
    j.dataset = s.text(5);
    j.dataset_path = s.text(6);
    j.dataset_hash = s.text(7);
    j.settings_json = s.text(8);
    j.status = job_status_from_name(s.text(9));
    j.error = s.text(10);
    j.seconds = s.real(11);
    j.finished_at = s.text(12);
    j.precision_name = s.text(13);
    return j;
}

constexpr const char* kRunColumns =
    "r.id, r.started_at, r.model_path, r.model_name, r.model_hash, r.model_bytes, r.baseline, r.engine_version, "
    "r.machine, r.settings_json, r.note, r.finished_at";

RunRecord read_run_columns(const Stmt& s) {
    RunRecord r;
    r.id = s.i64(0);
    r.started_at = s.text(1);
    r.model_path = s.text(2);
    r.model_name = s.text(3);
    r.model_hash = s.text(4);
    r.model_bytes = uint64_t(s.i64(5));
    r.baseline = s.text(6);
    r.engine_version = s.text(7);
    r.machine = s.text(8);
    r.settings_json = s.text(9);
    r.note = s.text(10);
    r.finished_at = s.text(11);
    return r;
}

}  // namespace

std::string utc_now_iso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

ResultsStore::ResultsStore(const std::string& path) : path_(path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (path != ":memory:" && !fs::exists(path, ec)) {
        const fs::path folder = fs::absolute(path, ec).parent_path();
        if (::access(folder.c_str(), W_OK) != 0)
            fail_file(path, "cannot create the results database: the folder {} is not writable ({})", folder.string(),
                      std::strerror(errno));
    }
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? error_text(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        fail_file(path, "cannot open the results database: {}", msg);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);  // another process (GUI and CLI on one file) may hold the write lock
        exec("PRAGMA foreign_keys = ON");
        // WAL: readers (the GUI's history) never block the writer; with synchronous=NORMAL a
        // committed job survives the process being killed (see the header).
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = NORMAL");
        migrate();
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

ResultsStore::~ResultsStore() {
    if (db_) sqlite3_close(db_);
}

void ResultsStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        sqlite3_free(err);
        fail_file(path_, "results database: {}", error_text(db_));
    }
}

int ResultsStore::schema_version() const {
    std::lock_guard lock(mutex_);
    Stmt s(db_, path_, "PRAGMA user_version");
    return s.step() ? int(s.i64(0)) : 0;
}

void ResultsStore::migrate() {
    int version = 0;
    {
        Stmt s(db_, path_, "PRAGMA user_version");
        if (s.step()) version = int(s.i64(0));
    }
    const int latest = store_latest_version();
    if (version > latest)
        fail_file(path_, "results database has schema version {}, newer than this QuantScope knows ({}); "
                  "use a newer QuantScope", version, latest);
    if (version == 0) {
        Stmt s(db_, path_, "SELECT count(*) FROM sqlite_master");
        if (s.step() && s.i64(0) > 0) fail_file(path_, "not a QuantScope results database (it has other tables)");
    }
    for (const StoreMigration& m : store_migrations()) {
        if (m.to_version <= version) continue;
        Transaction tx(db_, path_);
        exec(m.sql);
        exec(fmt::format("PRAGMA user_version = {}", m.to_version).c_str());
        tx.commit();
    }
}

namespace {

void insert_job_row(sqlite3* db, const std::string& path, JobRecord& j) {
    Stmt s(db, path,
           "INSERT INTO jobs (run_id, idx, precision, evaluator, dataset, dataset_path, dataset_hash, settings_json, "
           "status, error, seconds, finished_at, precision_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    s.bind(1, j.run_id).bind(2, j.index).bind(3, j.precision).bind(4, std::string(evaluator_name(j.evaluator)));
    s.bind(5, j.dataset).bind(6, j.dataset_path).bind(7, j.dataset_hash).bind(8, j.settings_json);
    s.bind(9, std::string(job_status_name(j.status))).bind(10, j.error).bind(11, j.seconds).bind(12, j.finished_at);
    s.bind(13, j.precision_name);
    s.run();
    j.id = sqlite3_last_insert_rowid(db);
}

}  // namespace

void ResultsStore::insert_run(RunRecord& run) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_, path_);
    {
        Stmt s(db_, path_,
               "INSERT INTO runs (started_at, model_path, model_name, model_hash, model_bytes, baseline, engine_version, "
               "machine, settings_json, note, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        s.bind(1, run.started_at).bind(2, run.model_path).bind(3, run.model_name).bind(4, run.model_hash);
        s.bind(5, int64_t(run.model_bytes)).bind(6, run.baseline).bind(7, run.engine_version).bind(8, run.machine);
        s.bind(9, run.settings_json).bind(10, run.note).bind(11, run.finished_at);
        s.run();
        run.id = sqlite3_last_insert_rowid(db_);
    }
    for (JobRecord& j : run.jobs) {
        j.run_id = run.id;
        insert_job_row(db_, path_, j);
    }
    tx.commit();
}

void ResultsStore::finish_job(JobRecord& job) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_, path_);
    if (job.id == 0) {
        insert_job_row(db_, path_, job);
    } else {
        Stmt s(db_, path_, "UPDATE jobs SET status = ?2, error = ?3, seconds = ?4, finished_at = ?5, dataset_hash = ?6, "
                           "settings_json = ?7 WHERE id = ?1");
        s.bind(1, job.id).bind(2, std::string(job_status_name(job.status))).bind(3, job.error).bind(4, job.seconds);
        s.bind(5, job.finished_at).bind(6, job.dataset_hash).bind(7, job.settings_json);
        s.run();
        if (sqlite3_changes(db_) != 1) fail_file(path_, "results database has no job {}", job.id);
    }
    for (const char* table : {"metrics", "calibration_bins", "job_items", "job_outputs"}) {
        Stmt del(db_, path_, fmt::format("DELETE FROM {} WHERE job_id = ?1", table).c_str());
        del.bind(1, job.id).run();
    }
    {
        Stmt s(db_, path_, "INSERT INTO metrics (job_id, key, value, stderr, ci_low, ci_high) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        for (const Metric& m : job.metrics) {
            s.bind(1, job.id).bind(2, m.key).bind(3, m.value).bind(4, m.stderr_).bind(5, m.ci_low).bind(6, m.ci_high);
            s.run();
            s.reset();
        }
    }
    {
        Stmt s(db_, path_, "INSERT INTO calibration_bins (job_id, bin, lo, hi, count, mean_confidence, accuracy) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        for (size_t b = 0; b < job.calibration.size(); ++b) {
            const CalibrationBin& c = job.calibration[b];
            s.bind(1, job.id).bind(2, int64_t(b)).bind(3, c.lo).bind(4, c.hi).bind(5, c.count);
            s.bind(6, c.mean_confidence).bind(7, c.accuracy);
            s.run();
            s.reset();
        }
    }
    {
        Stmt s(db_, path_, "INSERT INTO job_items (job_id, item, correct, confidence) VALUES (?1, ?2, ?3, ?4)");
        for (size_t i = 0; i < job.item_correct.size(); ++i) {
            s.bind(1, job.id).bind(2, int64_t(i)).bind(3, int(job.item_correct[i]));
            s.bind(4, i < job.item_confidence.size() ? job.item_confidence[i] : kNaN);
            s.run();
            s.reset();
        }
    }
    {
        Stmt s(db_, path_, "INSERT INTO job_outputs (job_id, item, sample, item_id, text, verdict, detail) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        for (const ItemOutput& o : job.item_outputs) {
            s.bind(1, job.id).bind(2, int64_t(o.item)).bind(3, int64_t(o.sample)).bind(4, o.item_id).bind(5, o.text);
            s.bind(6, o.verdict).bind(7, o.detail);
            s.run();
            s.reset();
        }
    }
    tx.commit();
}

void ResultsStore::finish_run(int64_t run_id, const std::string& finished_at) {
    std::lock_guard lock(mutex_);
    Stmt s(db_, path_, "UPDATE runs SET finished_at = ?2 WHERE id = ?1");
    s.bind(1, run_id).bind(2, finished_at).run();
}

void ResultsStore::delete_run(int64_t run_id) {
    std::lock_guard lock(mutex_);
    Transaction tx(db_, path_);
    Stmt s(db_, path_, "DELETE FROM runs WHERE id = ?1");  // jobs and their rows follow (ON DELETE CASCADE)
    s.bind(1, run_id).run();
    tx.commit();
}

std::vector<RunSummary> ResultsStore::list_runs() const {
    std::lock_guard lock(mutex_);
    Stmt s(db_, path_,
           fmt::format("SELECT {}, (SELECT count(*) FROM jobs j WHERE j.run_id = r.id), "
                       "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.status = 'done'), "
                       "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.status = 'failed'), "
                       "(SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.status = 'cancelled') "
                       "FROM runs r ORDER BY r.id DESC",
                       kRunColumns)
               .c_str());
    std::vector<RunSummary> out;
    while (s.step()) {
        RunSummary r;
        r.run = read_run_columns(s);
        r.jobs_total = int(s.i64(12));
        r.jobs_done = int(s.i64(13));
        r.jobs_failed = int(s.i64(14));
        r.jobs_cancelled = int(s.i64(15));
        out.push_back(std::move(r));
    }
    return out;
}

namespace {

// Metrics, bins and items of one job.
void load_job_details(sqlite3* db, const std::string& path, JobRecord& j) {
    {
        Stmt s(db, path, "SELECT key, value, stderr, ci_low, ci_high FROM metrics WHERE job_id = ?1 ORDER BY rowid");
        s.bind(1, j.id);
        while (s.step()) j.metrics.push_back(Metric{s.text(0), s.real(1), s.real(2), s.real(3), s.real(4)});
    }
    {
        Stmt s(db, path, "SELECT lo, hi, count, mean_confidence, accuracy FROM calibration_bins WHERE job_id = ?1 ORDER BY bin");
        s.bind(1, j.id);
        while (s.step()) j.calibration.push_back(CalibrationBin{s.real(0), s.real(1), s.i64(2), s.real(3), s.real(4)});
    }
    {
        Stmt s(db, path, "SELECT correct, confidence FROM job_items WHERE job_id = ?1 ORDER BY item");
        s.bind(1, j.id);
        while (s.step()) {
            j.item_correct.push_back(uint8_t(s.i64(0)));
            j.item_confidence.push_back(s.real(1));
        }
    }
    {
        Stmt s(db, path, "SELECT item, sample, item_id, text, verdict, detail FROM job_outputs WHERE job_id = ?1 ORDER BY item, sample");
        s.bind(1, j.id);
        while (s.step())
            j.item_outputs.push_back(ItemOutput{int(s.i64(0)), int(s.i64(1)), s.text(2), s.text(3), s.text(4), s.text(5)});
    }
}

}  // namespace

RunRecord ResultsStore::load_run(int64_t run_id) const {
    std::lock_guard lock(mutex_);
    RunRecord run;
    {
        Stmt s(db_, path_, fmt::format("SELECT {} FROM runs r WHERE r.id = ?1", kRunColumns).c_str());
        s.bind(1, run_id);
        if (!s.step()) fail_file(path_, "results database has no run {}", run_id);
        run = read_run_columns(s);
    }
    Stmt s(db_, path_, fmt::format("SELECT {} FROM jobs j WHERE j.run_id = ?1 ORDER BY j.idx, j.id", kJobColumns).c_str());
    s.bind(1, run_id);
    while (s.step()) run.jobs.push_back(read_job_columns(s));
    for (JobRecord& j : run.jobs) load_job_details(db_, path_, j);
    return run;
}

std::vector<LatestResult> ResultsStore::latest_results(const std::string& model_hash) const {
    std::lock_guard lock(mutex_);
    // The newest Done job of each model x precision x evaluator x dataset.
    Stmt s(db_, path_,
           fmt::format("SELECT {}, r.model_hash, r.model_name FROM jobs j JOIN runs r ON r.id = j.run_id "
                       "WHERE j.status = 'done' AND (?1 = '' OR r.model_hash = ?1) AND j.id = ("
                       "  SELECT j2.id FROM jobs j2 JOIN runs r2 ON r2.id = j2.run_id"
                       "  WHERE j2.status = 'done' AND r2.model_hash = r.model_hash AND j2.precision = j.precision"
                       "    AND j2.evaluator = j.evaluator AND j2.dataset = j.dataset"
                       "  ORDER BY j2.finished_at DESC, j2.id DESC LIMIT 1) "
                       "ORDER BY r.model_hash, j.precision, j.evaluator, j.dataset",
                       kJobColumns)
               .c_str());
    s.bind(1, model_hash);
    std::vector<LatestResult> out;
    while (s.step()) {
        LatestResult l;
        l.job = read_job_columns(s);
        l.model_hash = s.text(14);
        l.model_name = s.text(15);
        out.push_back(std::move(l));
    }
    for (LatestResult& l : out) load_job_details(db_, path_, l.job);
    return out;
}

std::string ResultsStore::file_hash(const std::string& file_path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string abs = fs::absolute(file_path, ec).lexically_normal().string();
    const auto size = fs::file_size(file_path, ec);
    if (ec) fail_file(file_path, "cannot read: {}", ec.message());
    const auto mtime = int64_t(fs::last_write_time(file_path, ec).time_since_epoch().count());
    {
        std::lock_guard lock(mutex_);
        Stmt s(db_, path_, "SELECT sha256 FROM file_hashes WHERE path = ?1 AND size = ?2 AND mtime_ns = ?3");
        s.bind(1, abs).bind(2, int64_t(size)).bind(3, mtime);
        if (s.step()) return s.text(0);
    }
    const std::string digest = file_sha256(file_path);  // outside the lock: may take seconds
    std::lock_guard lock(mutex_);
    Stmt s(db_, path_, "INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, sha256) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, abs).bind(2, int64_t(size)).bind(3, mtime).bind(4, digest).run();
    return digest;
}

std::string ResultsStore::integrity_check() const {
    std::lock_guard lock(mutex_);
    Stmt s(db_, path_, "PRAGMA integrity_check");
    std::string out;
    while (s.step()) out += (out.empty() ? "" : "\n") + s.text(0);
    return out;
}

std::string store_sqlite_version() { return sqlite3_libversion(); }

}  // namespace qs
