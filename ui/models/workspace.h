// A session as JSON: the model, the checked precisions and custom recipes, the datasets with their
// limits, the baseline, the run and ROI settings and the Remote page's endpoint (never its key). Saved and reopened from the File menu.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

namespace qs::ui {

struct WorkspaceDataset {
    QString name, path;
    qint64 limit = 0;
    bool checked = true;
};

struct ApiPriceSetting {
    QString name;
    double usd_per_mtok_input = 0;   // prompt tokens
    double usd_per_mtok_output = 0;  // generated tokens
    bool operator==(const ApiPriceSetting&) const = default;
};

struct RoiSettings {
    double monthly_prompt_tokens_millions = 200;  // prompt tokens per month, millions
    double monthly_tokens_millions = 100;   // generated tokens per month, millions
    QString hardware = "CPU server (16 cores)";
    double price_per_hour = 0.80;           // USD
    double one_time_cost = 0;               // USD (setup, hardware purchase)
    double retention_threshold = 99.0;      // % of the baseline's quality a recommendation must keep
    QVector<ApiPriceSetting> api_prices;
};

// The Remote page's endpoint. The API key is never here: only the NAME of the environment
// variable that holds it.
struct RemoteSetting {
    QString url, model, key_env;
    QString tokenizer;           // GGUF whose vocabulary the served model uses
    bool use_for_runs = false;   // the Run page runs through the endpoint instead of the model file
    bool operator==(const RemoteSetting&) const = default;
};

struct Workspace {
    static constexpr int kVersion = 1;
    QString model_path;
    QStringList precisions;                  // checked recipe strings
    QList<QPair<QString, QString>> custom_recipes;  // (name, spec)
    QVector<WorkspaceDataset> datasets;
    QString baseline;
    int n_ctx = 512;
    int workers = 1;
    int threads = 0;
    QString chat_template = "none";  // generation tasks' chat template: "none", "auto" or a family
    bool kld = true;
    bool bench = false;
    bool until_decided = false;      // stop each precision when decided (eval --until-decided)
    double decision_margin = 1.0;    // its margin (eval --margin)
    RoiSettings roi;
    RemoteSetting remote;

    QJsonObject to_json() const;
    // Throws qs::Error("<source>: ...") for a missing or mistyped field or a newer version.
    static Workspace from_json(const QJsonObject& json, const QString& source);

    void save(const QString& path) const;          // throws qs::Error naming the file
    static Workspace load(const QString& path);    // throws qs::Error naming the file
};

}  // namespace qs::ui
