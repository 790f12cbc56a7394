// Drift monitoring of an endpoint against a golden probe set: the same probes scored at every
// check, each check a point of a time series (drift_store.h), a change flagged by a paired test
// with a sequential rule that bounds false alarms over any number of checks.
//
// Golden file (JSONL, one probe per line): {"prompt": "...", "continuation": " ...", "id"?: "...",
// "max_tokens"?: 16}. Per probe and check:
//   - log-prob of the fixed continuation: prompt + continuation echoed, the log-probs of the tokens
//     that start at or after the prompt's end (text_offset) summed;
//   - the greedy output of the prompt (temperature 0, max_tokens) and whether it equals the first
//     check's.
// Each check scores every probe twice (replicate a in file order, b in reverse order) so the
// endpoint's own run-to-run noise is measured, not assumed.
//
// Test of check k against the first check (both paired by probe):
//   log-probs   D_i = |a_i(k) - a_i(1)| (between checks) against E_i = |b_i(k) - a_i(k)| (within);
//               with no change a_i(1), a_i(k), b_i(k) are exchangeable, so D_i > E_i and D_i < E_i
//               are equally likely: an exact sign test (mcnemar_exact_p) on the counts, ties dropped.
//               A deterministic server has E = D = 0 (no evidence, p = 1) until its outputs change.
//   agreement   greedy output differs from the first check's while the two replicates agree,
//               against the reverse: the same exact test.
//   p = min(1, 2 min(p_logprob, p_agreement))   (Bonferroni over the two tests)
// Sequential rule: check k >= 2 flags a change when p <= alpha_k = alpha / (k (k - 1)). The alpha_k
// sum to alpha over k = 2, 3, ..., so the chance of any false alarm over the whole series of an
// unchanged endpoint is at most alpha (alpha spending), however many checks are run.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/progress.h"
#include "remote/openai_client.h"

namespace qs {

struct GoldenProbe {
    std::string id;
    std::string prompt;
    std::string continuation;  // "" = only the greedy output is checked
    int max_tokens = 16;
};

// Throws qs::Error naming FILE:LINE for a malformed line, and the file when it has no probe.
std::vector<GoldenProbe> golden_read(const std::string& path);

struct DriftItem {
    double logprob_a = std::numeric_limits<double>::quiet_NaN();  // NaN: no continuation
    double logprob_b = std::numeric_limits<double>::quiet_NaN();
    std::string greedy_a, greedy_b;
};

struct DriftCheck {
    int64_t id = 0;          // store row id
    int seq = 0;             // 1 for the first check of the series
    std::string checked_at;  // ISO 8601 UTC
    std::string fingerprint; // the server's system_fingerprint at this check
    std::vector<DriftItem> items;
    double seconds = 0;
    int64_t prompt_tokens = 0, completion_tokens = 0;
    // Against the first check (seq 1 has none of these):
    double mean_logprob = 0;      // mean of a_i over probes with a continuation
    double mean_delta = 0;        // mean of a_i(k) - a_i(1)
    double agreement = 100;       // % of greedy outputs equal to the first check's
    int between_larger = 0, within_larger = 0;     // D_i > E_i, D_i < E_i
    int greedy_changed = 0, greedy_unstable = 0;   // between differs & within agrees, and the reverse
    double p_logprob = 1, p_agreement = 1, p_value = 1, alpha = 0;
    bool flagged = false;
};

// Scores every probe twice (see the header comment); requests run at the client's concurrency.
std::vector<DriftItem> drift_score(OpenAiClient& client, const std::vector<GoldenProbe>& probes, Progress& progress);

// Fills check's statistics against `first` (same probes), with the series' false-alarm rate alpha.
void drift_test(const DriftCheck& first, DriftCheck& check, double alpha);

}  // namespace qs
