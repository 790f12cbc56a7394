#include "run_controller.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "remote/remote_run.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::ui {

// The JobObserver the runner calls on its threads: copies and posts to the controller's thread.
class RunController::Forwarder : public JobObserver {
public:
    Forwarder(RunController* c) : c_(c) {}

    void run_started(const RunRecord& run) override {
        c_->runner_ready_ = true;
        if (c_->cancel_pending_) c_->cancel_now();  // this thread owns the run's setup: safe here
        post([c = c_, run] { emit c->run_started(run); });
    }
    void job_started(const JobRecord& job) override { post([c = c_, job] { emit c->job_started(job); }); }
    void job_progress(const JobRecord& job, const JobProgress& p) override {
        const double fraction = p.total > 0 ? double(p.done) / double(p.total) : 0.0;
        const QString stage = QString::fromStdString(p.stage);
        post([c = c_, job, fraction, stage, eta = p.eta_seconds] { emit c->job_progress(job, fraction, stage, eta); });
    }
    void job_finished(const JobRecord& job) override { post([c = c_, job] { emit c->job_finished(job); }); }
    void job_message(const JobRecord& job, const std::string& m) override {
        post([c = c_, job, m = QString::fromStdString(m)] { emit c->job_message(job, m); });
    }
    void run_finished(const RunRecord& run) override { post([c = c_, run] { emit c->run_finished(run); }); }

    template <class F>
    void post(F&& f) {
        QMetaObject::invokeMethod(c_, std::forward<F>(f), Qt::QueuedConnection);
    }

private:
    RunController* c_;
};

RunController::RunController(QObject* parent) : QObject(parent), forwarder_(std::make_unique<Forwarder>(this)) {
    qRegisterMetaType<qs::RunRecord>();
    qRegisterMetaType<qs::JobRecord>();
}

RunController::~RunController() {
    cancel_all();
    if (thread_.joinable()) thread_.join();
}

void RunController::start(const EvalMatrix& matrix, const RunnerOptions& options) {
    if (running_) throw qs::Error("a run is already in progress");
    if (thread_.joinable()) thread_.join();
    RunnerOptions o = options;
    o.observer = forwarder_.get();
    remote_.reset();
    abort_http_.reset();
    runner_ = std::make_unique<JobRunner>(matrix, o);
    launch([this] {
        runner_->start();
        runner_->wait();  // run_finished is posted from here
    });
}

void RunController::start_remote(const EvalMatrix& matrix, const RemoteSource& source, const RunnerOptions& options) {
    if (running_) throw qs::Error("a run is already in progress");
    if (thread_.joinable()) thread_.join();
    runner_.reset();
    remote_.reset();
    ResultsStore* store = options.store;
    if (!store) {
        own_store_ = std::make_unique<ResultsStore>(":memory:");
        store = own_store_.get();
    }
    abort_http_ = std::make_shared<std::atomic<bool>>(false);
    RemoteSource src = source;
    src.endpoint.http.abort = abort_http_;  // cancel_all stops the requests in flight, not only the next ones
    launch([this, matrix, src, store] {
        const RemoteSource& source = src;
        std::shared_ptr<const Tokenizer> tokenizer = Tokenizer::from_gguf(GgufFile::open(source.tokenizer_path));
        OpenAiClient client(source.endpoint, tokenizer);
        try {
            client.identify();
        } catch (const Cancelled&) {
            throw Error("cancelled before the endpoint answered: nothing ran");
        }
        try {
            remote_ = std::make_unique<RemoteRun>(matrix, source.tokenizer_path, tokenizer);
            remote_->run(client, *store, forwarder_.get());  // run_started applies a cancel asked before it
        } catch (const Error& e) {
            throw Error(client.http().redact(e.what()));
        }
    });
}

void RunController::launch(std::function<void()> work) {
    runner_ready_ = false;
    cancel_pending_ = false;
    running_ = true;
    thread_ = std::thread([this, work = std::move(work)] {
        try {
            work();
        } catch (const std::exception& e) {
            forwarder_->post([this, m = QString::fromUtf8(e.what())] { emit run_failed(m); });
        }
        forwarder_->post([this] { thread_ended(); });
    });
}

void RunController::cancel_now() {
    if (runner_) runner_->cancel_all();
    if (remote_) remote_->cancel_all();
}

void RunController::thread_ended() {
    if (thread_.joinable()) thread_.join();
    running_ = false;
}

void RunController::cancel_job(int index) {
    if (!running_ || !runner_ready_) return;
    if (runner_) runner_->cancel_job(index);
    if (remote_) remote_->cancel_job(index);
}

void RunController::cancel_all() {
    if (!running_) return;
    if (abort_http_) *abort_http_ = true;
    cancel_pending_ = true;
    if (runner_ready_) cancel_now();
}

bool RunController::wait_idle(int timeout_ms) {
    QElapsedTimer t;
    t.start();
    while (running_ && t.elapsed() < timeout_ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return !running_;
}

}  // namespace qs::ui
