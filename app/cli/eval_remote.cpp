#include "eval_remote.h"

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval_output.h"
#include "gguf/gguf_file.h"
#include "jobs/job_observer.h"
#include "progress_bar.h"
#include "remote/remote_run.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {

namespace {

// The CLI's view of an endpoint run: a progress bar per job and a line per failed job on stderr.
class RemoteEvalObserver : public JobObserver {
public:
    explicit RemoteEvalObserver(bool bars) : bars_(bars) {}
    void job_started(const JobRecord&) override { bar_ = std::make_unique<ProgressBar>(bars_); }
    void job_progress(const JobRecord&, const JobProgress& p) override {
        if (bar_) bar_->callback()(p.done, p.total, p.stage);
    }
    void job_finished(const JobRecord& j) override {
        if (bar_) bar_->finish();
        bar_.reset();
        if (j.status != JobStatus::Failed) return;
        ++failed_;
        std::fprintf(stderr, "eval: %s %s failed: %s\n", evaluator_name(j.evaluator), j.dataset.c_str(), j.error.c_str());
    }
    int failed() const { return failed_; }

private:
    bool bars_;
    std::unique_ptr<ProgressBar> bar_;
    int failed_ = 0;
};

}  // namespace

int run_remote_eval(EvalMatrix& m, const RemoteEvalArgs& args, const std::string& db, const std::string& csv, bool json,
                    const GlobalOptions& global) {
    if (m.kld) throw Error("eval --endpoint: --kld needs the full distribution of a local model; compare with detect instead");
    if (m.bench) throw Error("eval --endpoint: --bench measures a local model; an endpoint's speed is not benchmarked here");
    if (m.ppl_path.empty() && m.tasks.empty()) throw Error("eval --endpoint: nothing to evaluate (give --ppl and/or --task)");
    if (args.tokenizer.empty())
        throw Error("eval --endpoint: --tokenizer FILE.gguf (a GGUF with the served model's vocabulary) is needed to build the "
                    "token-level requests, as lm-eval's local-completions needs the model's tokenizer");
    std::shared_ptr<const Tokenizer> tokenizer = Tokenizer::from_gguf(GgufFile::open(args.tokenizer));
    auto client = connect_endpoint(args.endpoint, "eval", tokenizer);
    const EndpointIdentity id = client->identity();
    if (!global.quiet)
        std::fprintf(stderr, "eval: endpoint %s model '%s' (fingerprint %s)\n", id.url.c_str(), id.model.c_str(),
                     id.fingerprint.empty() ? "none sent" : id.fingerprint.c_str());

    ResultsStore store(db.empty() ? ":memory:" : db);
    RemoteRun remote(m, args.tokenizer, tokenizer);
    if (!global.quiet)
        for (size_t i = 0; i < m.tasks.size(); ++i)
            std::fprintf(stderr, "eval: task %s: %s read as %s (%s)\n", m.tasks[i].name.c_str(), m.tasks[i].path.c_str(),
                         remote.datasets()[i].format.c_str(), remote.datasets()[i].format_source.c_str());
    RemoteEvalObserver observer(!global.quiet);
    const RunRecord run = remote.run(*client, store, &observer);

    if (!csv.empty()) eval_write_csv(run, csv);
    if (json)
        fmt::print("{}\n", eval_json(run, db, remote.warnings()).dump(2));
    else
        eval_print_table(run);
    for (const std::string& w : remote.warnings()) std::fprintf(stderr, "eval: warning: %s\n", w.c_str());
    return observer.failed();
}

}  // namespace qs::cli
