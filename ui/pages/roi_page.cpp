#include "roi_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <optional>

#include "cost/cost_model.h"
#include "qstring_from.h"

namespace qs::ui {
namespace {

const QString kCustom = QStringLiteral("custom");

QDoubleSpinBox* spin(double max, double value, int decimals, const QString& suffix) {
    auto* s = new QDoubleSpinBox;
    s->setRange(0, max);
    s->setDecimals(decimals);
    s->setValue(value);
    s->setSuffix(suffix);
    return s;
}

QString usd(double v) {
    if (!std::isfinite(v)) return QString("—");
    return QString("$%1").arg(v, 0, 'f', 2);
}
// Small amounts (per million tokens) with three significant digits, so that $0.0713 and $0.0752 differ.
QString usd_small(double v) {
    if (!std::isfinite(v)) return QString("—");
    return v >= 100 ? usd(v) : "$" + QString::number(v, 'g', 3);
}

// The capacity in a table cell: "37 × 4096", "does not fit", "fits" (KV not counted), "—" (unknown).
QString capacity_cell(const ServingCapacity* c) {
    if (!c || !c->known) return QString("—");
    if (!c->fits) return QObject::tr("does not fit");
    if (c->max_sequences < 0) return QObject::tr("fits");
    return QString("%1 × %2").arg(c->max_sequences).arg(c->context_tokens);
}

// Colours that say where a speed comes from, the same on every row and in the banner.
QString source_colour(SpeedSource s) {
    switch (s) {
        case SpeedSource::Measured: return "#1b7f3b";
        case SpeedSource::Imported: return "#1f5fa8";
        case SpeedSource::Estimated: return "#a35c00";
    }
    return "#000000";
}

QString verdict_colour(Verdict v) {
    switch (v) {
        case Verdict::NonInferior: return "#1b7f3b";
        case Verdict::Inferior: return "#b00020";
        case Verdict::Undecided: return "#a35c00";
        default: return "#555555";
    }
}

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
    hardware_->addItem(kCustom);
    for (const auto& h : prices_.hardware) hardware_->addItem(q(h.name), h.usd_per_hour);
    price_ = spin(1e4, 0.8, 5, tr(" USD/hour"));  // 5 decimals: the price table has prices such as 0.10264
    one_time_ = spin(1e9, 2000, 0, tr(" USD one-time"));
    margin_ = spin(50, 1, 1, tr(" accuracy points"));
    margin_->setMinimum(0.1);
    margin_->setToolTip(tr("A precision is recommended only when the lower end of its 95 % paired interval of Δacc is above minus this margin"));
    threshold_ = spin(100, 0, 1, tr(" % (0 = not required)"));
    threshold_->setToolTip(tr("An extra requirement on the point estimate of accuracy retention; it never makes a recommendation alone"));
    form->addRow(tr("Prompt tokens"), input_mtok_);
    form->addRow(tr("Generated tokens"), output_mtok_);
    form->addRow(tr("Hardware profile"), hardware_);
    form->addRow(tr("Price per hour"), price_);
    form->addRow(tr("One-time cost"), one_time_);
    form->addRow(tr("Non-inferiority margin"), margin_);
    form->addRow(tr("Also require retention ≥"), threshold_);
    left->addWidget(inputs);

    auto* speed_box = new QGroupBox(tr("Where the speeds come from"));
    auto* speed_layout = new QVBoxLayout(speed_box);
    speed_label_ = new QLabel;
    speed_label_->setWordWrap(true);
    speed_label_->setTextFormat(Qt::RichText);
    auto* import_row = new QHBoxLayout;
    auto* import = new QPushButton(tr("Import bench file…"));
    import->setToolTip(tr("llama-bench -o json output, or quantscope-cli bench --json, measured on the selected hardware"));
    estimate_ = new QCheckBox(tr("Use the roofline estimate"));
    import_row->addWidget(import);
    import_row->addWidget(estimate_);
    import_row->addStretch(1);
    profiles_table_ = new QTableWidget(0, 4);
    profiles_table_->setHorizontalHeaderLabels({tr("Profile"), tr("Kind"), tr("USD/hour"), tr("Speed from")});
    profiles_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    profiles_table_->horizontalHeader()->setStretchLastSection(true);
    profiles_table_->verticalHeader()->hide();
    profiles_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    profiles_table_->setSelectionMode(QAbstractItemView::NoSelection);
    speed_layout->addWidget(speed_label_);
    speed_layout->addLayout(import_row);
    speed_layout->addWidget(profiles_table_, 1);
    left->addWidget(speed_box, 2);

