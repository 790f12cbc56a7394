#include "remote_run.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/perplexity.h"
#include "gguf/gguf_file.h"
#include "sandbox/sandbox.h"
#include "jobs/job_metrics.h"
#include "remote/remote_eval.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs {

RemoteRun::RemoteRun(const EvalMatrix& matrix, std::string tokenizer_path, std::shared_ptr<const Tokenizer> tokenizer)
    : matrix_(matrix), tokenizer_path_(std::move(tokenizer_path)), tokenizer_(std::move(tokenizer)) {
    if (matrix_.kld) throw Error("an endpoint run: KL divergence needs the full distribution of a local model; compare with detect instead");
    if (matrix_.bench) throw Error("an endpoint run: bench measures a local model; an endpoint's speed is not benchmarked here");
    if (matrix_.ppl_path.empty() && matrix_.tasks.empty()) throw Error("an endpoint run: nothing to evaluate (no perplexity text, no task)");
    if (!tokenizer_) throw Error("an endpoint run: the served model's tokenizer is needed to build the token-level requests");
    DatasetOptions dopts;
    dopts.on_bad_line = matrix_.on_bad_line;
    dopts.num_fewshot = matrix_.num_fewshot;
    bool generation = false, programs = false;
    for (const TaskSpec& t : matrix_.tasks) {
        datasets_.push_back(dataset_load_task(t.name, t.format, t.path, dopts));
        const TaskDataset& d = datasets_.back();
        generation |= d.kind == TaskKind::Generation;
        programs |= d.kind == TaskKind::Generation && d.items.front().generation.scoring == GenerationScoring::PythonTests;
    }
    if (generation && matrix_.gen_samples != 1)
        throw Error("an endpoint run: generation tasks run greedy only (pass@k sampling would use the endpoint's sampler)");
    if (generation) chat_template_ = chat_template_resolve(matrix_.chat_template, GgufFile::open(tokenizer_path_));
    if (programs) {
        SandboxOptions so;
        so.timeout_seconds = matrix_.code_timeout;
        sandbox_ = std::make_unique<Sandbox>(so);  // throws now, before any request, if it cannot work
    }
}

RemoteRun::~RemoteRun() = default;

RunRecord RemoteRun::plan(const EndpointIdentity& id, ResultsStore& store) const {
    const EvalMatrix& m = matrix_;
    RunRecord run;
    run.started_at = utc_now_iso8601();
    run.model_path = id.url;
    run.model_name = id.model;
    run.model_hash = id.fingerprint;
    run.engine_version = "quantscope 0.1.0";
    run.note = m.note;
    const nlohmann::json identity = {{"url", id.url}, {"model", id.model}, {"fingerprint", id.fingerprint}, {"owned_by", id.owned_by},
                                     {"max_model_len", id.max_model_len}, {"checked_at", run.started_at}};
    const nlohmann::json settings = {{"endpoint", identity}, {"tokenizer", tokenizer_path_}, {"ppl", m.ppl_path}, {"n_ctx", m.n_ctx},
                                     {"chunks", m.max_chunks}, {"limit", m.task_limit}, {"seed", m.seed}, {"fewshot", m.num_fewshot}};
    run.settings_json = settings.dump();
    if (!m.ppl_path.empty()) {
        JobRecord j;
        j.evaluator = EvaluatorKind::Perplexity;
        j.dataset = m.ppl_path.substr(m.ppl_path.find_last_of('/') + 1);
        j.dataset_path = m.ppl_path;
        run.jobs.push_back(j);
    }
    for (const TaskSpec& t : m.tasks) {
        JobRecord j;
        j.evaluator = EvaluatorKind::Task;
        j.dataset = t.name;
        j.dataset_path = t.path;
        run.jobs.push_back(j);
    }
    for (size_t i = 0; i < run.jobs.size(); ++i) {
        run.jobs[i].index = int(i);
        run.jobs[i].precision = kEndpointPrecision;
        run.jobs[i].dataset_hash = store.file_hash(run.jobs[i].dataset_path);
    }
    return run;
}

