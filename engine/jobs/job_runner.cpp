#include "jobs/job_runner.h"

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "bench/speed_bench.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "eval/comparison.h"
#include "eval/generation_eval.h"
#include "generate/chat_template.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "eval/task_eval.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "jobs/job_decision.h"
#include "jobs/job_metrics.h"
#include "model/model.h"
#include "quant/imatrix.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"
#include "sandbox/sandbox.h"
#include "store/file_hash.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs {

namespace {

// A model's content identifier: the SHA-256 of a GGUF file; for a Hugging Face checkpoint
// directory, "hf:" and each regular file's name and SHA-256 in name order (config, tokenizer and
// every weight shard all decide what is computed).
template <class Hash>
std::string hash_model(const std::string& path, const Hash& hash) {
    if (!is_hf_checkpoint(path)) return hash(path);
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(path))
        if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::string out = "hf:";
    for (const std::string& f : files) out += std::filesystem::path(f).filename().string() + "=" + hash(f) + ";";
    return out;
}


using Clock = std::chrono::steady_clock;

std::string format_bytes(uint64_t b) {
    if (b >= (uint64_t(1) << 30)) return fmt::format("{:.2f} GiB", double(b) / double(uint64_t(1) << 30));
    return fmt::format("{:.1f} MiB", double(b) / double(1 << 20));
}

// A precision's weights, prepared by the first of its jobs that starts and released after its last.
struct PreparedPrecision {
    std::mutex mutex;                      // serialises preparation
    std::shared_ptr<const Model> model;    // null until prepared, and again once released
    int jobs_left = 0;                     // jobs of this precision not yet ended
    uint64_t weight_bytes = 0;             // estimate, for the budget
    bool resident = false;                 // counted in the budget (guarded by the runner's mutex)
    std::string error;                     // why preparing failed: its other jobs fail with it at once
};

// A task dataset loaded once per run, shared by every precision's job on it.
struct LoadedTask {
    TaskDataset dataset;
    std::string hash;
};

}  // namespace

uint64_t memory_available_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t value = 0;
    std::string unit;
    while (in >> key >> value) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return value * 1024;
    }
    return 0;
}

void require_memory_for_model(const std::string& model_path, uint64_t available_bytes) {
    if (available_bytes == 0) return;
    const GgufFile header = GgufFile::open(model_path);  // maps the file; reads no tensor data
    uint64_t weights = 0;
    for (const GgufTensorInfo& t : header.tensors()) weights += t.nbytes;
    if (weights > available_bytes)
        fail_file(model_path, "its weights need {} but only {} of memory is available (MemAvailable); close other "
                  "programs or use a smaller model file", format_bytes(weights), format_bytes(available_bytes));
}

struct JobRunner::Impl {
    EvalMatrix matrix;
    RunnerOptions options;
    int threads_per_worker = 1;
    int threads_total = 1;                 // a bench job runs alone and gets them all
    uint64_t budget = 0;

    // Set up by start() before any worker runs; read-only afterwards.
    std::shared_ptr<const Model> base;
    std::unique_ptr<Tokenizer> tokenizer;
    std::vector<int32_t> ppl_tokens;       // the ppl text, tokenized once
    std::optional<ImportanceMatrix> imatrix;  // matrix.imatrix_path, read once
    std::map<std::string, LoadedTask> tasks;
    std::unique_ptr<Sandbox> sandbox;      // for generation tasks whose answers are programs
    ChatTemplate chat_template = ChatTemplate::None;  // resolved from matrix.chat_template
    std::vector<JobSpec> specs;
    std::vector<JobMemoryEstimate> estimates;
    std::vector<std::unique_ptr<Progress>> progress;  // [jobs] cancellation flag of each job
    std::map<std::string, std::unique_ptr<PreparedPrecision>> precisions;
    RunRecord run;                         // jobs' records, updated under mutex
    uint64_t kld_cache_estimate = 0;
    int kld_jobs_total = 0;

    // Scheduling state, guarded by mutex.
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<bool> started, ended;      // [jobs]
    int running = 0;
    bool exclusive_running = false;        // a bench job (timings must not share the cores)
    uint64_t in_use = 0;                   // bytes reserved by resident weights, the KLD cache and running jobs
    std::shared_ptr<const KldBaseCache> kld_base;  // set by the baseline's perplexity job
    std::string kld_base_error;            // why the base pass is missing, for the KLD jobs
    int kld_jobs_left = 0;
    bool kld_resident = false;
    std::map<int, double> base_chunk_nll;  // until_decided: the baseline's mean NLL per chunk (text index)
    int prepared_count = 0;
    std::vector<std::thread> workers;
    std::atomic<bool> planned{false};          // progress[] is complete (cancel may use it)
    std::atomic<bool> cancel_requested{false}; // cancel_all() came, perhaps before start() planned
    std::vector<bool> told_waiting;       // [jobs] "waiting for memory" was said
    std::vector<std::pair<int, std::string>> pending_messages;  // said outside the lock

