// The side-by-side outputs of a generation task: the word diff (checked against hand-worked edits
// and against its own reconstruction property), the per-item table and the item list's filters.
#include <gtest/gtest.h>

#include <QColor>

#include "generation_items_model.h"
#include "generation_outputs.h"
#include "sample_runs.h"
#include "text_diff.h"

using namespace qs::ui;

namespace {

QString joined(const QVector<DiffSpan>& spans, bool with_added, bool with_removed) {
    QString s;
    for (const DiffSpan& d : spans)
        if (d.kind == DiffSpan::Same || (d.kind == DiffSpan::Added && with_added) || (d.kind == DiffSpan::Removed && with_removed)) s += d.text;
    return s;
}

qs::RunRecord three_precisions() {
    qs::RunRecord run;
    run.id = 7;
    run.model_name = "m1";
    run.baseline = "F16";
    run.jobs = {qs::test::humaneval_job("Q8_0", 0, {{"    return a + b\n", "pass"}, {"    return 0\n", "fail"}, {"    return sorted(x)\n", "pass"}}),
                qs::test::humaneval_job("F16", 0, {{"    return a + b\n", "pass"}, {"    return 0\n", "fail"}, {"    return sorted(x)\n", "pass"}}),
                qs::test::humaneval_job("Q4_0", 0, {{"    return a - b\n", "fail"}, {"    return 0\n", "fail"}, {"    return sorted(x)\n", "pass"}})};
    run.jobs[2].item_outputs.push_back({0, 1, "HumanEval/0", "    return a + b\n", "pass", ""});  // a second sample: not shown
    return run;
}

}  // namespace

// "return a + b" -> "return a - b": only the operator changes; the indent and the words stay.
TEST(TextDiff, MarksTheChangedTokenOnly) {
    const auto spans = text_diff("    return a + b\n", "    return a - b\n");
    ASSERT_EQ(spans.size(), 4);
    EXPECT_EQ(spans[0].kind, DiffSpan::Same);
    EXPECT_EQ(spans[0].text, "    return a ");
    EXPECT_EQ(spans[1].kind, DiffSpan::Removed);
    EXPECT_EQ(spans[1].text, "+");
    EXPECT_EQ(spans[2].kind, DiffSpan::Added);
    EXPECT_EQ(spans[2].text, "-");
    EXPECT_EQ(spans[3].text, " b\n");
    EXPECT_NEAR(text_similarity(spans), 16.0 / 17.0, 1e-12);
}

TEST(TextDiff, ReconstructsBothTextsAndEscapesHtml) {
    const QString a = "def f(x):\n    if x < 0:\n        return -x\n    return x\n";
    const QString b = "def f(x):\n    return x if x > 0 else <unk>\n";
    const auto spans = text_diff(a, b);
    EXPECT_EQ(joined(spans, false, true), a);
    EXPECT_EQ(joined(spans, true, false), b);
    const QString html = diff_html(spans);
    EXPECT_TRUE(html.contains("&lt;unk&gt;"));
    EXPECT_FALSE(html.contains("<unk>"));
    EXPECT_TRUE(html.contains("line-through"));
    EXPECT_FALSE(diff_html(spans, false).contains("line-through"));
    EXPECT_EQ(text_diff(a, a).size(), 1);
    EXPECT_DOUBLE_EQ(text_similarity(text_diff(a, a)), 1.0);
    EXPECT_DOUBLE_EQ(text_similarity(text_diff(a, "")), 0.0);
}

TEST(GenerationOutputs, BaselineFirstAndRowsFlagged) {
    const auto tables = generation_outputs({three_precisions()});
    ASSERT_EQ(tables.size(), 1);
    const GenerationOutputs& t = tables[0];
    EXPECT_EQ(t.title(), "run 7 · humaneval (m1)");
    EXPECT_TRUE(t.first_is_baseline);
    EXPECT_EQ(t.precisions, (QStringList{"F16", "Q8_0", "Q4_0"}));
    ASSERT_EQ(t.rows.size(), 3);
    EXPECT_EQ(t.passed, (QVector<int>{2, 2, 1}));
    EXPECT_EQ(t.same_text, (QVector<int>{0, 3, 2}));
    EXPECT_TRUE(t.rows[0].broken);
    EXPECT_TRUE(t.rows[0].verdicts_differ);
    EXPECT_TRUE(t.rows[0].texts_differ);
    EXPECT_EQ(t.rows[0].cells[2].text, "    return a - b\n");  // the first sample, not the second
    EXPECT_FALSE(t.rows[1].verdicts_differ);
    EXPECT_FALSE(t.rows[2].texts_differ);

    // Another baseline named: it leads.
    const auto q4 = generation_outputs({three_precisions()}, "Q4_0");
    EXPECT_EQ(q4[0].precisions.first(), "Q4_0");
    EXPECT_FALSE(q4[0].rows[0].broken);  // Q4_0 failed it: nothing it passed was lost
    // No baseline in the run: the first precision is only a reference.
    qs::RunRecord none = three_precisions();
    none.baseline.clear();
    EXPECT_FALSE(generation_outputs({none})[0].first_is_baseline);
}

TEST(GenerationItemsModel, FiltersAndColoursVerdicts) {
    GenerationItemsModel m;
    m.set_outputs(generation_outputs({three_precisions()})[0]);
    EXPECT_EQ(m.rowCount(), 3);
    EXPECT_EQ(m.columnCount(), 4);
    EXPECT_EQ(m.headerData(1, Qt::Horizontal, Qt::DisplayRole).toString(), "F16 (baseline)");
    EXPECT_EQ(m.data(m.index(0, 0), Qt::DisplayRole).toString(), "HumanEval/0");
    EXPECT_EQ(m.data(m.index(0, 3), Qt::DisplayRole).toString(), "fail");
    EXPECT_EQ(m.data(m.index(0, 3), Qt::ToolTipRole).toString(), "AssertionError");
    EXPECT_EQ(m.data(m.index(0, 3), Qt::BackgroundRole).value<QColor>(), verdict_color("fail"));
    EXPECT_NE(verdict_color("fail"), verdict_color("pass"));
    m.set_filter(GenerationItemsModel::Filter::Broken);
    ASSERT_EQ(m.rowCount(), 1);
    EXPECT_EQ(m.output_row(0).item_id, "HumanEval/0");
    m.set_filter(GenerationItemsModel::Filter::VerdictsDiffer);
    EXPECT_EQ(m.rowCount(), 1);
    m.set_filter(GenerationItemsModel::Filter::All);
    EXPECT_EQ(m.rowCount(), 3);
}
