#include "workspace.h"

#include <QFile>
#include <limits>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include "core/error.h"

namespace qs::ui {
namespace {

[[noreturn]] void fail(const QString& source, const QString& what) { throw qs::Error((source + ": " + what).toStdString()); }

// Typed field readers: absent fields keep the default (older files), wrong types are errors.
struct Reader {
    const QJsonObject& o;
    const QString& source;
    QString where;

    const QJsonValue* get(const char* key, QJsonValue::Type type, QJsonValue& holder) const {
        if (!o.contains(key)) return nullptr;
        holder = o.value(key);
        if (holder.type() != type) fail(source, QString("field '%1%2' has the wrong type").arg(where, key));
        return &holder;
    }
    void read(const char* key, QString& out) const {
        QJsonValue v;
        if (get(key, QJsonValue::String, v)) out = v.toString();
    }
    void read(const char* key, double& out) const {
        QJsonValue v;
        if (get(key, QJsonValue::Double, v)) out = v.toDouble();
    }
    // Integers arrive as JSON doubles: one outside the type's range (1e300) is an error, not a
    // conversion with undefined behaviour.
    template <class Int>
    void read_integer(const char* key, Int& out) const {
        double d = double(out);
        read(key, d);
        const double lo = double(std::numeric_limits<Int>::min());  // -2^(bits-1), exact; the max is not
        if (!(d >= lo && d < -lo))
            fail(source, QString("field '%1%2' is out of range").arg(where, key));
        out = Int(d);
    }
    void read(const char* key, int& out) const { read_integer(key, out); }
    void read(const char* key, qint64& out) const { read_integer(key, out); }
    void read(const char* key, bool& out) const {
        QJsonValue v;
        if (get(key, QJsonValue::Bool, v)) out = v.toBool();
    }
    // A nested object: false when absent (older files), an error when not an object.
    bool object(const char* key, QJsonObject& out) const {
        QJsonValue v;
        if (!get(key, QJsonValue::Object, v)) return false;
        out = v.toObject();
        return true;
    }
    QJsonArray array(const char* key) const {
        QJsonValue v;
        return get(key, QJsonValue::Array, v) ? v.toArray() : QJsonArray();
    }
    QJsonObject object_at(const QJsonArray& a, int i, const char* key) const {
        if (!a[i].isObject()) fail(source, QString("%1%2[%3] is not an object").arg(where, key).arg(i));
        return a[i].toObject();
    }
};

}  // namespace

QJsonObject Workspace::to_json() const {
    QJsonArray customs, sets, apis;
    for (const auto& [name, spec] : custom_recipes) customs.append(QJsonObject{{"name", name}, {"recipe", spec}});
    for (const auto& d : datasets)
        sets.append(QJsonObject{{"name", d.name}, {"path", d.path}, {"limit", double(d.limit)}, {"checked", d.checked}});
    for (const auto& a : roi.api_prices)
        apis.append(QJsonObject{{"name", a.name}, {"usd_per_mtok_input", a.usd_per_mtok_input}, {"usd_per_mtok_output", a.usd_per_mtok_output}});
    return QJsonObject{
        {"quantscope_workspace", kVersion},
        {"model_path", model_path},
        {"precisions", QJsonArray::fromStringList(precisions)},
        {"custom_recipes", customs},
        {"datasets", sets},
        {"baseline", baseline},
        {"run", QJsonObject{{"n_ctx", n_ctx}, {"workers", workers}, {"threads", threads}, {"kld", kld}, {"bench", bench}, {"chat_template", chat_template},
                                 {"until_decided", until_decided}, {"margin", decision_margin}}},
        {"roi", QJsonObject{{"monthly_prompt_tokens_millions", roi.monthly_prompt_tokens_millions},
                            {"monthly_tokens_millions", roi.monthly_tokens_millions}, {"hardware", roi.hardware},
                            {"price_per_hour", roi.price_per_hour}, {"one_time_cost", roi.one_time_cost},
                            {"retention_threshold", roi.retention_threshold}, {"api_prices", apis}}},
        {"remote", QJsonObject{{"url", remote.url}, {"model", remote.model}, {"key_env", remote.key_env},
                               {"tokenizer", remote.tokenizer}, {"use_for_runs", remote.use_for_runs}}},
    };
}

Workspace Workspace::from_json(const QJsonObject& o, const QString& source) {
    Workspace w;
    int version = 0;
    Reader r{o, source, {}};
    r.read("quantscope_workspace", version);
    if (version < 1) fail(source, "not a QuantScope workspace (no 'quantscope_workspace' version)");
    if (version > kVersion) fail(source, QString("written by a newer QuantScope (workspace version %1)").arg(version));
    r.read("model_path", w.model_path);
    r.read("baseline", w.baseline);
    const QJsonArray precisions = r.array("precisions");
    for (int i = 0; i < precisions.size(); ++i) {
        if (!precisions[i].isString()) fail(source, QString("precisions[%1] is not a string").arg(i));
        w.precisions << precisions[i].toString();
    }
    const QJsonArray customs = r.array("custom_recipes");
    for (int i = 0; i < customs.size(); ++i) {
        const QJsonObject c = r.object_at(customs, i, "custom_recipes");
        QString name, spec;
        Reader cr{c, source, "custom_recipes[]."};
        cr.read("name", name);
        cr.read("recipe", spec);
        if (spec.isEmpty()) fail(source, QString("custom_recipes[%1] has no recipe").arg(i));
        w.custom_recipes.append({name, spec});
    }
    const QJsonArray sets = r.array("datasets");
    for (int i = 0; i < sets.size(); ++i) {
        const QJsonObject d = r.object_at(sets, i, "datasets");
        WorkspaceDataset ds;
        Reader dr{d, source, "datasets[]."};
        dr.read("name", ds.name);
        dr.read("path", ds.path);
        dr.read("limit", ds.limit);
        dr.read("checked", ds.checked);
        if (ds.path.isEmpty()) fail(source, QString("datasets[%1] has no path").arg(i));
        w.datasets.push_back(ds);
    }
    if (QJsonObject ro; r.object("run", ro)) {
        Reader rr{ro, source, "run."};
        rr.read("n_ctx", w.n_ctx);
        rr.read("workers", w.workers);
        rr.read("threads", w.threads);
        rr.read("kld", w.kld);
        rr.read("bench", w.bench);
        rr.read("chat_template", w.chat_template);
        rr.read("until_decided", w.until_decided);
        rr.read("margin", w.decision_margin);
    }
    if (QJsonObject ro; r.object("roi", ro)) {
        Reader rr{ro, source, "roi."};
        rr.read("monthly_prompt_tokens_millions", w.roi.monthly_prompt_tokens_millions);
        rr.read("monthly_tokens_millions", w.roi.monthly_tokens_millions);
        rr.read("hardware", w.roi.hardware);
        rr.read("price_per_hour", w.roi.price_per_hour);
        rr.read("one_time_cost", w.roi.one_time_cost);
        rr.read("retention_threshold", w.roi.retention_threshold);
        const QJsonArray apis = rr.array("api_prices");
        for (int i = 0; i < apis.size(); ++i) {
            const QJsonObject a = rr.object_at(apis, i, "api_prices");
            ApiPriceSetting api;
            Reader ar{a, source, "roi.api_prices[]."};
            ar.read("name", api.name);
            // Workspaces before the input price was kept had one price, the output's ("usd_per_mtok").
            ar.read("usd_per_mtok", api.usd_per_mtok_output);
            api.usd_per_mtok_input = api.usd_per_mtok_output;
            ar.read("usd_per_mtok_input", api.usd_per_mtok_input);
            ar.read("usd_per_mtok_output", api.usd_per_mtok_output);
            w.roi.api_prices.append(api);
        }
    }
    if (QJsonObject ro; r.object("remote", ro)) {
        Reader rr{ro, source, "remote."};
        for (auto [key, field] : {std::pair{"url", &w.remote.url}, {"model", &w.remote.model}, {"key_env", &w.remote.key_env},
                                  {"tokenizer", &w.remote.tokenizer}})
            rr.read(key, *field);
        rr.read("use_for_runs", w.remote.use_for_runs);
    }
    return w;
}

void Workspace::save(const QString& path) const {
    QSaveFile f(path);  // whole or not at all: a temporary renamed into place by commit()
    if (!f.open(QIODevice::WriteOnly)) fail(path, "cannot write: " + f.errorString());
    const QByteArray bytes = QJsonDocument(to_json()).toJson(QJsonDocument::Indented);
    if (f.write(bytes) != bytes.size() || !f.commit()) fail(path, "write failed: " + f.errorString());
}

Workspace Workspace::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) fail(path, "cannot read: " + f.errorString());
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError) fail(path, QString("invalid JSON at offset %1: %2").arg(err.offset).arg(err.errorString()));
    if (!doc.isObject()) fail(path, "the top level is not a JSON object");
    return from_json(doc.object(), path);
}

}  // namespace qs::ui