    void prepare();
    void estimate_memory();
    void worker_loop();
    int pick_job_locked(bool& refuse);
    uint64_t extra_need_locked(int i) const;
    void execute(int i);
    std::vector<Metric> evaluate(int i, JobRecord& record, Progress& progress);
    std::vector<Metric> evaluate_generation(int i, const LoadedTask& task, ModelContext& ctx, JobRecord& record, Progress& prog);
    std::shared_ptr<const Model> weights_for(const std::string& precision, Progress& progress);
    void prepare_weights(const std::string& precision, PreparedPrecision& p, Progress& progress);
    void end_job(int i, JobRecord record);
    void finish_run();
    void say_pending_messages();
    Progress::Callback progress_callback(int i);
    void notify_message(int i, const std::string& message);
    void append_comparison(int baseline_job, const JobRecord& record, std::vector<Metric>& metrics);
    void append_agreement(int baseline_job, const JobRecord& record, std::vector<Metric>& metrics);
    // until_decided: stops a perplexity/KLD job's chunks (the baseline's records its chunk NLLs).
    void set_chunk_decision(int i, PerplexityOptions& popts, std::optional<SequentialComparison>& seq);
    void report_decision(int i, const std::optional<SequentialComparison>& seq, const std::string& what,
                         const std::string& unit, std::vector<Metric>& metrics);
};

JobRunner::JobRunner(EvalMatrix matrix, RunnerOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->matrix = std::move(matrix);
    impl_->options = options;
}

JobRunner::~JobRunner() {
    if (!impl_->workers.empty()) {
        cancel_all();
        for (auto& w : impl_->workers)
            if (w.joinable()) w.join();
    }
}

const std::vector<JobSpec>& JobRunner::jobs() const { return impl_->specs; }
const std::vector<JobMemoryEstimate>& JobRunner::memory_estimates() const { return impl_->estimates; }
int JobRunner::weights_prepared_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->prepared_count;
}

void JobRunner::cancel_job(int index) {
    if (impl_->planned.load() && index >= 0 && size_t(index) < impl_->progress.size()) impl_->progress[size_t(index)]->cancel();
    impl_->changed.notify_all();
}

void JobRunner::cancel_all() {
    impl_->cancel_requested.store(true);
    // The per-job flags exist once start() has planned the jobs; before that, start() sees the request.
    if (impl_->planned.load())
        for (auto& p : impl_->progress) p->cancel();
    impl_->changed.notify_all();
}

