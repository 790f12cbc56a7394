#include "eval/decision.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "core/error.h"

namespace qs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// z of the two-sided interval at `level` (1.96 for 0.95): its lower bound is a one-sided test at (1-level)/2.
double z_two_sided(double level) { return normal_quantile(0.5 + 0.5 * level); }

std::string pp(double v) { return fmt::format("{:+.1f}", v); }
std::string sig(double v) { return fmt::format("{:.3g}", v); }
std::string items_text(int64_t n) {
    if (n < 1000) return fmt::format("{}", n);
    if (n < 100000) return fmt::format("{:.1f}k", double(n) / 1e3);
    return fmt::format("{:.0f}k", double(n) / 1e3);
}

CriterionResult accuracy_criterion(const PairedAccuracy& in, const DecisionOptions& o) {
    PairedAccuracy a = in;
    if (a.items > 0 && a.base_only >= 0 && a.other_only >= 0 && !std::isnan(a.ci.lo)) {
        const Interval w = paired_adjusted_wald(a.items, a.base_only, a.other_only, o.level);
        a.ci = {std::min(a.ci.lo, 100.0 * w.lo), std::max(a.ci.hi, 100.0 * w.hi)};
    }
    CriterionResult r;
    r.criterion = a.dataset.empty() ? "acc" : "acc (" + a.dataset + ")";
    r.estimate = a.delta_pp;
    r.ci = a.ci;
    r.bound = a.ci.lo;
    r.threshold = -o.margin_pp;
    r.items = a.items;
    const std::string what = fmt::format("Δacc {} pp, {:.0f} % CI [{}, {}]", pp(a.delta_pp), 100 * o.level, pp(a.ci.lo), pp(a.ci.hi));
    if (std::isnan(a.ci.lo) || std::isnan(a.ci.hi)) {
        r.verdict = Verdict::NoEvidence;
        r.items_needed = -1;
        r.text = fmt::format("{}: no paired interval", r.criterion);
    } else if (a.ci.lo > -o.margin_pp) {
        r.verdict = Verdict::NonInferior;
        r.text = fmt::format("{} on {}: clears the -{:g} pp margin", what, r.criterion, o.margin_pp);
    } else if (a.ci.hi < -o.margin_pp) {
        r.verdict = Verdict::Inferior;
        r.text = fmt::format("{} on {}: loses more than {:g} pp", what, r.criterion, o.margin_pp);
    } else {
        r.verdict = Verdict::Undecided;
        r.text = fmt::format("{} on {}: straddles the -{:g} pp margin", what, r.criterion, o.margin_pp);
        if (a.items > 0 && a.base_only >= 0 && a.other_only >= 0) {
            const int64_t total = noninferiority_items(a.items, a.base_only, a.other_only, o.margin_pp, o.level, o.power);
            r.items_needed = total < 0 ? -1 : std::max<int64_t>(1, total - a.items);
            r.text += r.items_needed < 0
                          ? fmt::format("; the observed loss is at the margin or beyond, so more items are not expected to show non-inferiority")
                          : fmt::format("; needs about {} more items ({} paired so far, {} discordant)", items_text(r.items_needed),
                                        a.items, a.base_only + a.other_only);
        } else {
            r.items_needed = -1;
        }
    }
    return r;
}

// KLD or PPL ratio against a stated threshold, from value ± z·se.
CriterionResult threshold_criterion(const char* name, double value, double se, double max, const DecisionOptions& o) {
    CriterionResult r;
    r.criterion = name;
    r.estimate = value;
    r.threshold = max;
    r.items_needed = -1;
    if (std::isnan(value) || std::isnan(se)) {
        r.verdict = Verdict::NoEvidence;
        r.text = fmt::format("{}: not measured", name);
        return r;
    }
    const double z = z_two_sided(o.level);
    r.ci = {value - z * se, value + z * se};
    r.bound = r.ci.hi;
    const std::string what = fmt::format("{} {}, {:.0f} % CI [{}, {}]", name, sig(value), 100 * o.level, sig(r.ci.lo), sig(r.ci.hi));
    if (r.ci.hi < max) {
        r.verdict = Verdict::NonInferior;
        r.text = fmt::format("{}: below the {} threshold", what, sig(max));
    } else if (r.ci.lo > max) {
        r.verdict = Verdict::Inferior;
        r.text = fmt::format("{}: above the {} threshold", what, sig(max));
    } else {
        r.verdict = Verdict::Undecided;
        r.text = fmt::format("{}: straddles the {} threshold", what, sig(max));
    }
    return r;
}

