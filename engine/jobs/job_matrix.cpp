#include "jobs/job_matrix.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "quant/precision_recipe.h"

namespace qs {
namespace {

// The canonical spelling of a precision ("q4_k_m" -> "Q4_K_M"), so duplicates and the baseline
// are recognised however they were typed.
std::string canonical_precision(const std::string& p) {
    if (p == kPrecisionFile) return p;
    return PrecisionRecipe::parse(p).to_string();
}

nlohmann::json common_settings(const EvalMatrix& m, EvaluatorKind kind) {
    nlohmann::json j;
    auto decision = [&](nlohmann::json& out) {
        if (m.until_decided) out["until_decided"] = true, out["margin"] = m.decision_margin;
    };
    switch (kind) {
        case EvaluatorKind::Perplexity:
        case EvaluatorKind::Kld:
            j = {{"n_ctx", m.n_ctx}, {"chunks", m.max_chunks}};
            decision(j);
            break;
        case EvaluatorKind::Task:
            j = {{"n_ctx", m.task_n_ctx}, {"limit", m.task_limit}, {"seed", m.seed}, {"num_fewshot", m.num_fewshot},
                 {"on_bad_line", m.on_bad_line == BadLinePolicy::Skip ? "skip" : "stop"}};
            decision(j);
            break;
        case EvaluatorKind::Bench:
            j = {{"n_prompt", m.bench_prompt}, {"n_gen", m.bench_gen}, {"repetitions", m.bench_repetitions}};
            break;
    }
    return j;
}

}  // namespace

std::vector<JobSpec> plan_jobs(const EvalMatrix& matrix) {
    if (matrix.model_path.empty()) throw Error("eval: no model given (--model)");
    if (matrix.precisions.empty()) throw Error("eval: no precision given (--precisions)");
    std::vector<std::string> precisions;
    std::map<std::string, std::string> names;  // canonical precision -> the user's name
    std::set<std::string> names_used;
    for (const std::string& p : matrix.precisions) {
        const std::string c = canonical_precision(p);
        if (std::find(precisions.begin(), precisions.end(), c) != precisions.end())
            throw Error("eval: precision '" + p + "' is given twice");
        if (c != kPrecisionFile && matrix.imatrix_path.empty() &&
            quant_mix_requires_imatrix(PrecisionRecipe::parse(c).options.mix))
            throw Error("eval: precision '" + p + "' needs an importance matrix (--imatrix FILE), as llama-quantize does");
        precisions.push_back(c);
        std::string name;
        if (auto it = matrix.precision_names.find(p); it != matrix.precision_names.end()) name = it->second;
        else if (auto it = matrix.precision_names.find(c); it != matrix.precision_names.end()) name = it->second;
        else if (p != kPrecisionFile) name = PrecisionRecipe::parse(p).name;  // a preset's name, else the recipe string
        if (name == c) name.clear();
        if (!name.empty() && !names_used.insert(name).second)
            throw Error("eval: two precisions are named '" + name + "'");
        names[c] = name;
    }
    const std::string baseline = canonical_precision(matrix.baseline_precision());
    auto base_it = std::find(precisions.begin(), precisions.end(), baseline);
    if (base_it == precisions.end())
        throw Error("eval: baseline '" + matrix.baseline + "' is not one of the precisions (--precisions)");
    if (matrix.kld && matrix.ppl_path.empty()) throw Error("eval: --kld needs a text (--ppl FILE) for the base pass");
    if (matrix.kld && precisions.size() < 2) throw Error("eval: --kld needs a precision besides the baseline");
    if (matrix.until_decided && !(matrix.decision_margin > 0))
        throw Error(fmt::format("eval: the decision margin {} must be positive (--margin)", matrix.decision_margin));
    if (matrix.ppl_path.empty() && matrix.tasks.empty() && !matrix.bench)
        throw Error("eval: nothing to evaluate (give --ppl, --task or --bench)");
    if (matrix.gen_samples < 1) throw Error("eval: --gen-samples must be at least 1");
    if (matrix.gen_samples > 1 && !(matrix.gen_temperature > 0)) throw Error("eval: --gen-samples above 1 needs --gen-temp above 0");
    if (!(matrix.code_timeout > 0)) throw Error("eval: --code-timeout must be positive");
    if (matrix.gen_parallel < 1) throw Error("eval: --gen-parallel must be at least 1");
    std::set<std::string> task_names;
    for (const TaskSpec& t : matrix.tasks) {
        if (t.name.empty() || t.path.empty()) throw Error("eval: a task needs NAME=FILE (got '" + t.name + "=" + t.path + "')");
        if (!task_names.insert(t.name).second) throw Error("eval: task '" + t.name + "' is given twice");
    }

    // Baseline first: its perplexity job collects the KLD base pass.
    std::rotate(precisions.begin(), base_it, base_it + 1);
    std::vector<JobSpec> jobs;
    int baseline_ppl = -1;
    std::map<std::string, int> baseline_task;  // task name -> the baseline's job on it
    auto add = [&](const std::string& precision, EvaluatorKind kind, std::string dataset, std::string path,
                   std::string format) -> JobSpec& {
        JobSpec j;
        j.index = int(jobs.size());
        j.precision = precision;
        j.precision_name = names[precision];
        j.evaluator = kind;
        j.dataset = std::move(dataset);
        j.dataset_path = std::move(path);
        j.format = std::move(format);
        nlohmann::json s = common_settings(matrix, kind);
        if (kind == EvaluatorKind::Kld) s["baseline"] = baseline;
        if (kind == EvaluatorKind::Task) s["format"] = j.format, s["limit"] = matrix.task_limit_of(j.dataset);
        j.settings_json = s.dump();
        jobs.push_back(std::move(j));
        return jobs.back();
    };
    const std::string ppl_name = matrix.ppl_path.substr(matrix.ppl_path.find_last_of('/') + 1);
    for (const std::string& p : precisions) {
        if (!matrix.ppl_path.empty()) {
            JobSpec& job = add(p, EvaluatorKind::Perplexity, ppl_name, matrix.ppl_path, "");
            if (p == baseline) baseline_ppl = job.index;
            else if (matrix.until_decided) job.depends_on = baseline_ppl;  // stops against its chunk NLLs
        }
        if (matrix.kld && p != baseline)
            add(p, EvaluatorKind::Kld, ppl_name, matrix.ppl_path, "").depends_on = baseline_ppl;
        for (const TaskSpec& t : matrix.tasks) {
            JobSpec& job = add(p, EvaluatorKind::Task, t.name, t.path, t.format);
            if (p == baseline) baseline_task[t.name] = job.index;
            else job.depends_on = baseline_task[t.name];  // compared item by item with the baseline's
        }
        if (matrix.bench) add(p, EvaluatorKind::Bench, "", "", "");
    }
    return jobs;
}

std::string eval_matrix_json(const EvalMatrix& m) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskSpec& t : m.tasks) tasks.push_back({{"name", t.name}, {"path", t.path}, {"format", t.format}});
    const nlohmann::json j = {
        {"model", m.model_path}, {"precisions", m.precisions}, {"precision_names", m.precision_names},
        {"baseline", m.baseline_precision()},
        {"ppl", m.ppl_path}, {"kld", m.kld}, {"tasks", tasks}, {"bench", m.bench},
        {"n_ctx", m.n_ctx}, {"chunks", m.max_chunks}, {"limit", m.task_limit}, {"seed", m.seed},
        {"num_fewshot", m.num_fewshot}, {"task_n_ctx", m.task_n_ctx},
        {"on_bad_line", m.on_bad_line == BadLinePolicy::Skip ? "skip" : "stop"},
        {"bench_prompt", m.bench_prompt}, {"bench_gen", m.bench_gen}, {"bench_repetitions", m.bench_repetitions},
        {"gen_samples", m.gen_samples}, {"gen_temperature", m.gen_temperature}, {"gen_max_tokens", m.gen_max_tokens},
        {"code_timeout", m.code_timeout}, {"gen_parallel", m.gen_parallel}, {"chat_template", m.chat_template},
        {"imatrix", m.imatrix_path.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"file", m.imatrix_path}}},
    };
    if (!m.until_decided) return j.dump();
    nlohmann::json with_decision = j;
    with_decision["until_decided"] = true;
    with_decision["margin"] = m.decision_margin;
    return with_decision.dump();
}

}  // namespace qs
