// depot: the dispatcher console, with the hub in the same process.
#include "commandline.h"
#include "consolecontroller.h"
#include "consolelanguage.h"
#include "consoleoptions.h"
#include "consolesettings.h"
#include "demosimulator.h"
#include "dispatch/dispatchservice.h"
#include "hub.h"
#include "hubthread.h"
#include "logging.h"
#include "mapsettings.h"
#include "proofimageprovider.h"
#include "qrimageprovider.h"
#include "recordscontroller.h"
#include "replaycontroller.h"
#include "tilesource.h"
#include "webhookscontroller.h"

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

int main(int argc, char *argv[])
{
    depot::raiseOpenFileLimit();
    QCoreApplication::setApplicationName(QStringLiteral("depot"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEPOT_VERSION));
    depot::installLogHandler();

    // Flags are read before the window system is touched, so --help works without a display;
    // the language is loaded first, so --help speaks it too.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    depot::ConsoleLanguage language;
    const QString requestedLanguage = depot::ConsoleLanguage::requestedCode(arguments);
    if (!language.load(requestedLanguage)) {
        std::fprintf(
            stderr, "depot: %s\n",
            qPrintable(
                language
                    .translated("depot", QT_TRANSLATE_NOOP("depot", "--lang: '%1' is not one of "
                                                                    "the console's languages (%2)"))
                    .arg(requestedLanguage, depot::ConsoleLanguage::codes().join(u", "))));
        return 2;
    }
    QCommandLineParser parser;
    depot::addConsoleOptions(parser, language);
    auto parsed = depot::parseCommandLine(
        parser, arguments, QStringLiteral("depot"),
        language.translated("depot",
                            QT_TRANSLATE_NOOP("depot", "Depot: the courier dispatch console, with "
                                                       "its hub embedded.")),
        language.translator());
    if (const int *exitCode = std::get_if<int>(&parsed))
        return *exitCode;
    auto options = depot::consoleOptionsFrom(parser);
    auto config = std::get<depot::HubConfig>(std::move(parsed));

    // The self-test touches nothing of the user's: no display, no port, no data, no tiles.
    QTemporaryDir selfTestDir;
    if (options.selfTest) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        config.host = QHostAddress(QHostAddress::LocalHost);
        config.hostText = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.osmandPort = 0;
        config.dataDir = selfTestDir.path();
        config.tileUrl = QStringLiteral("none");
        config.tilesFile.clear();
    }

    QGuiApplication app(argc, argv);
    language.install(&app);
    // Fusion draws with the palette, so the theme's light and dark colours reach every control.
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    // The hub runs on a thread of its own, so that its sockets and the window's drawing do not
    // wait for each other. Before the listening line: whoever reads it may signal us at once.
    depot::quitOnTerminationSignals();
    depot::HubThread hubThread;
    const auto startError = hubThread.start(std::move(config));
    depot::Hub &hub = *hubThread.hub();
    if (const int exitCode = depot::announceStart(hub, startError, QStringLiteral("depot")))
        return exitCode;
    // The map reads the hub's tile source (a bad --tiles file stopped the start already).
    const auto tileSource = depot::makeTileSource(options, hub);
    depot::MapSettings::setTileSource(tileSource.get());
    if (hub.config().demo) {
        // The demo drives the hub's services directly, so it lives on the hub's thread too.
        hubThread.adopt([&hub] {
            auto *demo = new depot::DemoSimulator(hub, depot::DemoSimulator::Options{});
            demo->start();
            return demo;
        });
    }

    depot::ConsoleController controller(hub.dispatch(), hub.auth());
    controller.setHub(&hub);
    // Read on the hub's thread, where the dispatch service lives.
    depot::RecordsController records(hub.dayRecords(), &hub.dispatch());
    depot::WebhooksController webhooks(hub.webhooks(), &hub);
    depot::ReplayController replay(&hub.dayRecords(), &hub.dispatch());
    // The dispatcher's choices (the theme) live beside the database.
    depot::ConsoleSettings settings(
        QDir(hub.config().dataDir).filePath(depot::ConsoleSettings::defaultFileName()));

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.addImageProvider(QStringLiteral("qr"), new depot::QrImageProvider);
    auto *proofImages = new depot::ProofImageProvider; // the engine owns it
    engine.addImageProvider(QStringLiteral("proof"), proofImages);
    controller.setProofImages(proofImages);
    QStringList qmlWarnings;
    if (options.selfTest) {
        QObject::connect(&engine, &QQmlEngine::warnings, &app,
                         [&qmlWarnings](const QList<QQmlError> &warnings) {
                             for (const QQmlError &w : warnings)
                                 qmlWarnings << w.toString();
                         });
    }
    engine.setInitialProperties(
        {{QStringLiteral("listeningUrl"), hub.listeningUrl()},
         {QStringLiteral("generatedPassword"), hub.generatedAdminPassword()},
         {QStringLiteral("controller"), QVariant::fromValue(&controller)},
         {QStringLiteral("records"), QVariant::fromValue(&records)},
         {QStringLiteral("replay"), QVariant::fromValue(&replay)},
         {QStringLiteral("settings"), QVariant::fromValue(&settings)},
         {QStringLiteral("webhooks"), QVariant::fromValue(&webhooks)}});
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Depot/Console/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    if (!options.selfTest) {
        const int exitCode = app.exec();
        // The hub goes first, on its thread, while the models that follow it still exist.
        hubThread.stop();
        return exitCode;
    }

    // Done once a frame is drawn; a window that never draws fails after a generous wait.
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window) {
        std::fprintf(stderr, "depot: %s\n",
                     qPrintable(QCoreApplication::translate(
                         "depot", "self-test: the root object is not a window")));
        return 1;
    }
    QObject::connect(window, &QQuickWindow::frameSwapped, &app,
                     [] { QTimer::singleShot(0, qApp, [] { qApp->exit(0); }); });
    QTimer::singleShot(20000, &app, [] {
        std::fprintf(
            stderr, "depot: %s\n",
            qPrintable(QCoreApplication::translate("depot", "self-test: no frame within 20 s")));
        qApp->exit(1);
    });
    int exitCode = app.exec();
    hubThread.stop();
    for (const QString &w : std::as_const(qmlWarnings))
        std::fprintf(stderr, "depot: self-test: %s\n", qPrintable(w));
    if (exitCode == 0 && !qmlWarnings.isEmpty())
        exitCode = 1;
    if (exitCode == 0)
        std::printf("%s\n", qPrintable(QCoreApplication::translate("depot", "self-test passed")));
    return exitCode;
}
