#include "datasets_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "dataset_list_model.h"
#include "datasets/task_dataset.h"
#include "generate/chat_template.h"

namespace qs::ui {

namespace {

std::string known_format_names() {
    std::string names;
    for (const std::string& f : dataset_formats()) names += (names.empty() ? "" : ", ") + f;
    return names;
}

}  // namespace

DatasetsPage::DatasetsPage(DatasetListModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* layout = new QVBoxLayout(this);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add dataset file…"));
    auto* remove = new QPushButton(tr("Remove"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    buttons->addWidget(new QLabel(tr("Text files are scored for perplexity (limit = 512-token chunks); task files for accuracy (limit = items, a fixed-seed sample).")));
    layout->addLayout(buttons);

    auto* split = new QSplitter(Qt::Vertical);
    table_ = new QTableView;
    table_->setModel(model);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    details_ = new QPlainTextEdit;
    details_->setReadOnly(true);
    details_->setPlaceholderText(tr("Select a dataset to see its first items."));
    split->addWidget(table_);
    split->addWidget(details_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(add, &QPushButton::clicked, this, &DatasetsPage::add_requested);
    connect(remove, &QPushButton::clicked, this, [this] { model_->remove_row(table_->currentIndex().row()); });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { show_details(current.row()); });
    // A row read again (its format named in the table) refreshes the details below it.
    connect(model_, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& first, const QModelIndex& last) {
        const int row = table_->currentIndex().row();
        if (row >= first.row() && row <= last.row()) show_details(row);
    });
}

void DatasetsPage::set_chat_template(int kind, const QString& label) {
    chat_template_ = kind;
    chat_label_ = label;
    show_details(table_->currentIndex().row());
}

QString DatasetsPage::details_text() const { return details_->toPlainText(); }

void DatasetsPage::show_details(int row) {
    if (row < 0 || row >= model_->rowCount()) return details_->clear();
    model_->inspect(row);
    const DatasetEntry& e = model_->entries()[row];
    QString t = e.path + "\n";
    if (!e.error.isEmpty()) {
        t += "\nERROR: " + e.error + "\n";
        t += tr("\nTo read a task file as a given format, double-click its Format cell and type one of: %1.\n")
                 .arg(QString::fromStdString(known_format_names()));
    } else {
        t += QString("format: %1%2, %3 %4\n")
                 .arg(e.format, e.format_source.isEmpty() ? QString() : " (" + e.format_source + ")")
                 .arg(e.items)
                 .arg(e.is_text() ? "bytes" : e.items == 1 ? "item" : "items");
        if (!e.generation_prompts.isEmpty()) {
            t += tr("Each item's prompt as the model will see it (chat template: %1), then how the answer is checked.\n").arg(chat_label_);
            for (int i = 0; i < e.generation_prompts.size(); ++i)
                t += QString("\n— item %1 —\n%2\n%3\n")
                         .arg(i + 1)
                         .arg(QString::fromStdString(chat_wrap_prompt(ChatTemplate(chat_template_), e.generation_prompts[i].toStdString())))
                         .arg("[" + e.preview.value(i) + "]");
        } else {
            if (!e.is_text()) t += "Each item as scored: the context, then each continuation (✔ = gold).\n";
            for (int i = 0; i < e.preview.size(); ++i) t += QString("\n— item %1 —\n%2\n").arg(i + 1).arg(e.preview[i]);
        }
        if (!e.warnings.isEmpty()) t += "\nSkipped lines:\n" + e.warnings.mid(0, 20).join("\n");
    }
    details_->setPlainText(t);
}

}  // namespace qs::ui
