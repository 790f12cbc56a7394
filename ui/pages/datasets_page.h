// Datasets page: built-in datasets and the user's files (DatasetListModel), with the selected
// one's format, item count, first items and any error or skipped line shown before a run; the
// per-dataset limit is edited in the table.
#pragma once

#include <QWidget>

class QPlainTextEdit;
class QTableView;

namespace qs::ui {

class DatasetListModel;

class DatasetsPage : public QWidget {
    Q_OBJECT
public:
    DatasetsPage(DatasetListModel* model, QWidget* parent = nullptr);
    QTableView* table() const { return table_; }
    void show_details(int row);
    // How generation prompts are shown: wrapped in this template (what the run will do), named
    // `label` ("none", "auto → chatml", "auto: the model has no chat template; none used").
    void set_chat_template(int kind, const QString& label);
    QString details_text() const;

signals:
    void add_requested();  // the window shows the file dialog (it remembers the last folder)

private:
    DatasetListModel* model_;
    QTableView* table_;
    QPlainTextEdit* details_;
    int chat_template_ = 0;  // qs::ChatTemplate
    QString chat_label_ = "none";
};

}  // namespace qs::ui
