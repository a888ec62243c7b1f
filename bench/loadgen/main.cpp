#include "loadgenerator.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

#include <sys/resource.h>

using depot::bench::LoadGenerator;

namespace {

// Thousands of connections need as many descriptors as the hard limit allows.
void raiseOpenFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    raiseOpenFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("depot-loadgen"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Plays the rush hour against a server that speaks the Depot contract, or holds idle "
        "connections to measure its memory per connection. Prints one JSON line of results."));
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("Server base URL."),
                                 QStringLiteral("url"), QStringLiteral("http://127.0.0.1:3000"));
    const QCommandLineOption dispatcherUrl(
        QStringLiteral("dispatcher-url"),
        QStringLiteral("Base URL of the server the dispatchers connect to (another hub of the same "
                       "cluster); default: --url."),
        QStringLiteral("url"));
    const QCommandLineOption password(QStringLiteral("admin-password"),
                                      QStringLiteral("Password of the dispatcher account."),
                                      QStringLiteral("pw"));
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("rush or capacity."),
                                  QStringLiteral("mode"), QStringLiteral("rush"));
    const QCommandLineOption couriers(QStringLiteral("couriers"), QStringLiteral("Couriers."),
                                      QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption dispatchers(QStringLiteral("dispatchers"),
                                         QStringLiteral("Dispatcher connections."),
                                         QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption packages(QStringLiteral("packages-per-courier"),
                                      QStringLiteral("Packages per courier, one tracker each."),
                                      QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption duration(QStringLiteral("duration"),
                                      QStringLiteral("Seconds of rush hour."), QStringLiteral("s"),
                                      QStringLiteral("30"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Fixes per second per courier."),
                                  QStringLiteral("r"), QStringLiteral("1"));
    const QCommandLineOption pid(QStringLiteral("server-pid"),
                                 QStringLiteral("Server processes to read CPU and memory of "
                                                "(comma-separated; summed)."),
                                 QStringLiteral("pid"), QStringLiteral("0"));
    const QCommandLineOption connections(QStringLiteral("connections"),
                                         QStringLiteral("Idle connections (capacity mode)."),
                                         QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption hold(QStringLiteral("hold"),
                                  QStringLiteral("Seconds to hold idle connections; longer than "
                                                 "the ping interval proves heartbeats answered."),
                                  QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption step(
        QStringLiteral("step"), QStringLiteral("After the rush hour, raise (or lower) the fix "
                                               "rate to find the highest with p99 under target."));
    const QCommandLineOption stepSeconds(QStringLiteral("step-duration"),
                                         QStringLiteral("Seconds per step."), QStringLiteral("s"),
                                         QStringLiteral("10"));
    const QCommandLineOption stepFactor(QStringLiteral("step-factor"),
                                        QStringLiteral("Rate multiplier per step."),
                                        QStringLiteral("f"), QStringLiteral("1.25"));
    const QCommandLineOption maxSteps(QStringLiteral("max-steps"), QStringLiteral("Step limit."),
                                      QStringLiteral("n"), QStringLiteral("8"));
    const QCommandLineOption target(QStringLiteral("p99-target"),
                                    QStringLiteral("p99 fix-to-dispatcher target in ms."),
                                    QStringLiteral("ms"), QStringLiteral("50"));
    const QCommandLineOption sample(QStringLiteral("sample-every"),
                                    QStringLiteral("Seconds between server memory samples while "
                                                   "holding idle connections."),
                                    QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption batch(QStringLiteral("connect-batch"),
                                   QStringLiteral("Connections opening at once."),
                                   QStringLiteral("n"), QStringLiteral("200"));
    parser.addOptions({url, dispatcherUrl, password, mode, couriers, dispatchers, packages,
                       duration, rate, pid, connections, hold, step, stepSeconds, stepFactor,
                       maxSteps, target, sample, batch});
    parser.process(app);

    LoadGenerator::Options o;
    o.url = QUrl(parser.value(url));
    o.adminPassword = parser.value(password);
    o.mode = parser.value(mode);
    o.couriers = parser.value(couriers).toInt();
    o.dispatchers = parser.value(dispatchers).toInt();
    o.packagesPerCourier = parser.value(packages).toInt();
    o.durationSeconds = parser.value(duration).toDouble();
    o.rate = parser.value(rate).toDouble();
    bool pidsOk = true;
    for (const QString &one : parser.value(pid).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qint64 value = one.trimmed().toLongLong(&pidsOk);
        if (!pidsOk || value < 0)
            break;
        if (value > 0)
            o.serverPids.push_back(value);
    }
    if (parser.isSet(dispatcherUrl))
        o.dispatcherUrl = QUrl(parser.value(dispatcherUrl));
    o.connections = parser.value(connections).toInt();
    o.holdSeconds = parser.value(hold).toDouble();
    o.step = parser.isSet(step);
    o.stepSeconds = parser.value(stepSeconds).toDouble();
    o.stepFactor = parser.value(stepFactor).toDouble();
    o.maxSteps = parser.value(maxSteps).toInt();
    o.p99TargetMs = parser.value(target).toDouble();
    o.connectBatch = std::max(1, parser.value(batch).toInt());
    o.sampleSeconds = parser.value(sample).toDouble();

    // Every loop is bounded: counts and durations must be positive and finite.
    if (!o.url.isValid() || o.adminPassword.isEmpty() || !pidsOk ||
        (parser.isSet(dispatcherUrl) && !o.dispatcherUrl.isValid()) ||
        (o.mode != QLatin1String("rush") && o.mode != QLatin1String("capacity")) ||
        o.couriers < 1 || o.couriers > 100000 || o.dispatchers < 0 || o.dispatchers > 1000 ||
        o.packagesPerCourier < 1 || o.packagesPerCourier > 100 || !(o.durationSeconds > 0) ||
        o.durationSeconds > 3600 || !(o.rate > 0) || o.rate > 1000 || o.connections < 1 ||
        o.connections > 200000 || !(o.holdSeconds >= 0) || o.holdSeconds > 3600 ||
        !(o.stepSeconds > 0) || o.stepSeconds > 600 || !(o.stepFactor > 1) ||
        !(o.sampleSeconds >= 1) || o.sampleSeconds > 600 || o.maxSteps < 0 || o.maxSteps > 50) {
        std::fprintf(stderr, "depot-loadgen: invalid options (see --help)\n");
        return 2;
    }

    LoadGenerator generator(o);
    QObject::connect(&generator, &LoadGenerator::finished, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    generator.start();
    return app.exec();
}
