// depot-console-bench: the console's window with its embedded hub while a fleet of couriers
// (2,000 by default) drives through the hub at 1 Hz as real Socket.IO clients from another
// process (this program again, with --fleet). Prints how busy the console's thread is, frame times,
// event-loop lag, how long a fix takes to reach the console's model, and whether a backlog builds
// up.
#include "consolecontroller.h"
#include "fleetdriver.h"
#include "hub.h"
#include "hubthread.h"
#include "logging.h"
#include "qrimageprovider.h"
#include "uiprobe.h"

#include "api/authservice.h"
#include "dispatch/dispatchservice.h"
#include "models/dispatchmirror.h"

#include <QCommandLineParser>
#include <QFile>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRandomGenerator>
#include <QSGRendererInterface>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>
#include <ctime>

#include <pthread.h>

Q_IMPORT_QML_PLUGIN(Depot_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Depot_MapPlugin)
Q_IMPORT_QML_PLUGIN(Depot_ModelsPlugin)

using namespace depot;
using namespace depot::bench;

namespace {

// Hamburg: the fleet's circles are spread over about 20 by 18 km around the centre.
constexpr double kCentreLatitude = 53.55;
constexpr double kCentreLongitude = 10.0;

double threadCpuSeconds(clockid_t clock)
{
    timespec t{};
    clock_gettime(clock, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

QQuickItem *findItem(QQuickItem *item, const QString &name)
{
    if (!item || item->objectName() == name)
        return item;
    for (QQuickItem *child : item->childItems()) {
        if (QQuickItem *found = findItem(child, name))
            return found;
    }
    return nullptr;
}

QString graphicsApiName(QSGRendererInterface::GraphicsApi api)
{
    switch (api) {
    case QSGRendererInterface::Software:
        return QStringLiteral("software");
    case QSGRendererInterface::OpenGL:
        return QStringLiteral("OpenGL");
    case QSGRendererInterface::Vulkan:
        return QStringLiteral("Vulkan");
    default:
        return QStringLiteral("other");
    }
}

/// One second of the run.
struct Second
{
    double busy = 0;
    double renderWait = 0;
    double uiCpu = 0;
    int frames = 0;
    double frameP99 = 0;
    double lagMax = 0;
    qint64 sent = 0;
    qint64 seen = 0;
    qint64 inFlight = 0; // sent so far minus seen so far
    double fixToModelP50 = 0;
    double fixToModelP99 = 0;
};

double mean(const std::vector<Second> &seconds, size_t from, size_t to, double Second::*field)
{
    double sum = 0;
    for (size_t i = from; i < to; ++i)
        sum += seconds[i].*field;
    return to > from ? sum / double(to - from) : 0;
}

double meanInFlight(const std::vector<Second> &seconds, size_t from, size_t to)
{
    double sum = 0;
    for (size_t i = from; i < to; ++i)
        sum += double(seconds[i].inFlight);
    return to > from ? sum / double(to - from) : 0;
}

/// The fleet's process: depot-console-bench --fleet FLEET.json LOG URL RATE. Drives the couriers
/// of FLEET.json, writes what it sent into the shared LOG, prints "connected N failed M" once
/// everyone has tried, and runs until it is killed.
int runFleet(int argc, char *argv[])
{
    // Each socket write arms a write notifier, and the GLib dispatcher keeps its notifiers in a
    // list it searches on every change: with ten thousand sockets that search was four fifths of
    // the fleet's CPU. Qt's own dispatcher keeps them in a hash.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 6)
        return 2;
    QFile file(args[2]);
    if (!file.open(QIODevice::ReadOnly))
        return 1;
    std::vector<FleetDriver::Courier> fleet;
    for (const QJsonValue &v : QJsonDocument::fromJson(file.readAll()).array()) {
        const QJsonArray c = v.toArray();
        fleet.push_back({c[0].toString(), c[1].toString(), c[2].toDouble(), c[3].toDouble(),
                         c[4].toDouble(), c[5].toDouble()});
    }
    SendLog *log = SendLog::map(args[3], fleet.size(), false);
    if (!log)
        return 1;
    FleetDriver driver(QUrl(args[4]), std::move(fleet), args[5].toDouble(), log);
    QObject::connect(&driver, &FleetDriver::allConnected, &app, [log] {
        std::printf("connected %d failed %d\n", log->connected.load(), log->failed.load());
        std::fflush(stdout);
    });
    driver.start();
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "--fleet") == 0)
        return runFleet(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("depot-console-bench"));
    installLogHandler();
    MeasuredApplication app(argc, argv);
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The console's window while a fleet of couriers drives through its hub."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("couriers"), QStringLiteral("Couriers driving [2000]."),
         QStringLiteral("n"), QStringLiteral("2000")},
        {QStringLiteral("rate"), QStringLiteral("Fixes per courier per second [1]."),
         QStringLiteral("hz"), QStringLiteral("1")},
        {QStringLiteral("warmup"), QStringLiteral("Seconds of driving before measuring [10]."),
         QStringLiteral("s"), QStringLiteral("10")},
        {QStringLiteral("duration"), QStringLiteral("Seconds measured [60]."), QStringLiteral("s"),
         QStringLiteral("60")},
        {QStringLiteral("hub-on-gui-thread"),
         QStringLiteral("Run the hub on the console's thread, as before it had a thread of its "
                        "own, to compare.")},
        {QStringLiteral("full-markers"),
         QStringLiteral("Draw every courier with its heading arrow at any zoom (the map's compact "
                        "dots off), to compare.")},
    });
    parser.process(app);
    bool ok[4] = {};
    const int courierCount = parser.value(QStringLiteral("couriers")).toInt(&ok[0]);
    const double rate = parser.value(QStringLiteral("rate")).toDouble(&ok[1]);
    const int warmup = parser.value(QStringLiteral("warmup")).toInt(&ok[2]);
    const int duration = parser.value(QStringLiteral("duration")).toInt(&ok[3]);
    if (!ok[0] || !ok[1] || !ok[2] || !ok[3] || courierCount < 1 || rate <= 0 || warmup < 0 ||
        duration < 4) {
        std::fprintf(stderr, "depot-console-bench: --couriers, --rate, --warmup and --duration "
                             "take positive numbers (duration at least 4)\n");
        return 2;
    }

    // The hub as the console embeds it, on loopback with a throwaway data dir.
    QTemporaryDir dataDir;
    HubConfig config;
    config.host = QHostAddress(QHostAddress::LocalHost);
    config.hostText = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.osmandPort = 0;
    config.dataDir = dataDir.path();
    config.tileUrl = QStringLiteral("none");
    // The whole fleet comes from 127.0.0.1: the per-address caps would turn most of it away.
    config.maxConnectionsPerAddress = courierCount + 64;
    config.maxUnauthenticatedPerAddress = 1000;
    // On a thread of its own, as depot runs it.
    // With --hub-on-gui-thread the hub is made here instead and the thread never started:
    // run() then runs on this thread, as everything did before the hub had a thread of its own.
    const bool hubOnGuiThread = parser.isSet(QStringLiteral("hub-on-gui-thread"));
    HubThread hubThread;
    std::unique_ptr<Hub> guiThreadHub;
    const auto error = hubOnGuiThread
                           ? (guiThreadHub = std::make_unique<Hub>(std::move(config)))->start()
                           : hubThread.start(std::move(config));
    if (error) {
        std::fprintf(stderr, "depot-console-bench: %s\n", qPrintable(error->message));
        return error->exitCode;
    }
    Hub &hub = hubOnGuiThread ? *guiThreadHub : *hubThread.hub();
    clockid_t hubCpuClock{};
    const pthread_t hubPthread = hubThread.run([] { return pthread_self(); });
    pthread_getcpuclockid(hubPthread, &hubCpuClock);

    // Couriers made the way the demo makes them: straight through the dispatch service with a
    // token each, no password hashing.
    std::fprintf(stderr, "creating %d couriers...\n", courierCount);
    QRandomGenerator random(20261126);
    std::vector<FleetDriver::Courier> fleet;
    QHash<QString, int> indexOfCourier;
    const int created = hubThread.run([&]() -> int {
        for (int i = 0; i < courierCount; ++i) {
            NewCourier fields;
            fields.name = QStringLiteral("Courier %1").arg(i + 1);
            fields.username = QStringLiteral("bench%1").arg(i + 1);
            fields.passwordHash = QStringLiteral("!");
            const auto created = hub.dispatch().createCourier(fields);
            if (!created) {
                std::fprintf(stderr, "depot-console-bench: cannot create courier %d: %s\n", i + 1,
                             qPrintable(created.error().message));
                return i;
            }
            const auto token = hub.auth().issueToken(created->id);
            if (!token) {
                std::fprintf(stderr, "depot-console-bench: no token for courier %d\n", i + 1);
                return i;
            }
            indexOfCourier.insert(created->id, i);
            fleet.push_back(
                {created->id, *token, kCentreLatitude + (random.generateDouble() - 0.5) * 0.16,
                 kCentreLongitude + (random.generateDouble() - 0.5) * 0.3,
                 200 + random.generateDouble() * 600, random.generateDouble() * 6.2832});
        }
        return courierCount;
    });
    if (created != courierCount)
        return 1;
    // The fleet's process reads the couriers from a file and writes what it sends into another.
    QJsonArray fleetJson;
    for (const FleetDriver::Courier &c : fleet)
        fleetJson.append(QJsonArray{c.id, c.token, c.centreLatitude, c.centreLongitude,
                                    c.radiusMetres, c.phase});
    const QString fleetPath = dataDir.filePath(QStringLiteral("fleet.json"));
    const QString logPath = dataDir.filePath(QStringLiteral("fleet.log"));
    QFile fleetFile(fleetPath);
    if (!fleetFile.open(QIODevice::WriteOnly) ||
        fleetFile.write(QJsonDocument(fleetJson).toJson(QJsonDocument::Compact)) < 0) {
        std::fprintf(stderr, "depot-console-bench: cannot write %s\n", qPrintable(fleetPath));
        return 1;
    }
    fleetFile.close();
    SendLog *sendLog = SendLog::map(logPath, size_t(courierCount), true);
    if (!sendLog) {
        std::fprintf(stderr, "depot-console-bench: cannot map %s\n", qPrintable(logPath));
        return 1;
    }

    // The console: the same controller and window as depot.
    ConsoleController controller(hub.dispatch(), hub.auth());
    controller.setHub(&hub);
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.addImageProvider(QStringLiteral("qr"), new QrImageProvider);
    engine.setInitialProperties({{QStringLiteral("listeningUrl"), hub.listeningUrl()},
                                 {QStringLiteral("generatedPassword"), QString()},
                                 {QStringLiteral("controller"), QVariant::fromValue(&controller)}});
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Depot/Console/Main.qml")));
    auto *window = engine.rootObjects().isEmpty()
                       ? nullptr
                       : qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window) {
        std::fprintf(stderr, "depot-console-bench: the console's window did not load\n");
        return 1;
    }

    QElapsedTimer clock;
    clock.start();
    UiProbe probe(&app, window, clock);

    // Fix to model: the model's slot is connected first (by the controller), so this runs
    // right after the model took the fix.
    std::vector<double> fixToModelMs, hubToModelMs;
    qint64 seenByModel = 0;
    // When the hub announced each courier's latest fix (on the hub's thread): what the fix took
    // from there to the model, apart from the socket, the hub's parsing and the store's commit.
    const auto announcedNs = std::make_unique<std::atomic<qint64>[]>(size_t(courierCount));
    QObject::connect(&hub.dispatch(), &DispatchService::courierMoved, &hub.dispatch(),
                     [&](const Courier &courier, const Location &) {
                         const int index = indexOfCourier.value(courier.id, -1);
                         if (index >= 0)
                             announcedNs[size_t(index)].store(monotonicNs(),
                                                              std::memory_order_relaxed);
                     });
    const auto fixSeen =
        QObject::connect(controller.findChild<DispatchMirror *>(), &DispatchMirror::courierMoved,
                         &app, [&](const Courier &courier, const Location &) {
                             const int index = indexOfCourier.value(courier.id, -1);
                             if (index < 0)
                                 return;
                             ++seenByModel;
                             const qint64 sentAt =
                                 sendLog->lastSentNs(size_t(index)).load(std::memory_order_relaxed);
                             const qint64 now = monotonicNs();
                             if (sentAt > 0)
                                 fixToModelMs.push_back(double(now - sentAt) / 1e6);
                             const qint64 announcedAt =
                                 announcedNs[size_t(index)].load(std::memory_order_relaxed);
                             if (announcedAt > 0)
                                 hubToModelMs.push_back(double(now - announcedAt) / 1e6);
                         });

    QProcess fleetProcess;
    fleetProcess.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    fleetProcess.setProgram(QCoreApplication::applicationFilePath());
    fleetProcess.setArguments(
        {QStringLiteral("--fleet"), fleetPath, logPath, hub.listeningUrl(), QString::number(rate)});

    std::vector<Second> seconds;
    std::vector<double> allFrameMs, allSyncMs, allLagMs, allFixToModelMs, allHubToModelMs,
        fleetLagMs;
    double busyTotal = 0, renderWaitTotal = 0, measuredSeconds = 0, uiCpuTotal = 0;
    qint64 sentAtStart = 0, seenAtStart = 0;
    double processCpuAtStart = 0;
    double hubCpuAtStart = 0;
    double uiCpuLast = 0;
    qint64 lastSent = 0, lastSeen = 0;
    int elapsed = -1; // seconds since everyone connected
    QTimer everySecond;

    auto sample = [&] {
        ++elapsed;
        if (elapsed == 2) {
            // Everyone has reported once: show the whole fleet, as a dispatcher would.
            if (QQuickItem *pane = findItem(window->contentItem(), QStringLiteral("mapPane"))) {
                if (parser.isSet(QStringLiteral("full-markers")))
                    pane->property("couriers").value<QObject *>()->setProperty("compactZoom", 0);
                QMetaObject::invokeMethod(pane, "fitAll");
            }
        }
        UiProbe::Window w = probe.take();
        const double uiCpu = threadCpuSeconds(CLOCK_THREAD_CPUTIME_ID);
        const qint64 sent = sendLog->sent.load();
        std::vector<double> fixes;
        fixes.swap(fixToModelMs);
        std::vector<double> fromHub;
        fromHub.swap(hubToModelMs);
        const double fleetLag = double(sendLog->worstLagNs.exchange(0)) / 1e6;
        if (elapsed == warmup) {
            sentAtStart = sent;
            seenAtStart = seenByModel;
            processCpuAtStart = threadCpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
            hubCpuAtStart = threadCpuSeconds(hubCpuClock);
            std::fprintf(stderr, "measuring for %d s...\n", duration);
        } else if (elapsed > warmup) {
            Second s;
            s.busy = w.busyFraction;
            s.renderWait = w.renderWaitFraction;
            s.uiCpu = (uiCpu - uiCpuLast) / w.seconds;
            s.frames = int(w.frameMs.size());
            s.frameP99 = quantile(w.frameMs, 0.99);
            s.lagMax = quantile(w.loopLagMs, 1);
            s.sent = sent - lastSent;
            s.seen = seenByModel - lastSeen;
            s.inFlight = sent - seenByModel;
            s.fixToModelP50 = quantile(fixes, 0.5);
            s.fixToModelP99 = quantile(fixes, 0.99);
            seconds.push_back(s);
            busyTotal += w.busyFraction * w.seconds;
            renderWaitTotal += w.renderWaitFraction * w.seconds;
            uiCpuTotal += uiCpu - uiCpuLast;
            measuredSeconds += w.seconds;
            allFrameMs.insert(allFrameMs.end(), w.frameMs.begin(), w.frameMs.end());
            allSyncMs.insert(allSyncMs.end(), w.syncMs.begin(), w.syncMs.end());
            allLagMs.insert(allLagMs.end(), w.loopLagMs.begin(), w.loopLagMs.end());
            allFixToModelMs.insert(allFixToModelMs.end(), fixes.begin(), fixes.end());
            allHubToModelMs.insert(allHubToModelMs.end(), fromHub.begin(), fromHub.end());
            fleetLagMs.push_back(fleetLag);
        }
        uiCpuLast = uiCpu;
        lastSent = sent;
        lastSeen = seenByModel;
        if (elapsed == warmup + duration)
            app.exit(0);
    };
    everySecond.setTimerType(Qt::PreciseTimer);
    everySecond.setInterval(1000);
    QObject::connect(&everySecond, &QTimer::timeout, &app, sample);
    QObject::connect(&fleetProcess, &QProcess::readyReadStandardOutput, &app, [&] {
        if (!fleetProcess.readAllStandardOutput().contains("connected") || everySecond.isActive())
            return;
        std::fprintf(stderr, "%d couriers connected (%d failed); driving, %d s warm-up...\n",
                     sendLog->connected.load(), sendLog->failed.load(), warmup);
        probe.take();
        uiCpuLast = threadCpuSeconds(CLOCK_THREAD_CPUTIME_ID);
        everySecond.start();
    });
    QObject::connect(&fleetProcess, &QProcess::finished, &app, [&](int code) {
        std::fprintf(stderr, "depot-console-bench: the fleet's process ended (%d)\n", code);
        app.exit(1);
    });
    std::fprintf(stderr, "connecting %d couriers to %s...\n", courierCount,
                 qPrintable(hub.listeningUrl()));
    fleetProcess.start();
    const int exitCode = app.exec();
    const double hubCpu =
        (threadCpuSeconds(hubCpuClock) - hubCpuAtStart) / std::max(1.0, measuredSeconds);
    // The hub answers its last fixes when it goes, after what this connection reads.
    QObject::disconnect(fixSeen);
    QObject::disconnect(&fleetProcess, nullptr, &app, nullptr);
    fleetProcess.kill();
    fleetProcess.waitForFinished();
    hubThread.stop();
    guiThreadHub.reset();
    if (exitCode != 0 || seconds.empty())
        return exitCode ? exitCode : 1;

    // Backlog: compare the first and the last quarter of the measured seconds.
    const size_t quarter = std::max<size_t>(1, seconds.size() / 4);
    const size_t lastFrom = seconds.size() - quarter;
    const double inFlightFirst = meanInFlight(seconds, 0, quarter);
    const double inFlightLast = meanInFlight(seconds, lastFrom, seconds.size());
    const double latencyFirst = mean(seconds, 0, quarter, &Second::fixToModelP50);
    const double latencyLast = mean(seconds, lastFrom, seconds.size(), &Second::fixToModelP50);
    const double fixesPerSecond = double(courierCount) * rate;
    // Growing means more than a tenth of a second's fixes more in flight, and slower fixes.
    const bool backlogGrows =
        inFlightLast - inFlightFirst > 0.1 * fixesPerSecond && latencyLast > latencyFirst * 1.5;
    const double processCpu =
        (threadCpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - processCpuAtStart) / measuredSeconds;

    const QString platform = QGuiApplication::platformName();
    const QString backend = graphicsApiName(window->rendererInterface()->graphicsApi());
    std::printf("\nconsole benchmark: %d couriers x %.2g Hz, %d s measured after %d s warm-up; "
                "platform %s, scene graph %s, %d cores%s%s\n\n",
                courierCount, rate, duration, warmup, qPrintable(platform), qPrintable(backend),
                QThread::idealThreadCount(),
                parser.isSet(QStringLiteral("full-markers")) ? ", full markers at every zoom" : "",
                hubOnGuiThread ? ", the hub on the GUI thread" : "");
    std::printf("| figure | value |\n| --- | ---: |\n");
    std::printf("| fixes sent / s | %.0f |\n",
                double(sendLog->sent.load() - sentAtStart) / measuredSeconds);
    std::printf("| fixes reaching the console's model / s | %.0f |\n",
                double(seenByModel - seenAtStart) / measuredSeconds);
    std::printf("| UI thread busy (time handling events) | %.1f %% |\n",
                100 * busyTotal / measuredSeconds);
    std::printf("| of which waiting for the render thread to take a frame | %.1f %% |\n",
                100 * renderWaitTotal / measuredSeconds);
    std::printf("| UI thread working (busy minus that wait) | %.1f %% |\n",
                100 * (busyTotal - renderWaitTotal) / measuredSeconds);
    std::printf("| UI thread CPU | %.1f %% |\n", 100 * uiCpuTotal / measuredSeconds);
    std::printf("| hub thread CPU | %.1f %% |\n", 100 * hubCpu);
    std::printf("| whole process CPU (UI + render + hub threads; the fleet is another process) | "
                "%.1f %% |\n",
                100 * processCpu);
    std::printf("| frames / s | %.1f |\n", double(allFrameMs.size()) / measuredSeconds);
    std::printf("| frame interval p50 / p99 / max | %.1f / %.1f / %.1f ms |\n",
                quantile(allFrameMs, 0.5), quantile(allFrameMs, 0.99), quantile(allFrameMs, 1));
    std::printf("| scene sync (UI thread blocked) p50 / p99 / max | %.2f / %.2f / %.2f ms |\n",
                quantile(allSyncMs, 0.5), quantile(allSyncMs, 0.99), quantile(allSyncMs, 1));
    std::printf("| event-loop lag p50 / p99 / max | %.1f / %.1f / %.1f ms |\n",
                quantile(allLagMs, 0.5), quantile(allLagMs, 0.99), quantile(allLagMs, 1));
    std::printf("| fix -> model p50 / p99 / max | %.1f / %.1f / %.1f ms |\n",
                quantile(allFixToModelMs, 0.5), quantile(allFixToModelMs, 0.99),
                quantile(allFixToModelMs, 1));
    // On one thread the model takes the fix within the announcement itself.
    if (!hubOnGuiThread)
        std::printf("| hub announces -> model p50 / p99 / max | %.1f / %.1f / %.1f ms |\n",
                    quantile(allHubToModelMs, 0.5), quantile(allHubToModelMs, 0.99),
                    quantile(allHubToModelMs, 1));
    std::printf("| fleet behind its schedule, worst per second p50 / max | %.1f / %.1f ms |\n",
                quantile(fleetLagMs, 0.5), quantile(fleetLagMs, 1));
    std::printf("| fixes in flight, first / last quarter | %.0f / %.0f |\n", inFlightFirst,
                inFlightLast);
    std::printf("| backlog grows | %s |\n", backlogGrows ? "yes" : "no");

    std::printf("\nper 10 s: working %% | UI CPU %% | frames/s | worst frame ms | worst lag ms | "
                "fix->model p50/p99 ms | in flight\n");
    for (size_t from = 0; from < seconds.size(); from += 10) {
        const size_t to = std::min(seconds.size(), from + 10);
        double worstFrame = 0, worstLag = 0, p99 = 0;
        int frames = 0;
        for (size_t i = from; i < to; ++i) {
            worstFrame = std::max(worstFrame, seconds[i].frameP99);
            worstLag = std::max(worstLag, seconds[i].lagMax);
            p99 = std::max(p99, seconds[i].fixToModelP99);
            frames += seconds[i].frames;
        }
        std::printf("  %3zu-%3zu s: %5.1f | %5.1f | %5.1f | %6.1f | %6.1f | %6.1f / %6.1f | %lld\n",
                    from, to,
                    100 * (mean(seconds, from, to, &Second::busy) -
                           mean(seconds, from, to, &Second::renderWait)),
                    100 * mean(seconds, from, to, &Second::uiCpu),
                    double(frames) / double(to - from), worstFrame, worstLag,
                    mean(seconds, from, to, &Second::fixToModelP50), p99,
                    static_cast<long long>(seconds[to - 1].inFlight));
    }
    std::fflush(stdout);
    return backlogGrows ? 3 : 0;
}
