// quantscope-cli demo --quick end to end, as the README's first command runs it (minus the build):
// every output exists and is what its name says — the CSV has the documented header and rows for
// all seven precisions, the JSON parses, and in a GUI build the charts are real PNG/SVG images, the
// PDF has pages and the HTML report names every precision.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "common/test_paths.h"
#include "demo/kjv_text.h"

namespace {
namespace fs = std::filesystem;

const std::vector<std::string> kPrecisions = {"F32", "F16", "Q8_0", "Q4_K_M", "Q4_0", "Q2_K", "Q8_0+.*=nf4"};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == sep && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

[[maybe_unused]] uint32_t big_endian32(const std::string& s, size_t at) {
    return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 | uint32_t(uint8_t(s[at + 2])) << 8 |
           uint32_t(uint8_t(s[at + 3]));
}

struct DemoRun {
    std::string out, stdout_text, stderr_text;
    int exit_code = -1;
};

// Runs `quantscope-cli demo --quick` with no display (the charts must draw off screen) and one
// thread (light on a shared machine).
DemoRun run_demo() {
    DemoRun r;
    r.out = qs::test::temp_dir() + "/demo-out";
    const std::string log = qs::test::temp_dir() + "/demo";
    const std::string cmd = "env -u DISPLAY -u WAYLAND_DISPLAY '" + std::string(QS_CLI_PATH) + "' demo --quick --threads 1 --out '" +
                            r.out + "' > '" + log + ".out' 2> '" + log + ".err'";
    const int status = std::system(cmd.c_str());
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.stdout_text = slurp(log + ".out");
    r.stderr_text = slurp(log + ".err");
    return r;
}

void check_csv(const fs::path& out) {
    std::istringstream csv(slurp(out / "results.csv"));
    std::string line;
    ASSERT_TRUE(std::getline(csv, line));
    EXPECT_EQ(line, "run_id,job,precision,evaluator,dataset,status,metric,value,stderr,ci_low,ci_high,unit,seconds,error,precision_name");
    const std::vector<std::string> header = split(line, ',');
    // precision -> evaluators with at least one metric row, all of them done
    std::map<std::string, std::set<std::string>> seen;
    while (std::getline(csv, line)) {
        const std::vector<std::string> f = split(line, ',');
        ASSERT_EQ(f.size(), header.size()) << line;
        EXPECT_EQ(f[5], "done") << line;
        EXPECT_FALSE(f[6].empty()) << line;
        ASSERT_FALSE(f[7].empty()) << line;
        EXPECT_NO_THROW((void)std::stod(f[7])) << line;
        seen[f[2]].insert(f[3]);
    }
    ASSERT_EQ(seen.size(), kPrecisions.size());
    for (const std::string& p : kPrecisions) {
        const std::set<std::string> want = p == "F32" ? std::set<std::string>{"perplexity", "task", "bench"}
                                                      : std::set<std::string>{"perplexity", "kld", "task", "bench"};
        EXPECT_EQ(seen[p], want) << p;
    }
}

void check_json_and_summary(const fs::path& out) {
    const auto j = nlohmann::json::parse(slurp(out / "results.json"));
    // The shipped price table's first hardware profile is the demo's default.
    const auto prices = nlohmann::json::parse(slurp(fs::path(QS_SOURCE_DIR) / "resources" / "prices.json"));
    const double usd_per_hour = prices.at("hardware").at(0).at("usd_per_hour");
    const std::string summary = slurp(out / "summary.md");
    // The profile's price multiplies this machine's speeds only when the profile is this machine
    // (its this_machine rule); the summary's cost heading says which source was used.
    const bool measured_here = summary.find(", measured) |") != std::string::npos;
    std::set<std::string> precisions;
    int costed = 0;
    for (const auto& job : j.at("jobs")) {
        precisions.insert(job.at("precision").get<std::string>());
        if (job.at("evaluator") == "bench" && !measured_here) {
            EXPECT_FALSE(job.at("metrics").contains("cost_per_mtok")) << "another machine's price on this machine's speed";
        } else if (job.at("evaluator") == "bench") {
            // a million tokens take 1e6 / tg seconds of a machine billed usd_per_hour
            const double tg = job.at("metrics").at("tg_tps").at("value");
            const double usd = job.at("metrics").at("cost_per_mtok").at("value");
            EXPECT_NEAR(usd, usd_per_hour * (1e6 / tg) / 3600.0, 1e-9 * usd);
            ++costed;
        }
    }
    EXPECT_EQ(precisions, std::set<std::string>(kPrecisions.begin(), kPrecisions.end()));
    EXPECT_EQ(costed, measured_here ? int(kPrecisions.size()) : 0);
    // The recommendation is the decision rule's, stated with its evidence either way.
    EXPECT_TRUE(summary.find("\nRecommended: ") != std::string::npos || summary.find("\nNo recommendation: ") != std::string::npos) << summary;
    for (const std::string& p : kPrecisions) EXPECT_NE(summary.find("| " + p + " |"), std::string::npos) << p;
}

#ifdef QS_DEMO_RENDERS
void check_charts(const fs::path& out) {
    // The cost chart prices the profile's own speeds (measured here only when the profile is this
    // machine, else the roofline estimate): drawn exactly when the summary's cost column has a source.
    const bool priced = slurp(out / "summary.md").find(", no speed) |") == std::string::npos;
    EXPECT_EQ(fs::exists(out / "charts" / "cost.png"), priced);
    for (const char* id : {"ppl_vs_accuracy", "kld_vs_bits", "prompt_speed", "generation_speed", "memory", "cost", "reliability"}) {
        if (std::string(id) == "cost" && !priced) continue;
        const fs::path png = out / "charts" / (std::string(id) + ".png");
        const std::string bytes = slurp(png);
        ASSERT_GT(bytes.size(), 5000u) << png;  // a drawn chart, not an empty canvas
        EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
        EXPECT_EQ(bytes.substr(12, 4), "IHDR") << png;
        EXPECT_GE(big_endian32(bytes, 16), 400u) << png;  // width
        EXPECT_GE(big_endian32(bytes, 20), 300u) << png;  // height
        const std::string svg = slurp(out / "charts" / (std::string(id) + ".svg"));
        EXPECT_NE(svg.find("<svg"), std::string::npos) << id;
        EXPECT_NE(svg.find("</svg>"), std::string::npos) << id;
    }
}

void check_report(const fs::path& out) {
    const std::string pdf = slurp(out / "report.pdf");
    ASSERT_GE(pdf.size(), 5u);
    EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
    EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
    int pages = 0;
    for (size_t at = pdf.find("/Type /Page"); at != std::string::npos; at = pdf.find("/Type /Page", at + 1))
        pages += pdf.compare(at, 12, "/Type /Pages") != 0;
    EXPECT_GE(pages, 1);

    const std::string html = slurp(out / "report.html");
    ASSERT_NE(html.find("<html"), std::string::npos);
    for (const std::string& p : kPrecisions) EXPECT_NE(html.find(p), std::string::npos) << p;
    EXPECT_NE(html.find("data:image/svg+xml;base64,"), std::string::npos);  // charts embedded: one self-contained file
}

#endif

// One run, every output checked (one process: the demo is not rerun per check).
TEST(CliDemo, QuickRunWritesEveryOutput) {
    if (!fs::exists(qs::kKjvDataPath))
        GTEST_SKIP() << "needs the King James Bible text (" << qs::kKjvDataPath << "): " << qs::kKjvInstallHint;
    const DemoRun r = run_demo();
    ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.stdout_text << "\nstderr:\n" << r.stderr_text;
    const fs::path out = fs::path(r.out).lexically_normal();
    EXPECT_NE(r.stdout_text.find("outputs in " + out.string()), std::string::npos) << r.stdout_text;
    EXPECT_TRUE(fs::exists(out / "results.db"));
    {
        SCOPED_TRACE("results.csv");
        check_csv(out);
    }
    {
        SCOPED_TRACE("results.json, summary.md");
        check_json_and_summary(out);
    }
#ifdef QS_DEMO_RENDERS
    {
        SCOPED_TRACE("charts");
        check_charts(out);
    }
    {
        SCOPED_TRACE("report");
        check_report(out);
    }
#else
    EXPECT_NE(r.stdout_text.find("need the GUI build"), std::string::npos) << r.stdout_text;
#endif
}

}  // namespace