// Everything that can fail because of the user's input fails here, before a run is stored:
// the model, the recipes, the text, every task dataset (a malformed line under --on-bad-line stop).
void JobRunner::Impl::prepare() {
    specs = plan_jobs(matrix);
    require_memory_for_model(matrix.model_path, memory_available_bytes());
    base = Model::load(matrix.model_path);
    // A PATTERN=TYPE modifier that applies to no tensor (a typo) refuses the run; other reasons a
    // recipe cannot apply (a row no type fits) fail that precision's jobs alone.
    std::set<std::string> checked;
    for (const JobSpec& s : specs)
        if (s.precision != kPrecisionFile && checked.insert(s.precision).second)
            PrecisionRecipe::parse(s.precision).check_modifiers(base->file());
    tokenizer = Tokenizer::from_gguf(base->file());
    if (!matrix.ppl_path.empty()) ppl_tokens = tokenizer->encode(perplexity_read_text(matrix.ppl_path), true);
    if (!matrix.imatrix_path.empty()) imatrix = imatrix_read(matrix.imatrix_path);

    chat_template = chat_template_resolve(matrix.chat_template, base->file());
    DatasetOptions dopts;
    dopts.on_bad_line = matrix.on_bad_line;
    dopts.num_fewshot = matrix.num_fewshot;
    for (JobSpec& s : specs) {
        if (s.evaluator != EvaluatorKind::Task) continue;
        auto it = tasks.find(s.dataset);
        if (it == tasks.end()) {
            LoadedTask t;
            t.dataset = dataset_load_task(s.dataset, s.format, s.dataset_path, dopts);
            it = tasks.emplace(s.dataset, std::move(t)).first;
        }
        s.format = it->second.dataset.format;
        nlohmann::json settings = nlohmann::json::parse(s.settings_json);
        settings["format"] = s.format;  // the detected one
        settings["format_source"] = it->second.dataset.format_source;  // "given" or "detected: <evidence>"
        const TaskDataset& d = it->second.dataset;
        if (d.kind == TaskKind::Generation) {
            settings["gen_samples"] = matrix.gen_samples;
            if (matrix.gen_samples > 1) settings["gen_temperature"] = matrix.gen_temperature;
            settings["gen_max_tokens"] = matrix.gen_max_tokens;
            settings["chat_template"] = chat_template_name(chat_template);
            settings["scoring"] = generation_scoring_name(d.items.front().generation.scoring);
            if (d.items.front().generation.scoring == GenerationScoring::PythonTests) {
                if (!sandbox) {
                    SandboxOptions so;
                    so.timeout_seconds = matrix.code_timeout;
                    sandbox = std::make_unique<Sandbox>(so);  // throws now, before any job, if it cannot work
                }
                settings["code_timeout"] = matrix.code_timeout;
                settings["sandbox"] = sandbox_isolation_name(sandbox->guarantees().isolation);
            }
        }
        s.settings_json = settings.dump();
    }

    run.started_at = utc_now_iso8601();
    run.model_path = matrix.model_path;
    run.model_name = base->file().get_string_or("general.name", std::filesystem::path(matrix.model_path).filename().string());
    run.model_bytes = base->file().file_size();  // a GGUF file's size, or a checkpoint's safetensors bytes
    run.baseline = specs.empty() ? "" : specs.front().precision;  // plan_jobs puts the baseline first
    run.engine_version = "quantscope " QS_VERSION;
    // How idle OpenMP threads waited (core/openmp_env.h): it decides speed on a busy machine.
    const char* wait = std::getenv("OMP_WAIT_POLICY");
    run.machine = fmt::format("{}; {}; {} workers x {} threads; OpenMP wait {}", cpu_model_name(), isa_name(cpu_best_isa()),
                              options.workers, threads_per_worker, wait ? wait : std::getenv("GOMP_SPINCOUNT") ? "spin (GOMP_SPINCOUNT)" : "spin (libgomp default)");
    run.settings_json = eval_matrix_json(matrix);
    run.note = matrix.note;
    auto hash = [&](const std::string& path) {
        return options.store ? options.store->file_hash(path) : file_sha256(path);
    };
    run.model_hash = hash_model(matrix.model_path, hash);
    if (imatrix) {
        // The importance matrix is part of what was measured: which file, which bytes, which text.
        nlohmann::json settings = nlohmann::json::parse(run.settings_json);
        settings["imatrix"] = {{"file", matrix.imatrix_path}, {"sha256", hash(matrix.imatrix_path)},
                               {"datasets", imatrix->datasets}, {"chunks", imatrix->chunk_count},
                               {"chunk_size", imatrix->chunk_size}, {"entries", imatrix->entries.size()}};
        run.settings_json = settings.dump();
    }
    std::map<std::string, std::string> dataset_hashes;
    for (const JobSpec& s : specs) {
        JobRecord j;
        j.index = s.index;
        j.precision = s.precision;
        j.precision_name = s.precision_name;
        j.evaluator = s.evaluator;
        j.dataset = s.dataset;
        j.dataset_path = s.dataset_path;
        if (!s.dataset_path.empty() && std::filesystem::is_regular_file(s.dataset_path)) {
            auto [it, fresh] = dataset_hashes.try_emplace(s.dataset_path);
            if (fresh) it->second = hash(s.dataset_path);
            j.dataset_hash = it->second;
        }
        j.settings_json = s.settings_json;
        run.jobs.push_back(std::move(j));
    }
    for (const JobSpec& s : specs) {
        auto& p = precisions[s.precision];
        if (!p) p = std::make_unique<PreparedPrecision>();
        ++p->jobs_left;
        if (s.evaluator == EvaluatorKind::Kld) ++kld_jobs_total;
        progress.push_back(std::make_unique<Progress>(progress_callback(s.index)));
    }
    kld_jobs_left = kld_jobs_total;
    started.assign(specs.size(), false);
    told_waiting.assign(specs.size(), false);
    ended.assign(specs.size(), false);
    estimate_memory();
}

// The context a precision's jobs run with: its recipe's KV cache types ("Q4_K_M+kv=q8_0").
ContextOptions context_for(const std::string& precision) {
    if (precision == kPrecisionFile) return {};
    return PrecisionRecipe::parse(precision).context_options();
}

int task_context(const EvalMatrix& m, const ModelHParams& hp) {
    if (m.task_n_ctx > 0) return m.task_n_ctx;
    return int(std::min<int64_t>(hp.n_ctx_train > 0 ? hp.n_ctx_train : 2048, 2048));
}

