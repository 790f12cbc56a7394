#include "store/store_schema.h"

namespace qs {

const std::vector<StoreMigration>& store_migrations() {
    static const std::vector<StoreMigration> migrations = {
        // v1: runs, their jobs and each job's metrics.
        {1, R"sql(
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    started_at     TEXT NOT NULL,
    model_path     TEXT NOT NULL DEFAULT '',
    model_name     TEXT NOT NULL DEFAULT '',
    model_hash     TEXT NOT NULL DEFAULT '',
    model_bytes    INTEGER NOT NULL DEFAULT 0,
    baseline       TEXT NOT NULL DEFAULT '',
    engine_version TEXT NOT NULL DEFAULT '',
    machine        TEXT NOT NULL DEFAULT '',
    settings_json  TEXT NOT NULL DEFAULT '{}',
    note           TEXT NOT NULL DEFAULT ''
);
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    precision     TEXT NOT NULL,
    evaluator     TEXT NOT NULL,
    dataset       TEXT NOT NULL DEFAULT '',
    dataset_path  TEXT NOT NULL DEFAULT '',
    dataset_hash  TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    seconds       REAL NOT NULL DEFAULT 0,
    finished_at   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_by_run ON jobs(run_id);
CREATE TABLE metrics (
    job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   REAL,
    stderr  REAL,
    ci_low  REAL,
    ci_high REAL,
    PRIMARY KEY (job_id, key)
);
)sql"},
        // v2: job order and run end, calibration bins and per-item results of task jobs,
        // remembered file hashes, an index for "latest result per cell".
        {2, R"sql(
ALTER TABLE runs ADD COLUMN finished_at TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN idx INTEGER NOT NULL DEFAULT 0;
CREATE TABLE calibration_bins (
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    bin             INTEGER NOT NULL,
    lo              REAL NOT NULL,
    hi              REAL NOT NULL,
    count           INTEGER NOT NULL,
    mean_confidence REAL NOT NULL,
    accuracy        REAL NOT NULL,
    PRIMARY KEY (job_id, bin)
);
CREATE TABLE job_items (
    job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    item       INTEGER NOT NULL,
    correct    INTEGER NOT NULL,
    confidence REAL,
    PRIMARY KEY (job_id, item)
) WITHOUT ROWID;
CREATE TABLE file_hashes (
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256   TEXT NOT NULL
);
CREATE INDEX jobs_by_cell ON jobs(precision, evaluator, dataset, status);
)sql"},
        // v3: the user's name for a job's precision (a preset such as "NF4", a named custom recipe).
        {3, R"sql(
ALTER TABLE jobs ADD COLUMN precision_name TEXT NOT NULL DEFAULT '';
)sql"},
        // v4: generation tasks: per item and sample, the generated text, its verdict (pass, fail,
        // timeout, error) and what the check saw (extracted answer or the program's last error line).
        {4, R"sql(
CREATE TABLE job_outputs (
    job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    item    INTEGER NOT NULL,
    sample  INTEGER NOT NULL,
    item_id TEXT NOT NULL DEFAULT '',
    text    TEXT NOT NULL,
    verdict TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, item, sample)
) WITHOUT ROWID;
)sql"},
    };
    return migrations;
}

}  // namespace qs
