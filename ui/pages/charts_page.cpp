#include "charts_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include "chart_view.h"

namespace qs::ui {

ChartsPage::ChartsPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* buttons = new QHBoxLayout;
    task_ = new QComboBox;
    task_->setMinimumContentsLength(14);
    task_->setToolTip(tr("The task whose accuracy the perplexity-against-accuracy chart and the reliability diagram show"));
    buttons->addWidget(new QLabel(tr("Task:")));
    buttons->addWidget(task_);
    buttons->addSpacing(12);
    buttons->addWidget(new QLabel(tr("Hover a point or bar for its exact values.")));
    buttons->addStretch(1);
    connect(task_, &QComboBox::currentTextChanged, this, [this](const QString& t) {
        if (!t.isEmpty()) emit task_changed(t);
    });
    for (const char* f : {"png", "svg", "pdf"}) {
        auto* b = new QPushButton(tr("Export %1…").arg(QString(f).toUpper()));
        connect(b, &QPushButton::clicked, this, [this, f] { emit export_requested(f); });
        buttons->addWidget(b);
    }
    layout->addLayout(buttons);
    tabs_ = new QTabWidget;
    layout->addWidget(tabs_, 1);
}

void ChartsPage::set_charts(const QVector<charts::ChartSpec>& specs) {
    // Reuse the views when the set of charts is the same (keeps the current tab).
    if (views_.size() != specs.size()) {
        tabs_->clear();
        for (charts::ChartView* v : views_) delete v->widget();  // the widget is the view
        views_.clear();
        for (int i = 0; i < specs.size(); ++i) {
            charts::ChartView* v = charts::chart_view_create(tabs_);
            views_.push_back(v);
            tabs_->addTab(v->widget(), specs[i].title);
        }
    }
    for (int i = 0; i < specs.size(); ++i) {
        views_[i]->set_chart(specs[i]);
        tabs_->setTabText(i, specs[i].title.section(" (", 0, 0));
    }
}

void ChartsPage::set_tasks(const QStringList& tasks) {
    const QString keep = task_->currentText();
    const QSignalBlocker block(task_);
    task_->clear();
    task_->addItems(tasks);
    task_->setEnabled(tasks.size() > 1);
    if (tasks.contains(keep)) task_->setCurrentText(keep);
}

QString ChartsPage::task() const { return task_->currentText(); }

charts::ChartView* ChartsPage::current() const {
    const int i = tabs_->currentIndex();
    return i >= 0 && i < views_.size() ? views_[i] : nullptr;
}

}  // namespace qs::ui