// Rough upper estimates: the weights as the recipe plans them, the F16 KV cache, the logits and
// forward scratch of one context, and the KLD base cache (2 bytes per vocabulary entry per scored token).
void JobRunner::Impl::estimate_memory() {
    const ModelHParams& hp = base->hparams();
    // Matrices packed at load (PackedWeight) add their packed copies; for the file's own weights
    // the mapped pages they came from are dropped, which this upper estimate ignores.
    const uint64_t file_weights = model_weight_footprint(*base).bytes + base->packed_bytes();
    for (auto& [name, p] : precisions) {
        p->weight_bytes = file_weights;
        if (name == kPrecisionFile) continue;
        try {
            const RecipeEstimate est = PrecisionRecipe::parse(name).estimate(base->file());
            p->weight_bytes = est.tensor_bytes + est.packed_bytes;
        } catch (const Error&) {
            // The recipe cannot be applied to this model (e.g. a row length no type fits): its jobs
            // fail alone with that message when they quantize; the others run.
        }
    }
    const int64_t chunks_avail = int64_t(ppl_tokens.size()) / std::max(1, matrix.n_ctx);
    const int64_t chunks = matrix.max_chunks < 0 ? chunks_avail : std::min<int64_t>(chunks_avail, matrix.max_chunks);
    const int64_t rows = chunks * (matrix.n_ctx - matrix.n_ctx / 2 - 1);
    kld_cache_estimate = uint64_t(rows) * uint64_t(hp.n_vocab) * 2 + uint64_t(rows) * 8;
    auto scratch = [&](int64_t n_ctx) {
        const int64_t ub = std::min<int64_t>(n_ctx, 512);
        return uint64_t(n_ctx * hp.n_vocab * 4) +
               uint64_t(ub * (8 * hp.n_embd + 3 * hp.n_ff + hp.n_vocab + hp.n_head * n_ctx) * 4);
    };
    for (const JobSpec& s : specs) {
        JobMemoryEstimate e;
        e.weights = precisions[s.precision]->weight_bytes;
        int64_t n_ctx = matrix.n_ctx;
        if (s.evaluator == EvaluatorKind::Task) n_ctx = task_context(matrix, hp);
        if (s.evaluator == EvaluatorKind::Bench) n_ctx = matrix.bench_prompt + matrix.bench_gen;
        const ContextOptions copts = context_for(s.precision);
        e.kv_cache = kv_cache_bytes(hp, n_ctx, copts.k_cache(), copts.v_cache());
        const auto task = tasks.find(s.dataset);
        if (s.evaluator == EvaluatorKind::Task && task != tasks.end() && task->second.dataset.kind == TaskKind::Generation)
            e.kv_cache *= uint64_t(matrix.gen_parallel);  // one slot of n_ctx positions per parallel sequence
        e.scratch = scratch(n_ctx);
        const bool collects_base = matrix.kld && s.evaluator == EvaluatorKind::Perplexity && s.index == specs.front().index;
        if (s.evaluator == EvaluatorKind::Kld || collects_base) e.kld_cache = kld_cache_estimate;
        estimates.push_back(e);
    }
}

// Memory job i adds to what is in use when it starts: its own buffers, its precision's weights
// unless resident, the KLD cache when it creates it.
uint64_t JobRunner::Impl::extra_need_locked(int i) const {
    const JobMemoryEstimate& e = estimates[size_t(i)];
    uint64_t need = e.kv_cache + e.scratch;
    if (!precisions.at(specs[size_t(i)].precision)->resident) need += e.weights;
    if (e.kld_cache && !kld_resident) need += e.kld_cache;
    return need;
}

// The first queued job that may start now, or -1. refuse = the first queued job can never fit.
int JobRunner::Impl::pick_job_locked(bool& refuse) {
    refuse = false;
    if (exclusive_running) return -1;
    for (size_t i = 0; i < specs.size(); ++i) {
        if (started[i]) continue;
        const JobSpec& s = specs[i];
        if (progress[i]->cancelled()) return int(i);  // ends at once as Cancelled
        if (s.depends_on >= 0 && !ended[size_t(s.depends_on)]) continue;
        if (s.evaluator == EvaluatorKind::Bench && running > 0) continue;
        const uint64_t need = extra_need_locked(int(i));
        if (in_use + need <= budget) return int(i);
        if (running > 0 && !told_waiting[i]) {
            told_waiting[i] = true;
            pending_messages.emplace_back(int(i), fmt::format("waiting for memory: needs about {}, {} of the {} budget in use",
                                                              format_bytes(need), format_bytes(in_use), format_bytes(budget)));
        }
        if (running == 0) {
            // Nothing else holds memory a wait could free: it fits alone, or never.
            if (estimates[i].total() > budget) refuse = true;
            return int(i);
        }
    }
    return -1;
}

void JobRunner::start() {
    Impl& m = *impl_;
    if (!m.workers.empty()) throw Error("JobRunner::start called twice");
    m.options.workers = std::max(1, m.options.workers);
    const int cores = m.options.threads > 0 ? m.options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    m.threads_total = cores;
    m.threads_per_worker = std::max(1, cores / m.options.workers);
    m.budget = m.options.memory_budget ? m.options.memory_budget : memory_available_bytes() / 10 * 8;
    if (m.budget == 0) m.budget = UINT64_MAX;
    m.prepare();
    m.planned.store(true);
    if (m.cancel_requested.load())
        for (auto& p : m.progress) p->cancel();
    if (m.options.store) m.options.store->insert_run(m.run);
    if (m.options.observer) m.options.observer->run_started(m.run);
    for (int w = 0; w < m.options.workers; ++w) m.workers.emplace_back([&m] { m.worker_loop(); });
}

RunRecord JobRunner::wait() {
    Impl& m = *impl_;
    for (auto& w : m.workers)
        if (w.joinable()) w.join();
    std::lock_guard lock(m.mutex);
    return m.run;
}

