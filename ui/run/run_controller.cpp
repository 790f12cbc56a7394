#include "run_controller.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include "core/error.h"

namespace qs::ui {

// The JobObserver the runner calls on its threads: copies and posts to the controller's thread.
class RunController::Forwarder : public JobObserver {
public:
    Forwarder(RunController* c) : c_(c) {}

    void run_started(const RunRecord& run) override {
        c_->runner_ready_ = true;
        if (c_->cancel_pending_) c_->runner_->cancel_all();  // this thread owns the runner's setup: safe here
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
    runner_ = std::make_unique<JobRunner>(matrix, o);
    runner_ready_ = false;
    cancel_pending_ = false;
    running_ = true;
    thread_ = std::thread([this] {
        try {
            runner_->start();
            runner_->wait();  // run_finished is posted from here
        } catch (const std::exception& e) {
            forwarder_->post([this, m = QString::fromUtf8(e.what())] { emit run_failed(m); });
        }
        forwarder_->post([this] { thread_ended(); });
    });
}

void RunController::thread_ended() {
    if (thread_.joinable()) thread_.join();
    running_ = false;
}

void RunController::cancel_job(int index) {
    if (running_ && runner_ready_) runner_->cancel_job(index);
}

void RunController::cancel_all() {
    if (!running_) return;
    cancel_pending_ = true;
    if (runner_ready_) runner_->cancel_all();
}

bool RunController::wait_idle(int timeout_ms) {
    QElapsedTimer t;
    t.start();
    while (running_ && t.elapsed() < timeout_ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return !running_;
}

}  // namespace qs::ui
