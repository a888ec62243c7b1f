// depot-hub: the hub without a window, for a server or a test.
#include "commandline.h"
#include "demosimulator.h"
#include "hub.h"
#include "logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>

int main(int argc, char *argv[])
{
    depot::raiseOpenFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("depot"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEPOT_VERSION));
    depot::installLogHandler();

    QCommandLineParser parser;
    auto parsed = depot::parseCommandLine(
        parser, app.arguments(), QStringLiteral("depot-hub"),
        QStringLiteral("Depot hub: the REST API and real-time server of a courier depot."));
    if (const int *exitCode = std::get_if<int>(&parsed))
        return *exitCode;

    depot::Hub hub(std::get<depot::HubConfig>(std::move(parsed)));
    if (const int exitCode = depot::startAndAnnounce(hub, QStringLiteral("depot-hub")))
        return exitCode;
    std::unique_ptr<depot::DemoSimulator> demo;
    if (hub.config().demo) {
        demo = std::make_unique<depot::DemoSimulator>(hub, depot::DemoSimulator::Options{});
        demo->start();
    }
    return app.exec();
}