void JobRunner::Impl::worker_loop() {
    omp_set_num_threads(threads_per_worker);  // OpenMP's thread count is per thread: set it for this worker
    for (;;) {
        int i = -1;
        bool refuse = false;
        {
            std::unique_lock lock(mutex);
            for (;;) {
                if (std::all_of(started.begin(), started.end(), [](bool b) { return b; })) return;
                i = pick_job_locked(refuse);
                if (i >= 0) break;
                if (!pending_messages.empty()) {
                    lock.unlock();
                    say_pending_messages();
                    lock.lock();
                    continue;
                }
                changed.wait(lock);
            }
            started[size_t(i)] = true;
            if (!refuse && !progress[size_t(i)]->cancelled()) {
                const JobSpec& s = specs[size_t(i)];
                in_use += extra_need_locked(i);
                precisions[s.precision]->resident = true;
                if (estimates[size_t(i)].kld_cache) kld_resident = true;
                ++running;
                if (s.evaluator == EvaluatorKind::Bench) exclusive_running = true;
            }
        }
        JobRecord record;
        {
            std::lock_guard lock(mutex);
            record = run.jobs[size_t(i)];
        }
        if (refuse) {
            record.status = JobStatus::Failed;
            record.error = fmt::format("needs about {} of memory ({} weights, {} KV cache, {} scratch{}), more than the "
                                       "budget of {}; lower --ctx/--chunks or raise --memory-budget",
                                       format_bytes(estimates[size_t(i)].total()), format_bytes(estimates[size_t(i)].weights),
                                       format_bytes(estimates[size_t(i)].kv_cache), format_bytes(estimates[size_t(i)].scratch),
                                       estimates[size_t(i)].kld_cache ? ", " + format_bytes(estimates[size_t(i)].kld_cache) + " KLD cache" : "",
                                       format_bytes(budget));
            record.finished_at = utc_now_iso8601();
            end_job(i, std::move(record));
            continue;
        }
        if (progress[size_t(i)]->cancelled()) {
            record.status = JobStatus::Cancelled;
            record.finished_at = utc_now_iso8601();
            end_job(i, std::move(record));
            continue;
        }
        execute(i);
    }
}

void JobRunner::Impl::execute(int i) {
    Progress& prog = *progress[size_t(i)];
    JobRecord record;
    {
        std::lock_guard lock(mutex);
        run.jobs[size_t(i)].status = JobStatus::Running;
        record = run.jobs[size_t(i)];
    }
    if (options.observer) options.observer->job_started(record);
    const auto t0 = Clock::now();
    try {
        record.metrics = evaluate(i, record, prog);
        record.status = JobStatus::Done;
    } catch (const Cancelled&) {
        record.status = JobStatus::Cancelled;
    } catch (const Error& e) {
        record.status = JobStatus::Failed;
        record.error = e.what();
    } catch (const std::exception& e) {  // e.g. bad_alloc: still this job's failure only
        record.status = JobStatus::Failed;
        record.error = std::string("internal error: ") + e.what();
    }
    record.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    record.finished_at = utc_now_iso8601();
    {
        std::lock_guard lock(mutex);
        in_use -= std::min(in_use, estimates[size_t(i)].kv_cache + estimates[size_t(i)].scratch);
        --running;
        if (specs[size_t(i)].evaluator == EvaluatorKind::Bench) exclusive_running = false;
    }
    end_job(i, std::move(record));
}

// Bookkeeping when a job ends however it ends: release what no job needs any more, store the
// record, tell the observer, wake the workers.
void JobRunner::Impl::end_job(int i, JobRecord record) {
    const JobSpec& s = specs[size_t(i)];
    PreparedPrecision& p = *precisions.at(s.precision);  // the map is fixed once the workers run
    bool last_of_precision = false;
    {
        std::lock_guard lock(mutex);
        if (--p.jobs_left == 0) {
            last_of_precision = true;
            if (p.resident) in_use -= std::min(in_use, p.weight_bytes);
            p.resident = false;
        }
        if (s.evaluator == EvaluatorKind::Kld && --kld_jobs_left == 0) {
            kld_base.reset();
            if (kld_resident) in_use -= std::min(in_use, kld_cache_estimate);
            kld_resident = false;
        }
    }
    if (last_of_precision) {
        // Never under `mutex`: weights_for takes p.mutex, then `mutex` (progress while it quantizes),
        // so the opposite order here would be a lock-order inversion (ThreadSanitizer reports it).
        std::lock_guard plock(p.mutex);
        p.model.reset();  // running jobs of it hold their own reference; none is left
    }
    if (options.store) {
        try {
            options.store->finish_job(record);
        } catch (const Error& e) {  // the result is still reported; say it was not saved
            if (record.status == JobStatus::Done) record.status = JobStatus::Failed;
            record.error += (record.error.empty() ? "" : "; ") + std::string("not saved: ") + e.what();
        }
    }
    bool last = false;
    {
        std::lock_guard lock(mutex);
        run.jobs[size_t(i)] = record;
        ended[size_t(i)] = true;
        last = std::all_of(ended.begin(), ended.end(), [](bool b) { return b; });
    }
    if (options.observer) options.observer->job_finished(record);
    if (last) finish_run();
    changed.notify_all();
}

