// Time to decision inside the job runner (EvalMatrix::until_decided): the sequential comparison
// of a precision's job with the baseline's, and what a stopped job reports.
//
// The baseline's perplexity job records the mean NLL of every chunk (by the chunk's index in the
// text); a candidate's perplexity or KLD job, over the same chunks in the same seeded order, feeds
// d = -100 (mean NLL - the baseline's) per chunk (% of PPL to first order, lower PPL positive),
// a task job the pair (baseline correct, candidate correct) per item, into a
// SequentialComparison, and stops when it is decided. The job's metrics then carry decided_after,
// decision and decision_delta (with the sequence's interval), which the GUI shows as "decided
// after N items".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metric.h"
#include "eval/sequential_decision.h"
#include "jobs/job_matrix.h"

namespace qs {

// Fewest chunks / items before any decision (the variance estimate needs some).
inline constexpr int64_t kDecisionMinChunks = 10;
inline constexpr int64_t kDecisionMinItems = 30;

// Options of the sequential comparison of a job: the matrix's margin, `plan` = the chunks or items
// the full run would take.
SequentialOptions decision_options(const EvalMatrix& matrix, int64_t plan, bool binary);

// The paired difference of one chunk: -100 * (candidate mean NLL - baseline mean NLL).
double chunk_decision_difference(double candidate_mean_nll, double baseline_mean_nll);

// decided_after (n), decision (the verdict's number), decision_delta (mean with the interval).
std::vector<Metric> decision_metrics(const SequentialLook& look);

// One line for the job's log: "decided after 212 items: non-inferior (Δ -0.4 points, time-uniform
// 95 % interval [-0.9, +0.1], margin 1)" or "not decided after 1000 items (...)".
std::string decision_message(const SequentialLook& look, const std::string& what, const std::string& unit, double margin);

}  // namespace qs
