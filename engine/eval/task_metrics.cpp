// Predictions, accuracy metrics and calibration from per-choice log-likelihoods (no model here).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "core/error.h"
#include "eval/task_eval.h"

namespace qs {

namespace {

// numpy.argmax: the first maximum.
int argmax_first(std::span<const double> v) {
    return int(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<double> choice_scores(const TaskItemResult& r, const TaskItem& item, TaskScore s) {
    std::vector<double> out(r.choices.size());
    for (size_t c = 0; c < r.choices.size(); ++c) {
        const ChoiceScore& cs = r.choices[c];
        switch (s) {
        case TaskScore::Raw: out[c] = cs.loglik; break;
        case TaskScore::Norm: {
            // lm-eval divides by len(choice); an empty choice text would divide by zero there,
            // here it counts as one character.
            const size_t chars = choice_char_length(item.choices[c]);
            out[c] = cs.loglik / double(std::max<size_t>(chars, 1));
            break;
        }
        case TaskScore::PerToken: out[c] = cs.loglik / double(std::max(cs.n_tokens, 1)); break;
        }
    }
    return out;
}

Metric plain_metric(std::string key, double value) {
    Metric m;
    m.key = std::move(key);
    m.value = value;
    return m;
}

}  // namespace

const char* task_tokenization_name(TaskTokenization t) {
    switch (t) {
    case TaskTokenization::Auto: return "auto";
    case TaskTokenization::LmEval: return "lm-eval";
    case TaskTokenization::LlamaCpp: return "llama.cpp";
    }
    return "?";
}

const char* task_score_name(TaskScore s) {
    switch (s) {
    case TaskScore::Raw: return "acc";
    case TaskScore::Norm: return "acc_norm";
    case TaskScore::PerToken: return "acc_per_token";
    }
    return "?";
}

void task_item_predict(TaskItemResult& r, const TaskItem& item, TaskKind kind, TaskScore primary_score) {
    if (kind == TaskKind::Completion) {
        const ChoiceScore& cs = r.choices.at(0);
        r.pred_acc = r.pred_norm = r.pred_per_token = r.pred = 0;
        r.correct_acc = r.correct_norm = r.correct_per_token = r.correct = cs.is_greedy;
        r.confidence = std::exp(cs.greedy_logprob);
        r.probabilities = {r.confidence};
        return;
    }
    const auto raw = choice_scores(r, item, TaskScore::Raw);
    const auto norm = choice_scores(r, item, TaskScore::Norm);
    const auto tok = choice_scores(r, item, TaskScore::PerToken);
    r.pred_acc = argmax_first(raw);
    r.pred_norm = argmax_first(norm);
    r.pred_per_token = argmax_first(tok);
    r.correct_acc = r.pred_acc == r.gold;
    r.correct_norm = r.pred_norm == r.gold;
    r.correct_per_token = r.pred_per_token == r.gold;
    const auto& primary = primary_score == TaskScore::Raw ? raw : primary_score == TaskScore::Norm ? norm : tok;
    r.probabilities = softmax(primary);
    r.pred = primary_score == TaskScore::Raw    ? r.pred_acc
             : primary_score == TaskScore::Norm ? r.pred_norm
                                                : r.pred_per_token;
    r.correct = r.pred == r.gold;
    r.confidence = r.probabilities[size_t(r.pred)];
}

void task_finish(TaskResult& result, const TaskDataset& dataset, const TaskEvalOptions& options) {
    const size_t n = result.items.size();
    const bool completion = result.kind == TaskKind::Completion;
    std::vector<uint8_t> correct_acc(n), correct_norm(n), correct_tok(n);
    std::vector<std::vector<double>> probabilities(n);
    std::vector<int> gold(n);
    result.item_correct.assign(n, 0);
    result.item_confidence.assign(n, 0.0);
    result.running_acc.assign(n, 0.0);
    int64_t n_correct = 0;
    double loglik_sum = 0;
    std::vector<double> item_loglik(n);

    for (size_t i = 0; i < n; ++i) {
        TaskItemResult& r = result.items[i];
        if (r.item_index >= dataset.items.size() || r.choices.size() != dataset.items[r.item_index].choices.size())
            throw Error(fmt::format("{}: task result item {} does not match the dataset", dataset.path, i));
        const TaskItem& item = dataset.items[r.item_index];
        task_item_predict(r, item, result.kind, result.primary);
        if (completion) {
            item_loglik[i] = r.choices.at(0).loglik;
            loglik_sum += item_loglik[i];
        }
        correct_acc[i] = r.correct_acc;
        correct_norm[i] = r.correct_norm;
        correct_tok[i] = r.correct_per_token;
        probabilities[i] = r.probabilities;
        gold[i] = r.gold;
        result.item_correct[i] = r.correct;
        result.item_confidence[i] = r.confidence;
        n_correct += r.correct;
        result.running_acc[i] = 100.0 * double(n_correct) / double(i + 1);
    }

    auto& m = result.metrics;
    m.clear();
    m.push_back(accuracy_metric("acc", correct_acc));
    if (completion) {
        // lm-eval's lambada perplexity: exp(-mean of the items' log-likelihoods).
        const MeanStderr ll = mean_with_stderr(item_loglik);
        Metric ppl = plain_metric("ppl", std::exp(-ll.mean));
        if (n >= 2) ppl.stderr_ = ppl.value * ll.stderr_;
        m.push_back(ppl);
    } else {
        m.push_back(accuracy_metric("acc_norm", correct_norm));
        m.push_back(accuracy_metric("acc_per_token", correct_tok));
    }
    m.push_back(plain_metric("items", double(n)));

    result.calibration = calibration_equal_width(result.item_confidence, result.item_correct, options.calibration_bins);
    result.calibration_mass = calibration_equal_mass(result.item_confidence, result.item_correct, options.calibration_mass_bins);
    double brier = 0;
    if (completion) {
        for (size_t i = 0; i < n; ++i) {
            const double d = result.item_confidence[i] - double(result.item_correct[i]);
            brier += d * d;
        }
        brier = n ? brier / double(n) : 0.0;
    } else {
        brier = brier_score(probabilities, gold);
    }
    m.push_back(plain_metric("ece", 100.0 * result.calibration.ece));
    m.push_back(plain_metric("ece_mass", 100.0 * result.calibration_mass.ece));
    m.push_back(plain_metric("mce", 100.0 * result.calibration.mce));
    m.push_back(plain_metric("rmsce", 100.0 * result.calibration.rmsce));
    m.push_back(plain_metric("brier", brier));
}

}  // namespace qs
