#include "drift_history_model.h"

#include <QBrush>
#include <QColor>
#include <cmath>

namespace qs::ui {

DriftHistoryModel::DriftHistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void DriftHistoryModel::set_checks(std::vector<DriftCheck> checks) {
    beginResetModel();
    checks_ = std::move(checks);
    endResetModel();
}

int DriftHistoryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(checks_.size()); }
int DriftHistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

namespace {

// p-values: three significant digits, tiny ones in scientific notation (a 0.000 would read as certainty).
QString p_text(double p) { return p < 0.001 ? QString::number(p, 'e', 1) : QString::number(p, 'g', 3); }

}  // namespace

QVariant DriftHistoryModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(checks_.size())) return {};
    const DriftCheck& c = checks_[size_t(index.row())];
    const bool first = c.seq == 1;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Seq: return c.seq;
        case CheckedAt: return QString::fromStdString(c.checked_at);
        case Fingerprint: return c.fingerprint.empty() ? QStringLiteral("none") : QString::fromStdString(c.fingerprint);
        case MeanDelta: return first ? QStringLiteral("reference") : QString::asprintf("%+.4f", c.mean_delta);
        case Agreement: return first ? QStringLiteral("—") : QString::asprintf("%.1f %%", c.agreement);
        case PValue: return first ? QStringLiteral("—") : p_text(c.p_value);
        case Threshold: return first ? QStringLiteral("—") : p_text(c.alpha);
        case Verdict: return first ? tr("first") : c.flagged ? tr("CHANGED") : tr("no change");
        }
    }
    if (role == Qt::ForegroundRole && index.column() == Verdict && c.flagged) return QBrush(QColor(213, 94, 0));
    if (role == Qt::ToolTipRole && !first)
        return tr("%6. %1 of %2 probes moved more since the first check than between this check's two replicates (%3 less); "
                  "greedy output changed on %4 probes (unstable within the check on %5). Flagged when p ≤ threshold α/(k(k−1)).")
            .arg(c.between_larger).arg(c.items.empty() ? c.between_larger + c.within_larger : int(c.items.size()))
            .arg(c.within_larger).arg(c.greedy_changed).arg(c.greedy_unstable)
            .arg(c.flagged ? tr("Changed") : tr("No evidence of a change"));
    if (role == Qt::TextAlignmentRole && index.column() != CheckedAt && index.column() != Fingerprint && index.column() != Verdict)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant DriftHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Seq: return tr("Check");
    case CheckedAt: return tr("Checked at (UTC)");
    case Fingerprint: return tr("Server fingerprint");
    case MeanDelta: return tr("Mean Δ log-prob");
    case Agreement: return tr("Agreement");
    case PValue: return tr("p");
    case Threshold: return tr("Threshold");
    case Verdict: return tr("Verdict");
    }
    return {};
}

charts::ChartSpec drift_history_chart(const std::vector<DriftCheck>& checks, const QString& subtitle) {
    charts::ChartSpec spec;
    spec.id = "drift_history";
    spec.title = QObject::tr("Drift since the first check");
    spec.subtitle = subtitle;
    spec.x.title = QObject::tr("Check");
    spec.y.title = QObject::tr("Mean Δ log-prob (nats)");
    spec.caption = QObject::tr("0 = the same log-probs as the first check. A check is flagged (orange) when the paired sign test "
                               "says the probes moved more than the endpoint's own run-to-run noise, at a threshold that keeps "
                               "the chance of any false alarm over the whole series below α.");
    spec.empty_message = QObject::tr("needs two checks");
    if (checks.size() < 2) return spec;
    charts::ChartSeries steady{QObject::tr("no evidence of change"), charts::SeriesKind::Scatter, {}, charts::palette_color(0)};
    charts::ChartSeries flagged{QObject::tr("change flagged"), charts::SeriesKind::Scatter, {}, charts::palette_color(1)};
    flagged.marker = charts::Marker::Diamond;
    charts::ChartSeries line{QObject::tr("checks in order"), charts::SeriesKind::Line, {}, QColor(150, 150, 150)};
    line.in_legend = false;
    for (const DriftCheck& c : checks) {
        const double y = c.seq == 1 ? 0.0 : c.mean_delta;
        if (!std::isfinite(y)) continue;
        charts::ChartPoint p;
        p.x = c.seq;
        p.y = y;
        // Only flagged checks carry a label (drawn beside the point): a long series stays readable.
        if (c.flagged) p.label = QObject::tr("check %1: agreement %2 %").arg(c.seq).arg(c.agreement, 0, 'f', 1);
        line.points.push_back({p.x, p.y});
        (c.flagged ? flagged : steady).points.push_back(p);
    }
    spec.series = {line, steady, flagged};
    return spec;
}

}  // namespace qs::ui
