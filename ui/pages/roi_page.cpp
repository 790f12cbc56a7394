#include "roi_page.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "cost/cost_model.h"

namespace qs::ui {
namespace {

QDoubleSpinBox* spin(double max, double value, int decimals, const QString& suffix) {
    auto* s = new QDoubleSpinBox;
    s->setRange(0, max);
    s->setDecimals(decimals);
    s->setValue(value);
    s->setSuffix(suffix);
    return s;
}

QString usd(double v) { return std::isfinite(v) ? QString("$%1").arg(v, 0, 'f', 2) : QString("—"); }

}  // namespace

RoiPage::RoiPage(QWidget* parent) : QWidget(parent) {
    try {
        prices_ = price_table_load(price_table_default_path(QCoreApplication::applicationFilePath().toStdString()));
    } catch (const std::exception&) {
        // No price table found: the user types prices in.
    }
    auto* layout = new QHBoxLayout(this);
    auto* left = new QVBoxLayout;
    auto* inputs = new QGroupBox(tr("Workload and prices"));
    auto* form = new QFormLayout(inputs);
    input_mtok_ = spin(1e9, 200, 1, tr(" M prompt tokens/month"));
    output_mtok_ = spin(1e9, 50, 1, tr(" M generated tokens/month"));
    hardware_ = new QComboBox;
    hardware_->addItem(tr("custom"));
    for (const auto& h : prices_.hardware) hardware_->addItem(QString::fromStdString(h.name), h.usd_per_hour);
    price_ = spin(1e4, 0.8, 5, tr(" USD/hour"));  // 5 decimals: the price table has prices such as 0.10264
    one_time_ = spin(1e9, 2000, 0, tr(" USD one-time"));
    threshold_ = spin(100, 99, 1, tr(" % retention at least"));
    form->addRow(tr("Prompt tokens"), input_mtok_);
    form->addRow(tr("Generated tokens"), output_mtok_);
    form->addRow(tr("Hardware profile"), hardware_);
    form->addRow(tr("Price per hour"), price_);
    form->addRow(tr("One-time cost"), one_time_);
    form->addRow(tr("Recommend at"), threshold_);
    left->addWidget(inputs);
    auto* api_box = new QGroupBox(tr("API prices (USD per million tokens, editable)"));
    auto* api_layout = new QVBoxLayout(api_box);
    api_table_ = new QTableWidget(0, 3);
    api_table_->setHorizontalHeaderLabels({tr("API"), tr("Input"), tr("Output")});
    api_table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    api_table_->verticalHeader()->hide();
    for (const auto& a : prices_.apis) {
        const int r = api_table_->rowCount();
        api_table_->insertRow(r);
        api_table_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(a.label())));
        api_table_->setItem(r, 1, new QTableWidgetItem(QString::number(a.usd_per_mtok_input)));
        api_table_->setItem(r, 2, new QTableWidgetItem(QString::number(a.usd_per_mtok_output)));
    }
    auto* add_api = new QPushButton(tr("Add API row"));
    api_layout->addWidget(api_table_);
    api_layout->addWidget(add_api);
    left->addWidget(api_box, 1);
    layout->addLayout(left, 2);

    auto* right = new QVBoxLayout;
    result_table_ = new QTableWidget(0, 6);
    result_table_->setHorizontalHeaderLabels(
        {tr("Precision"), tr("USD / Mtok generated"), tr("Monthly cost"), tr("Savings vs baseline"), tr("Payback"), tr("Retention")});
    result_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    result_table_->verticalHeader()->hide();
    result_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    pick_ = new QLabel;
    pick_->setWordWrap(true);
    pick_->setStyleSheet("font-weight: bold; padding: 6px");
    right->addWidget(result_table_, 1);
    right->addWidget(pick_);
    layout->addLayout(right, 3);

    for (auto* s : {input_mtok_, output_mtok_, price_, one_time_, threshold_})
        connect(s, &QDoubleSpinBox::valueChanged, this, &RoiPage::recompute);
    connect(hardware_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i > 0) price_->setValue(hardware_->itemData(i).toDouble());
    });
    connect(api_table_, &QTableWidget::itemChanged, this, &RoiPage::recompute);
    connect(add_api, &QPushButton::clicked, this, [this] {
        const int r = api_table_->rowCount();
        api_table_->insertRow(r);
        api_table_->setItem(r, 0, new QTableWidgetItem(tr("my API")));
        api_table_->setItem(r, 1, new QTableWidgetItem("1"));
        api_table_->setItem(r, 2, new QTableWidgetItem("2"));
    });
    recompute();
}

std::vector<ApiPrice> RoiPage::apis() const {
    std::vector<ApiPrice> out;
    for (int r = 0; r < api_table_->rowCount(); ++r) {
        auto text = [&](int c) { return api_table_->item(r, c) ? api_table_->item(r, c)->text() : QString(); };
        ApiPrice a;
        a.provider = text(0).toStdString();
        a.usd_per_mtok_input = text(1).toDouble();
        a.usd_per_mtok_output = text(2).toDouble();
        out.push_back(a);
    }
    return out;
}

double RoiPage::price_per_hour() const { return price_->value(); }

