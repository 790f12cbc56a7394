// A generation task's items on the Datasets page: the prompt as the run will send it, wrapped in
// the chosen chat template, with its stop strings and check; and the window resolving "auto"
// against the open model (M1 has no chat template: the page says so).
#include <QFile>
#include <QTableView>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "dataset_list_model.h"
#include "generate/chat_template.h"
#include "main_window.h"
#include "pages/datasets_page.h"
#include "pages/run_page.h"

using namespace qs::ui;

namespace {

QString write_tasks() {
    const QString path = QString::fromStdString(qs::test::temp_dir()) + "/capitals.jsonl";
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(R"({"id": "fr", "prompt": "Q: What is the capital of France?\nA:", "target": "Paris", "until": ["\n"], "max_tokens": 8})" "\n");
    return path;
}

}  // namespace

TEST(DatasetsPageChat, GenerationPromptIsShownInTheChosenTemplate) {
    DatasetListModel model;
    DatasetsPage page(&model);
    const int row = model.add_file(write_tasks());
    model.set_format(row, "generate-jsonl");
    page.table()->selectRow(row);
    page.show_details(row);
    const QString plain = page.details_text();
    EXPECT_TRUE(plain.contains("chat template: none")) << plain.toStdString();
    EXPECT_TRUE(plain.contains("Q: What is the capital of France?\nA:\n[id fr; up to 8 tokens, stops at \"\\n\"; checked by exact, answer \"Paris\"]"))
        << plain.toStdString();
    page.set_chat_template(int(qs::ChatTemplate::ChatML), "chatml");
    const QString chat = page.details_text();
    const std::string wrapped = qs::chat_wrap_prompt(qs::ChatTemplate::ChatML, "Q: What is the capital of France?\nA:");
    EXPECT_NE(wrapped.find("<|im_start|>user"), std::string::npos);
    EXPECT_TRUE(chat.contains(QString::fromStdString(wrapped))) << chat.toStdString();
}

TEST(DatasetsPageChat, WindowResolvesAutoAgainstTheModel) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    MainWindow w({QString::fromStdString(qs::test::temp_dir()) + "/chat.db", {}, false});
    RunSettings s = w.run_page()->settings();
    EXPECT_EQ(s.chat_template, "none");
    s.chat_template = "auto";
    w.run_page()->set_settings(s);
    EXPECT_EQ(w.run_page()->settings().chat_template, "auto");
    ASSERT_TRUE(w.open_model(QString::fromStdString(model)));
    const int row = w.add_dataset(write_tasks());
    w.datasets()->set_format(row, "generate-jsonl");
    w.datasets_page()->show_details(row);
    EXPECT_TRUE(w.datasets_page()->details_text().contains("auto: ")) << w.datasets_page()->details_text().toStdString();
    s.chat_template = "llama3";
    w.run_page()->set_settings(s);
    EXPECT_TRUE(w.datasets_page()->details_text().contains("<|start_header_id|>user")) << w.datasets_page()->details_text().toStdString();
}
