// From one stored run to the recommendation: its bench jobs as measured speeds (with the machine
// that ran them and the model's sizes), its task and KLD jobs as the evidence eval/decision.h
// judges, and the decision itself with each precision's cost as the price to rank by. The CLI
// (`cost --db FILE --run ID`, `demo`), the ROI page and the report all go through here, so they
// recommend the same precision for the same reasons.
//
// Evidence per precision (the baseline is the run's, unless the caller names another one):
//   - accuracy: every Done task job paired with the baseline's job on the same dataset (same item
//     count): Δacc and its paired-bootstrap interval from the job's stored acc_delta metric (the
//     job runner computed it with the run's seed), recomputed from item_correct when absent;
//     the discordant counts from item_correct; retention from the stored metric (first task).
//   - KLD jobs: kld_mean and ppl_ratio with their standard errors.
#pragma once

#include <string>
#include <vector>

#include "cost/cost_model.h"
#include "cost/profile_speeds.h"
#include "eval/decision.h"
#include "store/run_record.h"

namespace qs {

struct RunEvidence {
    std::string baseline;
    MeasuredSpeeds measured;                  // bench jobs with a generation throughput
    std::vector<CandidateEvidence> evidence;  // every precision of the run, plan order, price unset
};

// `baseline` "" = the run's own baseline.
RunEvidence run_evidence(const RunRecord& run, const std::string& baseline = "");

// Prices every candidate by its cost (monthly cost when a volume was given, else cost per million
// generated tokens; a precision without a speed stays unpriced) and applies decide_precision().
// options.price_unit is filled in when empty.
Decision recommend_precision(std::vector<CandidateEvidence> evidence, const std::vector<PrecisionCost>& costs,
                             const std::string& baseline, DecisionOptions options);

// Candidates for a cost comparison without a stored run: one per speed, retention as given.
std::vector<CandidateEvidence> evidence_from_speeds(const std::vector<PrecisionSpeed>& speeds);

// A stored run judged and priced on one hardware profile: the speeds that belong to the profile
// (profile_speeds(): measured here only when the profile is this machine, else its roofline
// estimate), their costs at the profile's price, and the decision ranked by cost. With no profile
// (nullptr) or no speed for it, the decision ranks by bits per weight instead and `costs` is empty.
// The demo, `quantscope-cli report` and the workbench's report all go through here.
// recommend_precision over the precisions the profile can serve: one whose weights do not fit in
// the profile's memory (ProfileSpeeds::capacity) is left unpriced, so its price never wins, and the
// reason says so. profile nullptr: every precision counts as servable.
Decision recommend_servable(const std::vector<CandidateEvidence>& evidence, const std::vector<PrecisionCost>& costs,
                            const ProfileSpeeds& speeds, const HardwarePrice* profile, const std::string& baseline,
                            const DecisionOptions& options);

struct RunVerdict {
    ProfileSpeeds speeds;              // ok = false: no speed for the profile (or no profile)
    std::vector<PrecisionCost> costs;  // one per speeds.speeds entry when priced
    Decision decision;
    bool by_size = false;              // ranked by bits per weight (no cost figures)
};
RunVerdict run_verdict(const RunRecord& run, const HardwarePrice* profile, const RooflineParams& roofline, DecisionOptions options,
                       const std::string& baseline = "");

// Where costs come from, for people: "on aws-g6.xlarge at $0.805/h with speeds estimated: <why>",
// or why there are none ("ranked by bits per weight: no speed for H100: <why>"). `profile` nullptr =
// a price per hour the user gave for the machine the speeds belong to.
std::string speeds_where(const ProfileSpeeds& speeds, const HardwarePrice* profile, double usd_per_hour);
std::string run_verdict_where(const RunVerdict& v, const HardwarePrice* profile);

}  // namespace qs
