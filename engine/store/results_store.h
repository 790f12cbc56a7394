// The results store: every run and job QuantScope has measured, in one SQLite file.
//
// Durability: the database is in WAL mode with synchronous=NORMAL. A finished job is written in
// ONE transaction (status, metrics, calibration bins, per-item results), so a crash, a SIGKILL or
// a cancel never leaves a half-written job and never loses a job already committed: in WAL mode a
// committed transaction survives the process dying; only an OS crash or power loss may roll back
// the last few commits (FULL would fsync every commit to cover that too, which results that can be
// recomputed do not need), and the file is never corrupted either way.
//
// Schema: versioned by PRAGMA user_version and upgraded on open by ordered migrations
// (store/store_schema.h); opening a newer database than this build knows is refused.
//
// Thread-safe: one connection behind a mutex, so the job runner's workers can write through it.
// Every SQLite failure throws qs::Error naming the database file.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/run_record.h"

struct sqlite3;

namespace qs {

// A run as history lists it: its record without jobs, and job counts.
struct RunSummary {
    RunRecord run;       // jobs empty
    int jobs_total = 0, jobs_done = 0, jobs_failed = 0, jobs_cancelled = 0;
};

// The latest finished (Done) job of one precision x evaluator x dataset across runs.
struct LatestResult {
    std::string model_hash;
    std::string model_name;
    JobRecord job;       // with metrics; job.run_id says which run it came from
};

class ResultsStore {
public:
    // Opens or creates the database (":memory:" for a throwaway one) and migrates it to the
    // latest schema. Throws qs::Error naming the file when it cannot be opened, is not a
    // QuantScope database, or was written by a newer QuantScope.
    explicit ResultsStore(const std::string& path);
    ~ResultsStore();
    ResultsStore(const ResultsStore&) = delete;
    ResultsStore& operator=(const ResultsStore&) = delete;

    const std::string& path() const { return path_; }
    int schema_version() const;

    // Inserts the run and its jobs (as they are, usually Queued) in one transaction; sets
    // run.id, and each job's id and run_id.
    void insert_run(RunRecord& run);
    // Writes a job's final state in one transaction: status, error, seconds, finished_at, metrics,
    // calibration bins, item results (replacing any earlier ones). Inserts it when job.id == 0
    // (setting job.id).
    void finish_job(JobRecord& job);
    // Marks the run as ended (RunRecord::finished_at).
    void finish_run(int64_t run_id, const std::string& finished_at);

    // Deletes a run with its jobs, metrics, bins and items (one transaction). Unknown ids are ignored.
    void delete_run(int64_t run_id);

    // Every run, newest first. A run whose finished_at is "" is still running (in this or another
    // process) or was interrupted; its unfinished jobs stay "queued"/"running".
    std::vector<RunSummary> list_runs() const;
    // One run with its jobs in plan order, each with metrics, bins and items. Throws qs::Error
    // naming the database when there is no such run.
    RunRecord load_run(int64_t run_id) const;
    // For each model x precision x evaluator x dataset, the latest Done job across runs (of one
    // model when model_hash is not empty), ordered by model hash, precision, evaluator, dataset:
    // the table that compares precisions with everything measured so far.
    std::vector<LatestResult> latest_results(const std::string& model_hash = "") const;

    // SHA-256 of a file (store/file_hash.h), remembered by path, size and modification time so a
    // multi-GB model is hashed once, not once per run.
    std::string file_hash(const std::string& file_path);

    // PRAGMA integrity_check's answer ("ok" when sound).
    std::string integrity_check() const;

private:
    void exec(const char* sql) const;
    void migrate();
    std::string path_;
    sqlite3* db_ = nullptr;
    mutable std::mutex mutex_;
};

// Current UTC time as ISO 8601 ("2026-11-23T13:40:05Z").
std::string utc_now_iso8601();

// The SQLite library the store runs on ("3.40.1"), for About boxes and bug reports.
std::string store_sqlite_version();

}  // namespace qs