// The last job has ended (on the worker that ended it, so a GUI needs no thread blocked in wait()).
void JobRunner::Impl::finish_run() {
    RunRecord copy;
    {
        std::lock_guard lock(mutex);
        run.finished_at = utc_now_iso8601();
        copy = run;
    }
    if (options.store) {
        try {
            options.store->finish_run(copy.id, copy.finished_at);
        } catch (const Error&) {
            // Every job is stored; a run without its end time reads as interrupted, nothing is lost.
        }
    }
    if (options.observer) options.observer->run_finished(copy);
}

std::shared_ptr<const Model> JobRunner::Impl::weights_for(const std::string& precision, Progress& prog) {
    PreparedPrecision& p = *precisions.at(precision);
    std::lock_guard lock(p.mutex);
    if (p.model) return p.model;
    if (!p.error.empty()) throw Error(p.error);
    try {
        prepare_weights(precision, p, prog);
    } catch (const Error& e) {
        p.error = e.what();
        throw;
    }
    std::lock_guard rlock(mutex);
    ++prepared_count;
    return p.model;
}

void JobRunner::Impl::prepare_weights(const std::string& precision, PreparedPrecision& p, Progress& prog) {
    if (precision == kPrecisionFile) {
        p.model = base;
    } else {
        QuantizeModelOptions qopts;
        qopts.mix = PrecisionRecipe::parse(precision).options;
        qopts.n_threads = threads_per_worker;
        if (imatrix) {
            qopts.imatrix = &*imatrix;
            qopts.imatrix_path = matrix.imatrix_path;
        }
        QuantizedWeights q = quantize_model_in_memory(base->file(), qopts, prog);
        p.model = Model::with_weights(*base, std::move(q.tensors));
    }
}

std::vector<Metric> JobRunner::Impl::evaluate(int i, JobRecord& record, Progress& prog) {
    const JobSpec& s = specs[size_t(i)];
    const std::shared_ptr<const Model> model = weights_for(s.precision, prog);
    prog.check_cancel();
    PerplexityOptions popts;
    popts.n_ctx = matrix.n_ctx;
    popts.max_chunks = matrix.max_chunks;
    popts.random_order = matrix.until_decided;
    popts.order_seed = matrix.seed;
    std::optional<SequentialComparison> seq;  // until_decided: this job's comparison with the baseline
    switch (s.evaluator) {
        case EvaluatorKind::Perplexity: {
            const int64_t trained = model->hparams().n_ctx_train;
            if (i == specs.front().index && trained > 0 && matrix.n_ctx > trained)
                notify_message(i, fmt::format("warning: context {} is longer than the model's training context ({}); "
                                              "figures past {} tokens measure extrapolation",
                                              matrix.n_ctx, trained, trained));
            ModelContext ctx(model, matrix.n_ctx, context_for(s.precision));
            set_chunk_decision(i, popts, seq);
            const bool collects_base = kld_jobs_total > 0 && i == specs.front().index;
            std::vector<Metric> metrics;
            if (!collects_base) {
                metrics = perplexity_metrics(perplexity_run(ctx, *tokenizer, ppl_tokens, popts, prog));
            } else {
                try {
                    KldBase b = kld_base_collect(ctx, *tokenizer, ppl_tokens, popts, prog);
                    std::lock_guard lock(mutex);
                    kld_base = std::make_shared<const KldBaseCache>(std::move(b.cache));
                    metrics = perplexity_metrics(b.perplexity);
                } catch (const Error& e) {
                    std::lock_guard lock(mutex);
                    kld_base_error = e.what();
                    throw;
                }
            }
            report_decision(i, seq, "chunks", "% PPL", metrics);
            return metrics;
        }
        case EvaluatorKind::Kld: {
            std::shared_ptr<const KldBaseCache> cache;
            {
                std::lock_guard lock(mutex);
                cache = kld_base;
                if (!cache)
                    throw Error(fmt::format("no KLD base: the baseline {} perplexity job did not finish{}", specs.front().precision,
                                            kld_base_error.empty() ? "" : " (" + kld_base_error + ")"));
            }
            ModelContext ctx(model, matrix.n_ctx, context_for(s.precision));
            set_chunk_decision(i, popts, seq);
            std::vector<Metric> metrics = kld_metrics(kld_run(ctx, *tokenizer, ppl_tokens, popts, *cache, prog));
            // The size the divergence was bought with, as the bench counts it, so a stored run
            // charts KLD against bits per weight without a bench job or the model file at hand.
            metrics.push_back(Metric{"bits_per_weight", model_weight_footprint(*model).bits_per_weight()});
            report_decision(i, seq, "chunks", "% PPL", metrics);
            return metrics;
        }
        case EvaluatorKind::Task: {
            const LoadedTask& t = tasks.at(s.dataset);
            if (s.precision == specs.front().precision)  // once per dataset, not once per precision
                for (const std::string& w : t.dataset.warnings) notify_message(i, "skipped " + w);
            if (t.dataset.kind == TaskKind::Generation) {
                ContextOptions copts = context_for(s.precision);
                copts.n_seq = matrix.gen_parallel;  // items decoded together, one KV cache slot each
                ModelContext ctx(model, task_context(matrix, model->hparams()), copts);
                return evaluate_generation(i, t, ctx, record, prog);
            }
            ModelContext ctx(model, task_context(matrix, model->hparams()), context_for(s.precision));
            TaskEvalOptions topts;
            topts.limit = matrix.task_limit_of(s.dataset);
            topts.seed = matrix.seed;
            std::vector<uint8_t> base_correct;  // until_decided: the baseline's items, in the same order
            if (matrix.until_decided) {
                topts.sampling = TaskSampling::SeededRandomOrder;
                if (s.depends_on >= 0) {
                    std::lock_guard lock(mutex);
                    if (run.jobs[size_t(s.depends_on)].status == JobStatus::Done) base_correct = run.jobs[size_t(s.depends_on)].item_correct;
                }
            }
            if (!base_correct.empty()) {
                seq.emplace(decision_options(matrix, int64_t(base_correct.size()), true));
                topts.stop_after_item = [&](const std::vector<TaskItemResult>& scored) {
                    const size_t n = scored.size();
                    return n <= base_correct.size() && seq->add_outcomes(base_correct[n - 1], scored.back().correct).decided();
                };
            }
            TaskResult r = task_evaluate(ctx, *tokenizer, t.dataset, topts, prog);
            record.calibration = r.calibration.bins;
            record.item_correct = std::move(r.item_correct);
            record.item_confidence = std::move(r.item_confidence);
            std::vector<Metric> metrics = std::move(r.metrics);
            metrics.push_back(Metric{"items_skipped", double(t.dataset.skipped)});
            if (s.depends_on >= 0) append_comparison(s.depends_on, record, metrics);
            report_decision(i, seq, "items", "points", metrics);
            return metrics;
        }
        case EvaluatorKind::Bench: {
            SpeedBenchOptions bopts;
            bopts.n_prompt = matrix.bench_prompt;
            bopts.n_gen = matrix.bench_gen;
            bopts.repetitions = matrix.bench_repetitions;
            bopts.n_threads = threads_total;  // alone on the machine (see pick_job_locked)
            const ContextOptions copts = context_for(s.precision);
            bopts.kv_type = copts.k_cache();
            bopts.v_type = copts.v_cache();
            return speed_bench_metrics(speed_bench_run(model, bopts, prog));
        }
    }
    throw Error("unknown evaluator");
}

