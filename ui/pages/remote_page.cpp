#include "remote_page.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <cstdlib>
#include <thread>

#include "chart_view.h"
#include "core/error.h"
#include "drift_history_model.h"
#include "remote/openai_client.h"

namespace qs::ui {

RemotePage::RemotePage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* source = new QGroupBox(tr("Remote model (OpenAI-compatible endpoint)"));
    auto* form = new QFormLayout(source);
    url_ = new QLineEdit;
    url_->setPlaceholderText("http://127.0.0.1:8080/v1");
    model_ = new QLineEdit;
    model_->setPlaceholderText(tr("the name the endpoint serves the model as"));
    key_env_ = new QLineEdit;
    key_env_->setPlaceholderText(tr("environment variable holding the API key (empty: none)"));
    key_env_->setToolTip(tr("The key itself is never typed in, stored in a workspace, a database or a report"));
    tokenizer_ = new QLineEdit;
    tokenizer_->setPlaceholderText(tr("a GGUF with the served model's vocabulary (requests are sent as token ids)"));
    auto* tokenizer_row = new QHBoxLayout;
    auto* browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, &RemotePage::tokenizer_browse_requested);
    tokenizer_row->addWidget(tokenizer_, 1);
    tokenizer_row->addWidget(browse);
    use_for_runs_ = new QCheckBox(tr("Run through this endpoint: the Run page evaluates the ticked datasets here instead of the "
                                     "Model page's file (precisions do not apply)"));
    check_ = new QPushButton(tr("Check endpoint"));
    identity_ = new QLabel(tr("Not checked. Tick \"Run through this endpoint\" to evaluate it from the Run page (results open "
                              "on the Results page like any run); detect its precision with quantscope-cli detect, watch it "
                              "with quantscope-cli monitor."));
    identity_->setWordWrap(true);
    identity_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Endpoint URL:"), url_);
    form->addRow(tr("API model:"), model_);
    form->addRow(tr("API key from $:"), key_env_);
    form->addRow(tr("Tokenizer (GGUF):"), tokenizer_row);
    form->addRow(use_for_runs_);
    form->addRow(check_, identity_);
    for (QLineEdit* e : {url_, model_, key_env_, tokenizer_}) connect(e, &QLineEdit::textChanged, this, &RemotePage::source_changed);
    connect(use_for_runs_, &QCheckBox::toggled, this, &RemotePage::source_changed);
    connect(check_, &QPushButton::clicked, this, &RemotePage::check_endpoint);
    layout->addWidget(source);

    auto* drift = new QGroupBox(tr("Drift history"));
    auto* dl = new QVBoxLayout(drift);
    auto* row = new QHBoxLayout;
    auto* open = new QPushButton(tr("Open drift database…"));
    connect(open, &QPushButton::clicked, this, &RemotePage::open_drift_requested);
    drift_path_ = new QLabel(tr("No drift database open (quantscope-cli monitor --db FILE writes one)."));
    series_box_ = new QComboBox;
    series_box_->setMinimumContentsLength(30);
    series_box_->setEnabled(false);
    connect(series_box_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) show_series(i);
    });
    row->addWidget(open);
    row->addWidget(drift_path_, 1);
    row->addWidget(new QLabel(tr("Series:")));
    row->addWidget(series_box_);
    dl->addLayout(row);
    verdict_ = new QLabel;
    verdict_->setWordWrap(true);
    dl->addWidget(verdict_);
    auto* body = new QHBoxLayout;
    history_ = new DriftHistoryModel(this);
    table_ = new QTableView;
    table_->setModel(history_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    body->addWidget(table_, 3);
    chart_ = charts::chart_view_create(this);
    charts::ChartSpec empty = drift_history_chart({}, {});
    empty.empty_message = tr("no drift database open");
    chart_->set_chart(empty);
    body->addWidget(chart_->widget(), 2);
    dl->addLayout(body, 1);
    layout->addWidget(drift, 1);
}

RemotePage::~RemotePage() = default;

RemoteSetting RemotePage::endpoint() const {
    return {url_->text().trimmed(), model_->text().trimmed(), key_env_->text().trimmed(), tokenizer_->text().trimmed(),
            use_for_runs_->isChecked()};
}

void RemotePage::set_endpoint(const RemoteSetting& e) {
    url_->setText(e.url);
    model_->setText(e.model);
    key_env_->setText(e.key_env);
    tokenizer_->setText(e.tokenizer);
    use_for_runs_->setChecked(e.use_for_runs);
}

