// The window's session: a workspace keeps every field through the window (save, reopen), the
// last session comes back on relaunch, the title names the model and workspace, closing during a
// run asks first, built-in datasets are found without flags, and the About box has the versions.
#include <QApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <gtest/gtest.h>

#include "about.h"
#include "common/test_paths.h"
#include "core/cpu_features.h"
#include "dataset_list_model.h"
#include "main_window.h"
#include "pages/run_page.h"
#include "precision_list_model.h"
#include "run/run_controller.h"
#include "workspace.h"

using namespace qs;
using namespace qs::ui;

namespace {

// A workspace with every field away from its default, on files of ../shared.
Workspace every_field(const std::string& model, const std::string& text, const std::string& arc) {
    Workspace w;
    w.model_path = QString::fromStdString(model);
    // In table order: presets (NF4 by its recipe string), then the custom recipe.
    w.precisions = {"F16", "Q8_0+.*=nf4", "Q4_K_M+ffn_down=q8_0"};
    w.custom_recipes = {{"down in q8", "Q4_K_M+ffn_down=q8_0"}};
    w.datasets = {{"wiki", QString::fromStdString(text), 3, true}, {"arc", QString::fromStdString(arc), 7, false}};
    w.baseline = "F16";
    w.n_ctx = 256;
    w.workers = 2;
    w.threads = 1;
    w.kld = false;
    w.bench = true;
    w.roi.monthly_prompt_tokens_millions = 123.4;
    w.roi.monthly_tokens_millions = 45.6;
    w.roi.hardware = "custom";
    w.roi.price_per_hour = 1.23456;
    w.roi.one_time_cost = 789;
    w.roi.retention_threshold = 97.5;
    w.roi.api_prices = {{"API A", 0.15, 0.6}, {"API B", 3, 15}};  // input prices differ from output prices
    // Runs through an endpoint: the Run page disables KLD and bench, yet keeps the choices above.
    w.remote = {"http://127.0.0.1:9/v1", "m1", "QS_SOME_KEY_VAR", QString::fromStdString(model), true};
    return w;
}

QString json_text(const Workspace& w) { return QString::fromUtf8(QJsonDocument(w.to_json()).toJson()); }

// Answers the next modal message box with `button` once it shows.
void answer_next_box(QMessageBox::StandardButton button) {
    QTimer::singleShot(50, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) return answer_next_box(button);  // not up yet
        box->button(button)->click();
    });
}

}  // namespace

TEST(WindowSession, WorkspaceKeepsEveryFieldThroughTheWindow) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    const QString dir = QString::fromStdString(test::temp_dir());
    const Workspace original = every_field(model, text, arc);
    original.save(dir + "/original.json");

    MainWindow a({dir + "/a.db", "-", false});
    a.load_workspace(dir + "/original.json");
    EXPECT_TRUE(a.last_error().isEmpty()) << a.last_error().toStdString();
    EXPECT_EQ(json_text(a.workspace()), json_text(original));  // what the pages hold
    a.save_workspace(dir + "/saved.json");
    MainWindow b({dir + "/b.db", "-", false});
    b.load_workspace(dir + "/saved.json");
    EXPECT_EQ(json_text(b.workspace()), json_text(original));  // and what a reopened file gives
    EXPECT_EQ(json_text(Workspace::load(dir + "/saved.json")), json_text(original));
}

TEST(WindowSession, TitleNamesModelAndWorkspaceAndTheLastSessionComesBack) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    const QString dir = QString::fromStdString(test::temp_dir());
    // Settings of this test only.
    QCoreApplication::setOrganizationName("QuantScopeTest");
    QCoreApplication::setApplicationName("test_window_session");
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir + "/settings");
    QSettings().clear();

    const Workspace original = every_field(model, text, arc);
    original.save(dir + "/project.json");
    QString saved;
    {
        MainWindow first({dir + "/results.db", "-", true});
        EXPECT_EQ(first.windowTitle(), "QuantScope");
        EXPECT_FALSE(first.restore_last_session());  // nothing saved yet
        first.load_workspace(dir + "/project.json");
        EXPECT_EQ(first.windowTitle(), QString::fromUtf8("stories260K.gguf — project.json — QuantScope"));
        first.show();
        first.tabs()->setCurrentWidget(first.findChild<QWidget*>("page_sensitivity"));
        EXPECT_TRUE(first.close());  // not running: no question
        saved = json_text(first.workspace());
    }
    MainWindow again({dir + "/results.db", "-", true});
    // The page comes back by its key, not its index (tabs added later would shift an index).
    EXPECT_EQ(again.tabs()->tabText(again.tabs()->currentIndex()), "Sensitivity");
    ASSERT_TRUE(again.restore_last_session()) << again.last_error().toStdString();
    EXPECT_EQ(json_text(again.workspace()), saved);
    EXPECT_EQ(json_text(again.workspace()), json_text(original));
    EXPECT_EQ(again.windowTitle(), QString::fromUtf8("stories260K.gguf — project.json — QuantScope"));

    // Settings from before the key kept an index counted without the Remote tab: the Model page.
    QSettings().remove("window/page");
    QSettings().setValue("window/tab", 4);
    MainWindow old_settings({dir + "/results.db", "-", true});
    EXPECT_EQ(old_settings.tabs()->currentIndex(), 0);
    QSettings().clear();
}