CandidateDecision judge(const CandidateEvidence& e, const DecisionOptions& o) {
    CandidateDecision d;
    d.precision = e.precision;
    d.price = e.price;
    for (const PairedAccuracy& a : e.accuracy) d.criteria.push_back(accuracy_criterion(a, o));
    const bool has_accuracy = std::any_of(d.criteria.begin(), d.criteria.end(), [](const CriterionResult& c) { return c.verdict != Verdict::NoEvidence; });
    // Thresholds: used when stated; a missing measurement only matters when there is no accuracy evidence.
    auto add_threshold = [&](const char* name, double v, double se, double max) {
        if (std::isnan(max)) return;
        CriterionResult c = threshold_criterion(name, v, se, max, o);
        if (c.verdict != Verdict::NoEvidence || !has_accuracy) d.criteria.push_back(std::move(c));
    };
    add_threshold("kld_mean", e.kld_mean, e.kld_se, o.kld_max);
    add_threshold("ppl_ratio", e.ppl_ratio, e.ppl_ratio_se, o.ppl_ratio_max);
    if (!std::isnan(o.min_retention_pct) && !std::isnan(e.retention_pct)) {
        CriterionResult c;
        c.criterion = "retention";
        c.estimate = e.retention_pct;
        c.threshold = o.min_retention_pct;
        const bool below = e.retention_pct < o.min_retention_pct;
        // A point estimate can rule a candidate out (the user's requirement) but never in.
        c.verdict = below ? Verdict::Inferior : Verdict::NoEvidence;
        c.text = fmt::format("retention {:.1f} % {} the required {:.1f} %", e.retention_pct, below ? "is below" : "meets",
                             o.min_retention_pct);
        d.criteria.push_back(std::move(c));
    }

    int non_inferior = 0, inferior = 0, undecided = 0;
    for (const CriterionResult& c : d.criteria) {
        non_inferior += c.verdict == Verdict::NonInferior;
        inferior += c.verdict == Verdict::Inferior;
        undecided += c.verdict == Verdict::Undecided;
        if (c.verdict == Verdict::Undecided) d.items_needed = (c.items_needed < 0 || d.items_needed < 0) ? -1 : std::max(d.items_needed, c.items_needed);
    }
    const CriterionResult* first = nullptr;
    auto first_with = [&](Verdict v) {
        for (const CriterionResult& c : d.criteria)
            if (c.verdict == v) return &c;
        return static_cast<const CriterionResult*>(nullptr);
    };
    if (inferior > 0) {
        d.verdict = Verdict::Inferior;
        first = first_with(Verdict::Inferior);
    } else if (undecided > 0) {
        d.verdict = Verdict::Undecided;
        first = first_with(Verdict::Undecided);
    } else if (non_inferior > 0) {
        d.verdict = Verdict::NonInferior;
        first = first_with(Verdict::NonInferior);
    } else {
        d.verdict = Verdict::NoEvidence;
    }
    if (first) {
        d.reason = first->text;
        if (d.verdict == Verdict::NonInferior && non_inferior > 1) d.reason += fmt::format(" (and {} more criteria)", non_inferior - 1);
    } else {
        d.reason = "no paired accuracy comparison with the baseline, and no KLD or PPL-ratio threshold to judge by";
    }
    return d;
}

