// The report's generation section: per generation task and precision, the items the baseline
// passed and this precision broke, with both outputs side by side as program text.
#include <QFile>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "report/report.h"
#include "sample_runs.h"

using qs::test::humaneval_job;

namespace {

const qs::ui::ReportBlock* find_block(const qs::ui::ReportDocument& doc, qs::ui::ReportBlock::Kind kind, const QString& text) {
    for (const auto& b : doc.blocks)
        if (b.kind == kind && b.text.contains(text)) return &b;
    return nullptr;
}

}  // namespace

// F16 passes items 0 and 1; Q4_K_M keeps item 0 and breaks item 1: the report says "1 the
// baseline passed now fail" and shows item 1's two programs, line for line, the broken one flagged.
TEST(ReportGeneration, TheItemsAPrecisionBrokeSideBySide) {
    qs::RunRecord run = qs::test::sample_run();
    run.baseline = "F16";
    run.jobs.push_back(humaneval_job("F16", 100, {{"    return a + b\n", "pass"}, {"    for x in xs:\n        yield x\n", "pass"}}));
    run.jobs.push_back(humaneval_job("Q4_K_M", 50, {{"    return a + b\n", "pass"}, {"    return xs[0]\n", "fail"}}));
    for (auto& j : run.jobs) j.run_id = run.id;
    qs::ui::ReportInputs in;
    in.runs = {run};
    in.baseline = "F16";
    const qs::ui::ReportDocument doc = qs::ui::report_build(in);

    using Kind = qs::ui::ReportBlock::Kind;
    ASSERT_NE(find_block(doc, Kind::Heading, "Generation tasks: answers that changed"), nullptr);
    ASSERT_NE(find_block(doc, Kind::Subheading, "humaneval: Q4_K_M against F16"), nullptr);
    const auto* counts = find_block(doc, Kind::Paragraph, "2 items:");
    ASSERT_NE(counts, nullptr);
    EXPECT_TRUE(counts->text.contains("1 the baseline passed now fail")) << counts->text.toStdString();
    const qs::ui::ReportBlock* table = nullptr;
    for (const auto& b : doc.blocks)
        if (b.kind == Kind::Table && b.code) table = &b;
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(table->header, (QStringList{"Item", "F16", "Q4_K_M"}));
    ASSERT_EQ(table->rows.size(), 1);
    EXPECT_TRUE(table->rows[0][0].startsWith("HumanEval/1"));
    EXPECT_EQ(table->rows[0][1], "pass\n    for x in xs:\n        yield x\n");  // indentation and lines kept
    EXPECT_TRUE(table->rows[0][2].startsWith("fail: AssertionError\n    return xs[0]"));
    EXPECT_TRUE(table->flagged[0][2]);
    // The summary names the score: pass@1, not an accuracy.
    bool named = false;
    for (const auto& b : doc.blocks)
        for (const QString& h : b.header) named |= b.kind == Kind::Table && h.startsWith("pass@1 %") && h.contains("humaneval");
    EXPECT_TRUE(named);
    // The methods define pass@1; the HTML keeps the code's lines.
    bool defined = false;
    for (const auto& b : doc.blocks)
        for (const QString& item : b.items) defined |= b.kind == Kind::Bullets && item.contains("<b>pass@1</b>");
    EXPECT_TRUE(defined);
    EXPECT_TRUE(qs::ui::report_html(doc).contains("<table class='code'>"));

    // The PDF lays it out (QS_REPORT_PDF_OUT keeps it for a look).
    const QString pdf = qgetenv("QS_REPORT_PDF_OUT").isEmpty() ? QString::fromStdString(qs::test::temp_dir()) + "/gen_report.pdf"
                                                                : QString::fromLocal8Bit(qgetenv("QS_REPORT_PDF_OUT"));
    qs::ui::report_write_pdf(pdf, doc);
    QFile f(pdf);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_TRUE(f.readAll().startsWith("%PDF"));
}
