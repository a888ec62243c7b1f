// depot-hub: the hub without a window, for a server or a test.
#include "hub.h"
#include "hubconfig.h"
#include "logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QProcessEnvironment>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("depot"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEPOT_VERSION));
    depot::installLogHandler();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Depot hub: the REST API and real-time server of a courier depot."));
    parser.addHelpOption();
    parser.addVersionOption();
    depot::addHubOptions(parser);
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "depot-hub: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("depot-hub %s\n", DEPOT_VERSION);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "depot-hub: unexpected argument '%s'\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }
    const auto config = depot::hubConfigFrom(parser, QProcessEnvironment::systemEnvironment());
    if (!config) {
        std::fprintf(stderr, "depot-hub: %s\n", qPrintable(config.error().message));
        return 2;
    }

    depot::Hub hub(*config);
    if (const auto error = hub.start()) {
        std::fprintf(stderr, "depot-hub: %s\n", qPrintable(error->message));
        return error->exitCode;
    }
    if (!hub.generatedAdminPassword().isEmpty())
        std::printf("dispatcher password (shown once): %s\n",
                    qPrintable(hub.generatedAdminPassword()));
    std::printf("listening on %s\n", qPrintable(hub.listeningUrl()));
    std::fflush(stdout);

    depot::quitOnTerminationSignals();
    return app.exec();
}
