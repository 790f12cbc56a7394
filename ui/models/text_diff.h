// Where two generated texts differ, word by word: the side-by-side view marks what a precision
// wrote instead of the baseline's text ("where Q4 broke the function"). The shortest edit script
// comes from dtl (Debian's libdtl-dev, Wu's O(NP) algorithm) over tokens: runs of word characters,
// runs of white space, and single other characters, so a changed operator or a lost indent shows
// as itself rather than as a whole changed line.
#pragma once

#include <QString>
#include <QVector>

namespace qs::ui {

struct DiffSpan {
    enum Kind { Same, Added, Removed };
    Kind kind = Same;
    QString text;
};

// The edit from `base` to `other`: Same spans are in both, Removed only in base, Added only in
// other. Neighbouring tokens of one kind are merged into one span. Concatenating the Same and
// Removed spans gives base; the Same and Added spans give other.
QVector<DiffSpan> text_diff(const QString& base, const QString& other);

// The text as HTML for a rich-text view (pre-wrapped): Added spans on green, Removed spans struck
// through on red, a changed line break shown as "↵". `spans` from text_diff; with `show_removed`
// false the Removed spans are left out (the panel then reads as the precision's own text).
QString diff_html(const QVector<DiffSpan>& spans, bool show_removed = true);

// Share of base's characters kept in other (1 = identical, 0 = nothing in common).
double text_similarity(const QVector<DiffSpan>& spans);

}  // namespace qs::ui
