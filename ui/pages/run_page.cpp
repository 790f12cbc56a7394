#include "run_page.h"

#include <QApplication>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include "generate/chat_template.h"
#include "job_queue_model.h"

namespace qs::ui {
namespace {

// Draws JobQueueModel::ProgressRole as a progress bar in the Progress column.
class ProgressDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 3, -2, -3);
        bar.minimum = 0;
        bar.maximum = 1000;
        bar.progress = int(index.data(JobQueueModel::ProgressRole).toDouble() * 1000);
        bar.text = index.data().toString();
        bar.textVisible = true;
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};

}  // namespace

RunPage::RunPage(JobQueueModel* queue, QWidget* parent) : QWidget(parent), queue_(queue) {
    auto* layout = new QVBoxLayout(this);
    source_ = new QLabel;
    source_->setWordWrap(true);
    source_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(source_);
    auto* top = new QHBoxLayout;
    auto* form = new QFormLayout;
    n_ctx_ = new QSpinBox;
    n_ctx_->setRange(16, 32768);
    n_ctx_->setValue(512);
    workers_ = new QSpinBox;
    workers_->setRange(1, 16);
    threads_ = new QSpinBox;
    threads_->setRange(0, 1024);
    threads_->setSpecialValueText(tr("all cores"));
    kld_ = new QCheckBox(tr("KL divergence against the baseline"));
    kld_->setChecked(true);
    bench_ = new QCheckBox(tr("Speed and memory (bench)"));
    form->addRow(tr("Perplexity context (tokens)"), n_ctx_);
    form->addRow(tr("Concurrent jobs"), workers_);
    form->addRow(tr("Threads"), threads_);
    chat_template_ = new QComboBox;
    chat_template_->addItem(tr("none: the prompt as it is (base models; lm-eval's default)"), "none");
    chat_template_->addItem(tr("auto: the model's own template"), "auto");
    for (const std::string& name : chat_template_names())
        if (name != "none") chat_template_->addItem(QString::fromStdString(name), QString::fromStdString(name));
    chat_template_->setToolTip(tr("Instruct models answer best inside their chat template: each generation task's prompt becomes "
                                  "one user turn. The Datasets page shows an item's prompt as the model will see it."));
    connect(chat_template_, &QComboBox::currentIndexChanged, this, [this] { emit chat_template_changed(chat_template_->currentData().toString()); });
    connect(kld_, &QCheckBox::toggled, this, [this](bool on) { kld_choice_ = on; });
    connect(bench_, &QCheckBox::toggled, this, [this](bool on) { bench_choice_ = on; });
    form->addRow(kld_);
    form->addRow(bench_);
    form->addRow(tr("Chat template (generation tasks)"), chat_template_);
    // Time to decision: chunks and items in a seeded random order, each precision stopped as soon
    // as the time-uniform interval of its difference with the baseline settles it.
    until_decided_ = new QCheckBox(tr("Stop each precision when its comparison with the baseline is decided"));
    until_decided_->setToolTip(tr("Chunks and items are taken in a seeded random order; the baseline scores them all, every other "
                                  "precision stops as soon as it is decided non-inferior or inferior by the margin, or its "
                                  "difference is pinned down to less than the margin (a time-uniform 95 % interval, valid "
                                  "however often it is looked at). The results then say \"decided after N items\"."));
    margin_ = new QDoubleSpinBox;
    margin_->setRange(0.05, 50.0);
    margin_->setDecimals(2);
    margin_->setSingleStep(0.5);
    margin_->setValue(1.0);
    margin_->setSuffix(tr(" points / % PPL"));
    margin_->setToolTip(tr("The loss you would accept: accuracy points for tasks, percent of perplexity for a text"));
    margin_->setEnabled(false);
    connect(until_decided_, &QCheckBox::toggled, margin_, &QWidget::setEnabled);
    form->addRow(until_decided_);
    form->addRow(tr("Decision margin"), margin_);
    top->addLayout(form);
    auto* buttons = new QVBoxLayout;
    run_ = new QPushButton(tr("Run  (Ctrl+R)"));
    cancel_one_ = new QPushButton(tr("Cancel selected job"));
    cancel_all_ = new QPushButton(tr("Cancel all  (Esc)"));
    buttons->addWidget(run_);
    buttons->addWidget(cancel_one_);
    buttons->addWidget(cancel_all_);
    buttons->addStretch(1);
    top->addLayout(buttons);
    top->addStretch(1);
    layout->addLayout(top);

    auto* overall_row = new QHBoxLayout;
    overall_ = new QProgressBar;
    overall_->setRange(0, 1000);
    overall_->setFormat(tr("overall %p%"));
    eta_ = new QLabel;
    overall_row->addWidget(overall_, 1);
    overall_row->addWidget(eta_);
    layout->addLayout(overall_row);

    auto* split = new QSplitter(Qt::Vertical);
    table_ = new QTableView;
    table_->setModel(queue);
    table_->setItemDelegateForColumn(JobQueueModel::Progress, new ProgressDelegate(table_));
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(JobQueueModel::Progress, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    log_ = new QPlainTextEdit;
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    split->addWidget(table_);
    split->addWidget(log_);
    layout->addWidget(split, 1);

    connect(run_, &QPushButton::clicked, this, &RunPage::run_requested);
    connect(cancel_all_, &QPushButton::clicked, this, &RunPage::cancel_all_requested);
    connect(cancel_one_, &QPushButton::clicked, this, [this] {
        const int row = table_->currentIndex().row();
        if (row >= 0 && row < queue_->rows().size()) emit cancel_job_requested(queue_->rows()[row].job.index);
    });
    connect(queue, &QAbstractItemModel::dataChanged, this, &RunPage::refresh_overall);
    connect(queue, &QAbstractItemModel::modelReset, this, &RunPage::refresh_overall);
    set_running(false);
}

// An endpoint run keeps the user's KLD/bench choices for when a file is the source again: the
// boxes show off while disabled, settings() still returns the choices (the workspace keeps them).
RunSettings RunPage::settings() const {
    return {n_ctx_->value(), kld_choice_, bench_choice_, workers_->value(), threads_->value(),
            chat_template_->currentData().toString(), until_decided_->isChecked(), margin_->value()};
}

void RunPage::set_source(const QString& text, bool endpoint) {
    source_->setText(text);
    if (endpoint == endpoint_) return;
    endpoint_ = endpoint;
    for (auto [box, choice] : {std::pair{kld_, kld_choice_}, std::pair{bench_, bench_choice_}}) {
        const QSignalBlocker block(box);
        box->setEnabled(!endpoint);
        box->setChecked(!endpoint && choice);
        box->setToolTip(endpoint ? tr("Needs a local model: not run for an endpoint") : QString());
    }
}

void RunPage::set_settings(const RunSettings& s) {
    n_ctx_->setValue(s.n_ctx);
    kld_choice_ = s.kld;
    bench_choice_ = s.bench;
    const QSignalBlocker bk(kld_), bb(bench_);
    kld_->setChecked(s.kld && !endpoint_);
    bench_->setChecked(s.bench && !endpoint_);
    workers_->setValue(s.workers);
    threads_->setValue(s.threads);
    const int t = chat_template_->findData(s.chat_template);
    chat_template_->setCurrentIndex(t >= 0 ? t : 0);
    until_decided_->setChecked(s.until_decided);
    margin_->setValue(s.margin);
    margin_->setEnabled(s.until_decided);
}

void RunPage::set_running(bool running) {
    run_->setEnabled(!running);
    cancel_one_->setEnabled(running);
    cancel_all_->setEnabled(running);
}

void RunPage::append_log(const QString& line) {
    log_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line);
}

void RunPage::refresh_overall() {
    overall_->setValue(int(queue_->overall_fraction() * 1000));
    const double eta = queue_->overall_eta_seconds();
    // Until each kind of job has run once, the others' times are guessed: say so.
    const bool rough = eta > 0 && queue_->overall_eta_rough();
    eta_->setText(queue_->rows().isEmpty() ? QString()
                                           : QString(tr("%1 of %2 jobs ended, ETA %3%4"))
                                                 .arg(queue_->ended_count())
                                                 .arg(queue_->rows().size())
                                                 .arg(rough ? "~" : "", duration_text(eta)));
    eta_->setToolTip(rough ? tr("Rough: some kinds of job have not run yet, so their time is guessed from the others.")
                           : tr("From the times measured on this run."));
}

}  // namespace qs::ui
