#include "eval/sequential_decision.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "core/error.h"

namespace qs {

namespace {

// r^2 that makes the normal-mixture boundary tightest near n_plan (Waudby-Smith et al. 2023, eq. 13).
double mixture_rho2(double alpha, int64_t plan) {
    const double l = -2.0 * std::log(alpha);
    return (l + std::log(l + 1.0)) / double(plan);
}

double radius_for(int64_t n, double sd, double alpha, double rho2) {
    const double nr2 = double(n) * rho2;
    return sd * std::sqrt(2.0 * (nr2 + 1.0) / (double(n) * double(n) * rho2) * std::log(std::sqrt(nr2 + 1.0) / alpha));
}

}  // namespace

const char* sequential_verdict_name(SequentialVerdict v) {
    switch (v) {
        case SequentialVerdict::Undecided: return "undecided";
        case SequentialVerdict::NonInferior: return "non-inferior";
        case SequentialVerdict::Inferior: return "inferior";
        case SequentialVerdict::Precise: return "precise";
    }
    return "?";
}

double confidence_sequence_radius(int64_t n, double sd, double level, int64_t plan) {
    if (n <= 0) return std::numeric_limits<double>::infinity();
    const double alpha = 1.0 - level;
    return radius_for(n, sd, alpha, mixture_rho2(alpha, plan));
}

SequentialComparison::SequentialComparison(const SequentialOptions& options) : options_(options) {
    if (!(options.margin > 0)) throw Error(fmt::format("decision margin {} must be positive", options.margin));
    if (!(options.level > 0 && options.level < 1)) throw Error(fmt::format("decision level {} must lie in (0, 1)", options.level));
    if (options.plan < 1) throw Error(fmt::format("decision plan of {} items must be at least 1", options.plan));
    rho2_ = mixture_rho2(1.0 - options.level, options.plan);
}

SequentialLook SequentialComparison::add(double difference) {
    ++n_;
    sum_ += difference;
    sum_sq_ += difference * difference;
    if (options_.binary) {
        worse_ += difference < 0;
        better_ += difference > 0;
    }
    return look();
}

SequentialLook SequentialComparison::look() const {
    SequentialLook l;
    l.n = n_;
    l.ci = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    if (n_ == 0) return l;
    l.mean = sum_ / double(n_);
    double sd = 0;
    if (options_.binary) {
        const double p1 = double(worse_ + 1) / double(n_ + 2), p2 = double(better_ + 1) / double(n_ + 2);
        sd = options_.scale * std::sqrt(std::max(0.0, p1 + p2 - (p2 - p1) * (p2 - p1)));
    } else {
        if (n_ < 2) return l;
        sd = std::sqrt(std::max(0.0, (sum_sq_ - double(n_) * l.mean * l.mean) / double(n_ - 1)));
    }
    const double r = radius_for(n_, sd, 1.0 - options_.level, rho2_);
    l.ci = {l.mean - r, l.mean + r};
    if (n_ < options_.min_items) return l;
    const double m = options_.margin;
    if (l.ci.lo > -m) l.verdict = SequentialVerdict::NonInferior;
    else if (l.ci.hi < -m) l.verdict = SequentialVerdict::Inferior;
    else if (l.ci.hi - l.ci.lo < m) l.verdict = SequentialVerdict::Precise;
    return l;
}

}  // namespace qs
