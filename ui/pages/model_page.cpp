#include "model_page.h"

#include <QDragEnterEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QVBoxLayout>

#include "hf/hf_checkpoint.h"

#include "gguf/gguf_file.h"
#include "metric_text.h"

namespace qs::ui {

ModelPage::ModelPage(QWidget* parent) : QWidget(parent) {
    setAcceptDrops(true);
    auto* layout = new QVBoxLayout(this);
    auto* open = new QPushButton(tr("Open model…  (Ctrl+O)"));
    auto* hint = new QLabel(tr("…or drop a .gguf file anywhere on this page. Only the header is read: weights are not loaded."));
    hint->setWordWrap(true);
    error_ = new QLabel;
    error_->setStyleSheet("color: #b00020");
    error_->setWordWrap(true);
    error_->hide();
    auto* card_box = new QGroupBox(tr("Model card"));
    card_ = new QFormLayout(card_box);
    auto* recent_box = new QGroupBox(tr("Recent models"));
    auto* recent_layout = new QVBoxLayout(recent_box);
    recent_ = new QListWidget;
    recent_layout->addWidget(recent_);
    layout->addWidget(open);
    layout->addWidget(hint);
    layout->addWidget(error_);
    layout->addWidget(card_box, 3);
    layout->addWidget(recent_box, 1);
    connect(open, &QPushButton::clicked, this, &ModelPage::open_requested);
    connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) { open_model(item->text()); });
    show_summary();
}

bool ModelPage::open_model(const QString& path) {
    try {
        // A GGUF file, or a Hugging Face checkpoint directory (dropped on the page or typed in the list).
        auto file = std::make_shared<const GgufFile>(model_file_open(path.toStdString()));
        summary_ = model_summary_read(*file);
        file_ = std::move(file);
        path_ = path;
        error_->hide();
    } catch (const std::exception& e) {
        error_->setText(QString::fromUtf8(e.what()));
        error_->show();
        return false;
    }
    QStringList recent = recent_files();
    recent.removeAll(path);
    recent.prepend(path);
    set_recent_files(recent.mid(0, 10));
    show_summary();
    emit model_opened(path);
    return true;
}

QStringList ModelPage::recent_files() const {
    QStringList out;
    for (int i = 0; i < recent_->count(); ++i) out << recent_->item(i)->text();
    return out;
}

void ModelPage::set_recent_files(const QStringList& files) {
    recent_->clear();
    recent_->addItems(files);
}

void ModelPage::show_summary() {
    while (card_->rowCount() > 0) card_->removeRow(0);
    if (!file_) {
        card_->addRow(new QLabel(tr("No model open.")));
        return;
    }
    const auto& s = summary_;
    auto row = [&](const QString& k, const QString& v) {
        auto* label = new QLabel(v);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        card_->addRow(k, label);
    };
    row(tr("File"), QFileInfo(path_).fileName());
    row(tr("Name"), s.name.empty() ? tr("(none)") : QString::fromStdString(s.name));
    row(tr("Architecture"), QString::fromStdString(s.architecture) + (s.supported ? "" : tr("  — not supported by QuantScope")));
    if (!s.hparams_error.empty()) row(tr("Cannot run"), QString::fromStdString(s.hparams_error));
    row(tr("Parameters"), QLocale().toString(qlonglong(s.n_params)));
    if (s.n_expert > 0)
        row(tr("Active per token"), tr("%1 (%2 of %3 experts, FFN %4 each)")
                                        .arg(QLocale().toString(qlonglong(s.n_active_params)))
                                        .arg(s.n_expert_used)
                                        .arg(s.n_expert)
                                        .arg(s.n_ff_exp));
    // A mixture-of-experts model's FFN is its experts (its feed_forward_length, if any, is unused).
    const QString ffn = s.n_expert > 0 ? tr("%1 experts × %2").arg(s.n_expert).arg(s.n_ff_exp) : QString::number(s.n_ff);
    row(tr("Layers / embedding / FFN"), QString("%1 / %2 / %3").arg(s.n_layer).arg(s.n_embd).arg(ffn));
    row(tr("Heads / KV heads / head size"), QString("%1 / %2 / %3").arg(s.n_head).arg(s.n_head_kv).arg(s.head_dim));
    if (s.sliding_window > 0)
        row(tr("Sliding window"), tr("%1 tokens on %2 of %3 layers").arg(s.sliding_window).arg(s.swa_layers.size()).arg(s.n_layer));
    if (s.attn_softcap > 0 || s.final_softcap > 0)
        row(tr("Soft-capping"), tr("attention %1, final logits %2").arg(s.attn_softcap).arg(s.final_softcap));
    row(tr("Context length"), QString::number(s.context_length));
    row(tr("Tokenizer"), QString("%1%2, %3 tokens")
                             .arg(QString::fromStdString(s.tokenizer_model))
                             .arg(s.tokenizer_pre.empty() ? "" : " / " + QString::fromStdString(s.tokenizer_pre))
                             .arg(s.n_vocab));
    QStringList types;
    for (const auto& [name, use] : s.tensor_types)
        types << QString("%1: %2 tensors, %3").arg(QString::fromStdString(name)).arg(use.tensors).arg(bytes_text(double(use.bytes)));
    row(tr("Tensor types"), types.join("\n"));
    row(tr("Bits per weight"), QString::number(s.bits_per_weight(), 'f', 2));
    row(s.hf_checkpoint ? tr("Weight files") : tr("File size"), bytes_text(double(s.file_bytes)));
    row(tr("Format"), s.hf_checkpoint ? tr("Hugging Face checkpoint (safetensors)") : tr("GGUF v%1").arg(s.gguf_version));
}

void ModelPage::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void ModelPage::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) open_model(urls.first().toLocalFile());
}

}  // namespace qs::ui