void RemoteRun::evaluate(OpenAiClient& client, JobRecord& j, size_t task_index, Progress& progress, int task_ctx) const {
    const EvalMatrix& m = matrix_;
    nlohmann::json js = nlohmann::json::parse(j.settings_json);
    if (j.evaluator == EvaluatorKind::Perplexity) {
        const auto tokens = tokenizer_->encode(perplexity_read_text(m.ppl_path), true);
        PerplexityOptions popts;
        popts.n_ctx = m.n_ctx;
        popts.max_chunks = m.max_chunks;
        js["n_ctx"] = m.n_ctx;
        js["chunks"] = m.max_chunks;
        j.settings_json = js.dump();
        j.metrics = perplexity_metrics(remote_perplexity(client, *tokenizer_, tokens, popts, progress));
        return;
    }
    const TaskDataset& d = datasets_[task_index];
    TaskEvalOptions topts;
    topts.limit = m.task_limit_of(j.dataset);
    topts.seed = m.seed;
    js["n_ctx"] = task_ctx;
    js["limit"] = topts.limit;
    js["seed"] = m.seed;
    js["format"] = d.format;
    js["format_source"] = d.format_source;
    if (d.kind == TaskKind::Generation) {
        const GenerationScoring scoring = d.items.front().generation.scoring;
        js["gen_samples"] = 1;
        js["gen_max_tokens"] = m.gen_max_tokens;
        js["chat_template"] = chat_template_name(chat_template_);
        js["scoring"] = generation_scoring_name(scoring);
        if (scoring == GenerationScoring::PythonTests) {
            js["code_timeout"] = m.code_timeout;
            js["sandbox"] = sandbox_isolation_name(sandbox_->guarantees().isolation);
        }
        j.settings_json = js.dump();
        GenerationEvalOptions gopts;
        gopts.limit = topts.limit;
        gopts.seed = m.seed;
        gopts.max_tokens = m.gen_max_tokens;
        gopts.chat_template = chat_template_;
        const GenerationResult r = remote_generation_evaluate(client, *tokenizer_, d, gopts, task_ctx, sandbox_.get(), progress);
        j.item_correct = r.item_correct;
        j.item_outputs = generation_item_outputs(r, d);
        j.metrics = r.metrics;
        j.metrics.push_back(Metric{"items_skipped", double(d.skipped)});
        return;
    }
    j.settings_json = js.dump();
    TaskResult r = remote_task_evaluate(client, *tokenizer_, d, topts, task_ctx, progress);
    j.calibration = r.calibration.bins;
    j.item_correct = std::move(r.item_correct);
    j.item_confidence = std::move(r.item_confidence);
    j.metrics = std::move(r.metrics);
    j.metrics.push_back(Metric{"items_skipped", double(d.skipped)});
}

RunRecord RemoteRun::run(OpenAiClient& client, ResultsStore& store, JobObserver* observer) {
    const EndpointIdentity id = client.identity();
    RunRecord run = plan(id, store);
    store.insert_run(run);
    if (observer) observer->run_started(run);
    const nlohmann::json identity = nlohmann::json::parse(run.settings_json)["endpoint"];

    // The task context: the matrix's, else the endpoint's context (a request of n_ctx + 1 tokens
    // fits: the one generated token is never decoded), at most 2048 as locally.
    const int task_ctx = matrix_.task_n_ctx > 0 ? matrix_.task_n_ctx
                                                : int(std::min<int64_t>(id.max_model_len > 0 ? id.max_model_len : 2048, 2048));
    size_t task_index = 0;
    for (JobRecord& j : run.jobs) {
        const size_t this_task = j.evaluator == EvaluatorKind::Task ? task_index++ : 0;
        Progress progress([&](int64_t done, int64_t total, const std::string& stage) {
            if (observer) observer->job_progress(j, JobProgress{done, total, stage});
        });
        {
            std::lock_guard lock(cancel_mutex_);
            if (cancel_all_ || std::count(cancelled_jobs_.begin(), cancelled_jobs_.end(), j.index)) progress.cancel();
            current_job_ = j.index;
            current_progress_ = &progress;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const int64_t p0 = client.prompt_tokens(), c0 = client.completion_tokens(), r0 = client.http().requests();
        j.settings_json = nlohmann::json{{"endpoint", identity}}.dump();
        j.status = JobStatus::Running;
        if (observer) observer->job_started(j);
        try {
            progress.check_cancel();
            evaluate(client, j, this_task, progress, task_ctx);
            j.status = JobStatus::Done;
        } catch (const Cancelled&) {
            j.status = JobStatus::Cancelled;
        } catch (const Error& e) {
            j.status = JobStatus::Failed;
            j.error = client.http().redact(e.what());
        }
        {
            std::lock_guard lock(cancel_mutex_);
            current_job_ = -1;
            current_progress_ = nullptr;
        }
        nlohmann::json js = nlohmann::json::parse(j.settings_json);
        js["usage"] = {{"prompt_tokens", client.prompt_tokens() - p0}, {"completion_tokens", client.completion_tokens() - c0},
                       {"requests", client.http().requests() - r0}};
        if (client.fingerprint_changed()) js["fingerprint_changed"] = true;
        j.settings_json = js.dump();
        j.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        j.finished_at = utc_now_iso8601();
        store.finish_job(j);
        if (observer) observer->job_finished(j);
    }
    run.finished_at = utc_now_iso8601();
    store.finish_run(run.id, run.finished_at);
    if (client.fingerprint_changed())
        warnings_.push_back("the endpoint's system_fingerprint changed during the run: the served model or its configuration changed");
    if (observer) observer->run_finished(run);
    return run;
}

void RemoteRun::cancel_all() {
    std::lock_guard lock(cancel_mutex_);
    cancel_all_ = true;
    if (current_progress_) current_progress_->cancel();
}

void RemoteRun::cancel_job(int index) {
    std::lock_guard lock(cancel_mutex_);
    cancelled_jobs_.push_back(index);
    if (current_job_ == index && current_progress_) current_progress_->cancel();
}

}  // namespace qs
