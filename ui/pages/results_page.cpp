#include "results_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "results_table_model.h"
#include "store/results_store.h"

namespace qs::ui {

ResultsPage::ResultsPage(ResultsTableModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    baseline_ = new QComboBox;
    baseline_->setMinimumContentsLength(16);
    auto* csv = new QPushButton(tr("Export CSV…"));
    top->addWidget(new QLabel(tr("Baseline:")));
    top->addWidget(baseline_);
    top->addStretch(1);
    top->addWidget(new QLabel(tr("Red: a loss larger than 1.96 σ of the difference.")));
    top->addWidget(csv);
    layout->addLayout(top);

    auto* split = new QSplitter(Qt::Horizontal);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(ResultsTableModel::SortRole);
    table_ = new QTableView;
    table_->setModel(proxy);
    table_->setSortingEnabled(true);
    // Start in run order (the baseline first): no sort until the user clicks a header.
    table_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    proxy->sort(-1);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->verticalHeader()->hide();
    auto* history_box = new QWidget;
    auto* history_layout = new QVBoxLayout(history_box);
    history_layout->setContentsMargins(0, 0, 0, 0);
    history_ = new QListWidget;
    history_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* open = new QPushButton(tr("Open / compare selected"));
    history_layout->addWidget(new QLabel(tr("Earlier runs (select several to compare):")));
    history_layout->addWidget(history_, 1);
    history_layout->addWidget(open);
    split->addWidget(table_);
    split->addWidget(history_box);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(csv, &QPushButton::clicked, this, &ResultsPage::export_csv_requested);
    connect(open, &QPushButton::clicked, this, &ResultsPage::open_selected_history);
    connect(history_, &QListWidget::itemActivated, this, [this] { open_selected_history(); });
    connect(baseline_, &QComboBox::currentTextChanged, this, [this](const QString& b) {
        if (b.isEmpty() || b == model_->grid().rows().value(model_->grid().baseline_row()).precision) return;
        model_->set_baseline(b);
        emit results_changed();
    });
}

void ResultsPage::set_store(ResultsStore* store) {
    store_ = store;
    refresh_history();
}

void ResultsPage::refresh_history() {
    history_->clear();
    if (!store_) return;
    try {
        for (const auto& s : store_->list_runs()) {
            auto* item = new QListWidgetItem(QString("run %1 — %2 — %3 (%4/%5 jobs done)")
                                                 .arg(s.run.id)
                                                 .arg(QString::fromStdString(s.run.started_at))
                                                 .arg(QString::fromStdString(s.run.model_name))
                                                 .arg(s.jobs_done)
                                                 .arg(s.jobs_total));
            item->setData(Qt::UserRole, qlonglong(s.run.id));
            history_->addItem(item);
        }
    } catch (const std::exception& e) {
        history_->addItem(QString::fromUtf8(e.what()));
    }
}

void ResultsPage::open_selected_history() {
    if (!store_) return;
    std::vector<RunRecord> runs;
    try {
        for (auto* item : history_->selectedItems())
            if (item->data(Qt::UserRole).isValid()) runs.push_back(store_->load_run(item->data(Qt::UserRole).toLongLong()));
    } catch (const std::exception& e) {
        history_->addItem(QString::fromUtf8(e.what()));
        return;
    }
    std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.id < b.id; });
    if (!runs.empty()) show_runs(runs);
}

void ResultsPage::show_runs(const std::vector<RunRecord>& runs) {
    QString base = runs.empty() ? QString() : QString::fromStdString(runs.front().baseline);
    model_->set_runs(runs, base);
    const QSignalBlocker block(baseline_);
    baseline_->clear();
    QStringList precisions;
    for (const auto& r : model_->grid().rows())
        if (!precisions.contains(r.precision)) precisions << r.precision;
    baseline_->addItems(precisions);
    if (model_->grid().baseline_row() >= 0) baseline_->setCurrentText(model_->grid().rows()[model_->grid().baseline_row()].precision);
    emit results_changed();
}

QString ResultsPage::baseline() const { return baseline_->currentText(); }

}  // namespace qs::ui