std::string price_text(double price, const DecisionOptions& o) {
    if (std::isnan(price)) return "";
    if (o.price_unit.empty()) return sig(price);
    if (!o.price_in_usd) return fmt::format("{:.2f} {}", price, o.price_unit);
    // Below a dollar, three significant digits: "$0.03 vs $0.05" would hide a 2x difference's digits.
    return (price < 1 ? fmt::format("${:.3g}", price) : fmt::format("${:.2f}", price)) + " " + o.price_unit;
}

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Baseline: return "baseline";
        case Verdict::NonInferior: return "non-inferior";
        case Verdict::Inferior: return "inferior";
        case Verdict::Undecided: return "undecided";
        case Verdict::NoEvidence: return "no evidence";
    }
    return "?";
}

std::string decision_summary(const Decision& d) {
    if (d.decided) return "Recommended: " + d.reason;
    const std::string prefix = "not decided: ";
    return "No recommendation: " + (d.reason.rfind(prefix, 0) == 0 ? d.reason.substr(prefix.size()) : d.reason);
}

int64_t noninferiority_items(int64_t items, int64_t base_only, int64_t other_only, double margin_pp, double level, double power) {
    if (items <= 0 || base_only < 0 || other_only < 0 || base_only + other_only > items || !(margin_pp > 0)) return -1;
    // The rates as the adjusted Wald interval sees them (one pseudo-item each side), so that the
    // estimate agrees with the bound the decision uses, also for a handful of discordant items.
    const double m = double(items) + 2.0;
    const double p1 = (double(base_only) + 1.0) / m, p2 = (double(other_only) + 1.0) / m;
    const double plan = std::min(p2 - p1, 0.0);
    const double gap = plan + margin_pp / 100.0;
    if (gap <= 0) return -1;
    const double s2 = p1 + p2 - plan * plan;
    const double z = z_two_sided(level) + normal_quantile(power);
    return int64_t(std::ceil(z * z * s2 / (gap * gap)));
}

