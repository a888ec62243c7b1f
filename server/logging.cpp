#include "logging.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace depot {

namespace {

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray text = message.toLocal8Bit();
    if (type == QtInfoMsg && context.category && qstrcmp(context.category, "depot.events") == 0) {
        std::fprintf(stdout, "%s\n", text.constData());
        std::fflush(stdout);
        return;
    }
    const char *level = "info";
    switch (type) {
    case QtDebugMsg:
        level = "debug";
        break;
    case QtWarningMsg:
        level = "warning";
        break;
    case QtCriticalMsg:
        level = "critical";
        break;
    case QtFatalMsg:
        level = "fatal";
        break;
    case QtInfoMsg:
        break;
    }
    std::fprintf(stderr, "%s: %s: %s\n", level, context.category ? context.category : "default",
                 text.constData());
    if (type == QtFatalMsg)
        std::abort();
}

#ifdef Q_OS_UNIX
int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[0], &byte, 1);
}
#else
// Windows' C runtime calls a SIGINT/SIGTERM handler on a thread of its own, from which a queued
// call into the event loop is safe.
void onSignal(int)
{
    QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit,
                              Qt::QueuedConnection);
}
#endif

} // namespace

void installLogHandler()
{
    qInstallMessageHandler(handleMessage);
    // Depot's own debug output is for developers; QT_LOGGING_RULES turns it on.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("depot.*.debug=false"));
}

void quitOnTerminationSignals()
{
#ifdef Q_OS_UNIX
    // The handler only writes a byte; the event loop reads it and quits outside signal context.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return;
    auto *notifier =
        new QSocketNotifier(g_signalPipe[1], QSocketNotifier::Read, QCoreApplication::instance());
    QObject::connect(notifier, &QSocketNotifier::activated, notifier, [notifier] {
        notifier->setEnabled(false);
        char byte;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[1], &byte, 1);
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
#else
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
#endif
}

} // namespace depot
