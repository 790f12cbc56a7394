// report_build(): the report's content, from the runs to headings, prose, tables and figures.
// Every figure in it comes from the same ResultsGrid / ResultsSummary / chart builders as the
// workbench's views.
#include <QDateTime>
#include <QFileInfo>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include "generation_changes.h"
#include "report.h"
#include "results_charts.h"
#include "results_table_model.h"
#include "calibration_heatmap.h"
#include "sensitivity_heatmap.h"

namespace qs::ui {
namespace {

using Kind = ReportBlock::Kind;

ReportBlock heading(Kind kind, const QString& text) {
    ReportBlock b;
    b.kind = kind;
    b.text = text;
    return b;
}

ReportBlock paragraph(const QString& html) { return heading(Kind::Paragraph, html); }

ReportBlock bullets(const QStringList& items) {
    ReportBlock b;
    b.kind = Kind::Bullets;
    b.items = items;
    return b;
}

ReportBlock page_break(bool landscape) {
    ReportBlock b;
    b.kind = Kind::PageBreak;
    b.landscape = landscape;
    return b;
}

ReportBlock key_value_table(const QVector<QPair<QString, QString>>& rows) {
    ReportBlock b;
    b.kind = Kind::Table;
    b.key_value = true;
    for (const auto& [k, v] : rows) b.rows.push_back({k, v});
    b.right_align = {false, false};
    return b;
}

QString qs_(const std::string& s) { return QString::fromStdString(s); }

// Who answered an endpoint run (remote/remote_run.h stores it in the run's settings); empty url
// for a run of a local model.
struct EndpointInfo {
    QString url, model, fingerprint, owned_by, checked_at;
    qint64 max_model_len = 0;
};

EndpointInfo endpoint_of(const RunRecord& run) {
    EndpointInfo e;
    const auto s = nlohmann::json::parse(run.settings_json, nullptr, false);
    if (!s.is_object() || !s.contains("endpoint") || !s["endpoint"].is_object()) return e;
    const auto& j = s["endpoint"];
    auto text = [&](const char* key) { return j.contains(key) && j[key].is_string() ? qs_(j[key].get<std::string>()) : QString(); };
    e.url = text("url");
    e.model = text("model");
    e.fingerprint = text("fingerprint");
    e.owned_by = text("owned_by");
    e.checked_at = text("checked_at");
    if (j.contains("max_model_len") && j["max_model_len"].is_number_integer()) e.max_model_len = j["max_model_len"].get<qint64>();
    return e;
}

// The columns of a table that compare with a baseline (Δ, retention, agreement); a report of one
// endpoint run has none to compare with, so they would only be empty.
bool comparison_column(const QString& header) {
    return header.startsWith(QString::fromUtf8("Δ")) || header.startsWith("Retention") || header.startsWith("Agreement");
}

void drop_columns(ReportBlock& b, const std::function<bool(const QString&)>& drop) {
    for (int c = int(b.header.size()) - 1; c >= 1; --c) {
        if (!drop(b.header[c])) continue;
        b.header.removeAt(c);
        b.right_align.removeAt(c);
        for (auto& row : b.rows) row.removeAt(c);
        for (auto& f : b.flagged) f.removeAt(c);
    }
}

// The summary table as a report table: a colour chip per precision (the charts' colours), the
// baseline in bold, significant losses on red.
ReportBlock summary_table(const ResultsSummary& s, bool no_baseline) {
    ReportBlock b;
    b.kind = Kind::Table;
    b.header << "Precision";
    b.right_align << false;
    for (int c = 0; c < s.columns().size(); ++c) {
        b.header << s.header(c);
        b.right_align << true;
    }
    for (int r = 0; r < s.row_count(); ++r) {
        QStringList row{no_baseline ? s.grid().rows()[r].label : s.row_title(r)};
        QVector<bool> flags{false};
        for (int c = 0; c < s.columns().size(); ++c) {
            row << s.cell(r, c).text;
            flags << s.cell(r, c).significant_loss;
        }
        b.rows.push_back(row);
        b.flagged.push_back(flags);
        b.row_swatch.push_back(precision_style(s.grid(), r).color);
        b.bold_row.push_back(!no_baseline && s.grid().is_baseline(r));
    }
    if (no_baseline) drop_columns(b, comparison_column);
    QStringList notes;
    for (int i = 0; i < s.columns().size(); ++i)
        if (const SummaryColumn& c = s.columns()[i]; !c.unit_note.isEmpty() && !(no_baseline && comparison_column(s.header(i))))
            notes << "<b>" + esc(c.title.split('\n').first()) + "</b>: " + esc(c.unit_note);
    b.note = esc(s.caption()) + " " + notes.join("; ") +
             (no_baseline ? QString(".") : QString(". Red: a loss larger than its uncertainty allows by chance (95 %)."));
    return b;
}

// One appendix table per metric family, from the details table model (same texts as the GUI).
QVector<ReportBlock> detail_tables(const std::vector<RunRecord>& runs, const QString& baseline, const QString& reference,
                                   bool no_baseline) {
    ResultsTableModel model;
    model.set_runs(runs, baseline, reference);
    QStringList families;
    for (int c = 1; c < model.columnCount(); ++c)
        if (!families.contains(model.column_family(c))) families << model.column_family(c);
    QVector<ReportBlock> out;
    for (const QString& family : families) {
        QVector<int> cols;
        for (int c = 1; c < model.columnCount(); ++c)
            if (model.column_family(c) == family && !(no_baseline && comparison_column(model.headerData(c, Qt::Horizontal).toString())))
                cols << c;
        if (cols.isEmpty()) continue;
        // Keep tables readable: at most 9 figure columns each.
        constexpr int kMax = 9;
        for (int start = 0; start < cols.size(); start += kMax) {
            ReportBlock b;
            b.kind = Kind::Table;
            b.header << "Precision";
            b.right_align << false;
            const int end = std::min<int>(int(cols.size()), start + kMax);
            for (int i = start; i < end; ++i) {
                b.header << model.headerData(cols[i], Qt::Horizontal).toString().replace(" (", "\n(");
                b.right_align << true;
            }
            for (int r = 0; r < model.rowCount(); ++r) {
                QStringList row{model.index(r, 0).data().toString()};
                QVector<bool> flags{false};
                for (int i = start; i < end; ++i) {
                    row << model.index(r, cols[i]).data().toString();
                    flags << model.index(r, cols[i]).data(ResultsTableModel::SignificantLossRole).toBool();
                }
                b.rows.push_back(row);
                b.flagged.push_back(flags);
                b.row_swatch.push_back(precision_style(model.grid(), r).color);
                b.bold_row.push_back(!no_baseline && model.grid().is_baseline(r));
                if (no_baseline) b.rows.back()[0] = model.grid().rows()[r].label;
            }
            out.push_back(heading(Kind::Subheading, family + (cols.size() > kMax ? QString(" (%1)").arg(start / kMax + 1) : QString())));
            out.push_back(b);
        }
    }
    return out;
}

// A generated text for a table cell: at most kMaxLines lines, so one item cannot fill pages.
QString clipped_output(const QString& text) {
    constexpr int kMaxLines = 30;
    const QStringList lines = text.split('\n');
    if (lines.size() <= kMaxLines) return text;
    return lines.mid(0, kMaxLines).join('\n') + QString("\n… (%1 more lines)").arg(lines.size() - kMaxLines);
}

// Per generation task and precision: how many answers the baseline got right and this precision
// broke (and the other way round), then the first few such items with both outputs side by side:
// where Q4 broke the function.
QVector<ReportBlock> generation_change_blocks(const std::vector<RunRecord>& runs, const QString& baseline) {
    constexpr int kShown = 5;
    const QVector<GenerationChanges> all = generation_changes(runs, baseline);
    QVector<ReportBlock> out;
    if (all.isEmpty()) return out;
    out.push_back(heading(Kind::Heading, "Generation tasks: answers that changed"));
    for (const GenerationChanges& c : all) {
        out.push_back(heading(Kind::Subheading, c.dataset + ": " + c.precision + " against " + c.baseline));
        out.push_back(paragraph(QString("%1 items: <b>%2 the baseline passed now fail</b>, %3 it failed now pass; %4 of %1 "
                                        "outputs are the baseline's, byte for byte.")
                                    .arg(c.items)
                                    .arg(c.broken)
                                    .arg(c.fixed)
                                    .arg(c.same_text)));
        if (c.changes.isEmpty()) continue;
        ReportBlock t;
        t.kind = Kind::Table;
        t.code = true;
        t.header = {"Item", c.baseline, c.precision};
        t.right_align = {false, false, false};
        for (int i = 0; i < std::min<int>(kShown, int(c.changes.size())); ++i) {
            const GenerationChange& g = c.changes[i];
            t.rows.push_back({g.item_id + QString("\nitem %1").arg(g.item), g.baseline_verdict + "\n" + clipped_output(g.baseline_text),
                              g.verdict + (g.detail.isEmpty() ? QString() : ": " + g.detail) + "\n" + clipped_output(g.text)});
            t.flagged.push_back({false, false, g.verdict != "pass" && g.baseline_verdict == "pass"});
        }
        if (c.changes.size() > kShown)
            t.note = QString("and %1 more (<code>quantscope-cli history --run %2 --item N</code> shows item N).")
                         .arg(c.changes.size() - kShown)
                         .arg(c.run_id);
        out.push_back(t);
    }
    return out;
}

// Risks a reader should weigh, derived from the data.
QStringList risks(const ResultsGrid& g, const ResultsSummary& s, const std::vector<RunRecord>& runs) {
    QStringList out;
    // How many items each task had, and what difference that can resolve.
    for (const QString& task : g.tasks()) {
        const int col = g.accuracy_column(task);
        double se = NAN, items = NAN;
        for (int r = 0; r < g.rows().size(); ++r) {
            if (const Metric* m = g.cell(r, col); m && m->has_stderr() && std::isnan(se)) se = m->stderr_;
            if (const Metric* n = g.find(r, "items", task); n && std::isnan(items)) items = n->value;
        }
        if (std::isnan(se)) continue;
        QString line = "Accuracy on <b>" + esc(task) + "</b>";
        if (!std::isnan(items)) line += QString(" comes from %1 items").arg(items, 0, 'f', 0);
        if (se > 0)
            line += QString(": its standard error is about %1 points, so differences of less than about %2 points cannot be "
                            "told from sampling noise without more items.")
                        .arg(se, 0, 'f', 1)
                        .arg(2.8 * se, 0, 'f', 1);
        else  // every item scored alike (0 % or 100 %): the standard error is 0 and says nothing about the noise
            line += ", every one scored alike, so its standard error (0) says nothing about sampling noise: so few items "
                    "cannot tell small differences apart.";
        out << line;
    }
    // Perplexity that holds while accuracy falls: the blind spot of perplexity-only evaluations.
    const QString text = g.datasets_with("ppl").value(0);
    const int ppl_col = text.isEmpty() ? -1 : g.column_of("ppl", text, "perplexity");
    for (const QString& task : g.tasks()) {
        const int acc_col = g.accuracy_column(task);
        for (int r = 0; ppl_col >= 0 && r < g.rows().size(); ++r) {
            const ResultComparison p = g.compare(r, ppl_col), a = g.compare(r, acc_col);
            if (std::isnan(p.delta) || std::isnan(a.delta)) continue;
            if (!(p.significant && p.loss) && a.significant && a.loss)
                out << "<b>" + esc(g.rows()[r].label) + "</b> keeps its perplexity (" + percent_change_text(p.delta_pct) +
                           ") but loses accuracy on " + esc(task) + " (" + points_text(a.delta) +
                           "): perplexity alone would have hidden this loss.";
        }
    }
    if (g.tasks().isEmpty())
        out << "No task accuracy was measured: perplexity and KL divergence show how far the model moved, not which "
               "tasks (coding, math, multiple choice) lose accuracy.";
    // Speeds belong to the machine that measured them.
    QSet<QString> machines;
    bool bench = false;
    for (const auto& run : runs) {
        for (const auto& j : run.jobs) bench |= j.evaluator == EvaluatorKind::Bench && j.status == JobStatus::Done;
        if (!run.machine.empty()) machines.insert(qs_(run.machine));
    }
    if (bench)
        out << "Speeds were measured on " + esc(QStringList(machines.values()).join(", ")) +
                   ". They do not transfer to other hardware: measure there (llama-bench) and import the result.";
    // Jobs that did not finish.
    int failed = 0, cancelled = 0;
    QStringList failures;
    for (const auto& run : runs)
        for (const auto& j : run.jobs) {
            if (j.status == JobStatus::Failed) {
                ++failed;
                if (failures.size() < 3) failures << esc(qs_(j.precision) + " " + evaluator_name(j.evaluator) + ": " + qs_(j.error));
            }
            cancelled += j.status == JobStatus::Cancelled;
        }
    if (failed) out << QString("%1 job(s) failed and are missing from the figures: ").arg(failed) + failures.join("; ") + ".";
    if (cancelled) out << QString("%1 job(s) were cancelled and are missing from the figures.").arg(cancelled);
    (void)s;
    return out;
}

// Settings of the run as a table for people: one row per evaluator with its settings in words.
QVector<QPair<QString, QString>> settings_rows(const RunRecord& run) {
    QVector<QPair<QString, QString>> rows;
    QSet<QString> seen;
    for (const auto& j : run.jobs) {
        const QString what = QString(evaluator_name(j.evaluator)) + (j.dataset.empty() ? QString() : " — " + qs_(j.dataset));
        if (seen.contains(what)) continue;
        seen.insert(what);
        const auto s = nlohmann::json::parse(j.settings_json, nullptr, false);
        QStringList parts;
        if (s.is_object())
            for (auto it = s.begin(); it != s.end(); ++it) {
                if (it.key() == "endpoint") continue;  // the run's endpoint table shows it
                if (it.key() == "usage" && it->is_object()) {
                    parts << QString("usage %1 prompt + %2 completion tokens in %3 requests")
                                 .arg(it->value("prompt_tokens", int64_t(0)))
                                 .arg(it->value("completion_tokens", int64_t(0)))
                                 .arg(it->value("requests", int64_t(0)));
                    continue;
                }
                QString v = it->is_string() ? qs_(it->get<std::string>()) : qs_(it->dump());
                const QString k = qs_(it.key()).replace('_', ' ');
                if (v == "0" && (it.key() == "n_ctx")) v = "the model's";
                parts << k + " " + v;
            }
        rows.push_back({what.left(1).toUpper() + what.mid(1), parts.join(", ")});
    }
    return rows;
}

QString first_date(const std::vector<RunRecord>& runs) {
    for (const auto& r : runs)
        if (r.started_at.size() >= 10) return qs_(r.started_at.substr(0, 10));
    return QDate::currentDate().toString(Qt::ISODate);
}

}  // namespace

ReportDocument report_build(const ReportInputs& in) {
    ReportDocument doc;
    const ResultsGrid grid = ResultsGrid::from_runs(in.runs, in.baseline, in.reference);
    const ResultsSummary summary = ResultsSummary::build(grid, in.extras);
    const QString models = grid.models().join(" vs ");
    const QString version = in.generated_by.isEmpty() ? QString("QuantScope %1").arg(QS_VERSION) : in.generated_by;
    // One run of one endpoint: nothing to compare with (no baseline, no precisions), so no
    // recommendation and no changes; the report says who answered and what it scored.
    const EndpointInfo endpoint = in.runs.size() == 1 ? endpoint_of(in.runs.front()) : EndpointInfo{};
    const bool single_endpoint = !endpoint.url.isEmpty();
    doc.title = (single_endpoint ? "Endpoint report: " : "Quantization report: ") + models;
    auto add = [&](ReportBlock b) { doc.blocks.push_back(std::move(b)); };

    // --- Executive summary --------------------------------------------------------------------
    add(heading(Kind::Title, doc.title));
    QStringList run_ids;
    for (const auto& r : in.runs) run_ids << QString::number(r.id);
    add(paragraph(QString("%1 · generated by %2 from run %3.").arg(first_date(in.runs), esc(version), run_ids.join(", "))));
    add(heading(Kind::Heading, "Summary"));
    QStringList precisions;
    for (const auto& r : grid.rows())
        if (!precisions.contains(r.precision)) precisions << r.precision;
    const QString base = grid.baseline_row() >= 0 ? grid.rows()[grid.baseline_row()].precision : QString();
    QStringList measured;
    if (!grid.datasets_with("ppl").isEmpty()) measured << "perplexity on " + grid.datasets_with("ppl").join(", ");
    if (!grid.datasets_with("kld_mean").isEmpty()) measured << "KL divergence from " + esc(base);
    if (!grid.tasks().isEmpty()) measured << "accuracy on " + grid.tasks().join(", ");
    if (!grid.datasets_with("tg_tps").isEmpty() || grid.find(0, "tg_tps")) measured << "speed and memory";
    // Runs that are studies (a sensitivity scan, a calibration study) and compare no precisions:
    // the summary says what they ask instead of a recommendation nobody asked for.
    const QVector<SensitivityView> scans = sensitivity_views(in.runs);
    const QVector<CalibrationView> studies = calibration_views(in.runs);
    const bool studies_only = !single_endpoint && precisions.size() <= 1 && (!scans.isEmpty() || !studies.isEmpty());
    if (single_endpoint) {
        add(paragraph("<b>The question.</b> How well does the model " + esc(endpoint.model) + " answer, as the endpoint " +
                      esc(endpoint.url) + " serves it? Measured through the endpoint: " + measured.join("; ") + "."));
        add(key_value_table({{"Endpoint", endpoint.url},
                             {"API model", endpoint.model},
                             {"Server fingerprint", endpoint.fingerprint.isEmpty() ? QString("not reported by the server") : endpoint.fingerprint},
                             {"Checked at (UTC)", endpoint.checked_at},
                             {"Owned by", endpoint.owned_by.isEmpty() ? QString("not reported") : endpoint.owned_by},
                             {"Context", endpoint.max_model_len > 0 ? QString("%1 tokens").arg(endpoint.max_model_len) : QString("not reported")}}));
        add(paragraph("<b>No comparison.</b> This report covers one run of one endpoint: it has <b>no baseline to compare "
                      "with</b>, so it recommends no precision and shows no changes. Precisions do not apply to a model "
                      "served elsewhere: every job evaluated the endpoint as it was served. To see what the endpoint costs "
                      "in quality, evaluate the same datasets on a local reference model (or another endpoint) and open the "
                      "runs together; <code>quantscope-cli detect</code> tells which precision an endpoint serves."));
    } else if (studies_only) {
        QStringList asked;
        if (!scans.isEmpty())
            asked << QString("which tensors of %1 can be quantized hard (a sensitivity scan: %2 tensor groups × low type, "
                             "section \"Sensitivity\")").arg(esc(models)).arg(scans.front().ranked.size());
        if (!studies.isEmpty()) {
            QStringList ps;
            for (const CalibrationView& v : studies) ps << esc(v.precision);
            asked << QString("which text to compute %1's importance matrix from (a calibration study of %2 on %3 evaluation "
                             "texts, section \"Calibration text\")")
                         .arg(esc(models), ps.join(", ")).arg(studies.front().table.eval.size());
        }
        QString question = asked.join("; and ");
        question[0] = question[0].toUpper();
        add(paragraph("<b>The question.</b> " + question + ". Every figure is mean KL divergence against " +
                      esc(base.isEmpty() ? QString("the base") : base) + ", measured, not predicted."));
        add(paragraph("<b>Recommendation.</b> Not a question this run answers: it compares no precisions. Measure the "
                      "mix or imatrix it points to with <code>eval --kld</code> (and a task) against the baseline."));
    } else {
        add(paragraph("<b>The question.</b> What does quantizing " + esc(models) + " cost in quality, and what does it buy "
                      "in size, speed and money? Compared: " + esc(precisions.join(", ")) + ", each against " +
                      (grid.cross_model_reference() ? "the reference " + esc(grid.rows()[grid.baseline_row()].label)
                                                    : "its model's baseline " + esc(base)) +
                      ". Measured: " + measured.join("; ") + "."));
        if (!in.recommendation.headline.isEmpty()) {
            add(paragraph("<b>Recommendation.</b> " + esc(in.recommendation.headline)));
            if (!in.recommendation.evidence.isEmpty()) {
                QStringList items;
                for (const auto& e : in.recommendation.evidence) items << esc(e);
                add(bullets(items));
            }
        } else {
            add(paragraph("<b>Recommendation.</b> None computed: a recommendation needs task accuracy (or KL divergence) "
                          "for the baseline and the candidates, and a margin."));
        }
        if (!in.recommendation.savings.isEmpty()) add(paragraph("<b>Money.</b> " + esc(in.recommendation.savings)));
    }
    QStringList risk = risks(grid, summary, in.runs);
    if (single_endpoint) {
        for (const auto& j : in.runs.front().jobs)
            if (j.settings_json.find("\"fingerprint_changed\":true") != std::string::npos) {
                risk.prepend("<b>The server's fingerprint changed during the run</b> (first in the " + esc(qs_(j.dataset)) +
                             " job): the served model or its configuration changed while it was being measured.");
                break;
            }
    }
    if (!risk.isEmpty()) {
        add(paragraph("<b>Risks and limits.</b>"));
        add(bullets(risk));
    }

    // --- Summary table (landscape when it is wide) ----------------------------------------------
    const bool wide = summary.columns().size() > 7;
    add(page_break(wide));
    add(heading(Kind::Heading, "Results"));
    add(summary_table(summary, single_endpoint));
    for (auto& b : generation_change_blocks(in.runs, in.baseline)) add(std::move(b));

    // --- Charts, each with its caption --------------------------------------------------------
    add(page_break(false));
    add(heading(Kind::Heading, "Charts"));
    ChartInputs ci;
    ci.runs = &in.runs;
    ci.grid = &grid;
    ci.bits_per_weight = in.extras.bits_per_weight;
    ci.memory_bytes = in.extras.weight_bytes;
    ci.cost_per_mtok = in.extras.cost_per_mtok;
    ci.cost_note = in.extras.cost_note;
    ci.api_prices = in.api_prices;
    QVector<charts::ChartSpec> specs;
    const QStringList tasks = grid.tasks().isEmpty() ? QStringList{QString()} : grid.tasks();
    for (const QString& t : tasks) {
        ci.task = t;
        specs << chart_ppl_vs_accuracy(ci);
    }
    if (!single_endpoint)
        for (const auto& c : {chart_kld_vs_bits(ci), chart_prompt_speed(ci), chart_generation_speed(ci), chart_memory(ci), chart_cost(ci)})
            specs << c;
    for (const QString& t : tasks) {
        ci.task = t;
        specs << chart_reliability(ci);
    }
    QStringList missing;
    for (const auto& spec : specs) {
        if (spec.point_count() == 0) {
            missing << "<b>" + esc(spec.title) + "</b> (" + esc(spec.empty_message) + ")";
            continue;
        }
        ReportBlock f;
        f.kind = Kind::Figure;
        f.chart = spec;
        f.text = spec.caption;
        add(f);
    }
    if (single_endpoint)
        add(paragraph("KL divergence, speed, memory and cost charts are not shown: they need a local model (its full "
                      "distributions, its speed on a machine you price), not an endpoint."));
    else if (!missing.isEmpty())
        add(paragraph("Not shown, for lack of data: " + missing.join("; ") + "."));

    // A study's heatmap under its own subheading, its note as the caption.
    auto add_heatmap = [&](const charts::HeatmapSpec& h) {
        add(heading(Kind::Subheading, h.title));
        ReportBlock map;
        map.kind = Kind::Heatmap;
        map.heatmap = h;
        map.text = h.note;
        add(map);
    };

    // --- Sensitivity scans: per scan and low type, the heatmap and the most sensitive groups -----
    if (!scans.isEmpty()) {
        add(page_break(false));
        add(heading(Kind::Heading, "Sensitivity"));
        add(paragraph("Each tensor group (layer × role) quantized <i>alone</i> to a low type, every other tensor at the "
                      "base precision: the mean KL divergence against the base shows which tensors the model cannot "
                      "afford to quantize hard. Groups are additive only approximately; a mix is measured, not summed."));
        for (const SensitivityView& v : scans) {
            add_heatmap(v.heatmap);
            ReportBlock top;
            top.kind = Kind::Table;
            top.header = {"Rank", "Group", "Bytes in " + v.type, "Mean KLD", "ln PPL ratio"};
            top.right_align = {true, false, true, true, true};
            for (size_t r = 0; r < v.ranked.size() && r < 10; ++r) {
                const SensitivityEntry& e = v.ranked[r];
                top.rows.push_back({QString::number(r + 1), QString::fromStdString(e.group), QString::number(e.bytes),
                                    QString("%1 ± %2").arg(e.kld, 0, 'g', 4).arg(e.kld_stderr, 0, 'g', 2),
                                    QString("%1 ± %2").arg(e.ln_ppl_ratio, 0, 'f', 5).arg(e.ln_ppl_ratio_stderr, 0, 'f', 5)});
            }
            top.note = QString("The %1 most sensitive of %2 groups.").arg(top.rows.size()).arg(v.ranked.size());
            add(top);
        }
    }

    // --- Calibration studies: per study and precision, the imatrix-text x domain heatmap --------
    if (!studies.isEmpty()) {
        add(page_break(false));
        add(heading(Kind::Heading, "Calibration text"));
        add(paragraph("An importance matrix weights the rounding error of the low-bit types by how much each weight is "
                      "used on a calibration text. Each row made the precision with an imatrix from one text (or none), "
                      "each column evaluated it on one text: a row that stays low across the domains you serve is a "
                      "good calibration text; the diagonal shows what matching the domain buys. Cells are measured "
                      "(mean KL divergence against the base), not predicted. A text that is both a calibration and "
                      "an evaluation text is scored only on the part its own imatrix did not read. Differences of a "
                      "few percent (×1.05 or less) can be noise at the lengths of a quick study: compare them with "
                      "each cell's ± (the Sensitivity page's table)."));
        for (const CalibrationView& v : studies) {
            add_heatmap(v.heatmap);
            ReportBlock figures;  // the heatmap's cells with their uncertainty (a PDF has no tooltips)
            figures.kind = Kind::Table;
            figures.header = {"Imatrix from"};
            figures.right_align = {false};
            for (const std::string& e : v.table.eval) {
                figures.header << "on " + QString::fromStdString(e);
                figures.right_align.push_back(true);
            }
            for (const std::string& c : v.rows) {
                QStringList row = {calibration_row_label(c)};
                for (const std::string& e : v.table.eval) {
                    const CalibrationEntry* x = v.table.find(c, e, v.precision.toStdString());
                    row << (x ? QString("%1 ± %2").arg(x->kld, 0, 'g', 4).arg(x->kld_stderr, 0, 'g', 2) : QString("—"));
                }
                figures.rows.push_back(row);
            }
            figures.note = "Mean KLD against " + QString::fromStdString(v.table.base) + " ± its standard error.";
            add(figures);
        }
    }

    // --- Methods ------------------------------------------------------------------------------
    add(page_break(false));
    add(heading(Kind::Heading, "Methods"));
    QStringList defs;
    if (!grid.datasets_with("ppl").isEmpty())
        defs << "<b>Perplexity</b> as llama.cpp's llama-perplexity computes it: the text is cut into non-overlapping "
                "chunks of the context length, each starting with BOS; the second half of each chunk is scored; "
                "± is the standard error of the mean negative log-likelihood carried to the perplexity.";
    if (!grid.datasets_with("kld_mean").isEmpty())
        defs << "<b>KL divergence</b> KL(baseline ‖ precision) of the next-token distributions over the same scored "
                "tokens, as llama-perplexity --kl-divergence reports it; mean ± standard error.";
    const bool choice_tasks = std::any_of(grid.tasks().begin(), grid.tasks().end(), [&](const QString& t) {
        return !is_generation_score(grid.columns()[grid.accuracy_column(t)].key);
    });
    if (choice_tasks)
        defs << "<b>Task accuracy</b> by log-likelihood scoring as lm-evaluation-harness does it (each choice's "
                "continuation scored after the context; the highest wins). Differences against the baseline are paired "
                "over the same items: the interval is a seeded paired bootstrap (95 %), significance McNemar's exact test.";
    if (std::any_of(grid.columns().begin(), grid.columns().end(), [](const ResultColumn& c) { return is_generation_score(c.key); }))
        defs << "<b>Generation tasks</b> as lm-evaluation-harness's generate_until: each prompt completed greedily until a "
                "stop string, end of text or the token limit; <b>pass@1</b> is the share of programs that pass their "
                "tests, run in a sandbox (own process, time and memory limits, no network); <b>exact match</b> the share of "
                "answers the task's check accepts (GSM8K: the strict-match number after ####). Differences against the "
                "baseline are paired over the same items, as for task accuracy.";
    if (grid.find(0, "tg_tps") || grid.find(0, "pp_tps"))
        defs << "<b>Speed</b> as llama-bench measures it: a prompt of n tokens decoded as one batch (prompt processing), "
                "then n tokens generated one at a time (generation), each from an empty KV cache, after a warm-up; "
                "tokens/s is the mean over repetitions. <b>Memory</b>: weight bytes of the tensors the forward pass uses, "
                "the KV cache of the bench context, and the runtime buffers.";
    if (!in.extras.cost_note.isEmpty())
        defs << "<b>Cost</b> per million generated tokens = price per hour / (3600 × generation tokens/s); " + esc(in.extras.cost_note) + ".";
    if (single_endpoint)
        defs << "<b>Through the endpoint</b> as lm-evaluation-harness's local-completions does it: requests are built "
                "locally as token ids with the served model's tokenizer and sent to /v1/completions with echo and "
                "logprobs; the echoed log-probabilities of the prompt tokens are the figures above. Generation tasks send "
                "each prompt as the local evaluator builds it (token ids) for a greedy completion with the task's stop "
                "strings and token limit; the answers are checked locally. The endpoint's own usage counts are in each "
                "job's settings below.";
    add(bullets(defs));
    for (const auto& run : in.runs) {
        add(heading(Kind::Subheading, QString("Run %1: %2").arg(run.id).arg(qs_(run.model_name))));
        int done = 0;
        for (const auto& j : run.jobs) done += j.status == JobStatus::Done;
        const EndpointInfo e = endpoint_of(run);
        QVector<QPair<QString, QString>> rows;
        if (e.url.isEmpty())
            rows = {{"Model file", qs_(run.model_path)}, {"Model SHA-256", qs_(run.model_hash)}, {"Baseline", qs_(run.baseline)}};
        else
            rows = {{"Endpoint", e.url}, {"API model", e.model}, {"Server fingerprint", e.fingerprint.isEmpty() ? QString("not reported") : e.fingerprint}};
        rows += QVector<QPair<QString, QString>>{
            {"Started / finished", qs_(run.started_at) + " / " + (run.finished_at.empty() ? QString("not finished") : qs_(run.finished_at))},
            {"Jobs", QString("%1 of %2 done").arg(done).arg(run.jobs.size())},
            {"Engine", qs_(run.engine_version)},
        };
        if (!run.machine.empty()) rows.push_back({"Machine", qs_(run.machine)});
        if (!run.note.empty()) rows.push_back({"Note", qs_(run.note)});
        rows += settings_rows(run);
        add(key_value_table(rows));
        // Datasets with their hashes, once each.
        ReportBlock files;
        files.kind = Kind::Table;
        files.header = {"Dataset", "File", "SHA-256"};
        files.right_align = {false, false, false};
        QSet<QString> seen;
        for (const auto& j : run.jobs) {
            if (j.dataset_path.empty() || seen.contains(qs_(j.dataset_path))) continue;
            seen.insert(qs_(j.dataset_path));
            files.rows.push_back({qs_(j.dataset), QFileInfo(qs_(j.dataset_path)).fileName(), qs_(j.dataset_hash)});
        }
        if (!files.rows.isEmpty()) add(files);
    }

    // --- Appendix -----------------------------------------------------------------------------
    const QVector<ReportBlock> details = detail_tables(in.runs, in.baseline, in.reference, single_endpoint);
    if (!details.isEmpty()) {
        add(page_break(true));
        add(heading(Kind::Heading, "Appendix: every figure"));
        add(paragraph(single_endpoint ? QString("Each metric family with its uncertainty (no baseline: no changes).")
                                      : QString("Each metric family with its uncertainty, the change against the baseline where a change means "
                                                "something (pp: percentage points; %: relative to the baseline) and, for accuracies, the share of "
                                                "the baseline's accuracy retained.")));
        for (const auto& b : details) add(b);
    }
    return doc;
}

}  // namespace qs::ui
