#include "precisions_page.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "precision_list_model.h"

namespace qs::ui {

PrecisionsPage::PrecisionsPage(PrecisionListModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* layout = new QVBoxLayout(this);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(PrecisionListModel::SortRole);
    table_ = new QTableView;
    table_->setModel(proxy);
    table_->setSortingEnabled(true);
    table_->sortByColumn(PrecisionListModel::Name, Qt::AscendingOrder);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    layout->addWidget(new QLabel(tr("Tick the precisions to evaluate. Sizes are estimated from the model's header: nothing is quantized "
                                    "until a run. Greyed rows cannot apply to this model (the note says why) and are not run.")));
    layout->addWidget(table_, 1);

    auto* custom = new QHBoxLayout;
    name_ = new QLineEdit;
    name_->setPlaceholderText(tr("name, e.g. “Q4_K_M, ffn_down in q8”"));
    spec_ = new QLineEdit;
    spec_->setPlaceholderText(tr("recipe, e.g. Q4_K_M+ffn_down=q8_0+output=q8_0"));
    auto* add = new QPushButton(tr("Add custom recipe"));
    auto* remove = new QPushButton(tr("Remove selected custom"));
    custom->addWidget(name_, 1);
    custom->addWidget(spec_, 2);
    custom->addWidget(add);
    custom->addWidget(remove);
    layout->addLayout(custom);
    // Optional importance matrix (GGUF, from `quantscope-cli imatrix` or llama-imatrix): every
    // quantized precision of the run is then made as llama-quantize --imatrix makes it; the IQ2
    // mixes need one.
    auto* imatrix_row = new QHBoxLayout;
    imatrix_ = new QLineEdit;
    imatrix_->setPlaceholderText(tr("importance matrix (.gguf), optional; needed by the IQ2 mixes"));
    auto* browse = new QPushButton(tr("Importance matrix…"));
    imatrix_row->addWidget(new QLabel(tr("Importance matrix:")));
    imatrix_row->addWidget(imatrix_, 1);
    imatrix_row->addWidget(browse);
    layout->addLayout(imatrix_row);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Importance matrix"), QString(), tr("GGUF imatrix (*.gguf)"));
        if (!path.isEmpty()) imatrix_->setText(path);
    });
    auto* kv_row = new QHBoxLayout;
    kv_type_ = new QComboBox;
    kv_type_->addItems({"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"});
    auto* add_kv = new QPushButton(tr("Add ticked precisions with this KV cache"));
    add_kv->setToolTip(tr("Each ticked precision again with its K and V cache quantized, as llama.cpp's -ctk/-ctv with flash "
                          "attention: a precision of its own (e.g. Q4_K_M+kv=q8_0), measured like any other"));
    kv_row->addWidget(new QLabel(tr("KV cache (f16 unless set):")));
    kv_row->addWidget(kv_type_);
    kv_row->addWidget(add_kv);
    kv_row->addStretch(1);
    layout->addLayout(kv_row);
    connect(add_kv, &QPushButton::clicked, this, &PrecisionsPage::add_kv_variants);
    error_ = new QLabel;
    error_->setStyleSheet("color: #b00020");
    error_->setWordWrap(true);
    layout->addWidget(error_);
    connect(add, &QPushButton::clicked, this, &PrecisionsPage::add_custom);
    connect(spec_, &QLineEdit::returnPressed, this, &PrecisionsPage::add_custom);
    connect(remove, &QPushButton::clicked, this, [this, proxy] {
        const QModelIndex i = proxy->mapToSource(table_->currentIndex());
        if (i.isValid() && model_->entries()[i.row()].custom) model_->remove_custom(model_->entries()[i.row()].name);
    });
}

QString PrecisionsPage::imatrix_path() const { return imatrix_->text().trimmed(); }

void PrecisionsPage::add_custom() {
    try {
        model_->add_custom(name_->text(), spec_->text().trimmed());
        error_->clear();
        // Added, but greyed out when it cannot apply to the open model: say why at once.
        for (const auto& e : model_->entries())
            if (e.custom && e.name == (name_->text().trimmed().isEmpty() ? spec_->text().trimmed() : name_->text().trimmed()) &&
                !e.applicable())
                error_->setText(tr("%1 cannot apply to this model: %2").arg(e.name, e.error));
        name_->clear();
        spec_->clear();
    } catch (const std::exception& e) {
        error_->setText(QString::fromUtf8(e.what()));
    }
}

void PrecisionsPage::add_kv_variants() {
    const QString type = kv_type_->currentText();
    QStringList checked = model_->checked_specs();
    QStringList added;
    try {
        for (const QString& spec : model_->checked_specs()) {
            if (spec.contains("+kv=") || spec.contains("+k=") || spec.contains("+v=")) continue;  // already has its cache
            const QString variant = spec + "+kv=" + type;
            if (checked.contains(variant)) continue;
            model_->add_custom(variant, variant);
            added << variant;
        }
        model_->set_checked_specs(checked + added);
        error_->setText(added.isEmpty() ? tr("Tick the precisions to add with a %1 KV cache first.").arg(type) : QString());
    } catch (const std::exception& e) {
        error_->setText(QString::fromUtf8(e.what()));
    }
}

}  // namespace qs::ui
