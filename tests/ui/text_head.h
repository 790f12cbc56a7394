// The first bytes of a text file copied to another, so a GUI test's perplexity pass tokenizes and
// scores only a little text.
#pragma once

#include <gtest/gtest.h>

#include <QFile>
#include <QString>
#include <string>

namespace qs::test {

inline QString text_head(const std::string& source, const QString& out, qint64 bytes) {
    QFile in(QString::fromStdString(source));
    EXPECT_TRUE(in.open(QIODevice::ReadOnly)) << source;
    QFile f(out);
    EXPECT_TRUE(f.open(QIODevice::WriteOnly)) << out.toStdString();
    f.write(in.read(bytes));
    return out;
}

}  // namespace qs::test