QString RemotePage::run_source_text() const {
    const RemoteSetting e = endpoint();
    if (!e.use_for_runs) return {};
    return tr("endpoint: %1 at %2").arg(e.model.isEmpty() ? tr("(no API model given)") : e.model,
                                         e.url.isEmpty() ? tr("(no URL given)") : e.url);
}

void RemotePage::check_endpoint() {
    const RemoteSetting e = endpoint();
    if (e.url.isEmpty() || e.model.isEmpty()) {
        identity_->setText(tr("Give the endpoint URL and the API model."));
        emit endpoint_checked(false);
        return;
    }
    EndpointConfig cfg;
    cfg.url = e.url.toStdString();
    cfg.model = e.model.toStdString();
    cfg.http.timeout_seconds = 15;
    cfg.http.max_retries = 1;
    if (!e.key_env.isEmpty()) {
        const char* key = std::getenv(e.key_env.toUtf8().constData());
        if (!key || !*key) {
            identity_->setText(tr("$%1 is not set in QuantScope's environment.").arg(e.key_env));
            emit endpoint_checked(false);
            return;
        }
        cfg.http.api_key = key;
    }
    check_->setEnabled(false);
    identity_->setText(tr("Asking %1 …").arg(e.url));
    // The request runs off the GUI thread; the answer comes back queued (the page may be gone by then).
    QPointer<RemotePage> self(this);
    std::thread([self, cfg] {
        QString text;
        bool ok = false;
        try {
            OpenAiClient client(cfg);
            const EndpointIdentity id = client.identify();
            text = tr("%1 serves '%2'%3; server fingerprint %4%5.")
                       .arg(QString::fromStdString(id.url), QString::fromStdString(id.model),
                            id.owned_by.empty() ? QString() : tr(" (owned by %1)").arg(QString::fromStdString(id.owned_by)),
                            id.fingerprint.empty() ? tr("not reported") : QString::fromStdString(id.fingerprint),
                            id.max_model_len > 0 ? tr(", context %1 tokens").arg(id.max_model_len) : QString());
            ok = true;
        } catch (const std::exception& ex) {
            text = QString::fromStdString(ex.what());  // HttpClient redacts the key from messages
        }
        QMetaObject::invokeMethod(qApp, [self, text, ok] {
            if (!self) return;
            self->identity_->setText(text);
            self->check_->setEnabled(true);
            emit self->endpoint_checked(ok);
        }, Qt::QueuedConnection);
    }).detach();
}

bool RemotePage::open_drift_db(const QString& path) {
    try {
        if (!QFileInfo::exists(path)) throw Error(path.toStdString() + ": no such file");
        auto store = std::make_unique<DriftStore>(path.toStdString());
        std::vector<DriftSeriesInfo> series = store->series_list();
        if (series.empty()) throw Error(path.toStdString() + ": holds no drift series (quantscope-cli monitor writes them)");
        store_ = std::move(store);
        series_ = std::move(series);
    } catch (const std::exception& e) {
        drift_path_->setText(QString::fromStdString(e.what()));
        return false;
    }
    drift_path_->setText(QFileInfo(path).fileName());
    drift_path_->setToolTip(path);
    const QSignalBlocker block(series_box_);
    series_box_->clear();
    for (const DriftSeriesInfo& s : series_)
        series_box_->addItem(QString("%1 · %2 · %3").arg(QString::fromStdString(s.model), QString::fromStdString(s.endpoint),
                                                        QFileInfo(QString::fromStdString(s.golden_path)).fileName()));
    series_box_->setEnabled(series_.size() > 1);
    series_box_->setCurrentIndex(int(series_.size()) - 1);
    show_series(int(series_.size()) - 1);
    return true;
}

void RemotePage::show_series(int index) {
    if (!store_ || index < 0 || index >= int(series_.size())) return;
    const DriftSeriesInfo& s = series_[size_t(index)];
    std::vector<DriftCheck> checks = store_->checks(s.id);
    int first_flag = 0;
    for (const DriftCheck& c : checks)
        if (c.flagged) {
            first_flag = c.seq;
            break;
        }
    verdict_->setText(first_flag ? tr("<b>Changed</b>: check %1 of %2 is the first to differ significantly from check 1.").arg(first_flag).arg(checks.size())
                                 : tr("No change detected over %1 checks (false-alarm rate of the whole series at most α).").arg(checks.size()));
    const QString subtitle = QString("%1 · %2 · golden %3").arg(QString::fromStdString(s.model), QString::fromStdString(s.endpoint),
                                                               QFileInfo(QString::fromStdString(s.golden_path)).fileName());
    chart_->set_chart(drift_history_chart(checks, subtitle));
    history_->set_checks(std::move(checks));
}

}  // namespace qs::ui
