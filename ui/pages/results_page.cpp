#include "results_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "results_summary_model.h"
#include "results_table_model.h"
#include "store/results_store.h"

namespace qs::ui {
namespace {

QTableView* make_table(QAbstractItemModel* model, int sort_role, QObject* owner) {
    auto* proxy = new QSortFilterProxyModel(owner);
    proxy->setSourceModel(model);
    proxy->setSortRole(sort_role);
    auto* table = new QTableView;
    table->setModel(proxy);
    table->setSortingEnabled(true);
    // Start in run order (the baseline first): no sort until the user clicks a header.
    table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    proxy->sort(-1);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->verticalHeader()->hide();
    table->setAlternatingRowColors(true);
    return table;
}

}  // namespace

ResultsPage::ResultsPage(ResultsTableModel* model, QWidget* parent)
    : QWidget(parent), model_(model), summary_(new ResultsSummaryModel(this)) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    baseline_ = new QComboBox;
    baseline_->setMinimumContentsLength(16);
    baseline_->setToolTip(tr("The precision each model is compared with"));
    reference_ = new QComboBox;
    reference_->setMinimumContentsLength(20);
    reference_->setToolTip(tr("With several models: compare each with its own baseline, or every row with one chosen row"));
    auto* reference_label = new QLabel(tr("Compare:"));
    columns_ = new QToolButton;
    columns_->setText(tr("Columns"));
    columns_->setPopupMode(QToolButton::InstantPopup);
    columns_->setMenu(new QMenu(columns_));
    auto* csv = new QPushButton(tr("Export CSV…"));
    top->addWidget(new QLabel(tr("Baseline:")));
    top->addWidget(baseline_);
    top->addWidget(reference_label);
    top->addWidget(reference_);
    top->addStretch(1);
    top->addWidget(new QLabel(tr("Red: a loss larger than its uncertainty allows by chance (95 %).")));
    top->addWidget(columns_);
    top->addWidget(csv);
    layout->addLayout(top);

    auto* split = new QSplitter(Qt::Horizontal);
    views_ = new QTabWidget;
    summary_table_ = make_table(summary_, ResultsSummaryModel::SortRole, this);
    summary_table_->horizontalHeader()->setDefaultAlignment(Qt::AlignCenter);
    table_ = make_table(model, ResultsTableModel::SortRole, this);
    auto* summary_box = new QWidget;
    auto* summary_layout = new QVBoxLayout(summary_box);
    summary_layout->setContentsMargins(0, 0, 0, 0);
    caption_ = new QLabel;
    caption_->setWordWrap(true);
    summary_layout->addWidget(summary_table_, 1);
    summary_layout->addWidget(caption_);
    views_->addTab(summary_box, tr("Summary"));
    views_->addTab(table_, tr("Details"));
    auto* history_box = new QWidget;
    auto* history_layout = new QVBoxLayout(history_box);
    history_layout->setContentsMargins(0, 0, 0, 0);
    history_ = new QListWidget;
    history_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* open = new QPushButton(tr("Open / compare selected"));
    history_layout->addWidget(new QLabel(tr("Earlier runs (select several to compare, also of other models):")));
    history_layout->addWidget(history_, 1);
    history_layout->addWidget(open);
    split->addWidget(views_);
    history_box->setMaximumWidth(340);  // the results are what the page is for
    split->addWidget(history_box);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    split->setSizes({1000, 220});
    layout->addWidget(split, 1);

    hidden_families_ = QSettings().value("results/hidden_families").toStringList();
    connect(csv, &QPushButton::clicked, this, &ResultsPage::export_csv_requested);
    connect(open, &QPushButton::clicked, this, &ResultsPage::open_selected_history);
    connect(history_, &QListWidget::itemActivated, this, [this] { open_selected_history(); });
    connect(views_, &QTabWidget::currentChanged, this, [this](int i) { columns_->setEnabled(i == 1); });
    columns_->setEnabled(false);
    connect(columns_->menu(), &QMenu::aboutToShow, this, [this] {
        QMenu* menu = columns_->menu();
        menu->clear();
        QStringList families;
        for (int c = 1; c < model_->columnCount(); ++c)
            if (!families.contains(model_->column_family(c))) families << model_->column_family(c);
        for (const QString& f : families) {
            QAction* a = menu->addAction(f);
            a->setCheckable(true);
            a->setChecked(!hidden_families_.contains(f));
            connect(a, &QAction::toggled, this, [this, f](bool on) { set_family_visible(f, on); });
        }
    });
    connect(baseline_, &QComboBox::currentTextChanged, this, [this](const QString& b) {
        if (b.isEmpty()) return;
        model_->set_baseline(b);
        refresh_summary();
        emit results_changed();
    });
    connect(reference_, &QComboBox::currentIndexChanged, this, [this](int) {
        model_->set_reference(reference());
        refresh_summary();
        emit results_changed();
    });
    reference_label->setVisible(false);
    reference_->setVisible(false);
    connect(model_, &QAbstractItemModel::modelReset, this, [this, reference_label] {
        const bool several = model_->grid().model_count() > 1;
        reference_label->setVisible(several);
        reference_->setVisible(several);
        apply_hidden_families();
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
    QString base = baseline_->currentText();
    if (base.isEmpty() && !runs.empty()) base = QString::fromStdString(runs.front().baseline);
    model_->set_runs(runs, base);
    {
        const QSignalBlocker block(baseline_);
        baseline_->clear();
        QStringList precisions;
        for (const auto& r : model_->grid().rows())
            if (!precisions.contains(r.precision)) precisions << r.precision;
        baseline_->addItems(precisions);
        if (model_->grid().baseline_row() >= 0) baseline_->setCurrentText(model_->grid().rows()[model_->grid().baseline_row()].precision);
    }
    {
        const QSignalBlocker block(reference_);
        reference_->clear();
        reference_->addItem(tr("each model with its own baseline"));
        for (const auto& r : model_->grid().rows()) reference_->addItem(tr("every row with %1").arg(r.label), r.label);
    }
    refresh_summary();
    emit results_changed();
}

QString ResultsPage::baseline() const { return baseline_->currentText(); }

QString ResultsPage::reference() const { return reference_->currentData().toString(); }

void ResultsPage::set_summary_extras(const SummaryExtras& extras) {
    extras_ = extras;
    refresh_summary();
}

void ResultsPage::refresh_summary() {
    summary_->set_summary(ResultsSummary::build(model_->grid(), extras_));
    caption_->setText(summary_->summary().caption());
}

void ResultsPage::set_family_visible(const QString& family, bool visible) {
    hidden_families_.removeAll(family);
    if (!visible) hidden_families_ << family;
    QSettings().setValue("results/hidden_families", hidden_families_);
    apply_hidden_families();
}

void ResultsPage::apply_hidden_families() {
    for (int c = 1; c < model_->columnCount(); ++c) table_->setColumnHidden(c, hidden_families_.contains(model_->column_family(c)));
}

}  // namespace qs::ui
