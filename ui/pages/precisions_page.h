// Precisions page: the checklist of presets and custom recipes (PrecisionListModel) with bits per
// weight, estimated size and memory for the open model; custom recipes are added by name; an
// optional importance matrix file every quantized precision of a run is made with (eval --imatrix);
// the KV cache as a dimension of its own: the ticked precisions added again with a quantized cache
// ("Q4_K_M+kv=q8_0", llama.cpp's -ctk/-ctv).
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace qs::ui {

class PrecisionListModel;

class PrecisionsPage : public QWidget {
    Q_OBJECT
public:
    PrecisionsPage(PrecisionListModel* model, QWidget* parent = nullptr);
    QTableView* table() const { return table_; }
    // The importance matrix file the user chose ("" = none).
    QString imatrix_path() const;

private:
    void add_custom();
    void add_kv_variants();
    PrecisionListModel* model_;
    QTableView* table_;
    QLineEdit* name_;
    QLineEdit* spec_;
    QLineEdit* imatrix_;
    QComboBox* kv_type_;
    QLabel* error_;
};

}  // namespace qs::ui
