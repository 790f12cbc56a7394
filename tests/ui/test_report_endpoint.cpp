// The report of one endpoint run (issue 14): it names the endpoint (URL, model, fingerprint, when
// it was asked), says it has no baseline to compare with, and shows no recommendation, no Δ
// columns and no charts that need a local model. A run of a local model keeps its recommendation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report.h"
#include "sample_runs.h"

using qs::test::job;
using qs::test::metric;
using Kind = qs::ui::ReportBlock::Kind;

namespace {

qs::RunRecord endpoint_run(bool fingerprint_changed) {
    qs::RunRecord r;
    r.id = 7;
    r.model_path = "http://127.0.0.1:8080/v1";
    r.model_name = "served-m1";
    r.model_hash = "fp_0123abcd";
    const nlohmann::json id = {{"url", r.model_path}, {"model", r.model_name}, {"fingerprint", r.model_hash},
                               {"owned_by", "quantscope"}, {"max_model_len", 2048}, {"checked_at", "2026-12-02T08:00:00Z"}};
    r.settings_json = nlohmann::json{{"endpoint", id}, {"tokenizer", "/m/m1.gguf"}}.dump();
    r.jobs = {job("endpoint", qs::EvaluatorKind::Perplexity, "wiki", {metric("ppl", 10, 0.1)}),
              job("endpoint", qs::EvaluatorKind::Task, "arc", {metric("acc", 60, 1), metric("items", 100)})};
    for (auto& j : r.jobs) {
        nlohmann::json s = {{"endpoint", id}, {"usage", {{"prompt_tokens", 1234}, {"completion_tokens", 5}, {"requests", 3}}}};
        if (fingerprint_changed && j.dataset == "arc") s["fingerprint_changed"] = true;
        j.settings_json = s.dump();
        j.run_id = r.id;
    }
    return r;
}

QString all_text(const qs::ui::ReportDocument& doc) {
    QString t;
    for (const auto& b : doc.blocks) {
        t += b.text + "\n" + b.items.join("\n") + "\n" + b.header.join("|") + "\n" + b.note + "\n";
        for (const auto& row : b.rows) t += row.join("|") + "\n";
    }
    return t;
}

}  // namespace

TEST(ReportEndpoint, NamesTheEndpointAndSaysThereIsNoBaseline) {
    qs::ui::ReportInputs in;
    in.runs = {endpoint_run(false)};
    in.recommendation.headline = "Q4_K_M: non-inferior";  // what a page might hand in: never shown for an endpoint
    const qs::ui::ReportDocument doc = qs::ui::report_build(in);
    EXPECT_TRUE(doc.title.startsWith("Endpoint report")) << doc.title.toStdString();
    const QString text = all_text(doc);
    for (const char* s : {"http://127.0.0.1:8080/v1", "served-m1", "fp_0123abcd", "2026-12-02T08:00:00Z", "no baseline to compare with",
                          "usage 1234 prompt + 5 completion tokens in 3 requests"})
        EXPECT_TRUE(text.contains(s)) << s;
    for (const char* s : {"Recommendation", "non-inferior", "(baseline)", "Retention", "Not shown, for lack of data"})
        EXPECT_FALSE(text.contains(s)) << s;
    for (const auto& b : doc.blocks) {
        if (b.kind == Kind::Table)
            for (const QString& h : b.header) EXPECT_FALSE(h.startsWith(QString::fromUtf8("Δ"))) << h.toStdString();
        if (b.kind == Kind::Figure) EXPECT_FALSE(b.chart.title.contains("speed") || b.chart.title.contains("Cost")) << b.chart.title.toStdString();
    }
}

TEST(ReportEndpoint, AChangedFingerprintIsTheFirstRisk) {
    qs::ui::ReportInputs in;
    in.runs = {endpoint_run(true)};
    const qs::ui::ReportDocument doc = qs::ui::report_build(in);
    const qs::ui::ReportBlock* risks = nullptr;
    for (const auto& b : doc.blocks)
        if (b.kind == Kind::Bullets && !b.items.isEmpty() && b.items.front().contains("fingerprint changed")) risks = &b;
    ASSERT_NE(risks, nullptr);
    EXPECT_TRUE(risks->items.front().contains("arc"));
}

TEST(ReportEndpoint, ALocalRunStillComparesWithItsBaseline) {
    qs::ui::ReportInputs in;
    in.runs = {qs::test::sample_run()};
    in.baseline = "F16";
    const qs::ui::ReportDocument doc = qs::ui::report_build(in);
    EXPECT_TRUE(doc.title.startsWith("Quantization report"));
    const QString text = all_text(doc);
    EXPECT_TRUE(text.contains("Recommendation"));
    EXPECT_TRUE(text.contains("(baseline)"));
    EXPECT_FALSE(text.contains("no baseline to compare with"));
}
