#include "sensitivity_page.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "heatmap_view.h"

namespace qs::ui {

SensitivityPage::SensitivityPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Study:")));
    pick_ = new QComboBox;
    top->addWidget(pick_, 1);
    auto* png = new QPushButton(tr("Export PNG…"));
    top->addWidget(png);
    layout->addLayout(top);
    empty_ = new QLabel(tr("No sensitivity scan or calibration study in the shown runs. Run\n"
                           "  quantscope-cli sensitivity --model M --low q2_K --text FILE --db results.db\n"
                           "  quantscope-cli calibration --model M --precisions Q3_K_S --calib wiki=FILE --calib code=FILE --db results.db\n"
                           "and show that run on the Results page."));
    empty_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(empty_);
    auto* split = new QSplitter(Qt::Horizontal);
    heatmap_ = new charts::HeatmapView;
    split->addWidget(heatmap_);
    ranked_ = new QTableWidget(0, 5);
    ranked_->verticalHeader()->hide();
    ranked_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    ranked_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    split->addWidget(ranked_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({760, 520});  // room for the ranked table's five columns
    layout->addWidget(split, 1);
    connect(pick_, &QComboBox::currentIndexChanged, this, [this](int i) { show_view(i); });
    connect(png, &QPushButton::clicked, this, [this] { export_png(); });
    set_runs({});
}

void SensitivityPage::set_runs(const std::vector<RunRecord>& runs) {
    views_ = sensitivity_views(runs);
    calibration_ = qs::ui::calibration_views(runs);
    const QSignalBlocker block(pick_);
    pick_->clear();
    for (const SensitivityView& v : views_) pick_->addItem(tr("Sensitivity to %1 — %2").arg(v.type, v.run_label));
    for (const CalibrationView& v : calibration_) pick_->addItem(tr("Calibration text, %1 — %2").arg(v.precision, v.run_label));
    const bool none = pick_->count() == 0;
    empty_->setVisible(none);
    pick_->setEnabled(!none);
    show_view(none ? -1 : 0);
}

namespace {

void fill_row(QTableWidget* table, int r, const QStringList& cells, int left_aligned) {
    for (int c = 0; c < cells.size(); ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        if (c > left_aligned) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(r, c, item);
    }
}

}  // namespace

void SensitivityPage::show_view(int index) {
    ranked_->setRowCount(0);
    if (index >= 0 && index < views_.size()) return show_scan(views_[index]);
    index -= int(views_.size());
    if (index >= 0 && index < calibration_.size()) return show_calibration(calibration_[index]);
    charts::HeatmapSpec none;
    none.empty_message = tr("no sensitivity scan or calibration study in the shown runs");
    heatmap_->set_heatmap(none);
}

void SensitivityPage::show_scan(const SensitivityView& v) {
    heatmap_->set_heatmap(v.heatmap);
    ranked_->setHorizontalHeaderLabels({tr("Rank"), tr("Group"), tr("Mean KLD"), tr("ln PPL ratio"), tr("Bytes")});
    ranked_->setRowCount(int(v.ranked.size()));
    for (int r = 0; r < int(v.ranked.size()); ++r) {
        const SensitivityEntry& e = v.ranked[size_t(r)];
        fill_row(ranked_, r,
                 {QString::number(r + 1), QString::fromStdString(e.group), QString("%1 ± %2").arg(e.kld, 0, 'g', 5).arg(e.kld_stderr, 0, 'g', 2),
                  QString("%1 ± %2").arg(e.ln_ppl_ratio, 0, 'f', 5).arg(e.ln_ppl_ratio_stderr, 0, 'f', 5), QString::number(e.bytes)},
                 1);
    }
}

void SensitivityPage::show_calibration(const CalibrationView& v) {
    heatmap_->set_heatmap(v.heatmap);
    ranked_->setHorizontalHeaderLabels({tr("Imatrix from"), tr("Evaluated on"), tr("Mean KLD"), tr("ln PPL ratio"), tr("PPL")});
    const std::string precision = v.precision.toStdString();
    for (const CalibrationEntry& e : v.table.entries) {
        if (e.precision != precision) continue;
        const int r = ranked_->rowCount();
        ranked_->setRowCount(r + 1);
        fill_row(ranked_, r,
                 {calibration_row_label(e.calib), QString::fromStdString(e.eval), QString("%1 ± %2").arg(e.kld, 0, 'g', 5).arg(e.kld_stderr, 0, 'g', 2),
                  QString("%1 ± %2").arg(e.ln_ppl_ratio, 0, 'f', 5).arg(e.ln_ppl_ratio_stderr, 0, 'f', 5), QString::number(e.ppl, 'f', 3)},
                 1);
    }
}

void SensitivityPage::export_png() {
    if (pick_->count() == 0) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export heatmap"), heatmap_->heatmap().id + ".png",
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (!charts::heatmap_image(heatmap_->heatmap(), {1000, 600}).save(path, "PNG"))
        QMessageBox::warning(this, tr("Export heatmap"), tr("%1: could not be written").arg(path));
}

}  // namespace qs::ui
