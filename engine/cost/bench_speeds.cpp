#include "cost/bench_speeds.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace qs {

std::vector<PrecisionSpeed> bench_speeds_parse(std::string_view json_text, const std::string& label) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text.begin(), json_text.end());
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number too large
        fail_file(label, "not valid JSON: {}", e.what());
    }
    if (!j.is_object() || !j.contains("results") || !j["results"].is_array())
        fail_file(label, "expected the object `quantscope-cli bench --json` prints (with a 'results' array)");
    std::vector<PrecisionSpeed> out;
    const auto& results = j["results"];
    for (size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        if (!r.is_object() || !r.contains("precision") || !r["precision"].is_string())
            fail_file(label, "results[{}].precision: missing or not a string", i);
        PrecisionSpeed s;
        s.precision = r["precision"].get<std::string>();
        // A test's mean throughput; 0 when the bench skipped it (null or absent).
        auto avg = [&](const char* test) {
            if (!r.contains(test) || r[test].is_null()) return 0.0;
            if (!r[test].is_object() || !r[test].contains("avg_ts") || !r[test]["avg_ts"].is_number())
                fail_file(label, "results[{}].{}.avg_ts: missing or not a number", i, test);
            const double v = r[test]["avg_ts"].get<double>();
            if (!(v > 0)) fail_file(label, "results[{}].{}.avg_ts: must be > 0 (got {})", i, test, v);
            return v;
        };
        s.pp_tps = avg("pp");
        s.tg_tps = avg("tg");
        if (s.tg_tps <= 0)
            fail_file(label, "results[{}] ({}): no generation throughput (run bench with -n > 0)", i, s.precision);
        out.push_back(std::move(s));
    }
    if (out.empty()) fail_file(label, "results: empty");
    return out;
}

std::vector<PrecisionSpeed> bench_speeds_load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open the bench results");
    std::ostringstream text;
    text << in.rdbuf();
    return bench_speeds_parse(text.str(), path);
}

}  // namespace qs
