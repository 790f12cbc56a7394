#include "cost/price_table.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"

namespace qs {
namespace {

using nlohmann::json;

// Field readers that name the file and the field ("hardware[2].usd_per_hour") in every error.
class FieldReader {
public:
    FieldReader(const std::string& label, const json& obj, std::string where)
        : label_(label), obj_(obj), where_(std::move(where)) {
        if (!obj_.is_object()) fail_file(label_, "{}: expected an object", where_);
    }

    std::string text(const char* key, bool required = true) const {
        const json* v = find(key, required);
        if (!v) return {};
        if (!v->is_string()) fail_file(label_, "{}.{}: expected a string", where_, key);
        std::string s = v->get<std::string>();
        if (required && s.empty()) fail_file(label_, "{}.{}: must not be empty", where_, key);
        return s;
    }

    bool has(const char* key) const { return obj_.contains(key); }
    const json& object(const char* key) const {
        const json* v = find(key, true);
        if (!v->is_object()) fail_file(label_, "{}.{}: expected an object", where_, key);
        return *v;
    }
    const std::string& where() const { return where_; }

    // An optional number: `fallback` when absent; else finite, >= 0 (> 0 when positive), <= max.
    double number_or(const char* key, double fallback, bool positive, double max = HUGE_VAL) const {
        if (!has(key)) return fallback;
        const double d = number(key, positive);
        if (d > max) fail_file(label_, "{}.{}: must be <= {} (got {})", where_, key, max, d);
        return d;
    }

    double number(const char* key, bool positive) const {
        const json* v = find(key, true);
        if (!v->is_number()) fail_file(label_, "{}.{}: expected a number", where_, key);
        const double d = v->get<double>();
        if (!std::isfinite(d) || d < 0 || (positive && d == 0))
            fail_file(label_, "{}.{}: must be {} (got {})", where_, key, positive ? "> 0" : ">= 0", d);
        return d;
    }

