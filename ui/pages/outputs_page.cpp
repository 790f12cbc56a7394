#include "outputs_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "text_diff.h"

namespace qs::ui {

OutputsPage::OutputsPage(QWidget* parent) : QWidget(parent) {
    task_ = new QComboBox;
    task_->setMinimumContentsLength(24);
    filter_ = new QComboBox;
    filter_->addItem(tr("All items"), int(GenerationItemsModel::Filter::All));
    filter_->addItem(tr("Verdicts differ"), int(GenerationItemsModel::Filter::VerdictsDiffer));
    filter_->addItem(tr("Broken by a precision"), int(GenerationItemsModel::Filter::Broken));
    show_removed_ = new QCheckBox(tr("Show the baseline's words a precision dropped"));
    show_removed_->setChecked(true);
    show_removed_->setToolTip(tr("Struck through in red: in the baseline's text, not in this precision's. Green: new in this precision's text."));
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Task:")));
    bar->addWidget(task_);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Show:")));
    bar->addWidget(filter_);
    bar->addSpacing(12);
    bar->addWidget(show_removed_);
    bar->addStretch(1);
    summary_ = new QLabel;
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    items_ = new GenerationItemsModel(this);
    view_ = new QTableView;
    view_->setModel(items_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->setMinimumWidth(300);

    item_title_ = new QLabel;
    item_title_->setWordWrap(true);
    item_title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* panel_host = new QWidget;
    panels_ = new QHBoxLayout(panel_host);
    panels_->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(panel_host);
    auto* right = new QWidget;
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(item_title_);
    same_note_ = new QLabel;
    same_note_->setWordWrap(true);
    same_note_->hide();
    right_layout->addWidget(same_note_);
    right_layout->addWidget(scroll, 1);
    auto* split = new QSplitter;
    split->addWidget(view_);
    split->addWidget(right);
    split->setStretchFactor(1, 3);
    split->setSizes({420, 860});

    auto* empty = new QLabel(tr("No generation task in the shown runs.\n\nTick HumanEval, MBPP, GSM8K or a generation "
                                "JSONL on the Datasets page and run, or open a stored run that has one on the Results page: "
                                "each item's outputs then stand here side by side, one column per precision."));
    empty->setWordWrap(true);
    empty->setAlignment(Qt::AlignCenter);
    stack_ = new QStackedWidget;
    stack_->addWidget(empty);
    stack_->addWidget(split);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(summary_);
    layout->addWidget(stack_, 1);

    connect(task_, &QComboBox::currentIndexChanged, this, &OutputsPage::show_table);
    connect(filter_, &QComboBox::currentIndexChanged, this, [this] {
        items_->set_filter(GenerationItemsModel::Filter(filter_->currentData().toInt()));
        select_item(first_interesting_row());
    });
    connect(show_removed_, &QCheckBox::toggled, this, &OutputsPage::show_item);
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &OutputsPage::show_item);
    connect(items_, &QAbstractItemModel::modelReset, this, &OutputsPage::show_item);
    show_table(-1);
}

void OutputsPage::set_runs(const std::vector<RunRecord>& runs, const QString& baseline) {
    const QString was = task_->currentText();
    const int was_item = view_->currentIndex().isValid() ? items_->output_row(view_->currentIndex().row()).item : -1;
    tables_ = generation_outputs(runs, baseline);
    {
        const QSignalBlocker block(task_);
        task_->clear();
        for (const GenerationOutputs& t : tables_) task_->addItem(t.title());
        task_->setCurrentIndex(std::max(0, task_->findText(was)));
    }
    show_table(task_->currentIndex());
    for (int r = 0; r < items_->rowCount(); ++r)
        if (items_->output_row(r).item == was_item) select_item(r);
}

void OutputsPage::show_table(int index) {
    const bool any = index >= 0 && index < tables_.size();
    stack_->setCurrentIndex(any ? 1 : 0);
    task_->setEnabled(any);
    filter_->setEnabled(any);
    items_->set_outputs(any ? tables_[index] : GenerationOutputs{});
    summary_->setText(summary_text());
    select_item(first_interesting_row());
}

// The row a person wants first: an item a precision broke, else one whose verdicts or texts differ.
int OutputsPage::first_interesting_row() const {
    for (auto wanted : {&OutputRow::broken, &OutputRow::verdicts_differ, &OutputRow::texts_differ})
        for (int r = 0; r < items_->rowCount(); ++r)
            if (items_->output_row(r).*wanted) return r;
    return 0;
}

QString OutputsPage::summary_text() const {
    const GenerationOutputs& t = items_->outputs();
    if (t.precisions.isEmpty()) return {};
    const int n = int(t.rows.size());
    QStringList parts;
    for (int c = 0; c < t.precisions.size(); ++c) {
        QString s = tr("<b>%1</b> %2/%3 pass").arg(t.precisions[c].toHtmlEscaped()).arg(t.passed[c]).arg(n);
        if (c == 0 && t.first_is_baseline && t.precisions.size() > 1) s += tr(" (baseline)");
        if (c > 0) {
            int broken = 0, fixed = 0;
            for (const OutputRow& r : t.rows) {
                if (!r.cells[0].present || !r.cells[c].present) continue;
                broken += r.cells[0].verdict == "pass" && r.cells[c].verdict != "pass";
                fixed += r.cells[0].verdict != "pass" && r.cells[c].verdict == "pass";
            }
            s += tr(" (%1 broken, %2 fixed, %3 same text)").arg(broken).arg(fixed).arg(t.same_text[c]);
        }
        parts << s;
    }
    return parts.join(" · ") + tr("<br>broken: %1 passed, this precision does not; same text: byte-identical to %1's output.").arg(t.precisions[0].toHtmlEscaped());
}

void OutputsPage::select_item(int row) {
    if (row < 0 || row >= items_->rowCount()) {
        view_->setCurrentIndex({});
        show_item();
        return;
    }
    view_->setCurrentIndex(items_->index(row, 0));
    view_->scrollTo(items_->index(row, 0));
}

QStringList OutputsPage::panel_html() const { return html_; }

QString OutputsPage::same_text_note() const { return same_note_->text(); }

void OutputsPage::show_item() {
    while (QLayoutItem* it = panels_->takeAt(0)) {
        delete it->widget();
        delete it;
    }
    html_.clear();
    same_note_->clear();
    same_note_->hide();
    const QModelIndex current = view_->currentIndex();
    if (!current.isValid()) {
        item_title_->setText(items_->rowCount() == 0 && !items_->outputs().rows.isEmpty() ? tr("No item matches the filter.") : QString());
        return;
    }
    const GenerationOutputs& t = items_->outputs();
    const OutputRow& row = items_->output_row(current.row());
    item_title_->setText(tr("<b>%1</b> (item %2). Green: written by this precision, not by %3; struck through in red: %3 wrote it, this precision did not.")
                             .arg((row.item_id.isEmpty() ? QString::number(row.item) : row.item_id).toHtmlEscaped())
                             .arg(row.item)
                             .arg(t.precisions.value(0).toHtmlEscaped()));
    const OutputCell& base = row.cells[0];
    // Precisions that wrote the baseline's text byte for byte get a line, not a panel: the panels
    // are left for the outputs that differ, which are what the page is for.
    QStringList same;
    for (int c = 1; c < row.cells.size(); ++c)
        if (base.present && row.cells[c].present && row.cells[c].text == base.text)
            same << QString("%1 (%2)").arg(t.precisions[c].toHtmlEscaped(), row.cells[c].verdict);
    same_note_->setText(same.isEmpty() ? QString() : tr("Same text as %1: %2").arg(t.precisions[0].toHtmlEscaped(), same.join(", ")));
    same_note_->setVisible(!same.isEmpty());
    for (int c = 0; c < row.cells.size(); ++c) {
        const OutputCell& cell = row.cells[c];
        if (c > 0 && base.present && cell.present && cell.text == base.text) continue;
        QString html;
        QString heading = t.precisions[c];
        if (!cell.present) {
            html = tr("<i>no output stored</i>");
        } else if (c == 0 || !base.present) {
            html = diff_html({{DiffSpan::Same, cell.text}});
        } else {
            const QVector<DiffSpan> spans = text_diff(base.text, cell.text);
            html = diff_html(spans, show_removed_->isChecked());
            heading += tr(": %1, %2 % of %3's text kept").arg(cell.verdict).arg(int(100 * text_similarity(spans) + 0.5)).arg(t.precisions[0]);
        }
        html_ << html;
        if (cell.present && (c == 0 || !base.present)) heading += ": " + cell.verdict;
        auto* box = new QGroupBox(heading);
        box->setAutoFillBackground(true);
        if (cell.present) {
            QPalette pal = box->palette();
            pal.setColor(QPalette::Window, verdict_color(cell.verdict).lighter(108));
            box->setPalette(pal);
        }
        auto* text = new QTextBrowser;
        text->setHtml(html);
        text->setMinimumWidth(200);
        auto* v = new QVBoxLayout(box);
        v->addWidget(text, 1);
        if (cell.present && !cell.detail.isEmpty()) {
            auto* detail = new QLabel(tr("check: %1").arg(cell.detail.toHtmlEscaped()));
            detail->setWordWrap(true);
            detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
            v->addWidget(detail);
        }
        panels_->addWidget(box, 1);
    }
}

}  // namespace qs::ui
