#include "remote/drift_monitor.h"

#include <cmath>
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text_file.h"
#include "eval/statistics.h"
#include "remote/remote_eval.h"

namespace qs {

std::vector<GoldenProbe> golden_read(const std::string& path) {
    const std::string text = text_file_read(path);
    std::vector<GoldenProbe> probes;
    size_t line_no = 0, start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw Error(fmt::format("{}:{}: not a JSON object", path, line_no));
        if (!j.contains("prompt") || !j["prompt"].is_string() || j["prompt"].get<std::string>().empty())
            throw Error(fmt::format("{}:{}: needs a non-empty \"prompt\" string", path, line_no));
        GoldenProbe p;
        p.prompt = j["prompt"].get<std::string>();
        if (j.contains("continuation")) {
            if (!j["continuation"].is_string()) throw Error(fmt::format("{}:{}: \"continuation\" must be a string", path, line_no));
            p.continuation = j["continuation"].get<std::string>();
        }
        if (j.contains("max_tokens")) {
            if (!j["max_tokens"].is_number_integer() || j["max_tokens"].get<int>() < 1 || j["max_tokens"].get<int>() > 4096)
                throw Error(fmt::format("{}:{}: \"max_tokens\" must be an integer in 1..4096", path, line_no));
            p.max_tokens = j["max_tokens"].get<int>();
        }
        p.id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : fmt::format("line {}", line_no);
        probes.push_back(std::move(p));
    }
    if (probes.empty()) throw Error(path + ": no probe in the golden file");
    return probes;
}

std::vector<DriftItem> drift_score(OpenAiClient& client, const std::vector<GoldenProbe>& probes, Progress& progress) {
    const size_t n = probes.size();
    std::vector<DriftItem> items(n);
    std::mutex progress_mutex;
    progress.begin(int64_t(2 * n), "probes");
    // Replicate a in file order, then b in reverse order: different neighbours, different batches.
    for (int replicate = 0; replicate < 2; ++replicate) {
        remote_parallel_for(n, client.http().options().concurrency, progress, [&](size_t j) {
            const size_t i = replicate == 0 ? j : n - 1 - j;
            const GoldenProbe& p = probes[i];
            double lp = std::numeric_limits<double>::quiet_NaN();
            if (!p.continuation.empty()) {
                const EchoResult e = client.echo_text(p.prompt + p.continuation, 1, 0);
                lp = 0;
                int scored = 0;
                for (const EchoToken& t : e.tokens)
                    if (t.text_offset >= int64_t(p.prompt.size()) && !std::isnan(t.logprob)) {
                        lp += t.logprob;
                        ++scored;
                    }
                if (scored == 0)
                    throw Error(fmt::format("probe {}: the endpoint's text_offset puts no token in the continuation; it needs "
                                            "echo + logprobs with text_offset on /v1/completions", p.id));
            }
            std::string greedy = client.complete_greedy(p.prompt, p.max_tokens, {});
            DriftItem& it = items[i];
            (replicate == 0 ? it.logprob_a : it.logprob_b) = lp;
            (replicate == 0 ? it.greedy_a : it.greedy_b) = std::move(greedy);
            std::lock_guard lock(progress_mutex);
            progress.advance();
        });
    }
    return items;
}

void drift_test(const DriftCheck& first, DriftCheck& check, double alpha) {
    if (first.items.size() != check.items.size())
        throw Error(fmt::format("drift: check {} has {} probes, the first check {}: the golden file changed", check.seq,
                                check.items.size(), first.items.size()));
    const size_t n = check.items.size();
    double sum_lp = 0, sum_delta = 0;
    int n_lp = 0, agree = 0;
    check.between_larger = check.within_larger = check.greedy_changed = check.greedy_unstable = 0;
    for (size_t i = 0; i < n; ++i) {
        const DriftItem& f = first.items[i];
        const DriftItem& c = check.items[i];
        if (!std::isnan(c.logprob_a) && !std::isnan(f.logprob_a)) {
            sum_lp += c.logprob_a;
            sum_delta += c.logprob_a - f.logprob_a;
            ++n_lp;
            const double between = std::fabs(c.logprob_a - f.logprob_a), within = std::fabs(c.logprob_b - c.logprob_a);
            check.between_larger += between > within;
            check.within_larger += within > between;
        }
        const bool same_as_first = c.greedy_a == f.greedy_a, stable = c.greedy_b == c.greedy_a;
        agree += same_as_first;
        check.greedy_changed += !same_as_first && stable;
        check.greedy_unstable += same_as_first && !stable;
    }
    check.mean_logprob = n_lp ? sum_lp / n_lp : 0;
    check.mean_delta = n_lp ? sum_delta / n_lp : 0;
    check.agreement = n ? 100.0 * agree / double(n) : 100.0;
    // One-sided evidence only: more between-check difference than within-check noise.
    check.p_logprob = check.between_larger > check.within_larger ? mcnemar_exact_p(check.between_larger, check.within_larger) : 1.0;
    check.p_agreement = check.greedy_changed > check.greedy_unstable ? mcnemar_exact_p(check.greedy_changed, check.greedy_unstable) : 1.0;
    check.p_value = std::min(1.0, 2.0 * std::min(check.p_logprob, check.p_agreement));
    check.alpha = check.seq >= 2 ? alpha / (double(check.seq) * double(check.seq - 1)) : 0;
    check.flagged = check.seq >= 2 && check.p_value <= check.alpha;
}

}  // namespace qs
