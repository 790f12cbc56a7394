#include "text_diff.h"

#include <QRegularExpression>
#include <dtl/dtl.hpp>
#include <vector>

namespace qs::ui {
namespace {

std::vector<QString> tokens(const QString& text) {
    static const QRegularExpression token(R"(\w+|\s+|[^\w\s])", QRegularExpression::UseUnicodePropertiesOption);
    std::vector<QString> out;
    for (auto it = token.globalMatch(text); it.hasNext();) out.push_back(it.next().captured());
    return out;
}

void append(QVector<DiffSpan>& spans, DiffSpan::Kind kind, const QString& text) {
    if (!spans.isEmpty() && spans.back().kind == kind)
        spans.back().text += text;
    else
        spans.push_back({kind, text});
}

}  // namespace

QVector<DiffSpan> text_diff(const QString& base, const QString& other) {
    const std::vector<QString> a = tokens(base), b = tokens(other);
    dtl::Diff<QString, std::vector<QString>> diff(a, b);
    diff.compose();
    QVector<DiffSpan> spans;
    for (const auto& [token, info] : diff.getSes().getSequence()) {
        switch (info.type) {
            case dtl::SES_COMMON: append(spans, DiffSpan::Same, token); break;
            case dtl::SES_ADD: append(spans, DiffSpan::Added, token); break;
            case dtl::SES_DELETE: append(spans, DiffSpan::Removed, token); break;
        }
    }
    // dtl lists an edit's deletions and additions in either order; removed-then-added reads best.
    for (int i = 0; i + 1 < spans.size(); ++i)
        if (spans[i].kind == DiffSpan::Added && spans[i + 1].kind == DiffSpan::Removed) std::swap(spans[i], spans[i + 1]);
    return spans;
}

QString diff_html(const QVector<DiffSpan>& spans, bool show_removed) {
    QString html = "<pre style=\"white-space: pre-wrap; margin: 0;\">";
    for (const DiffSpan& s : spans) {
        if (s.kind == DiffSpan::Removed && !show_removed) continue;
        QString text = s.text.toHtmlEscaped();
        if (s.kind != DiffSpan::Same) text.replace("\n", QString::fromUtf8("↵\n"));
        switch (s.kind) {
            case DiffSpan::Same: html += text; break;
            case DiffSpan::Added: html += "<span style=\"background-color: #b7e4b7;\">" + text + "</span>"; break;
            case DiffSpan::Removed:
                html += "<span style=\"background-color: #f4b6b6; text-decoration: line-through;\">" + text + "</span>";
                break;
        }
    }
    return html + "</pre>";
}

double text_similarity(const QVector<DiffSpan>& spans) {
    qsizetype same = 0, base = 0;
    for (const DiffSpan& s : spans) {
        if (s.kind == DiffSpan::Same) same += s.text.size();
        if (s.kind != DiffSpan::Added) base += s.text.size();
    }
    return base == 0 ? (spans.isEmpty() ? 1.0 : 0.0) : double(same) / double(base);
}

}  // namespace qs::ui
