// The window runs an endpoint as its model (issue 14 item 2, "a Remote model source beside a
// file"): the demo model behind our own serve on loopback (no ../shared needed), the Remote
// page's endpoint ticked as the source, the Run page says precisions do not apply, the run goes
// off the GUI thread, is stored with the endpoint's identity and opens in Results; its perplexity
// equals the local engine's on the same chunks; a generation task's outputs are stored per item. The API key leaves no trace in the workspace, the
// database or the log; a cancel before the run started cancels every job, and a cancel during a
// request the endpoint holds ends the run without waiting for the answer.
#include <QCheckBox>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "common/test_paths.h"
#include "demo/demo_assets.h"
#include "eval/perplexity.h"
#include "main_window.h"
#include "model/model.h"
#include "pages/remote_page.h"
#include "pages/run_page.h"
#include "run/run_controller.h"
#include "serve/loopback_server.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"
#include "dataset_list_model.h"

using namespace qs;
using namespace qs::ui;

namespace {

constexpr int kCtx = 32, kChunks = 3;

std::string slurp(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

struct Fixture {
    QString dir = QString::fromStdString(test::temp_dir());
    std::shared_ptr<const Model> model = Model::load(demo_model_path());
    std::shared_ptr<const Tokenizer> tok = Tokenizer::from_gguf(model->file());
    std::string key = "sk-gui-leak-" + std::to_string(std::random_device{}());
    std::unique_ptr<test::LoopbackServer> server;
    std::string text, task, gen;

    Fixture() {
        setenv("QS_TEST_GUI_KEY", key.c_str(), 1);
        ServeOptions o;
        o.api_key = key;
        o.model_id = "demo-endpoint";
        o.fingerprint = "fp_gui_test";
        server = std::make_unique<test::LoopbackServer>(model, tok, o);
        text = dir.toStdString() + "/text.txt";
        std::ofstream t(text);
        for (int i = 0; i < 30; ++i) t << "And the people of the land were glad, and they went unto the city of the king. ";
        task = dir.toStdString() + "/choices.jsonl";
        std::ofstream q(task);
        q << R"({"context": "The people were", "choices": [" glad", " stone", " seven"], "gold": 0})" "\n"
          << R"({"context": "They went unto the", "choices": [" city", " blue", " and"], "gold": 0})" "\n"
          << R"({"context": "In the beginning", "choices": [" was", " of", " the"], "gold": 0})" "\n";
        gen = dir.toStdString() + "/gen.jsonl";
        std::ofstream g(gen);
        g << R"({"prompt": "And the people", "target": "glad", "scoring": "contains", "max_tokens": 8})" "\n"
          << R"({"prompt": "In the beginning", "target": "word", "scoring": "contains", "until": ["."], "max_tokens": 8})" "\n";
    }
    ~Fixture() { unsetenv("QS_TEST_GUI_KEY"); }

    // A window whose Run page runs the two datasets through the endpoint.
    std::unique_ptr<MainWindow> window(const QString& name, const QString& key_env = "QS_TEST_GUI_KEY") {
        auto w = std::make_unique<MainWindow>(MainWindowOptions{dir + "/" + name + ".db", "-", false});
        for (const std::string& p : {text, task, gen}) w->add_dataset(QString::fromStdString(p));
        const int text_row = w->datasets()->row_of_path(QString::fromStdString(text));
        w->datasets()->set_limit(text_row, kChunks);
        RunSettings rs = w->run_page()->settings();
        rs.n_ctx = kCtx;
        w->run_page()->set_settings(rs);
        w->remote_page()->set_endpoint({QString::fromStdString(server->url()), "demo-endpoint", key_env,
                                        QString::fromStdString(demo_model_path()), true});
        return w;
    }
};

TEST(WindowRemote, RunsTheTickedDatasetsThroughTheEndpointAndStoresThemLikeAnyRun) {
    Fixture f;
    auto w = f.window("run");
    // The Run page says what runs, and that precisions, KLD and bench do not apply.
    const QString source = w->run_page()->source_label()->text();
    EXPECT_TRUE(source.contains("endpoint: demo-endpoint at " + QString::fromStdString(f.server->url()))) << source.toStdString();
    EXPECT_TRUE(source.contains("Precisions do not apply")) << source.toStdString();
    for (QCheckBox* box : w->run_page()->findChildren<QCheckBox*>()) EXPECT_FALSE(box->isEnabled() && box->isChecked()) << box->text().toStdString();

    ASSERT_TRUE(w->start_run()) << w->last_error().toStdString();
    ASSERT_TRUE(w->controller()->wait_idle(120000));
    ASSERT_EQ(w->shown_runs().size(), 1u);
    const RunRecord run = w->shown_runs()[0];
    EXPECT_EQ(run.model_path, f.server->url() + "/v1");
    EXPECT_EQ(run.model_name, "demo-endpoint");
    EXPECT_EQ(run.model_hash, "fp_gui_test");
    ASSERT_EQ(run.jobs.size(), 3u);
    for (const JobRecord& j : run.jobs) {
        EXPECT_EQ(j.status, JobStatus::Done) << j.dataset << ": " << j.error;
        EXPECT_EQ(j.precision, "endpoint");
        EXPECT_NE(j.settings_json.find("\"prompt_tokens\""), std::string::npos) << j.settings_json;  // usage per job
    }

    // Stored: the database gives the same run back.
    ResultsStore store((f.dir + "/run.db").toStdString());
    const RunRecord stored = store.load_run(run.id);
    ASSERT_EQ(stored.jobs.size(), 3u);
    // The generation task's outputs are stored per item (the Outputs page reads them), as the
    // window showed them.
    EXPECT_EQ(stored.jobs[2].item_outputs.size(), 2u);
    EXPECT_EQ(stored.jobs[2].item_outputs.size(), run.jobs[2].item_outputs.size());
    EXPECT_EQ(stored.model_hash, "fp_gui_test");

    // The perplexity is the local engine's on the same text, context and chunks.
    auto metric = [](const JobRecord& j, const char* name) {
        for (const Metric& m : j.metrics)
            if (m.key == name) return m.value;
        return -1.0;
    };
    ModelContext ctx(f.model, kCtx);
    PerplexityOptions po;
    po.n_ctx = kCtx;
    po.max_chunks = kChunks;
    Progress p;
    const PerplexityResult local = perplexity_run(ctx, *f.tok, f.tok->encode(perplexity_read_text(f.text), true), po, p);
    EXPECT_NEAR(metric(stored.jobs[0], "ppl"), local.ppl, 1e-9 * local.ppl);
    EXPECT_EQ(metric(stored.jobs[1], "items"), 3.0);

    // The key: in memory only. Neither the workspace, the database nor the log holds it.
    w->save_workspace(f.dir + "/session.json");
    const std::string session = slurp(f.dir + "/session.json");
    EXPECT_NE(session.find("QS_TEST_GUI_KEY"), std::string::npos);  // the variable's name is kept
    for (const std::string& where : {session, slurp(f.dir + "/run.db"), w->run_page()->log()->toPlainText().toStdString()})
        EXPECT_EQ(where.find(f.key), std::string::npos);
}

TEST(WindowRemote, RefusesAMissingKeyAndAWrongOneWithoutShowingIt) {
    Fixture f;
    auto missing = f.window("missing", "QS_TEST_GUI_NO_SUCH_VAR");
    EXPECT_FALSE(missing->start_run());
    EXPECT_TRUE(missing->last_error().contains("QS_TEST_GUI_NO_SUCH_VAR")) << missing->last_error().toStdString();

    setenv("QS_TEST_GUI_WRONG", (f.key + "x").c_str(), 1);
    auto wrong = f.window("wrong", "QS_TEST_GUI_WRONG");
    ASSERT_TRUE(wrong->start_run());  // refused by the server, off the GUI thread
    ASSERT_TRUE(wrong->controller()->wait_idle(60000));
    EXPECT_TRUE(wrong->last_error().contains("401")) << wrong->last_error().toStdString();
    EXPECT_EQ(wrong->last_error().toStdString().find(f.key), std::string::npos);
    unsetenv("QS_TEST_GUI_WRONG");
}

// Cancelled while the thread still reads the tokenizer and asks the endpoint: either the run was
// stored and every job is cancelled, or nothing was stored and the message says it was cancelled;
// never a job that ran.
TEST(WindowRemote, CancelBeforeTheRunStartedRunsNothing) {
    Fixture f;
    auto w = f.window("cancel");
    ASSERT_TRUE(w->start_run()) << w->last_error().toStdString();
    w->cancel_all();
    ASSERT_TRUE(w->controller()->wait_idle(60000));
    if (w->shown_runs().empty()) {
        EXPECT_TRUE(w->last_error().contains("cancelled")) << w->last_error().toStdString();
        return;
    }
    ASSERT_EQ(w->shown_runs()[0].jobs.size(), 3u);
    for (const JobRecord& j : w->shown_runs()[0].jobs) EXPECT_EQ(j.status, JobStatus::Cancelled) << j.dataset;
}

// An endpoint that names its model and then holds every completion until released.
class HoldingEndpoint {
public:
    HoldingEndpoint() {
        http_.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"object": "list", "data": [{"id": "held", "owned_by": "test", "max_model_len": 256}]})", "application/json");
        });
        http_.Post("/v1/completions", [this](const httplib::Request&, httplib::Response& res) {
            std::unique_lock lock(m_);
            ++held_;
            cv_.wait_for(lock, std::chrono::seconds(120), [this] { return released_; });
            res.status = 503;
        });
        port_ = http_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { http_.listen_after_bind(); });
        while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~HoldingEndpoint() {
        {
            std::lock_guard lock(m_);
            released_ = true;
        }
        cv_.notify_all();
        http_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int held() {
        std::lock_guard lock(m_);
        return held_;
    }

private:
    httplib::Server http_;
    std::thread thread_;
    int port_ = 0;
    std::mutex m_;
    std::condition_variable cv_;
    bool released_ = false;
    int held_ = 0;
};

TEST(WindowRemote, CancelDuringAHeldRequestEndsTheRunWithoutItsAnswer) {
    Fixture f;
    HoldingEndpoint held;
    auto w = f.window("held");
    w->remote_page()->set_endpoint({QString::fromStdString(held.url()), "held", "", QString::fromStdString(demo_model_path()), true});
    ASSERT_TRUE(w->start_run()) << w->last_error().toStdString();
    for (int i = 0; i < 600 && held.held() == 0; ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(held.held(), 0);  // a request is in flight, held by the endpoint
    w->cancel_all();
    // The endpoint holds its answer for 120 s: only aborting the request ends the run before that.
    ASSERT_TRUE(w->controller()->wait_idle(60000));
    ASSERT_EQ(w->shown_runs().size(), 1u);
    for (const JobRecord& j : w->shown_runs()[0].jobs) EXPECT_EQ(j.status, JobStatus::Cancelled) << j.dataset << ": " << j.error;
}

}  // namespace