    auto* api_box = new QGroupBox(tr("API prices (USD per million tokens, editable)"));
    auto* api_layout = new QVBoxLayout(api_box);
    api_table_ = new QTableWidget(0, 3);
    api_table_->setHorizontalHeaderLabels({tr("API"), tr("Input"), tr("Output")});
    api_table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    api_table_->verticalHeader()->hide();
    for (const auto& a : prices_.apis) {
        const int r = api_table_->rowCount();
        api_table_->insertRow(r);
        api_table_->setItem(r, 0, new QTableWidgetItem(q(a.label())));
        api_table_->setItem(r, 1, new QTableWidgetItem(QString::number(a.usd_per_mtok_input)));
        api_table_->setItem(r, 2, new QTableWidgetItem(QString::number(a.usd_per_mtok_output)));
    }
    auto* add_api = new QPushButton(tr("Add API row"));
    api_layout->addWidget(api_table_);
    api_layout->addWidget(add_api);
    left->addWidget(api_box, 1);
    layout->addLayout(left, 2);

    auto* right = new QVBoxLayout;
    result_table_ = new QTableWidget(0, 9);
    result_table_->setHorizontalHeaderLabels({tr("Precision"), tr("Speed"), tr("Gen tok/s"), tr("$ / Mtok out"),
                                              tr("Monthly cost"), tr("vs baseline"), tr("Payback"), tr("Verdict"),
                                              tr("Fits at once")});
    result_table_->horizontalHeaderItem(3)->setToolTip(tr("USD per million generated tokens"));
    result_table_->horizontalHeaderItem(5)->setToolTip(tr("Monthly cost against the baseline precision's"));
    result_table_->horizontalHeaderItem(8)->setToolTip(
        tr("Sequences of the serving context that fit at once in the profile's memory beside the weights (KV cache bytes from the bench)"));
    result_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    result_table_->verticalHeader()->hide();
    result_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    pick_ = new QLabel;
    pick_->setWordWrap(true);
    pick_->setTextFormat(Qt::RichText);
    pick_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    pick_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    pick_->setStyleSheet("padding: 6px");
    right->addWidget(result_table_, 1);
    right->addWidget(pick_, 1);
    layout->addLayout(right, 3);

    for (auto* s : {input_mtok_, output_mtok_, price_, one_time_, threshold_, margin_})
        connect(s, &QDoubleSpinBox::valueChanged, this, &RoiPage::recompute);
    connect(hardware_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i > 0) {
            const QSignalBlocker block(price_);
            price_->setValue(hardware_->itemData(i).toDouble());
        }
        recompute();
    });
    connect(estimate_, &QCheckBox::toggled, this, &RoiPage::recompute);
    connect(import, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import bench file for %1").arg(hardware_->currentText()), {},
                                                          tr("Bench JSON (*.json *.jsonl);;All files (*)"));
        if (path.isEmpty()) return;
        if (const QString err = import_bench(path); !err.isEmpty()) speed_label_->setText("<span style='color:#b00020'>" + err.toHtmlEscaped() + "</span>");
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

const HardwarePrice* RoiPage::current_profile() const {
    return hardware_->currentIndex() > 0 ? prices_.find_hardware(hardware_->currentText().toStdString()) : nullptr;
}

double RoiPage::price_per_hour() const { return measured_here_ ? price_->value() : -1; }

QMap<QString, double> RoiPage::cost_per_mtok() const {
    QMap<QString, double> out;
    for (const PrecisionCost& c : costs_) out[q(c.precision)] = c.cost_per_mtok_gen;
    return out;
}

ReportRecommendation RoiPage::report_recommendation() const {
    if (decision_.baseline.empty()) return {};
    return qs::ui::report_recommendation(decision_, costs_, cost_where_);
}

QVector<QPair<QString, double>> RoiPage::api_output_prices() const {
    QVector<QPair<QString, double>> out;
    for (const auto& a : apis()) out.append({q(a.provider), a.usd_per_mtok_output});
    return out;
}

void RoiPage::set_results(const ResultsGrid& grid, const std::vector<RunRecord>& runs) {
    grid_ = grid;
    runs_ = runs;
    // The run priced and judged: the first shown, with the results view's baseline when it is one of its precisions.
    evidence_.reset();
    if (!runs_.empty()) {
        std::string baseline;
        const int b = grid_.baseline_row();
        if (b >= 0 && grid_.rows()[b].run_id == runs_.front().id) baseline = grid_.rows()[b].precision.toStdString();
        evidence_ = run_evidence(runs_.front(), baseline);
    }
    recompute();
}