// The baseline's perplexity job records every chunk's mean NLL; another precision's perplexity or
// KLD job compares chunk by chunk with it and stops when decided (nothing when until_decided is off
// or the baseline's figures are missing).
void JobRunner::Impl::set_chunk_decision(int i, PerplexityOptions& popts, std::optional<SequentialComparison>& seq) {
    if (!matrix.until_decided) return;
    const JobSpec& s = specs[size_t(i)];
    auto chunk_mean = [](std::span<const float> nll) {
        double sum = 0;
        for (float v : nll) sum += v;
        return nll.empty() ? 0.0 : sum / double(nll.size());
    };
    if (s.evaluator == EvaluatorKind::Perplexity && s.precision == specs.front().precision) {
        popts.stop_after_chunk = [this, chunk_mean](int chunk, std::span<const float> nll) {
            std::lock_guard lock(mutex);
            base_chunk_nll[chunk] = chunk_mean(nll);
            return false;
        };
        return;
    }
    std::map<int, double> base;
    {
        std::lock_guard lock(mutex);
        base = base_chunk_nll;
    }
    if (base.empty()) {
        notify_message(i, "not stopped early: the baseline's perplexity figures per chunk are missing");
        return;
    }
    const int64_t available = int64_t(ppl_tokens.size()) / std::max(1, matrix.n_ctx);
    const int64_t plan = matrix.max_chunks < 0 ? available : std::min<int64_t>(available, matrix.max_chunks);
    seq.emplace(decision_options(matrix, plan, false));
    popts.stop_after_chunk = [base = std::move(base), chunk_mean, &seq](int chunk, std::span<const float> nll) {
        const auto it = base.find(chunk);
        return it != base.end() && seq->add(chunk_decision_difference(chunk_mean(nll), it->second)).decided();
    };
}

void JobRunner::Impl::report_decision(int i, const std::optional<SequentialComparison>& seq, const std::string& what,
                                      const std::string& unit, std::vector<Metric>& metrics) {
    if (!seq) return;
    const SequentialLook look = seq->look();
    for (const Metric& m : decision_metrics(look)) metrics.push_back(m);
    notify_message(i, decision_message(look, what, unit, matrix.decision_margin));
}

