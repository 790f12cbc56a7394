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

const json& array_field(const std::string& label, const json& root, const char* key) {
    auto it = root.find(key);
    if (it == root.end()) fail_file(label, "missing field '{}'", key);
    if (!it->is_array()) fail_file(label, "{}: expected an array", key);
    return *it;
}

}  // namespace

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