QString RoiPage::import_bench(const QString& path) {
    try {
        imported_[hardware_->currentText()] = bench_speeds_load(path.toStdString());
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    estimate_->setChecked(false);
    recompute();
    return {};
}

// Every profile with the source its speeds would come from now (the selected one's is the banner's).
void RoiPage::fill_profiles() {
    const std::optional<RunEvidence>& ev = evidence_;
    profiles_table_->setRowCount(0);
    auto add = [&](const QString& name, const QString& kind, double price, const HardwarePrice* h) {
        const ImportedSpeeds* imp = imported_.contains(name) ? &imported_[name] : nullptr;
        const ProfileSpeeds ps = profile_speeds(h, prices_.roofline, ev ? &ev->measured : nullptr, imp);
        const int r = profiles_table_->rowCount();
        profiles_table_->insertRow(r);
        auto* from = new QTableWidgetItem(ps.ok ? q(speed_source_name(ps.source)) : tr("none: import a bench"));
        from->setToolTip(q(ps.why));
        if (ps.ok) from->setForeground(QColor(source_colour(ps.source)));
        const QStringList cells = {name, kind, price >= 0 ? QString::number(price, 'g', 6) : QString("—")};
        for (int k = 0; k < cells.size(); ++k) profiles_table_->setItem(r, k, new QTableWidgetItem(cells[k]));
        profiles_table_->setItem(r, 3, from);
        if (name == hardware_->currentText())
            for (int k = 0; k < 4; ++k) profiles_table_->item(r, k)->setBackground(QColor("#e8eef7"));
    };
    add(kCustom, tr("this machine"), -1, nullptr);
    for (const auto& h : prices_.hardware) add(q(h.name), q(hardware_kind_name(h.kind)), h.usd_per_hour, &h);
}

void RoiPage::recompute() {
    result_table_->setRowCount(0);
    recommendation_.clear();
    decision_ = {};
    costs_.clear();
    measured_here_ = false;
    fill_profiles();

    const std::optional<RunEvidence>& ev = evidence_;
    const HardwarePrice* profile = current_profile();
    const QString key = hardware_->currentText();
    const ImportedSpeeds* imported = imported_.contains(key) ? &imported_[key] : nullptr;
    const ProfileSpeeds ps = profile_speeds(profile, prices_.roofline, ev ? &ev->measured : nullptr, imported, estimate_->isChecked());
    speed_why_ = q(ps.why);
    cost_where_ = q(speeds_where(ps, profile, price_->value()));
    if (!ps.ok) {
        // No speed here: the rule still judges the evidence, ranked by size (as the CLI's report does).
        if (!runs_.empty()) try {
                DecisionOptions opts;
                opts.margin_pp = margin_->value();
                if (threshold_->value() > 0) opts.min_retention_pct = threshold_->value();
                decision_ = run_verdict(runs_.front(), nullptr, prices_.roofline, opts, ev ? ev->baseline : std::string()).decision;
            } catch (const std::exception&) {
                decision_ = {};  // no baseline among the evidence: nothing to judge
            }
        speed_label_->setText(tr("<b>No speed for %1.</b> %2").arg(key.toHtmlEscaped(), speed_why_.toHtmlEscaped()));
        pick_->setText(runs_.empty() ? tr("Run with “Speed and memory (bench)” ticked, or import a bench file measured on the selected hardware.")
                                     : tr("No costs: %1.").arg(speed_why_.toHtmlEscaped()));
        emit changed();
        return;
    }
    measured_here_ = ps.source == SpeedSource::Measured;
    speed_label_->setText(QString("<b style='color:%1'>%2</b> — %3")
                              .arg(source_colour(ps.source), q(speed_source_name(ps.source)), speed_why_.toHtmlEscaped()));
    try {
        const auto& speeds = ps.speeds;
        CostInputs in;
        in.usd_per_hour = price_->value();
        in.volume = {input_mtok_->value() * 1e6, output_mtok_->value() * 1e6};
        const std::string base = ev ? ev->baseline : std::string();
        in.baseline = std::any_of(speeds.begin(), speeds.end(), [&](const PrecisionSpeed& s) { return s.precision == base; })
                          ? base
                          : speeds.front().precision;
        in.one_time_cost_usd = one_time_->value();
        in.apis = apis();
        const auto costs = cost_compare(speeds, in);
        costs_ = costs;

        DecisionOptions opts;
        opts.margin_pp = margin_->value();
        if (threshold_->value() > 0) opts.min_retention_pct = threshold_->value();
        std::vector<CandidateEvidence> evidence = ev ? ev->evidence : evidence_from_speeds(speeds);
        for (const PrecisionSpeed& s : speeds)
            if (std::none_of(evidence.begin(), evidence.end(), [&](const CandidateEvidence& e) { return e.precision == s.precision; })) {
                evidence.push_back({});
                evidence.back().precision = s.precision;
            }
        decision_ = recommend_servable(evidence, costs, ps, profile, ev ? ev->baseline : in.baseline, opts);  // the baseline the evidence compares with

        for (size_t i = 0; i < costs.size(); ++i) {
            const auto& c = costs[i];
            const auto& s = speeds[i];
            const bool is_base = c.precision == in.baseline;
            const CandidateDecision* verdict = nullptr;
            for (const auto& d : decision_.candidates)
                if (d.precision == c.precision) verdict = &d;
            const int r = result_table_->rowCount();
            result_table_->insertRow(r);
            const QString tg = std::isfinite(s.tg_tps_sd) ? QString("%1 ± %2").arg(s.tg_tps, 0, 'f', 1).arg(s.tg_tps_sd, 0, 'f', 1)
                                                          : QString::number(s.tg_tps, 'f', 1);
            const QStringList cells = {q(c.precision), q(speed_source_name(s.source)), tg, usd_small(c.cost_per_mtok_gen), usd(c.monthly_usd),
                                       is_base ? tr("baseline") : q(savings_text(c.savings_vs_baseline_usd)),
                                       is_base ? QString("—") : q(payback_text(c.payback_months, in.one_time_cost_usd > 0)),
                                       verdict ? q(verdict_name(verdict->verdict)) : QString("—")};
            for (int k = 0; k < cells.size(); ++k) result_table_->setItem(r, k, new QTableWidgetItem(cells[k]));
            result_table_->item(r, 1)->setForeground(QColor(source_colour(s.source)));
            result_table_->item(r, 1)->setToolTip(q(s.source_detail));
            if (c.savings_vs_baseline_usd < 0 && !is_base) result_table_->item(r, 5)->setForeground(QColor("#b00020"));
            if (verdict) {
                result_table_->item(r, 7)->setForeground(QColor(verdict_colour(verdict->verdict)));
                result_table_->item(r, 7)->setToolTip(q(verdict->reason));
            }
            // How many sequences of the serving context fit in the profile's memory beside the weights.
            const ServingCapacity* cap = ps.capacity_of(c.precision);
            auto* fits = new QTableWidgetItem(capacity_cell(cap));
            fits->setToolTip(cap ? q(serving_capacity_text(*cap)) : tr("no hardware profile, or the precision's sizes are unknown"));
            if (cap && cap->known && !cap->fits) fits->setForeground(QColor("#b00020"));
            result_table_->setItem(r, 8, fits);
        }

        QString html = decision_.decided ? tr("<p><b>Recommended: %1</b></p>").arg(q(decision_.picked).toHtmlEscaped())
                                         : tr("<p><b>No recommendation yet</b></p>");
        html += "<p>" + q(decision_.reason).toHtmlEscaped() + "</p>";
        html += tr("<p>Rule: the cheapest precision whose 95 % paired interval of Δacc against %1 stays above −%2 pp "
                   "(engine/eval/decision.h).</p><table cellspacing='0' cellpadding='2'>")
                    .arg(q(decision_.baseline).toHtmlEscaped())
                    .arg(margin_->value(), 0, 'g', 3);
        for (const auto& d : decision_.candidates) {
            if (d.verdict == Verdict::Baseline) continue;
            html += QString("<tr><td><b>%1</b></td><td style='color:%2'>%3</td><td>%4</td></tr>")
                        .arg(q(d.precision).toHtmlEscaped(), verdict_colour(d.verdict), q(verdict_name(d.verdict)), q(d.reason).toHtmlEscaped());
        }
        html += "</table>";
        pick_->setText(html);
        recommendation_ = q(decision_summary(decision_)) + QString(". Speeds: %1 (%2).").arg(q(speed_source_name(ps.source)), speed_why_);
    } catch (const std::exception& e) {
        recommendation_.clear();
        pick_->setText(QString::fromUtf8(e.what()).toHtmlEscaped());
        emit changed();
        return;
    }
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
