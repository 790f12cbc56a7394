// quantscope-cli report on a real eval database (M1 at four precisions: perplexity, KLD and an
// ARC task), read the way a stakeholder reads it: the PDF's text as pdftotext lays it out.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>

#include "cli_run.h"
#include "common/test_paths.h"
#include "store/results_store.h"

namespace {

using qs::test::run_cli;
using qs::test::run_shell;

std::string q(const std::string& s) { return "'" + s + "'"; }

bool have_pdftotext() { return std::system("command -v pdftotext >/dev/null 2>&1") == 0; }

// The numbers on a line ("182.8 ± 10.5" gives 182.8 and 10.5), with their significant digits.
std::vector<std::pair<double, int>> numbers_on(const std::string& line) {
    static const std::regex number(R"((\d+\.\d+|\d+))");
    std::vector<std::pair<double, int>> out;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), number); it != std::sregex_iterator(); ++it) {
        const std::string s = it->str();
        int digits = 0;
        bool leading = true;
        for (char c : s) {
            if (c == '.') continue;
            if (c != '0') leading = false;
            if (!leading) ++digits;
        }
        out.push_back({std::stod(s), digits});
    }
    return out;
}

}  // namespace

TEST(CliReport, EveryPrecisionOnOneLineWithItsPerplexity) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    if (!have_pdftotext()) GTEST_SKIP() << "needs pdftotext (poppler-utils, scripts/install-deps.sh installs it)";
    const std::string dir = qs::test::temp_dir();
    {
        std::ifstream in(wiki);
        std::string head(60000, '\0');
        in.read(head.data(), std::streamsize(head.size()));
        std::ofstream(dir + "/wiki-head.txt") << head;
    }
    const std::string db = dir + "/m1.db";
    const auto eval = run_cli("eval -q --model " + q(model) + " --precisions F32,Q8_0,Q4_K_M,Q4_0 --baseline F32 --ppl " +
                              q(dir + "/wiki-head.txt") + " --ctx 128 --chunks 4 --kld --task arc=" + q(arc) +
                              " --limit 16 --db " + q(db), "eval");
    ASSERT_EQ(eval.exit_code, 0) << eval.err;

    const std::string pdf = dir + "/report.pdf";
    const auto report = run_cli("report -q --db " + q(db) + " --out " + q(pdf), "report");
    ASSERT_EQ(report.exit_code, 0) << report.err;
    const auto pages = run_shell("pdfinfo " + q(pdf) + " | sed -n 's/^Pages: *//p'", "pdfinfo");
    ASSERT_EQ(pages.exit_code, 0);
    EXPECT_LE(std::stoi(pages.out), 12);
    EXPECT_GE(std::stoi(pages.out), 3);
    const auto text = run_shell("pdftotext -layout " + q(pdf) + " -", "pdftotext");
    ASSERT_EQ(text.exit_code, 0) << text.err;

    // Each precision's summary row: its name and its perplexity (to >= 4 significant digits) on one line.
    const qs::ResultsStore store(db);
    const qs::RunRecord run = store.load_run(store.list_runs().front().run.id);
    std::istringstream lines(text.out);
    std::vector<std::string> all;
    for (std::string l; std::getline(lines, l);) all.push_back(l);
    for (const auto& job : run.jobs) {
        if (job.evaluator != qs::EvaluatorKind::Perplexity) continue;
        const qs::Metric* ppl = qs::metric_find(job.metrics, "ppl");
        ASSERT_NE(ppl, nullptr);
        bool found = false;
        const std::regex name("(^|\\s)" + job.precision + "(\\s|$)");
        for (const auto& l : all) {
            if (!std::regex_search(l, name)) continue;
            for (const auto& [v, digits] : numbers_on(l))
                if (digits >= 4 && std::abs(v - ppl->value) <= 0.05 + 1e-9) found = true;
        }
        EXPECT_TRUE(found) << job.precision << ": no line with its name and its perplexity " << ppl->value << "\n" << text.out;
    }
    // 16 ARC items cannot show any precision within a 1-point margin of F32 (the adjusted interval
    // of a paired difference on 16 items is about ±15 points): the report must not recommend one,
    // and must say how many more items the comparison needs.
    EXPECT_NE(text.out.find("No recommendation"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("Recommended:"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("more items"), std::string::npos) << text.out;
    // Without bench jobs there is no speed for any profile: no cost figure, and the report says why.
    EXPECT_NE(text.out.find("No cost"), std::string::npos) << text.out;  // pdftotext may keep the "fi" ligature
    const auto bad_hw = run_cli("report -q --db " + q(db) + " --hardware no-such-gpu --out " + q(dir + "/x.pdf"), "badhw");
    EXPECT_EQ(bad_hw.exit_code, 1);
    EXPECT_NE(bad_hw.err.find("--hardware 'no-such-gpu' is not in"), std::string::npos) << bad_hw.err;

    // The executive summary and the methods are prose, not JSON.
    EXPECT_NE(text.out.find("The question."), std::string::npos);
    EXPECT_NE(text.out.find("Methods"), std::string::npos);
    EXPECT_EQ(text.out.find("{\""), std::string::npos) << "raw JSON in the report";

    // The HTML report is one self-contained, styled file.
    const std::string html_path = dir + "/report.html";
    ASSERT_EQ(run_cli("report -q --db " + q(db) + " --out " + q(html_path), "html").exit_code, 0);
    const std::string html = qs::test::slurp(html_path);
    EXPECT_NE(html.find("<style>"), std::string::npos);
    EXPECT_NE(html.find("@media print"), std::string::npos);
    EXPECT_NE(html.find("data:image/svg+xml;base64,"), std::string::npos);
    EXPECT_EQ(html.find("src='chart-"), std::string::npos);
    EXPECT_EQ(html.find("src=\"http"), std::string::npos);
}

TEST(CliReport, ClearErrors) {
    const std::string dir = qs::test::temp_dir();
    const auto missing = run_cli("report --db " + q(dir + "/nope.db") + " --out " + q(dir + "/r.pdf"), "missing");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("nope.db: no such results database"), std::string::npos) << missing.err;
    { qs::ResultsStore empty(dir + "/empty.db"); }
    const auto none = run_cli("report --db " + q(dir + "/empty.db") + " --out " + q(dir + "/r.pdf"), "none");
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_NE(none.err.find("holds no run"), std::string::npos) << none.err;
    const auto format = run_cli("report --db " + q(dir + "/empty.db") + " --run 1 --out " + q(dir + "/r.docx"), "format");
    EXPECT_NE(format.exit_code, 0);
}
