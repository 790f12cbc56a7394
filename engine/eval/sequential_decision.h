// Stopping a paired comparison as soon as it is decided ("eval --until-decided").
//
// A candidate precision is compared with the baseline on the same items (task items, or
// perplexity chunks) taken in a seeded random order, so every prefix is a random sample. After
// each item we look at the paired differences d_i = candidate - baseline, oriented so that
// positive is better (accuracy points; minus the change of mean NLL in % for perplexity), and stop
// as soon as the comparison is decided. Looking after every item would make a fixed-n interval
// lie (it is crossed by chance sooner or later), so the interval here is a confidence SEQUENCE:
// it covers the true mean difference at every look simultaneously with probability >= level.
//
// The sequence (Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory
// and asymptotic confidence sequences", 2023, Thm 2.2; Robbins' normal mixture, as Howard et al.
// 2021 eq. 14), with alpha = 1 - level, n differences of mean m and standard deviation s:
//     m +- s * sqrt( 2 (n r^2 + 1) / (n^2 r^2) * ln( sqrt(n r^2 + 1) / alpha ) )
// r is a tuning constant fixed BEFORE the data (never from them): r^2 = (-2 ln alpha +
// ln(-2 ln alpha + 1)) / n_plan makes the sequence tightest near n_plan items (the run's item or
// chunk count); there it is ~1.5x a fixed-n interval's width, the price of looking at every item.
// s: the sample standard deviation; for correct/wrong items (differences in {-1, 0, +1} points x
// 100) Bonett and Price's adjusted rates instead, p1 = (b+1)/(n+2), p2 = (c+1)/(n+2) with b, c the
// discordant counts, s^2 = p1 + p2 - (p2 - p1)^2 (the same adjustment engine/eval/decision.h makes;
// it keeps identical answers on the first items from claiming certainty).
//
// The decision, with the user's margin M > 0 in the same unit (as decision.h's non-inferiority):
//     lo > -M          non-inferior (any loss is smaller than M)
//     hi < -M          inferior (the loss is larger than M)
//     hi - lo < M      precise: the difference is pinned down to less than the margin
//     otherwise        undecided, keep going
// No look before `min_items` differences (the variance estimate needs some). The guarantee is
// asymptotic (the CLT in the sequence's name); tests/eval check the false-decision rate on many
// seeded null streams against the nominal level.
#pragma once

#include <cstdint>

#include "eval/statistics.h"

namespace qs {

enum class SequentialVerdict { Undecided = 0, NonInferior = 1, Inferior = 2, Precise = 3 };
const char* sequential_verdict_name(SequentialVerdict v);  // "undecided", "non-inferior", "inferior", "precise"

struct SequentialOptions {
    double margin = 1.0;     // M, in the differences' unit (> 0)
    double level = 0.95;     // simultaneous coverage over every look
    int64_t plan = 500;      // n_plan: items (chunks) the run would take in full; tunes r
    int64_t min_items = 30;  // no decision before this many differences
    bool binary = false;     // differences are -scale / 0 / +scale (correct/wrong items): adjusted variance
    double scale = 100.0;    // binary only: the size of one discordant item (100: % points)
};

struct SequentialLook {
    int64_t n = 0;           // differences so far
    double mean = 0;         // their mean
    Interval ci;             // the confidence sequence at n (+-inf before two differences)
    SequentialVerdict verdict = SequentialVerdict::Undecided;
    bool decided() const { return verdict != SequentialVerdict::Undecided; }
};

class SequentialComparison {
public:
    // Throws qs::Error for margin <= 0, level outside (0, 1) or plan < 1.
    explicit SequentialComparison(const SequentialOptions& options);
    // One paired difference (candidate - baseline, positive = better); returns the look after it.
    SequentialLook add(double difference);
    // For binary outcomes: candidate and baseline right/wrong on one item.
    SequentialLook add_outcomes(bool baseline_correct, bool candidate_correct) {
        return add(options_.scale * (double(candidate_correct) - double(baseline_correct)));
    }
    SequentialLook look() const;
    const SequentialOptions& options() const { return options_; }

private:
    SequentialOptions options_;
    double rho2_ = 0;
    int64_t n_ = 0;
    double sum_ = 0, sum_sq_ = 0;
    int64_t worse_ = 0, better_ = 0;  // binary: discordant items (b, c)
};

// The half-width of the sequence's interval of the mean after n differences of standard
// deviation sd, tuned for `plan` items (see the header comment). Exposed for tests and reports.
double confidence_sequence_radius(int64_t n, double sd, double level, int64_t plan);

}  // namespace qs
