// depot: the dispatcher console, with the hub in the same process.
#include "commandline.h"
#include "consoleoptions.h"
#include "hub.h"
#include "logging.h"
#include "mapsettings.h"
#include "tilesource.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("depot"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEPOT_VERSION));
    depot::installLogHandler();

    // Flags are read before the window system is touched, so --help works without a display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    QCommandLineParser parser;
    depot::addConsoleOptions(parser);
    auto parsed = depot::parseCommandLine(
        parser, arguments, QStringLiteral("depot"),
        QStringLiteral("Depot: the courier dispatch console, with its hub embedded."));
    if (const int *exitCode = std::get_if<int>(&parsed))
        return *exitCode;

    QGuiApplication app(argc, argv);
    QString tileError;
    const auto tileSource = depot::makeTileSource(depot::consoleOptionsFrom(parser), &tileError);
    if (!tileError.isEmpty()) {
        std::fprintf(stderr, "depot: %s\n", qPrintable(tileError));
        return 2;
    }
    depot::MapSettings::setTileSource(tileSource.get());

    depot::Hub hub(std::get<depot::HubConfig>(std::move(parsed)));
    if (const int exitCode = depot::startAndAnnounce(hub, QStringLiteral("depot")))
        return exitCode;

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.setInitialProperties(
        {{QStringLiteral("listeningUrl"), hub.listeningUrl()},
         {QStringLiteral("generatedPassword"), hub.generatedAdminPassword()}});
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Depot/Console/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    return app.exec();
}