QVector<QPair<QString, double>> RoiPage::api_output_prices() const {
    QVector<QPair<QString, double>> out;
    for (const auto& a : apis()) out.append({QString::fromStdString(a.provider), a.usd_per_mtok_output});
    return out;
}

void RoiPage::set_results(const ResultsGrid& grid) {
    grid_ = grid;
    recompute();
}

void RoiPage::recompute() {
    result_table_->setRowCount(0);
    recommendation_.clear();
    // Speeds from bench jobs, retention from the first accuracy column against the baseline.
    int acc_col = -1;
    for (int c = 0; c < grid_.columns().size() && acc_col < 0; ++c)
        if (grid_.columns()[c].key == "acc_norm" || grid_.columns()[c].key == "acc") acc_col = c;
    std::vector<PrecisionSpeed> speeds;
    for (int r = 0; r < grid_.rows().size(); ++r) {
        const Metric* tg = grid_.find(r, "tg_tps");
        if (!tg || tg->value <= 0) continue;
        PrecisionSpeed s;
        s.precision = grid_.rows()[r].label.toStdString();
        s.tg_tps = tg->value;
        if (const Metric* pp = grid_.find(r, "pp_tps")) s.pp_tps = pp->value;
        if (acc_col >= 0) s.retention_pct = grid_.compare(r, acc_col).retention;
        speeds.push_back(s);
    }
    if (speeds.empty()) {
        pick_->setText(tr("Run with “Speed and memory (bench)” ticked to get throughput: costs need it."));
        emit changed();
        return;
    }
    try {
        CostInputs in;
        in.usd_per_hour = price_->value();
        in.volume = {input_mtok_->value() * 1e6, output_mtok_->value() * 1e6};
        const int base = grid_.baseline_row();
        const std::string baseline = base >= 0 ? grid_.rows()[base].label.toStdString() : std::string();
        in.baseline = std::any_of(speeds.begin(), speeds.end(), [&](const PrecisionSpeed& s) { return s.precision == baseline; })
                          ? baseline
                          : speeds.front().precision;
        in.one_time_cost_usd = one_time_->value();
        in.apis = apis();
        const auto costs = cost_compare(speeds, in);
        for (size_t i = 0; i < costs.size(); ++i) {
            const auto& c = costs[i];
            const int r = result_table_->rowCount();
            result_table_->insertRow(r);
            const QStringList cells = {QString::fromStdString(c.precision), usd(c.cost_per_mtok_gen), usd(c.monthly_usd),
                                       usd(c.savings_vs_baseline_usd) + QString(" (%1 %)").arg(c.savings_vs_baseline_pct, 0, 'f', 1),
                                       std::isfinite(c.payback_months) ? QString("%1 months").arg(c.payback_months, 0, 'f', 1) : tr("never"),
                                       std::isnan(speeds[i].retention_pct) ? QString("—") : QString("%1 %").arg(speeds[i].retention_pct, 0, 'f', 2)};
            for (int k = 0; k < cells.size(); ++k) result_table_->setItem(r, k, new QTableWidgetItem(cells[k]));
        }
        const PrecisionPick pick = cost_pick(speeds, costs, in.baseline, threshold_->value());
        recommendation_ = QString::fromStdString(pick.found ? "Recommended: " + pick.precision + ". " + pick.reason : pick.reason);
    } catch (const std::exception& e) {
        recommendation_.clear();
        pick_->setText(QString::fromUtf8(e.what()));
        emit changed();
        return;
    }
    pick_->setText(recommendation_);
    emit changed();
}

RoiSettings RoiPage::settings() const {
    RoiSettings s;
    s.monthly_prompt_tokens_millions = input_mtok_->value();
    s.monthly_tokens_millions = output_mtok_->value();
    s.hardware = hardware_->currentText();
    s.price_per_hour = price_->value();
    s.one_time_cost = one_time_->value();
    s.retention_threshold = threshold_->value();
    for (const ApiPrice& a : apis())
        s.api_prices.append({QString::fromStdString(a.provider), a.usd_per_mtok_input, a.usd_per_mtok_output});
    return s;
}

void RoiPage::set_settings(const RoiSettings& s) {
    input_mtok_->setValue(s.monthly_prompt_tokens_millions);
    output_mtok_->setValue(s.monthly_tokens_millions);
    const int h = hardware_->findText(s.hardware);
    if (h >= 0) hardware_->setCurrentIndex(h);
    price_->setValue(s.price_per_hour);
    one_time_->setValue(s.one_time_cost);
    threshold_->setValue(s.retention_threshold);
    if (!s.api_prices.isEmpty()) {
        const QSignalBlocker block(api_table_);
        api_table_->setRowCount(0);
        for (const auto& a : s.api_prices) {
            const int r = api_table_->rowCount();
            api_table_->insertRow(r);
            api_table_->setItem(r, 0, new QTableWidgetItem(a.name));
            api_table_->setItem(r, 1, new QTableWidgetItem(QString::number(a.usd_per_mtok_input, 'g', 10)));
            api_table_->setItem(r, 2, new QTableWidgetItem(QString::number(a.usd_per_mtok_output, 'g', 10)));
        }
    }
    recompute();
}

}  // namespace qs::ui
