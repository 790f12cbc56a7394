// Model page: open a GGUF file (button, drag and drop, recent files) and read its card from the
// header alone (model_summary_read: no weights are loaded).
#pragma once

#include <QWidget>
#include <memory>

#include "model/model_summary.h"

class QLabel;
class QListWidget;
class QFormLayout;

namespace qs {
class GgufFile;
}

namespace qs::ui {

class ModelPage : public QWidget {
    Q_OBJECT
public:
    explicit ModelPage(QWidget* parent = nullptr);

    // Opens and summarises `path`; on failure shows the message and returns false.
    bool open_model(const QString& path);
    const QString& model_path() const { return path_; }
    std::shared_ptr<const GgufFile> file() const { return file_; }
    const ModelSummary& summary() const { return summary_; }
    QStringList recent_files() const;
    void set_recent_files(const QStringList& files);

signals:
    void model_opened(const QString& path);
    void open_requested();  // the "Open…" button: the window shows the file dialog

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void show_summary();
    QString path_;
    std::shared_ptr<const GgufFile> file_;
    ModelSummary summary_;
    QLabel* error_ = nullptr;
    QFormLayout* card_ = nullptr;
    QListWidget* recent_ = nullptr;
};

}  // namespace qs::ui
