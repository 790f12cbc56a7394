// A run whose model is an endpoint: the matrix's perplexity and task jobs through an
// OpenAI-compatible endpoint (remote_eval.h) instead of a local model, stored as the job runner
// stores local runs so every view (history, Results, report) reads it like any run. Both front
// ends call it: `quantscope-cli eval --endpoint` and the GUI's RunController.
//
// The run's model is the endpoint: model_path = its base URL, model_name = the API model,
// model_hash = its system_fingerprint. Every job has the precision "endpoint" (precisions make no
// sense for a model someone else serves) and its settings hold the endpoint's identity, when it
// was asked, and the token usage the endpoint reported for the job; `fingerprint_changed` marks
// a job during which the server's fingerprint changed. The API key is never stored: job errors
// are passed through the client's redaction before they are kept.
//
// Jobs run one after another on the caller's thread (each evaluation already sends `concurrency`
// requests at a time); the observer is called on that thread. cancel_all/cancel_job may be called
// from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/progress.h"
#include "datasets/task_dataset.h"
#include "generate/chat_template.h"
#include "jobs/job_matrix.h"
#include "jobs/job_observer.h"
#include "remote/openai_client.h"
#include "store/run_record.h"

namespace qs {

class ResultsStore;
class Sandbox;
class Tokenizer;

// The precision column of an endpoint's jobs.
inline constexpr const char* kEndpointPrecision = "endpoint";

class RemoteRun {
public:
    // matrix: its ppl_path/n_ctx/max_chunks, tasks/task_limit/seed/num_fewshot/task_n_ctx,
    // on_bad_line and note are used, and for generation tasks gen_max_tokens, chat_template
    // (resolved against the tokenizer's GGUF, as locally against the model's) and code_timeout;
    // model_path and precisions are ignored. Throws qs::Error when it asks for KLD or bench (both
    // need a local model), for pass@k sampling of a generation task (gen_samples > 1) or for nothing, for a dataset that
    // cannot be read, or when a code task's sandbox cannot work here. tokenizer: the served model's vocabulary (requests are built as token ids),
    // read from tokenizer_path (recorded with the run).
    RemoteRun(const EvalMatrix& matrix, std::string tokenizer_path, std::shared_ptr<const Tokenizer> tokenizer);
    ~RemoteRun();

    // The task datasets as loaded, in the matrix's order (their format and where it came from).
    const std::vector<TaskDataset>& datasets() const { return datasets_; }

    // Stores the run (store.insert_run), runs its jobs through `client` (identify() already
    // called) and stores each as it ends, then the run's end. Returns the run as stored. A job's
    // failure is recorded in the job; only a failure of the store throws.
    RunRecord run(OpenAiClient& client, ResultsStore& store, JobObserver* observer = nullptr);

    void cancel_all();
    void cancel_job(int index);

    // What the user must see beside the figures (the fingerprint changed during the run).
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    RunRecord plan(const EndpointIdentity& id, ResultsStore& store) const;
    void evaluate(OpenAiClient& client, JobRecord& job, size_t task_index, Progress& progress, int task_ctx) const;

    EvalMatrix matrix_;
    std::string tokenizer_path_;
    std::shared_ptr<const Tokenizer> tokenizer_;
    std::vector<TaskDataset> datasets_;
    ChatTemplate chat_template_ = ChatTemplate::None;
    std::unique_ptr<Sandbox> sandbox_;     // for generation tasks whose answers are programs
    std::vector<std::string> warnings_;

    std::mutex cancel_mutex_;
    bool cancel_all_ = false;
    std::vector<int> cancelled_jobs_;      // asked before they started
    int current_job_ = -1;
    Progress* current_progress_ = nullptr; // the running job's, cancelled in place
};

}  // namespace qs
