// The Outputs page offscreen: the selected item's texts side by side with the baseline's, the
// changed operator marked, the filter and the empty state.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QStackedWidget>
#include <QTableView>

#include "pages/outputs_page.h"
#include "sample_runs.h"

using namespace qs::ui;

TEST(OutputsPage, ShowsAnItemAcrossPrecisionsWithTheChangeMarked) {
    qs::RunRecord run;
    run.id = 3;
    run.baseline = "F16";
    run.jobs = {qs::test::humaneval_job("F16", 0, {{"    return a + b\n", "pass"}, {"    return 1\n", "fail"}}),
                qs::test::humaneval_job("Q4_0", 0, {{"    return a - b\n", "fail"}, {"    return 1\n", "fail"}})};
    OutputsPage page;
    page.resize(1000, 600);
    EXPECT_TRUE(page.summary_text().isEmpty());  // empty state
    page.set_runs({run});
    ASSERT_EQ(page.task_box()->count(), 1);
    EXPECT_EQ(page.task_box()->currentText(), "run 3 · humaneval");
    EXPECT_TRUE(page.summary_text().contains("<b>Q4_0</b> 0/2 pass (1 broken, 0 fixed, 1 same text)")) << page.summary_text().toStdString();
    const QStringList html = page.panel_html();
    ASSERT_EQ(html.size(), 2);
    EXPECT_FALSE(html[0].contains("background-color"));  // the baseline's text as it is
    EXPECT_TRUE(html[1].contains("line-through;\">+</span>")) << html[1].toStdString();
    EXPECT_TRUE(html[1].contains("#b7e4b7;\">-</span>")) << html[1].toStdString();

    EXPECT_TRUE(page.same_text_note().isEmpty());
    page.select_item(1);
    EXPECT_EQ(page.panel_html().size(), 1);  // same text: a line, not a panel
    EXPECT_EQ(page.same_text_note(), "Same text as F16: Q4_0 (fail)");
    page.filter_box()->setCurrentIndex(2);  // broken by a precision
    EXPECT_EQ(page.items()->rowCount(), 1);
    EXPECT_TRUE(page.panel_html()[1].contains("line-through"));

    // New runs keep the chosen task; none with outputs gives the empty state.
    page.set_runs({run});
    EXPECT_EQ(page.task_box()->currentText(), "run 3 · humaneval");
    page.set_runs({});
    EXPECT_EQ(page.task_box()->count(), 0);
    EXPECT_TRUE(page.panel_html().isEmpty());
}
