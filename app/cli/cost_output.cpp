#include "cost_output.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>

#include "core/error.h"
#include "cost/price_table.h"

namespace qs::cli {
namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json decision_json(const Decision& d) {
    nlohmann::json candidates = nlohmann::json::array();
    for (const CandidateDecision& c : d.candidates) {
        nlohmann::json criteria = nlohmann::json::array();
        for (const CriterionResult& r : c.criteria)
            criteria.push_back({{"criterion", r.criterion}, {"verdict", verdict_name(r.verdict)}, {"estimate", num(r.estimate)},
                                {"ci_low", num(r.ci.lo)}, {"ci_high", num(r.ci.hi)}, {"bound", num(r.bound)},
                                {"threshold", num(r.threshold)}, {"items", r.items}, {"items_needed", r.items_needed}, {"text", r.text}});
        candidates.push_back({{"precision", c.precision}, {"verdict", verdict_name(c.verdict)}, {"price", num(c.price)},
                              {"items_needed", c.items_needed}, {"reason", c.reason}, {"criteria", criteria}});
    }
    return {{"decided", d.decided}, {"picked", d.picked}, {"baseline", d.baseline}, {"margin_pp", d.margin_pp},
            {"reason", d.reason}, {"candidates", candidates}};
}

std::string decision_text(const Decision& d) {
    std::string t = fmt::format("recommendation (non-inferior to {}: the 95 % interval's lower bound above -{:g} pp): {}\n", d.baseline,
                                d.margin_pp, d.reason);
    for (const CandidateDecision& c : d.candidates) {
        if (c.verdict == Verdict::Baseline) continue;
        t += fmt::format("  {:<24} {:<13} {}\n", c.precision, verdict_name(c.verdict), c.reason);
    }
    return t;
}

std::string speed_text(double tps, double sd) {
    if (!(tps > 0)) return "—";
    return std::isfinite(sd) ? fmt::format("{:.1f} ± {:.1f}", tps, sd) : fmt::format("{:.1f}", tps);
}

std::string price_table_path(const std::string& given, const char* command) {
    if (!given.empty()) return given;
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string found = price_table_default_path(ec ? std::string() : exe.string());
    if (found.empty()) throw Error(fmt::format("{}: no price table found (resources/prices.json next to the executable or in the source "
                                                 "tree); pass --prices FILE or set QUANTSCOPE_PRICES",
                                                 command));
    return found;
}

}  // namespace qs::cli
