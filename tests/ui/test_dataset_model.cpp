#include <QAbstractItemModelTester>
#include <QFile>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "dataset_list_model.h"

using namespace qs::ui;

namespace {
QString write_file(const char* name, const QByteArray& bytes) {
    const QString path = QString::fromStdString(qs::test::temp_dir()) + "/" + name;
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(bytes);
    return path;
}
}  // namespace

TEST(DatasetListModel, ShowsErrorsOfABadFileBeforeAnyRun) {
    DatasetListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    const int row = model.add_file(write_file("broken.jsonl", "{not json at all\n"));
    const auto& e = model.entries()[row];
    EXPECT_FALSE(e.error.isEmpty());
    EXPECT_FALSE(e.checked);  // an unusable file cannot take part in a run
    EXPECT_TRUE(model.index(row, DatasetListModel::Status).data().toString().startsWith("error"));
    model.set_checked(row, true);
    EXPECT_FALSE(model.entries()[row].checked);
}

TEST(DatasetListModel, TextFilesAreForPerplexityWithAChunkLimit) {
    DatasetListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    const int row = model.add_file(write_file("story.txt", "Once upon a time there was a model.\n"));
    const auto& e = model.entries()[row];
    EXPECT_TRUE(e.error.isEmpty()) << e.error.toStdString();
    EXPECT_TRUE(e.is_text());
    EXPECT_EQ(e.items, 36);
    EXPECT_TRUE(model.setData(model.index(row, DatasetListModel::Limit), 3, Qt::EditRole));
    EXPECT_EQ(model.entries()[row].limit, 3);
    EXPECT_FALSE(model.setData(model.index(row, DatasetListModel::Limit), -1, Qt::EditRole));
    EXPECT_EQ(model.checked_entries().size(), 1);
    model.remove_row(row);
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(DatasetListModel, DetectsArcCountsItemsAndPreviews) {
    QS_REQUIRE_SHARED(path, "data/arc/ARC-Easy-Dev.jsonl");
    DatasetListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    const int row = model.add_file(QString::fromStdString(path), "arc");
    const auto& e = model.entries()[row];
    EXPECT_EQ(e.format, "arc");
    EXPECT_EQ(e.items, 570);  // shared/README.md
    EXPECT_EQ(e.preview.size(), 3);
    EXPECT_TRUE(e.preview[0].contains("✔"));
}

TEST(DatasetListModel, BuiltinsAreListedAndInspectedOnDemand) {
    QS_REQUIRE_SHARED(dir, "data");
    DatasetListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    model.add_builtins(QString::fromStdString(dir));
    ASSERT_GE(model.rowCount(), 1);
    EXPECT_FALSE(model.entries()[0].inspected);
    model.inspect(0);  // wikitext-2: a perplexity text
    EXPECT_TRUE(model.entries()[0].inspected);
    EXPECT_TRUE(model.entries()[0].is_text());
    EXPECT_EQ(model.entries()[0].items, 1290590);
}

TEST(DatasetListModel, AmbiguousFileIsRefusedUntilTheFormatIsNamed) {
    DatasetListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    // question.stem without an id or a telling name: ARC and OpenBookQA both fit.
    const int row = model.add_file(write_file("questions.jsonl",
        R"({"question": {"stem": "The sun is", "choices": [{"text": "a star", "label": "A"}, {"text": "a moon", "label": "B"}]}, "answerKey": "A"})" "\n"));
    EXPECT_TRUE(model.entries()[row].error.contains("'arc' and 'openbookqa'")) << model.entries()[row].error.toStdString();
    EXPECT_FALSE(model.entries()[row].checked);
    EXPECT_TRUE(model.flags(model.index(row, DatasetListModel::Format)) & Qt::ItemIsEditable);
    EXPECT_FALSE(model.setData(model.index(row, DatasetListModel::Format), "no-such-format", Qt::EditRole));

    ASSERT_TRUE(model.setData(model.index(row, DatasetListModel::Format), "openbookqa", Qt::EditRole));
    const DatasetEntry& e = model.entries()[row];
    EXPECT_TRUE(e.error.isEmpty()) << e.error.toStdString();
    EXPECT_TRUE(e.checked);
    EXPECT_EQ(model.index(row, DatasetListModel::Format).data().toString(), "openbookqa");
    EXPECT_EQ(model.index(row, DatasetListModel::Format).data(Qt::ToolTipRole).toString(), "given");
    // The preview is the prompt as scored: OpenBookQA's bare stem, continuations with their space.
    ASSERT_EQ(e.preview.size(), 1);
    EXPECT_TRUE(e.preview[0].contains("context: \"The sun is\"")) << e.preview[0].toStdString();
    EXPECT_TRUE(e.preview[0].contains("✔ 0 \" a star\"")) << e.preview[0].toStdString();
    EXPECT_TRUE(e.preview[0].contains("· 1 \" a moon\"")) << e.preview[0].toStdString();

    // Detected formats say why in the Format column's tooltip.
    const int copa = model.add_file(write_file("copa.jsonl",
        R"({"premise": "It rained.", "choice1": "The grass got wet.", "choice2": "The sun shone.", "question": "effect", "label": 0, "idx": 0})" "\n"));
    EXPECT_EQ(model.index(copa, DatasetListModel::Format).data().toString(), "copa");
    EXPECT_EQ(model.index(copa, DatasetListModel::Format).data(Qt::ToolTipRole).toString(),
              "detected: fields premise + choice1 + choice2");
    EXPECT_TRUE(model.entries()[copa].preview[0].contains("context: \"It rained therefore\""));
    EXPECT_TRUE(model.entries()[copa].preview[0].contains("✔ 0 \" the grass got wet.\""));
}
