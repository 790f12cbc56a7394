#include "eval_remote.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval_output.h"
#include "gguf/gguf_file.h"
#include "jobs/job_metrics.h"
#include "progress_bar.h"
#include "remote/remote_eval.h"
#include "store/file_hash.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {

namespace {

constexpr const char* kEndpointPrecision = "endpoint";  // the precision column of an endpoint's jobs

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
    RunRecord run;
    run.started_at = utc_now_iso8601();
    run.model_path = id.url;
    run.model_name = id.model;
    run.model_hash = id.fingerprint;
    run.engine_version = "quantscope 0.1.0";
    run.note = m.note;
    const nlohmann::json identity = {{"url", id.url}, {"model", id.model}, {"fingerprint", id.fingerprint}, {"owned_by", id.owned_by},
                                     {"max_model_len", id.max_model_len}, {"checked_at", run.started_at}};
    nlohmann::json settings = {{"endpoint", identity}, {"tokenizer", args.tokenizer}, {"ppl", m.ppl_path}, {"n_ctx", m.n_ctx},
                               {"chunks", m.max_chunks}, {"limit", m.task_limit}, {"seed", m.seed}, {"fewshot", m.num_fewshot}};
    run.settings_json = settings.dump();

    DatasetOptions dopts;
    dopts.on_bad_line = m.on_bad_line;
    dopts.num_fewshot = m.num_fewshot;
    std::vector<TaskDataset> datasets;
    if (!m.ppl_path.empty()) {
        JobRecord j;
        j.evaluator = EvaluatorKind::Perplexity;
        j.dataset = m.ppl_path.substr(m.ppl_path.find_last_of('/') + 1);
        j.dataset_path = m.ppl_path;
        run.jobs.push_back(j);
    }
    for (const TaskSpec& t : m.tasks) {
        datasets.push_back(dataset_load_task(t.name, t.format, t.path, dopts));
        JobRecord j;
        j.evaluator = EvaluatorKind::Task;
        j.dataset = t.name;
        j.dataset_path = t.path;
        run.jobs.push_back(j);
        if (!global.quiet)
            std::fprintf(stderr, "eval: task %s: %s read as %s (%s)\n", t.name.c_str(), t.path.c_str(), datasets.back().format.c_str(),
                         datasets.back().format_source.c_str());
    }
    for (size_t i = 0; i < run.jobs.size(); ++i) {
        run.jobs[i].index = int(i);
        run.jobs[i].precision = kEndpointPrecision;
        run.jobs[i].dataset_hash = store.file_hash(run.jobs[i].dataset_path);
    }
    store.insert_run(run);

    // The task context: the task flag, else the endpoint's context (a request of n_ctx + 1 tokens
    // fits: the one generated token is never decoded), at most 2048 as locally.
    const int task_ctx = m.task_n_ctx > 0 ? m.task_n_ctx : int(std::min<int64_t>(id.max_model_len > 0 ? id.max_model_len : 2048, 2048));
    int failed = 0;
    size_t task_index = 0;
    for (JobRecord& j : run.jobs) {
        ProgressBar bar(!global.quiet);
        Progress progress(bar.callback());
        const auto t0 = std::chrono::steady_clock::now();
        const int64_t p0 = client->prompt_tokens(), c0 = client->completion_tokens(), r0 = client->http().requests();
        nlohmann::json js = {{"endpoint", identity}};
        try {
            if (j.evaluator == EvaluatorKind::Perplexity) {
                const auto tokens = tokenizer->encode(perplexity_read_text(m.ppl_path), true);
                PerplexityOptions popts;
                popts.n_ctx = m.n_ctx;
                popts.max_chunks = m.max_chunks;
                js["n_ctx"] = m.n_ctx;
                js["chunks"] = m.max_chunks;
                j.metrics = perplexity_metrics(remote_perplexity(*client, *tokenizer, tokens, popts, progress));
            } else {
                const TaskDataset& d = datasets[task_index++];
                TaskEvalOptions topts;
                topts.limit = m.task_limit_of(j.dataset);
                topts.seed = m.seed;
                js["n_ctx"] = task_ctx;
                js["limit"] = topts.limit;
                js["seed"] = m.seed;
                js["format"] = d.format;
                js["format_source"] = d.format_source;
                TaskResult r = remote_task_evaluate(*client, *tokenizer, d, topts, task_ctx, progress);
                j.calibration = r.calibration.bins;
                j.item_correct = std::move(r.item_correct);
                j.item_confidence = std::move(r.item_confidence);
                j.metrics = std::move(r.metrics);
                j.metrics.push_back(Metric{"items_skipped", double(d.skipped)});
            }
            j.status = JobStatus::Done;
        } catch (const Cancelled&) {
            j.status = JobStatus::Cancelled;
        } catch (const Error& e) {
            j.status = JobStatus::Failed;
            j.error = client->http().redact(e.what());
            ++failed;
            std::fprintf(stderr, "eval: %s %s failed: %s\n", evaluator_name(j.evaluator), j.dataset.c_str(), j.error.c_str());
        }
        bar.finish();
        js["usage"] = {{"prompt_tokens", client->prompt_tokens() - p0}, {"completion_tokens", client->completion_tokens() - c0},
                       {"requests", client->http().requests() - r0}};
        if (client->fingerprint_changed()) js["fingerprint_changed"] = true;
        j.settings_json = js.dump();
        j.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        j.finished_at = utc_now_iso8601();
        store.finish_job(j);
    }
    run.finished_at = utc_now_iso8601();
    store.finish_run(run.id, run.finished_at);

    std::vector<std::string> warnings;
    if (client->fingerprint_changed())
        warnings.push_back("the endpoint's system_fingerprint changed during the run: the served model or its configuration changed");
    if (!csv.empty()) eval_write_csv(run, csv);
    if (json)
        fmt::print("{}\n", eval_json(run, db, warnings).dump(2));
    else
        eval_print_table(run);
    for (const std::string& w : warnings) std::fprintf(stderr, "eval: warning: %s\n", w.c_str());
    return failed;
}

}  // namespace qs::cli
