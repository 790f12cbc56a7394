#include "cost/bench_speeds.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/text_file.h"

namespace qs {
namespace {

using nlohmann::json;

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// A positive number field, or fails naming the record and the key.
double positive(const std::string& label, const json& r, const std::string& where, const char* key) {
    if (!r.contains(key) || !r[key].is_number()) fail_file(label, "{}.{}: missing or not a number", where, key);
    const double v = r[key].get<double>();
    if (!(v > 0) || !std::isfinite(v)) fail_file(label, "{}.{}: must be > 0 (got {})", where, key, v);
    return v;
}

double number_or(const json& r, const char* key, double fallback) {
    return r.contains(key) && r[key].is_number() ? r[key].get<double>() : fallback;
}
std::string text_or(const json& r, const char* key) { return r.contains(key) && r[key].is_string() ? r[key].get<std::string>() : ""; }
int64_t int_or(const json& r, const char* key, int64_t fallback) {
    return r.contains(key) && r[key].is_number_integer() ? r[key].get<int64_t>() : fallback;
}

// A speed measured with positions already in the cache (bench -d, llama-bench -d) says so, in the
// speed's source and in the device line every cost table prints: decoding at depth 4096 is not the
// speed of a short chat.
std::string depth_text(int64_t n_depth) { return n_depth > 0 ? fmt::format(" @ d{}", n_depth) : std::string(); }
std::string depth_condition(int64_t n_depth) {
    return n_depth > 0 ? fmt::format(", {} tokens already in context", n_depth) : std::string();
}

// ----- quantscope-cli bench --json -----

ImportedSpeeds parse_quantscope(const json& j, const std::string& label) {
    ImportedSpeeds out;
    out.format = "quantscope-bench";
    const std::string isa = text_or(j, "isa");
    const int64_t threads = int_or(j, "threads", 0);
    out.device = fmt::format("CPU, {}{}{}", isa.empty() ? "QuantScope kernels" : isa, threads > 0 ? fmt::format(", {} threads", threads) : "",
                             depth_condition(int_or(j, "n_depth", 0)));
    const auto& results = j["results"];
    for (size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        const std::string where = fmt::format("results[{}]", i);
        if (!r.is_object() || !r.contains("precision") || !r["precision"].is_string())
            fail_file(label, "{}.precision: missing or not a string", where);
        PrecisionSpeed s;
        s.precision = r["precision"].get<std::string>();
        // A test's mean throughput and sd; 0 / NaN when the bench skipped it (null or absent).
        auto test = [&](const char* name, double& avg, double& sd) {
            if (!r.contains(name) || r[name].is_null()) return;
            if (!r[name].is_object()) fail_file(label, "{}.{}: expected an object", where, name);
            avg = positive(label, r[name], where + "." + name, "avg_ts");
            sd = number_or(r[name], "stddev_ts", std::nan(""));
        };
        test("pp", s.pp_tps, s.pp_tps_sd);
        test("tg", s.tg_tps, s.tg_tps_sd);
        if (s.tg_tps <= 0) fail_file(label, "{} ({}): no generation throughput (run bench with -n > 0)", where, s.precision);
        s.source = SpeedSource::Imported;
        s.model_file = text_or(j, "model");
        s.source_detail = fmt::format("quantscope bench ({}){} from {}", out.device, depth_text(int_or(j, "n_depth", 0)), file_name(label));
        out.speeds.push_back(s);
        ModelFootprint fp;
        fp.precision = s.precision;
        fp.weight_bytes = number_or(r, "weight_bytes", 0);
        fp.n_params = number_or(r, "n_params", 0);
        const double n_ctx = number_or(r, "n_ctx", 0);
        fp.kv_bytes_per_position = n_ctx > 0 ? number_or(r, "kv_bytes", 0) / n_ctx : 0;
        out.footprints.push_back(fp);
    }
    if (out.speeds.empty()) fail_file(label, "results: empty");
    return out;
}

// ----- llama-bench -o json / jsonl -----

// The settings that make two records the same configuration (apart from the test itself).
std::string config_key(const json& r) {
    json k = json::array({text_or(r, "model_filename")});
    for (const char* key : {"n_threads", "n_batch", "n_ubatch", "n_gpu_layers", "flash_attn", "n_depth", "type_k", "type_v", "backends", "devices"})
        k.push_back(r.contains(key) ? r[key] : json());
    return k.dump();
}

std::string llama_precision(const json& r) {
    const std::string type = text_or(r, "model_type");
    // "<arch> <size> <file type>"
    const size_t first = type.find(' ');
    const size_t second = first == std::string::npos ? std::string::npos : type.find(' ', first + 1);
    if (second != std::string::npos) {
        const std::string p = llama_ftype_to_precision(type.substr(second + 1));
        if (!p.empty()) return p;
    }
    return std::filesystem::path(text_or(r, "model_filename")).stem().string();
}

ImportedSpeeds parse_llama_bench(const std::vector<json>& records, const std::string& label) {
    ImportedSpeeds out;
    out.format = "llama-bench";
    std::map<std::string, size_t> prompt_of;  // config -> index of its first prompt record
    for (size_t i = 0; i < records.size(); ++i) {
        const json& r = records[i];
        const std::string where = fmt::format("[{}]", i);
        if (!r.is_object()) fail_file(label, "{}: expected a llama-bench record (an object)", where);
        if (!r.contains("model_filename") && !r.contains("model_type"))
            fail_file(label, "{}: not a llama-bench record (no model_filename or model_type)", where);
        const int64_t n_prompt = int_or(r, "n_prompt", -1), n_gen = int_or(r, "n_gen", -1);
        if (n_prompt < 0 || n_gen < 0) fail_file(label, "{}: n_prompt and n_gen must be integers >= 0", where);
        positive(label, r, where, "avg_ts");
        if (n_prompt > 0 && n_gen == 0 && !prompt_of.count(config_key(r))) prompt_of[config_key(r)] = i;
    }
    std::set<std::string> devices;
    std::map<std::string, int> names;
    for (size_t i = 0; i < records.size(); ++i) {
        const json& r = records[i];
        const int64_t n_prompt = int_or(r, "n_prompt", 0), n_gen = int_or(r, "n_gen", 0);
        if (n_gen == 0) continue;
        if (n_prompt > 0) {
            out.notes.push_back(fmt::format("[{}]: pp{}+tg{} (a combined test) left out: its t/s mixes prompt and generation", i, n_prompt, n_gen));
            continue;
        }
        const std::string backends = text_or(r, "backends");
        const bool gpu = !backends.empty() && backends != "CPU" && int_or(r, "n_gpu_layers", 0) != 0;
        out.on_gpu = out.on_gpu || gpu;
        const std::string gpu_info = text_or(r, "gpu_info"), cpu_info = text_or(r, "cpu_info");
        const std::string depth = depth_condition(int_or(r, "n_depth", 0));
        const std::string device = gpu ? fmt::format("{} ({}{})", gpu_info.empty() ? "GPU" : gpu_info, backends, depth)
                                       : fmt::format("{} (CPU, {} threads{})", cpu_info.empty() ? "CPU" : cpu_info, int_or(r, "n_threads", 0), depth);
        devices.insert(device);
        PrecisionSpeed s;
        s.precision = llama_precision(r);
        s.tg_tps = r["avg_ts"].get<double>();
        s.tg_tps_sd = number_or(r, "stddev_ts", std::nan(""));
        if (auto it = prompt_of.find(config_key(r)); it != prompt_of.end()) {
            s.pp_tps = records[it->second]["avg_ts"].get<double>();
            s.pp_tps_sd = number_or(records[it->second], "stddev_ts", std::nan(""));
        }
        s.source = SpeedSource::Imported;
        s.model_file = text_or(r, "model_filename");
        const std::string build = r.contains("build_number") ? fmt::format("b{}", r["build_number"].dump()) : std::string("?");
        s.source_detail = fmt::format("llama-bench {} on {}, tg{}{}{} from {}", build, device, n_gen, depth_text(int_or(r, "n_depth", 0)),
                                      s.pp_tps > 0 ? fmt::format(" (pp{})", int_or(records[prompt_of[config_key(r)]], "n_prompt", 0)) : "",
                                      file_name(label));
        ++names[s.precision];
        out.speeds.push_back(s);
        ModelFootprint fp;
        fp.precision = s.precision;
        fp.weight_bytes = number_or(r, "model_size", 0);
        fp.n_params = number_or(r, "model_n_params", 0);
        out.footprints.push_back(fp);
    }
    if (out.speeds.empty()) fail_file(label, "no generation test (a record with n_gen > 0 and n_prompt = 0): run llama-bench with -n > 0");
    // Two tests of one precision (several files, thread counts or depths): tell them apart.
    std::map<std::string, int> seen;
    for (size_t i = 0; i < out.speeds.size(); ++i) {
        PrecisionSpeed& s = out.speeds[i];
        if (names[s.precision] < 2) continue;
        const std::string base = s.precision;
        s.precision = fmt::format("{} #{}", base, ++seen[base]);
        out.footprints[i].precision = s.precision;
    }
    for (const std::string& d : devices) out.device += (out.device.empty() ? "" : "; ") + d;
    return out;
}

}  // namespace

std::string llama_ftype_to_precision(const std::string& ftype_name) {
    std::string s = ftype_name;
    auto cut_from = [&](const std::string& marker) {
        const size_t at = s.find(marker);
        if (at != std::string::npos) s.resize(at);
    };
    cut_from(" (guessed)");
    cut_from(", some F16");
    for (const std::string prefix : {"all ", "mostly "})
        if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
    const size_t dash = s.find(" - ");
    if (dash != std::string::npos) {
        const std::string head = s.substr(0, dash), size = s.substr(dash + 3);
        static const std::map<std::string, std::string> suffix = {{"Small", "_S"}, {"Medium", "_M"}, {"Large", "_L"}, {"Extra small", "_XS"}};
        const auto it = suffix.find(size);
        // Q2_K's own file type is "Q2_K - Medium": llama-quantize calls it Q2_K. Bits-per-weight
        // annotations ("IQ2_XXS - 2.0625 bpw") are dropped.
        s = (it == suffix.end() || (head == "Q2_K" && size == "Medium")) ? head : head + it->second;
    }
    if (s.find(' ') != std::string::npos || s.empty()) return "";
    return s;
}

ImportedSpeeds bench_speeds_parse(std::string_view json_text, const std::string& label) {
    json j;
    try {
        j = json::parse(json_text.begin(), json_text.end());
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large
        // llama-bench -o jsonl: one record per line.
        std::vector<json> records;
        std::istringstream lines{std::string(json_text)};
        std::string line;
        int n = 0;
        try {
            while (std::getline(lines, line)) {
                ++n;
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                records.push_back(json::parse(line));
            }
        } catch (const json::exception&) {
            fail_file(label, "not valid JSON: {}", e.what());
        }
        if (records.size() < 2) fail_file(label, "not valid JSON: {}", e.what());
        return parse_llama_bench(records, label);
    }
    if (j.is_array()) return parse_llama_bench(std::vector<json>(j.begin(), j.end()), label);
    if (j.is_object() && j.contains("results") && j["results"].is_array()) return parse_quantscope(j, label);
    if (j.is_object() && (j.contains("model_filename") || j.contains("model_type"))) return parse_llama_bench({j}, label);
    fail_file(label, "expected llama-bench's -o json output (an array of records) or what `quantscope-cli bench --json` prints (an object with a 'results' array)");
}

ImportedSpeeds bench_speeds_load(const std::string& path) { return bench_speeds_parse(text_file_read(path), path); }

}  // namespace qs
