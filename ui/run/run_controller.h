// The bridge between the job runner (engine/jobs, std::threads) and the GUI thread.
//
// Threading: JobRunner::start() loads the model and tokenizes the text before its workers run, so
// start() and wait() run on a thread of our own; the runner's observer callbacks arrive on that
// thread and on the runner's workers. Each callback copies its record and posts it with
// QMetaObject::invokeMethod(..., Qt::QueuedConnection) to this object's thread (the GUI thread);
// the signals below are emitted there only, so slots may touch widgets. Progress is throttled to
// one update per job every 50 ms by the runner itself.
//
// A run whose model is an endpoint (start_remote) goes through engine/remote's RemoteRun on the
// same thread: the tokenizer is read, the endpoint asked who it is and the datasets loaded there,
// then its jobs run one after another; the same signals follow it.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "jobs/job_matrix.h"
#include "jobs/job_observer.h"
#include "jobs/job_runner.h"
#include "remote/openai_client.h"

namespace qs {
class RemoteRun;
}

namespace qs::ui {

// The model of a run when it is an endpoint: where and what (the key read from the environment by
// the caller, held in memory only) and the GGUF whose vocabulary the served model uses.
struct RemoteSource {
    EndpointConfig endpoint;
    std::string tokenizer_path;
};

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;  // cancels a run in progress and waits for its threads

    bool running() const { return running_; }
    // Starts a run; returns at once. A bad matrix or model arrives as run_failed.
    void start(const EvalMatrix& matrix, const RunnerOptions& options);
    // Starts a run of the matrix's datasets through an endpoint (its precisions, KLD and bench are
    // not used; see RemoteRun); options.store receives it (nullptr: an in-memory store).
    void start_remote(const EvalMatrix& matrix, const RemoteSource& source, const RunnerOptions& options);
    void cancel_job(int index);
    void cancel_all();
    // Blocks (processing events) until the current run ends or timeout_ms pass; for tests and exit.
    bool wait_idle(int timeout_ms);

signals:
    void run_started(const qs::RunRecord& run);
    void job_started(const qs::JobRecord& job);
    void job_progress(const qs::JobRecord& job, double fraction, const QString& stage, double eta_seconds);
    void job_finished(const qs::JobRecord& job);
    void job_message(const qs::JobRecord& job, const QString& message);
    void run_finished(const qs::RunRecord& run);
    void run_failed(const QString& message);  // the matrix or the model was refused; nothing ran

private:
    class Forwarder;
    void thread_ended();
    void launch(std::function<void()> work);  // the run's thread: work(), run_failed on a throw
    void cancel_now();                           // on the thread that owns the run's setup, or after it
    std::unique_ptr<Forwarder> forwarder_;
    std::unique_ptr<JobRunner> runner_;
    std::unique_ptr<RemoteRun> remote_;          // an endpoint run's, created on the run's thread
    std::unique_ptr<ResultsStore> own_store_;    // an endpoint run without a store
    std::shared_ptr<std::atomic<bool>> abort_http_;  // an endpoint run's requests in flight, stopped by cancel_all
    std::thread thread_;
    std::atomic<bool> runner_ready_{false};    // run_started seen: the runner's job list exists
    std::atomic<bool> cancel_pending_{false};  // cancel_all before the runner was ready
    bool running_ = false;
};

}  // namespace qs::ui

Q_DECLARE_METATYPE(qs::RunRecord)
Q_DECLARE_METATYPE(qs::JobRecord)
