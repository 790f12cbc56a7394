#include "eval_output.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace qs::cli {
namespace {

nlohmann::json metrics_json(const std::vector<Metric>& metrics) {
    nlohmann::json out = nlohmann::json::object();
    for (const Metric& m : metrics) {
        nlohmann::json v = {{"value", m.value}};
        if (m.has_stderr()) v["stderr"] = m.stderr_;
        if (m.has_interval()) {
            v["ci_low"] = m.ci_low;
            v["ci_high"] = m.ci_high;
        }
        out[m.key] = v;
    }
    return out;
}

// The metrics worth a column in the table, for each evaluator.
std::string headline(const JobRecord& j) {
    static const std::vector<std::string> keys = {"ppl", "kld_mean", "same_top_p", "acc", "acc_norm", "ece",
                                                  "pass_at_1", "pass_at_10", "exact_match", "exact_match_flexible",
                                                  "agreement", "items_skipped", "pp_tps", "tg_tps", "weight_bytes"};
    std::string out;
    for (const std::string& k : keys) {
        const Metric* m = metric_find(j.metrics, k);
        if (!m || (k == "items_skipped" && m->value == 0)) continue;
        out += fmt::format("{}{}={:.6g}", out.empty() ? "" : "  ", k, m->value);
        if (m->has_stderr()) out += fmt::format(" ±{:.3g}", m->stderr_);
    }
    return out;
}

// The dataset column of the table: a task job's dataset with the format it was read as
// ("obqa [openbookqa]"), since the format decides the prompt.
std::string dataset_cell(const JobRecord& j) {
    if (j.evaluator != EvaluatorKind::Task || j.settings_json.empty()) return j.dataset;
    const nlohmann::json settings = nlohmann::json::parse(j.settings_json, nullptr, false);
    if (!settings.is_object() || !settings.contains("format") || !settings["format"].is_string()) return j.dataset;
    const std::string format = settings["format"].get<std::string>();
    return format.empty() || format == j.dataset ? j.dataset : j.dataset + " [" + format + "]";
}

}  // namespace

nlohmann::json eval_json(const RunRecord& run, const std::string& db_path, const std::vector<std::string>& warnings) {
    nlohmann::json jobs = nlohmann::json::array();
    for (const JobRecord& j : run.jobs) {
        jobs.push_back({
            {"index", j.index}, {"id", j.id}, {"precision", j.precision},
            {"precision_name", j.precision_name}, {"evaluator", evaluator_name(j.evaluator)},
            {"dataset", j.dataset}, {"dataset_path", j.dataset_path}, {"dataset_hash", j.dataset_hash},
            {"status", job_status_name(j.status)}, {"error", j.error}, {"seconds", j.seconds},
            {"finished_at", j.finished_at},
            {"settings", j.settings_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(j.settings_json)},
            {"metrics", metrics_json(j.metrics)},
        });
    }
    const nlohmann::json r = {
        {"id", run.id}, {"started_at", run.started_at}, {"finished_at", run.finished_at},
        {"model", run.model_path}, {"model_name", run.model_name}, {"model_hash", run.model_hash},
        {"model_bytes", run.model_bytes}, {"baseline", run.baseline}, {"engine_version", run.engine_version},
        {"machine", run.machine}, {"db", db_path},
        {"settings", run.settings_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(run.settings_json)},
    };
    return {{"run", r}, {"jobs", jobs}, {"warnings", warnings}};
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csv_number(double v) { return std::isnan(v) ? "" : fmt::format("{:.17g}", v); }

void write_csv_output(const std::string& path, const std::string& text) {
    if (path != "-") return write_file_atomic(path, text);
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0) throw Error("cannot write the CSV to stdout");
}

void eval_write_csv(const RunRecord& run, const std::string& path) {
    std::ostringstream out;
    out << "run_id,job,precision,evaluator,dataset,status,metric,value,stderr,ci_low,ci_high,unit,seconds,error,precision_name\n";
    for (const JobRecord& j : run.jobs) {
        const std::string prefix = fmt::format("{},{},{},{},{},{},", run.id, j.index, csv_field(j.precision),
                                               evaluator_name(j.evaluator), csv_field(j.dataset), job_status_name(j.status));
        const std::string suffix = fmt::format(",{:.3f},{},{}\n", j.seconds, csv_field(j.error), csv_field(j.precision_name));
        if (j.metrics.empty()) out << prefix << ",,,,," << suffix;
        for (const Metric& m : j.metrics) {
            const MetricInfo* info = metric_info(m.key);
            out << prefix << csv_field(m.key) << ',' << csv_number(m.value) << ',' << csv_number(m.stderr_) << ','
                << csv_number(m.ci_low) << ',' << csv_number(m.ci_high) << ','
                << csv_field(info ? std::string(info->unit) : std::string()) << suffix;
        }
    }
    write_csv_output(path, out.str());
}

void eval_print_table(const RunRecord& run) {
    fmt::print("run {}  {}  baseline {}\n", run.id, run.model_name, run.baseline);
    // An importance matrix changes what every quantized precision is: say which one, from which text.
    if (!run.settings_json.empty()) {
        const nlohmann::json settings = nlohmann::json::parse(run.settings_json);
        if (settings.contains("imatrix") && settings["imatrix"].is_object()) {
            const nlohmann::json& im = settings["imatrix"];
            std::string datasets;
            for (const auto& d : im.value("datasets", nlohmann::json::array())) datasets += (datasets.empty() ? "" : ", ") + d.get<std::string>();
            fmt::print("imatrix {} (sha256 {}, {} chunks of {} tokens of {})\n", im.value("file", ""),
                       im.value("sha256", "?").substr(0, 16), im.value("chunks", 0), im.value("chunk_size", 0),
                       datasets.empty() ? "an unnamed text" : datasets);
        }
    }
    fmt::print("{:>3}  {:<22} {:<10} {:<18} {:<9} {:>8}  {}\n", "job", "precision", "evaluator", "dataset", "status",
               "seconds", "metrics");
    for (const JobRecord& j : run.jobs) {
        fmt::print("{:>3}  {:<22} {:<10} {:<18} {:<9} {:>8.1f}  {}\n", j.index, precision_label(j), evaluator_name(j.evaluator),
                   dataset_cell(j), job_status_name(j.status), j.seconds,
                   j.status == JobStatus::Failed ? j.error : headline(j));
    }
}

}  // namespace qs::cli