TEST(WindowSession, ClosingDuringARunAsksFirst) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.raw");
    const QString dir = QString::fromStdString(test::temp_dir());
    MainWindow w({dir + "/close.db", "-", false});
    w.show();
    ASSERT_TRUE(w.open_model(QString::fromStdString(model)));
    w.precisions()->set_checked_specs({"F32", "F16"});
    w.add_dataset(QString::fromStdString(text));  // the whole of WikiText-2: long enough to close during it
    w.run_page()->set_settings({128, true, false, 1, 1});
    ASSERT_TRUE(w.start_run()) << w.last_error().toStdString();

    answer_next_box(QMessageBox::No);
    EXPECT_FALSE(w.close());  // "No": the window stays and the run goes on
    EXPECT_TRUE(w.isVisible());
    EXPECT_TRUE(w.running());
    answer_next_box(QMessageBox::Yes);
    EXPECT_TRUE(w.close());  // "Yes": the run is cancelled and the window closes
    EXPECT_FALSE(w.running());
    EXPECT_FALSE(w.isVisible());
}

TEST(WindowSession, BuiltInDatasetsAreFoundWithoutFlags) {
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Test.jsonl");
    // The build looks beside the source tree it was configured from (QS_SHARED_DIR at configure time).
    if (!QFileInfo(QS_SHARED_DIR "/data/arc/ARC-Easy-Test.jsonl").exists())
        GTEST_SKIP() << "needs " << QS_SHARED_DIR << "/data (QS_SHARED_DIR of the build)";
    const QString dir = QString::fromStdString(test::temp_dir());
    // Beside the source tree (../shared/data), as the price table is found.
    const QString found = builtin_data_dir({});
    ASSERT_FALSE(found.isEmpty());
    EXPECT_TRUE(QFile::exists(found + "/arc/ARC-Easy-Test.jsonl"));
    MainWindow w({dir + "/results.db", {}, false});
    bool listed = false;
    for (const auto& d : w.datasets()->entries()) listed |= d.builtin && d.name == "arc-easy";
    EXPECT_TRUE(listed);
    // "-" is none; QUANTSCOPE_DATA overrides.
    MainWindow none({dir + "/results.db", "-", false});
    EXPECT_EQ(none.datasets()->rowCount(), 0);
    qputenv("QUANTSCOPE_DATA", dir.toUtf8());
    EXPECT_EQ(builtin_data_dir({}), dir);
    qunsetenv("QUANTSCOPE_DATA");
}

TEST(WindowSession, AboutShowsTheVersions) {
    QVector<QString> names;
    for (const auto& [name, version] : about_versions()) {
        names << name;
        EXPECT_FALSE(version.isEmpty()) << name.toStdString();
    }
    EXPECT_EQ(names.mid(0, 5), (QVector<QString>{"QuantScope", "Qt", "Compiler", "Kernels (ISA)", "SQLite"}));
    const QString html = about_html();
    EXPECT_TRUE(html.contains(qVersion()));                        // the Qt this process runs on
    EXPECT_TRUE(html.contains(isa_name(cpu_best_isa())));          // the kernels' instruction set
    EXPECT_TRUE(html.contains(QRegularExpression("SQLite</b>&nbsp;&nbsp;</td><td>3\\.\\d+\\.\\d+")));
    MainWindow w({QString::fromStdString(test::temp_dir()) + "/results.db", "-", false});
    answer_next_box(QMessageBox::Ok);
    w.show_about();  // returns once the box is closed
}
