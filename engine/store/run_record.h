// What one evaluation run leaves behind, as plain values: the results store writes and reads these,
// the job runner produces them, the GUI's item models and the CLI's CSV/JSON show them. No SQLite,
// no Qt here, so every layer can include it.
//
// A run is the user's matrix (one model x precisions x datasets x evaluators) started once; a job
// is one cell (one precision on one dataset with one evaluator) and carries its metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metric.h"
#include "eval/statistics.h"

namespace qs {

enum class JobStatus { Queued, Running, Done, Failed, Cancelled };
const char* job_status_name(JobStatus s);  // "queued", "running", "done", "failed", "cancelled"

// Which evaluator a job runs.
enum class EvaluatorKind { Perplexity, Kld, Task, Bench };
const char* evaluator_name(EvaluatorKind k);  // "perplexity", "kld", "task", "bench"

// The inverse of the name functions; throw qs::Error for an unknown name.
JobStatus job_status_from_name(const std::string& name);
EvaluatorKind evaluator_from_name(const std::string& name);

// One generated answer of a generation task job: what the model wrote and what the check said.
struct ItemOutput {
    int item = 0;                   // position in the job's items (as item_correct)
    int sample = 0;                 // 0 .. samples-1
    std::string item_id;            // the dataset's id ("HumanEval/0", "11", "test.jsonl:5")
    std::string text;               // the generated text (stop strings cut)
    std::string verdict;            // "pass", "fail", "timeout", "error" (eval/generation_scoring.h)
    std::string detail;             // GSM8K: the extracted answer; code: the last error line
};

struct JobRecord {
    int64_t id = 0;                 // store row id (0 until stored)
    int64_t run_id = 0;
    int index = 0;                  // position in the run's plan (0-based), the order jobs are shown in
    std::string precision;          // PrecisionRecipe::to_string(), e.g. "Q4_K_M+ffn_down=q8_0"
    std::string precision_name;     // the user's name for it ("NF4", "down in q8"); "" = none given
    EvaluatorKind evaluator = EvaluatorKind::Perplexity;
    std::string dataset;            // dataset name as the user named it ("hellaswag", "wiki.test.raw"); "" for bench
    std::string dataset_path;
    std::string dataset_hash;       // hex digest of the dataset file's bytes ("" for bench)
    std::string settings_json;      // the evaluator's settings (n_ctx, chunks, limit, seed, ...)
    JobStatus status = JobStatus::Queued;
    std::string error;              // the qs::Error message when Failed
    double seconds = 0;             // wall time of the job
    std::vector<Metric> metrics;
    std::vector<CalibrationBin> calibration;  // equal-width reliability-diagram bins (task jobs)
    std::vector<uint8_t> item_correct;        // [items] 1 if the item was right (task jobs, for paired tests)
    std::vector<double> item_confidence;      // [items] softmax confidence of the prediction (task jobs)
    std::vector<ItemOutput> item_outputs;     // generation task jobs: every sample of every item
    std::string finished_at;        // ISO 8601 UTC
};

// What people see for a job's precision: the user's name when there is one, else the recipe string.
inline const std::string& precision_label(const JobRecord& j) { return j.precision_name.empty() ? j.precision : j.precision_name; }

struct RunRecord {
    int64_t id = 0;                 // store row id (0 until stored)
    std::string started_at;         // ISO 8601 UTC
    std::string model_path;
    std::string model_name;         // general.name or the file name
    std::string model_hash;         // hex digest of the model file (see store/file_hash.h)
    uint64_t model_bytes = 0;
    std::string baseline;           // precision the comparisons use ("" = none)
    std::string engine_version;     // "quantscope 0.1.0 (git ...)"
    std::string machine;            // CPU model, ISA used, threads
    std::string settings_json;      // the whole matrix as the user asked for it
    std::string note;               // free text from the user
    std::string finished_at;        // ISO 8601 UTC when every job ended; "" while running or if interrupted
    std::vector<JobRecord> jobs;
};

}  // namespace qs