Decision decide_precision(const std::vector<CandidateEvidence>& evidence, const std::string& baseline, const DecisionOptions& o) {
    if (!(o.margin_pp > 0) || !std::isfinite(o.margin_pp))
        throw Error(fmt::format("decision: the accuracy margin must be > 0 percentage points (got {})", o.margin_pp));
    if (!(o.level > 0 && o.level < 1)) throw Error(fmt::format("decision: the interval level must be within (0, 1) (got {})", o.level));
    if (!(o.power > 0 && o.power < 1)) throw Error(fmt::format("decision: the power must be within (0, 1) (got {})", o.power));
    const auto base_it = std::find_if(evidence.begin(), evidence.end(), [&](const CandidateEvidence& e) { return e.precision == baseline; });
    if (base_it == evidence.end()) throw Error(fmt::format("decision: the baseline precision '{}' is not among the candidates", baseline));

    Decision out;
    out.baseline = baseline;
    out.margin_pp = o.margin_pp;
    for (const CandidateEvidence& e : evidence) {
        if (e.precision == baseline) {
            CandidateDecision b;
            b.precision = e.precision;
            b.verdict = Verdict::Baseline;
            b.price = e.price;
            b.reason = "the baseline";
            out.candidates.push_back(std::move(b));
        } else {
            out.candidates.push_back(judge(e, o));
        }
    }

    // Candidates that would save money, cheapest first (stable: input order breaks ties).
    const double base_price = base_it->price;
    std::vector<const CandidateDecision*> cheaper;
    for (const CandidateDecision& c : out.candidates)
        if (c.verdict != Verdict::Baseline && !std::isnan(c.price) && (std::isnan(base_price) || c.price < base_price)) cheaper.push_back(&c);
    std::stable_sort(cheaper.begin(), cheaper.end(), [](const auto* a, const auto* b) { return a->price < b->price; });
    const bool any_price = std::any_of(out.candidates.begin(), out.candidates.end(), [](const CandidateDecision& c) { return !std::isnan(c.price); });

    // The open comparisons cheaper than `before`, cheapest first; the first three in full.
    auto undecided_list = [&](const CandidateDecision* before) {
        std::string s;
        int listed = 0, more = 0;
        for (const CandidateDecision* c : cheaper) {
            if (c == before) break;
            if (c->verdict != Verdict::Undecided && c->verdict != Verdict::NoEvidence) continue;
            if (listed == 3) {
                ++more;
                continue;
            }
            ++listed;
            if (!s.empty()) s += "; ";
            if (c->verdict == Verdict::NoEvidence) s += fmt::format("{} vs {} has no evidence", c->precision, baseline);
            else if (c->items_needed > 0) s += fmt::format("{} vs {} needs about {} more items for a {:g}-point margin", c->precision, baseline, items_text(c->items_needed), o.margin_pp);
            else s += fmt::format("{} vs {}: {}", c->precision, baseline, c->reason);
        }
        if (more > 0) s += fmt::format("; and {} more", more);
        return s;
    };

    if (!any_price) {
        std::string ok;
        for (const CandidateDecision& c : out.candidates)
            if (c.verdict == Verdict::NonInferior) ok += (ok.empty() ? "" : ", ") + c.precision;
        if (ok.empty()) {
            // Nothing to rank: what people need is what the evidence lacks, not that prices are missing.
            cheaper.clear();
            for (const CandidateDecision& c : out.candidates)
                if (c.verdict != Verdict::Baseline) cheaper.push_back(&c);
            const std::string open = undecided_list(nullptr);
            out.reason = fmt::format("not decided: no precision is shown non-inferior to {}{}", baseline, open.empty() ? "" : ": " + open);
            return out;
        }
        out.reason = fmt::format("not decided: no cost figure to rank the precisions by (non-inferior to {}: {})", baseline, ok);
        return out;
    }
    for (const CandidateDecision* c : cheaper) {
        if (c->verdict != Verdict::NonInferior) continue;
        out.decided = true;
        out.picked = c->precision;
        out.reason = fmt::format("{}: the cheapest precision non-inferior to {} ({})", c->precision, baseline, c->reason);
        if (!std::isnan(base_price)) out.reason += fmt::format("; {} vs {} for {}", price_text(c->price, o), price_text(base_price, o), baseline);
        const std::string open = undecided_list(c);
        if (!open.empty()) out.reason += "; cheaper but not decided: " + open;
        return out;
    }
    // Candidates without a cost figure (no speed) cannot be ranked: while one of them might be the
    // cheaper choice, keeping the baseline is not a decision either.
    std::string unpriced;
    for (const CandidateDecision& c : out.candidates)
        if (c.verdict != Verdict::Baseline && std::isnan(c.price)) unpriced += (unpriced.empty() ? "" : ", ") + c.precision;
    if (cheaper.empty()) {
        if (!unpriced.empty()) {
            out.reason = fmt::format("not decided: no priced precision is cheaper than {}, and {} {} no cost figure (no speed)", baseline, unpriced,
                                     unpriced.find(',') == std::string::npos ? "has" : "have");
            return out;
        }
        out.decided = true;
        out.picked = baseline;
        out.reason = fmt::format("keep {}: no other precision is cheaper", baseline);
        return out;
    }
    const std::string open = undecided_list(nullptr);
    if (open.empty() && unpriced.empty()) {
        out.decided = true;
        out.picked = baseline;
        out.reason = fmt::format("keep {}: every cheaper precision is inferior (", baseline);
        for (size_t i = 0; i < cheaper.size(); ++i) out.reason += (i ? "; " : "") + cheaper[i]->precision + ": " + cheaper[i]->reason;
        out.reason += ")";
        return out;
    }
    out.reason = "not decided: " + (open.empty() ? fmt::format("every cheaper precision is inferior, but {} {} no cost figure (no speed)", unpriced,
                                                                 unpriced.find(',') == std::string::npos ? "has" : "have")
                                                   : open);
    return out;
}

}  // namespace qs
