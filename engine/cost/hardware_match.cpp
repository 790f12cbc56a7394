#include "cost/hardware_match.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <regex>
#include <thread>

#include "core/cpu_features.h"

namespace qs {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t");
    const size_t b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::string rule_text(const MachineRule& r) {
    std::string s;
    auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
    if (!r.cpu_model_contains.empty()) add(fmt::format("cpu '{}'", r.cpu_model_contains));
    if (!r.isa.empty()) add(r.isa);
    if (r.threads > 0) add(fmt::format("{} threads", r.threads));
    return s;
}

}  // namespace

std::string MeasuringMachine::text() const {
    std::string s = cpu_model.empty() ? "unknown CPU" : cpu_model;
    if (!isa.empty()) s += ", " + isa;
    if (threads > 0) s += fmt::format(", {} threads", threads);
    return s;
}

MeasuringMachine measuring_machine_this(int threads) {
    MeasuringMachine m;
    m.cpu_model = cpu_model_name();
    m.isa = isa_name(cpu_best_isa());
    m.threads = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    return m;
}

MeasuringMachine measuring_machine_parse(const std::string& run_machine) {
    MeasuringMachine m;
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= run_machine.size()) {
        const size_t semi = run_machine.find(';', start);
        parts.push_back(trim(run_machine.substr(start, semi == std::string::npos ? std::string::npos : semi - start)));
        if (semi == std::string::npos) break;
        start = semi + 1;
    }
    if (!parts.empty()) m.cpu_model = parts[0];
    if (parts.size() > 1) m.isa = parts[1];
    if (parts.size() > 2) {
        static const std::regex threads_re(R"((\d+)\s+workers?\s+x\s+(\d+)\s+threads?)");
        std::smatch match;
        if (std::regex_search(parts[2], match, threads_re)) m.threads = std::stoi(match[1]) * std::stoi(match[2]);
    }
    return m;
}

bool hardware_matches(const HardwarePrice& h, const MeasuringMachine& m, std::string* why) {
    auto answer = [&](bool ok, std::string text) {
        if (why) *why = std::move(text);
        return ok;
    };
    if (h.kind != HardwareKind::Cpu)
        return answer(false, h.kind == HardwareKind::Gpu ? fmt::format("{} is a GPU profile; QuantScope measures on the CPU", h.name)
                                                         : fmt::format("{} does not say what kind of machine it is", h.name));
    const MachineRule& r = h.this_machine;
    if (r.empty()) return answer(false, fmt::format("{} has no this_machine rule in the price table", h.name));
    if (!r.cpu_model_contains.empty() && lower(m.cpu_model).find(lower(r.cpu_model_contains)) == std::string::npos)
        return answer(false, fmt::format("the speeds were measured on '{}', not a '{}' CPU as {} is", m.cpu_model, r.cpu_model_contains, h.name));
    if (!r.isa.empty() && lower(m.isa) != lower(r.isa))
        return answer(false, fmt::format("the speeds were measured with {} kernels, {} runs {}", m.isa.empty() ? "unknown" : m.isa, h.name, r.isa));
    if (r.threads > 0 && m.threads != r.threads)
        return answer(false, fmt::format("the speeds were measured with {} threads, {} has {}", m.threads, h.name, r.threads));
    return answer(true, fmt::format("matches {}'s rule ({})", h.name, rule_text(r)));
}

}  // namespace qs
