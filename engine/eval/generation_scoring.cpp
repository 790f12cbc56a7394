#include "eval/generation_scoring.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/dataset_io.h"
#include "sandbox/sandbox.h"

namespace qs {
namespace {

constexpr const char* kInvalid = "[invalid]";  // lm-eval's RegexFilter fallback

std::string strip_copy(const std::string& s) { return std::string(datasets::strip(s)); }

// lm-eval's RegexFilter + take_first: findall, pick a match (first or last), the first non-empty
// group of it, stripped; "[invalid]" when there is none.
std::string regex_filter(const std::string& pattern, const std::string& text, bool last) {
    const auto matches = regex_find_all(pattern, text);
    if (matches.empty()) return kInvalid;
    const auto& groups = last ? matches.back() : matches.front();
    const auto it = std::find_if(groups.begin(), groups.end(), [](const std::string& g) { return !g.empty(); });
    return it == groups.end() ? kInvalid : strip_copy(*it);
}

bool gsm8k_equal(const std::string& prediction, const std::string& target) {
    return gsm8k_normalize(prediction) == gsm8k_normalize(target);
}

// The last non-empty line of a program's stderr (Python's exception line), for the record.
std::string last_line(const std::string& text) {
    size_t end = text.find_last_not_of("\n\r ");
    if (end == std::string::npos) return "";
    const size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

GenerationCheck run_program(const TaskItem& item, const std::string& output, const Sandbox* sandbox) {
    if (!sandbox) throw Error(fmt::format("{}: item {} runs code, but no sandbox was given", item.source_file, item.id));
    GenerationCheck c;
    const SandboxResult r = sandbox->run_python(generation_program(item.generation, output));
    if (r.ok()) {
        c.verdict = GenerationVerdict::Pass;
    } else if (r.timed_out()) {
        c.verdict = GenerationVerdict::Timeout;
        c.detail = fmt::format("timeout after {:.1f} s", r.seconds);
    } else {
        c.detail = last_line(r.stderr_text);
        if (c.detail.empty() && r.status == SandboxResult::Status::Signaled) c.detail = fmt::format("killed by signal {}", r.signal);
        c.verdict = c.detail.rfind("AssertionError", 0) == 0 ? GenerationVerdict::Fail : GenerationVerdict::Error;
    }
    return c;
}

}  // namespace

const char* generation_verdict_name(GenerationVerdict v) {
    switch (v) {
        case GenerationVerdict::Pass: return "pass";
        case GenerationVerdict::Fail: return "fail";
        case GenerationVerdict::Timeout: return "timeout";
        case GenerationVerdict::Error: return "error";
    }
    return "?";
}

GenerationVerdict generation_verdict_from_name(const std::string& name) {
    for (GenerationVerdict v : {GenerationVerdict::Pass, GenerationVerdict::Fail, GenerationVerdict::Timeout, GenerationVerdict::Error})
        if (name == generation_verdict_name(v)) return v;
    throw Error("unknown generation verdict '" + name + "'");
}

std::vector<std::vector<std::string>> regex_find_all(const std::string& pattern, const std::string& text) {
    int err = 0;
    PCRE2_SIZE err_offset = 0;
    const std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> code(
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &err_offset, nullptr),
        pcre2_code_free);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        throw Error(fmt::format("regex '{}': {} at offset {}", pattern, reinterpret_cast<const char*>(msg), err_offset));
    }
    const std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> md(
        pcre2_match_data_create_from_pattern(code.get(), nullptr), pcre2_match_data_free);
    uint32_t n_groups = 0;
    pcre2_pattern_info(code.get(), PCRE2_INFO_CAPTURECOUNT, &n_groups);
    std::vector<std::vector<std::string>> out;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    PCRE2_SIZE offset = 0;
    while (offset <= text.size()) {
        const int rc = pcre2_match(code.get(), subject, text.size(), offset, 0, md.get(), nullptr);
        if (rc < 0) break;  // no more matches (or a match error, treated as none)
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
        std::vector<std::string> groups;
        for (uint32_t g = n_groups == 0 ? 0 : 1; g <= n_groups; ++g)
            groups.push_back(ov[2 * g] == PCRE2_UNSET ? std::string() : text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
        out.push_back(std::move(groups));
        offset = ov[1] > ov[0] ? ov[1] : ov[1] + 1;  // an empty match moves on by one, as re.findall
    }
    return out;
}

std::string gsm8k_strict_extract(const std::string& text) { return regex_filter(R"(#### (\-?[0-9\.\,]+))", text, false); }

std::string gsm8k_flexible_extract(const std::string& text) {
    return regex_filter(R"((-?[$0-9.,]{2,})|(-?[0-9]+))", text, true);
}

std::string gsm8k_normalize(const std::string& in) {
    std::string s;
    for (char c : in)
        if (c != ',' && c != '$') s += c;                       // regexes "," and "\$"
    if (const size_t p = s.rfind("#### "); p != std::string::npos) s.erase(0, p + 5);  // "(?s).*#### " (greedy)
    // "\.$": a '.' at the very end, or right before a final '\n' (Python's $)
    if (!s.empty() && s.back() == '.') s.pop_back();
    else if (s.size() >= 2 && s.back() == '\n' && s[s.size() - 2] == '.') s.erase(s.size() - 2, 1);
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));  // ignore_case
    return s;
}

std::string generation_program(const GenerationSpec& spec, const std::string& output) {
    return spec.program_prefix + output + spec.program_suffix;
}

GenerationCheck generation_check(const TaskItem& item, const std::string& output, const Sandbox* sandbox) {
    const GenerationSpec& g = item.generation;
    GenerationCheck c;
    auto any_target = [&](auto&& matches) {
        return std::any_of(g.targets.begin(), g.targets.end(), matches) ? GenerationVerdict::Pass : GenerationVerdict::Fail;
    };
    switch (g.scoring) {
        case GenerationScoring::Gsm8k: {
            c.extracted = gsm8k_strict_extract(output);
            c.flexible_extracted = gsm8k_flexible_extract(output);
            c.verdict = any_target([&](const std::string& t) { return gsm8k_equal(c.extracted, t); });
            c.flexible_pass = std::any_of(g.targets.begin(), g.targets.end(),
                                          [&](const std::string& t) { return gsm8k_equal(c.flexible_extracted, t); });
            return c;
        }
        case GenerationScoring::ExactMatch: {
            const std::string out = strip_copy(output);
            c.verdict = any_target([&](const std::string& t) { return out == strip_copy(t); });
            return c;
        }
        case GenerationScoring::Contains:
            c.verdict = any_target([&](const std::string& t) { return output.find(t) != std::string::npos; });
            return c;
        case GenerationScoring::Regex:
            try {
                c.verdict = any_target([&](const std::string& t) { return !regex_find_all(t, output).empty(); });
            } catch (const Error& e) {
                throw Error(fmt::format("{}: item {}: {}", item.source_file, item.id, e.what()));
            }
            return c;
        case GenerationScoring::PythonTests:
            return run_program(item, output, sandbox);
    }
    return c;
}

}  // namespace qs