// acc_delta (paired bootstrap interval), retention and McNemar's p against the baseline's job on
// the same task, when that one is done and scored the same items.
void JobRunner::Impl::append_comparison(int baseline_job, const JobRecord& record, std::vector<Metric>& metrics) {
    JobRecord base;
    {
        std::lock_guard lock(mutex);
        base = run.jobs[size_t(baseline_job)];
    }
    // A run stopped when decided scored a prefix of the baseline's items (same seeded order).
    if (matrix.until_decided && base.item_correct.size() > record.item_correct.size())
        base.item_correct.resize(record.item_correct.size());
    if (base.status != JobStatus::Done || base.item_correct.size() != record.item_correct.size() ||
        record.item_correct.empty())
        return;
    const ComparisonResult c = compare_precisions({precision_outcome(base.precision, base.item_correct),
                                                   precision_outcome(record.precision, record.item_correct)}, base.precision,
                                                  {.seed = matrix.seed});
    for (const Metric& m : c.rows.at(1).metrics) metrics.push_back(m);
}

std::vector<Metric> JobRunner::Impl::evaluate_generation(int i, const LoadedTask& t, ModelContext& ctx, JobRecord& record,
                                                        Progress& prog) {
    const JobSpec& s = specs[size_t(i)];
    GenerationEvalOptions gopts;
    gopts.limit = matrix.task_limit_of(s.dataset);
    gopts.seed = matrix.seed;
    gopts.samples = matrix.gen_samples;
    gopts.sampling.temperature = matrix.gen_samples > 1 ? matrix.gen_temperature : 0.0f;
    gopts.sampling.top_p = 0.95f;
    gopts.sampling.seed = uint32_t(matrix.seed);
    gopts.max_tokens = matrix.gen_max_tokens;
    gopts.chat_template = chat_template;
    const GenerationResult r = generation_evaluate(ctx, *tokenizer, t.dataset, gopts, sandbox.get(), prog);
    record.item_correct = r.item_correct;
    record.item_outputs = generation_item_outputs(r, t.dataset);
    std::vector<Metric> metrics = r.metrics;
    metrics.push_back(Metric{"items_skipped", double(t.dataset.skipped)});
    if (s.depends_on >= 0) {
        append_comparison(s.depends_on, record, metrics);
        append_agreement(s.depends_on, record, metrics);
    }
    return metrics;
}

// agreement: % of items whose first generated text is exactly the baseline's.
void JobRunner::Impl::append_agreement(int baseline_job, const JobRecord& record, std::vector<Metric>& metrics) {
    JobRecord base;
    {
        std::lock_guard lock(mutex);
        base = run.jobs[size_t(baseline_job)];
    }
    if (base.status != JobStatus::Done || base.item_correct.size() != record.item_correct.size() || record.item_correct.empty())
        return;
    auto first_outputs = [](const JobRecord& j) {
        std::vector<const std::string*> v(j.item_correct.size(), nullptr);
        for (const ItemOutput& o : j.item_outputs)
            if (o.sample == 0 && size_t(o.item) < v.size()) v[size_t(o.item)] = &o.text;
        return v;
    };
    const auto a = first_outputs(base), b = first_outputs(record);
    std::vector<uint8_t> same(a.size());
    for (size_t k = 0; k < a.size(); ++k) same[k] = a[k] && b[k] && *a[k] == *b[k];
    metrics.push_back(accuracy_metric("agreement", same));
}

void JobRunner::Impl::say_pending_messages() {
    std::vector<std::pair<int, std::string>> messages;
    {
        std::lock_guard lock(mutex);
        messages.swap(pending_messages);
    }
    for (const auto& [job, text] : messages) notify_message(job, text);
}

void JobRunner::Impl::notify_message(int i, const std::string& message) {
    if (!options.observer) return;
    JobRecord record;
    {
        std::lock_guard lock(mutex);
        record = run.jobs[size_t(i)];
    }
    options.observer->job_message(record, message);
}

// Progress of job i to the observer with the stage's ETA, at most every 50 ms (and always at a
// stage's start and end) so a per-token callback does not flood a GUI.
Progress::Callback JobRunner::Impl::progress_callback(int i) {
    struct State {
        std::string stage;
        Clock::time_point stage_start, last;
    };
    auto state = std::make_shared<State>();
    return [this, i, state](int64_t done, int64_t total, const std::string& stage) {
        if (!options.observer) return;
        const auto now = Clock::now();
        if (stage != state->stage || done == 0) {
            state->stage = stage;
            state->stage_start = now;
        } else if (done < total && now - state->last < std::chrono::milliseconds(50)) {
            return;
        }
        state->last = now;
        JobProgress p;
        p.done = done;
        p.total = total;
        p.stage = stage;
        p.elapsed_seconds = std::chrono::duration<double>(now - state->stage_start).count();
        p.eta_seconds = done > 0 && total > 0 ? p.elapsed_seconds * double(total - done) / double(done) : -1.0;
        JobRecord record;
        {
            std::lock_guard lock(mutex);
            record = run.jobs[size_t(i)];
        }
        options.observer->job_progress(record, p);
    };
}

}  // namespace qs
