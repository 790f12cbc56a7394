// main() for the GUI test executables: a QApplication on the offscreen platform (no display
// needed), then GoogleTest. Warnings Qt prints while a test runs (QAbstractItemModelTester's
// findings among them) fail that test.
#include <QApplication>
#include <gtest/gtest.h>

namespace {
void fail_on_qt_warning(QtMsgType type, const QMessageLogContext&, const QString& message) {
    if (type == QtDebugMsg || type == QtInfoMsg) return;
    // The offscreen platform has no fonts database configured on some machines, and cannot raise
    // windows or grab the keyboard (menus and popups ask it to): harmless.
    if (message.contains("QFont") || message.contains("propagateSizeHints") || message.contains("fontconfig") ||
        message.contains("This plugin does not support"))
        return;
    if (::testing::UnitTest::GetInstance()->current_test_info()) ADD_FAILURE() << "Qt: " << message.toStdString();
    else fprintf(stderr, "Qt: %s\n", qPrintable(message));
}
}  // namespace

int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    qInstallMessageHandler(fail_on_qt_warning);
    return RUN_ALL_TESTS();
}
