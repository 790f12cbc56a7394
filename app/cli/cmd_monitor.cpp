// quantscope-cli monitor --endpoint URL --api-model NAME --golden FILE --db FILE [--every 1h] [--checks 1]
//
// Drift monitoring (engine/remote/drift_monitor.h): each check scores the golden probes (log-probs
// of fixed continuations, greedy outputs), is stored as one point of the series in --db, and is
// tested against the series' first check with a false-alarm rate of --alpha over the whole series.
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "endpoint_args.h"
#include "progress_bar.h"
#include "remote/drift_store.h"
#include "store/file_hash.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {

struct MonitorCliOptions {
    EndpointArgs endpoint;
    std::string golden, db, every = "1h";
    int checks = 1;
    double alpha = 0.05;
    bool json = false;
};

// "90", "30s", "5m", "1h", "1d": seconds.
double parse_duration(const std::string& s) {
    size_t used = 0;
    double v = -1;
    try {
        v = std::stod(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    const std::string unit = s.substr(used);
    const double scale = unit == "" || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : -1;
    if (used == 0 || scale < 0 || v < 0) throw Error("monitor: --every '" + s + "' is not a duration (e.g. 30s, 5m, 1h, 1d)");
    return v * scale;
}

nlohmann::json check_json(const DriftCheck& c) {
    return {{"seq", c.seq}, {"checked_at", c.checked_at}, {"fingerprint", c.fingerprint}, {"items", c.items.size()},
            {"mean_logprob", c.mean_logprob}, {"mean_delta", c.mean_delta}, {"agreement", c.agreement},
            {"between_larger", c.between_larger}, {"within_larger", c.within_larger}, {"greedy_changed", c.greedy_changed},
            {"greedy_unstable", c.greedy_unstable}, {"p_logprob", c.p_logprob}, {"p_agreement", c.p_agreement},
            {"p_value", c.p_value}, {"alpha", c.alpha}, {"flagged", c.flagged}, {"seconds", c.seconds},
            {"prompt_tokens", c.prompt_tokens}, {"completion_tokens", c.completion_tokens}};
}

void run(MonitorCliOptions& o, const GlobalOptions& global) {
    const double every = parse_duration(o.every);
    if (!(o.alpha > 0 && o.alpha < 1)) throw Error("monitor: --alpha must be in (0, 1)");
    const std::vector<GoldenProbe> probes = golden_read(o.golden);
    DriftStore store(o.db);
    const std::string base_url = endpoint_base_url(o.endpoint.url);
    const int64_t series = store.series(base_url, o.endpoint.model, o.golden, file_sha256(o.golden));
    std::vector<DriftCheck> history = store.checks(series);
    const bool quiet = global.quiet || o.json;

    for (int k = 0; k < o.checks; ++k) {
        if (k > 0) std::this_thread::sleep_for(std::chrono::duration<double>(every));
        auto client = connect_endpoint(o.endpoint, "monitor");  // a fresh identity each check: the fingerprint may change
        ProgressBar bar(!quiet);
        Progress progress(bar.callback());
        DriftCheck c;
        c.seq = history.empty() ? 1 : history.back().seq + 1;
        c.checked_at = utc_now_iso8601();
        const auto t0 = std::chrono::steady_clock::now();
        c.items = drift_score(*client, probes, progress);
        bar.finish();
        c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        c.fingerprint = client->identity().fingerprint;
        c.prompt_tokens = client->prompt_tokens();
        c.completion_tokens = client->completion_tokens();
        drift_test(history.empty() ? c : history.front(), c, o.alpha);
        store.add_check(series, c);
        history.push_back(c);
        if (!o.json) {
            fmt::print("check {} at {}: fingerprint {}, mean log-prob {:.4f} ({:+.4f} vs check 1), agreement {:.1f} %, "
                       "log-probs moved more than noise on {} of {} probes, greedy changed on {}; p = {:.3g}, alpha_{} = {:.3g}: {}\n",
                       c.seq, c.checked_at, c.fingerprint.empty() ? "none" : c.fingerprint, c.mean_logprob, c.mean_delta, c.agreement,
                       c.between_larger, c.between_larger + c.within_larger, c.greedy_changed, c.p_value, c.seq, c.alpha,
                       c.seq == 1 ? "first check (the baseline)" : c.flagged ? "CHANGE FLAGGED" : "no change");
            std::fflush(stdout);
        }
    }
    int first_flagged = 0;
    for (const DriftCheck& c : history)
        if (c.flagged && !first_flagged) first_flagged = c.seq;
    if (o.json) {
        nlohmann::json checks = nlohmann::json::array();
        for (const DriftCheck& c : history) checks.push_back(check_json(c));
        fmt::print("{}\n", nlohmann::json{{"series", series}, {"endpoint", base_url}, {"model", o.endpoint.model}, {"golden", o.golden},
                                          {"alpha", o.alpha}, {"flagged", first_flagged > 0},
                                          {"first_flagged", first_flagged ? nlohmann::json(first_flagged) : nlohmann::json(nullptr)},
                                          {"checks", checks}}
                               .dump(2));
    } else if (first_flagged) {
        fmt::print("monitor: a change was flagged at check {} of {} in {}\n", first_flagged, history.size(), o.db);
    }
}

}  // namespace

void add_monitor_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<MonitorCliOptions>();
    CLI::App* cmd = app.add_subcommand("monitor", "Watch an endpoint drift: score golden probes, store the series, flag a change");
    add_endpoint_flags(cmd, o->endpoint, true);
    cmd->add_option("--golden", o->golden, "Golden probes, JSONL: {\"prompt\", \"continuation\"?, \"max_tokens\"?, \"id\"?}")->required();
    cmd->add_option("--db", o->db, "SQLite file of the time series (created if missing; may be a results database)")->required();
    cmd->add_option("--every", o->every, "Time between checks (30s, 5m, 1h, 1d)")->capture_default_str();
    cmd->add_option("--checks", o->checks, "Checks to run now")->capture_default_str()->check(CLI::Range(1, 1000000));
    cmd->add_option("--alpha", o->alpha, "False-alarm probability over the whole series")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print the series as one JSON object on stdout");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