    // A date YYYY-MM-DD (checked for shape and plausible month/day, not the calendar).
    std::string date(const char* key) const {
        const std::string s = text(key);
        const bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-' &&
                           std::all_of(s.begin(), s.end(), [](char c) { return c == '-' || std::isdigit(static_cast<unsigned char>(c)); });
        const int month = shape ? std::stoi(s.substr(5, 2)) : 0, day = shape ? std::stoi(s.substr(8, 2)) : 0;
        if (!shape || month < 1 || month > 12 || day < 1 || day > 31)
            fail_file(label_, "{}.{}: expected a date YYYY-MM-DD (got '{}')", where_, key, s);
        return s;
    }

private:
    const json* find(const char* key, bool required) const {
        auto it = obj_.find(key);
        if (it == obj_.end()) {
            if (required) fail_file(label_, "{}: missing field '{}'", where_, key);
            return nullptr;
        }
        return &*it;
    }
    const std::string& label_;
    const json& obj_;
    std::string where_;
};

// The optional keys of a hardware profile (price_table.h): kind, this_machine, bandwidth, compute.
void read_hardware_extras(const std::string& label, const FieldReader& r, HardwarePrice& h) {
    const std::string kind = r.text("kind", false);
    if (kind == "cpu") h.kind = HardwareKind::Cpu;
    else if (kind == "gpu") h.kind = HardwareKind::Gpu;
    else if (!kind.empty()) fail_file(label, "{}.kind: expected \"cpu\" or \"gpu\" (got '{}')", r.where(), kind);
    if (r.has("this_machine")) {
        const FieldReader m(label, r.object("this_machine"), r.where() + ".this_machine");
        h.this_machine.cpu_model_contains = m.text("cpu_model_contains", false);
        h.this_machine.isa = m.text("isa", false);
        h.this_machine.threads = int(m.number_or("threads", 0, false, 1e6));
        if (h.kind != HardwareKind::Cpu)
            fail_file(label, "{}.this_machine: only a \"kind\": \"cpu\" profile can be this machine (QuantScope measures on the CPU)", r.where());
        if (h.this_machine.empty()) fail_file(label, "{}.this_machine: give at least one of cpu_model_contains, isa, threads", r.where());
    }
    h.memory_bandwidth_gbs = r.number_or("memory_bandwidth_gbs", 0, true);
    h.memory_bandwidth_source = r.text("memory_bandwidth_source", false);
    if (h.memory_bandwidth_gbs > 0 && h.memory_bandwidth_source.empty())
        fail_file(label, "{}.memory_bandwidth_source: a bandwidth figure needs its source", r.where());
    h.memory_gb = r.number_or("memory_gb", 0, true);
    h.memory_source = r.text("memory_source", false);
    if (h.memory_gb > 0 && h.memory_source.empty())
        fail_file(label, "{}.memory_source: a memory figure needs its source", r.where());
    if (r.has("compute_tflops")) {
        const FieldReader c(label, r.object("compute_tflops"), r.where() + ".compute_tflops");
        h.compute.f32_tflops = c.number_or("f32", 0, true);
        h.compute.f16_tflops = c.number_or("f16", 0, true);
        h.compute.int8_tops = c.number_or("int8", 0, true);
        h.compute_source = r.text("compute_source");
    }
}

const json& array_field(const std::string& label, const json& root, const char* key) {
    auto it = root.find(key);
    if (it == root.end()) fail_file(label, "missing field '{}'", key);
    if (!it->is_array()) fail_file(label, "{}: expected an array", key);
    return *it;
}

}  // namespace

const char* hardware_kind_name(HardwareKind k) {
    switch (k) {
        case HardwareKind::Cpu: return "cpu";
        case HardwareKind::Gpu: return "gpu";
        case HardwareKind::Unknown: break;
    }
    return "";
}

const HardwarePrice* PriceTable::find_hardware(std::string_view name) const {
    for (const HardwarePrice& h : hardware)
        if (h.name == name) return &h;
    return nullptr;
}

PriceTable price_table_parse(std::string_view json_text, const std::string& label) {
    json root;
    try {
        root = json::parse(json_text.begin(), json_text.end());
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large
        fail_file(label, "not valid JSON: {}", e.what());
    }
    if (!root.is_object()) fail_file(label, "expected a JSON object at the top level");

    PriceTable t;
    const FieldReader top(label, root, "price table");
    t.currency = top.text("currency", false);
    if (t.currency.empty()) t.currency = "USD";
    if (t.currency != "USD") fail_file(label, "currency: only USD is supported (got '{}')", t.currency);
    t.note = top.text("note", false);

    const json& hardware = array_field(label, root, "hardware");
    std::set<std::string> names;
    for (size_t i = 0; i < hardware.size(); ++i) {
        const FieldReader r(label, hardware[i], fmt::format("hardware[{}]", i));
        HardwarePrice h;
        h.name = r.text("name");
        h.description = r.text("description", false);
        h.usd_per_hour = r.number("usd_per_hour", true);
        h.source = r.text("source");
        h.listed = r.date("listed");
        read_hardware_extras(label, r, h);
        if (!names.insert(h.name).second) fail_file(label, "hardware[{}].name: '{}' appears twice", i, h.name);
        t.hardware.push_back(std::move(h));
    }
    if (root.contains("api")) {
        const json& apis = array_field(label, root, "api");
        for (size_t i = 0; i < apis.size(); ++i) {
            const FieldReader r(label, apis[i], fmt::format("api[{}]", i));
            ApiPrice a;
            a.provider = r.text("provider");
            a.model = r.text("model");
            a.usd_per_mtok_input = r.number("usd_per_mtok_input", false);
            a.usd_per_mtok_output = r.number("usd_per_mtok_output", false);
            a.source = r.text("source");
            a.listed = r.date("listed");
            t.apis.push_back(std::move(a));
        }
    }
    if (root.contains("roofline")) {
        const FieldReader r(label, top.object("roofline"), "roofline");
        t.roofline.formula = r.text("formula", false);
        t.roofline.bandwidth_efficiency = r.number_or("bandwidth_efficiency", 1.0, true, 1.0);
        t.roofline.compute_efficiency = r.number_or("compute_efficiency", 1.0, true, 1.0);
        t.roofline.efficiency_source = r.text("efficiency_source", false);
        t.roofline.decode_context_tokens = int(r.number_or("decode_context_tokens", 512, false, 1e7));
        t.roofline.prefill_tokens = int(r.number_or("prefill_tokens", 512, true, 1e7));
        t.roofline.memory_usable_fraction = r.number_or("memory_usable_fraction", 0.9, true, 1.0);
        t.roofline.memory_usable_source = r.text("memory_usable_source", false);
        t.roofline.serving_context_tokens = int(r.number_or("serving_context_tokens", 4096, true, 1e8));
    }
    return t;
}

PriceTable price_table_load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open the price table");
    std::ostringstream text;
    text << in.rdbuf();
    PriceTable t = price_table_parse(text.str(), path);
    t.path = path;
    return t;
}

std::string price_table_default_path(const std::string& exe_path) {
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("QUANTSCOPE_PRICES"); env && *env) return env;
    std::vector<fs::path> candidates;
    if (!exe_path.empty()) {
        std::error_code ec;
        fs::path exe = fs::weakly_canonical(fs::path(exe_path), ec);
        if (ec) exe = fs::path(exe_path);
        const fs::path dir = exe.parent_path();
        candidates.push_back(dir / ".." / "share" / "quantscope" / "prices.json");
        candidates.push_back(dir / "resources" / "prices.json");
    }
#ifdef QS_SOURCE_RESOURCES_DIR
    candidates.push_back(fs::path(QS_SOURCE_RESOURCES_DIR) / "prices.json");
#endif
    for (const fs::path& p : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    }
    return {};
}

}  // namespace qs
