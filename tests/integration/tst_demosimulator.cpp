// The demo drives simulated couriers through the real hub: they log in, connect as Socket.IO
// clients over loopback and move within two seconds of start; deliveries go through REST.
#include "demosimulator.h"
#include "dispatch/dispatchservice.h"
#include "hub.h"
#include "hubconfig.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace depot;

class tst_DemoSimulator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void couriersMoveWithinTwoSeconds();
    void deliveriesHappen();
    void deliveriesHappenWhereAProofIsRequired();

private:
    static HubConfig configFor(const QString &dir)
    {
        HubConfig config;
        config.host = QHostAddress::LocalHost;
        config.hostText = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.osmandPort = 0;
        config.dataDir = dir;
        config.adminPassword = QStringLiteral("pw");
        return config;
    }
};

void tst_DemoSimulator::couriersMoveWithinTwoSeconds()
{
    QTemporaryDir dir;
    Hub hub(configFor(dir.path()));
    QVERIFY(!hub.start());
    QSet<QString> moved;
    QSet<QString> online;
    connect(&hub.dispatch(), &DispatchService::courierMoved, this,
            [&moved](const Courier &c, const Location &) { moved.insert(c.id); });
    connect(&hub.dispatch(), &DispatchService::courierOnlineChanged, this,
            [&online](const Courier &c, const QDateTime &) {
                if (c.online)
                    online.insert(c.id);
            });
    QElapsedTimer clock;
    clock.start();
    DemoSimulator demo(hub, DemoSimulator::Options{});
    demo.start();
    QCOMPARE(demo.courierCount(), 12);
    QTRY_COMPARE_WITH_TIMEOUT(moved.size(), 12, 2000);
    QVERIFY(clock.elapsed() < 2000);
    // Each one is a real connection to the hub.
    QCOMPARE(online.size(), 12);
    int open = 0;
    Principal dispatcher;
    dispatcher.role = Role::Dispatcher;
    for (const Package &p : hub.dispatch().packages(dispatcher, {}))
        open += isFinal(p.status) ? 0 : 1;
    QVERIFY(open >= 40);
}

void tst_DemoSimulator::deliveriesHappen()
{
    QTemporaryDir dir;
    Hub hub(configFor(dir.path()));
    QVERIFY(!hub.start());
    // A fast day: short ticks, so couriers reach their first stops within the test.
    DemoSimulator::Options options;
    options.couriers = 3;
    options.packages = 6;
    options.tickMs = 20;
    options.secondsPerTick = 15;
    options.seed = 7;
    DemoSimulator demo(hub, options);
    QSignalSpy changes(&hub.dispatch(), &DispatchService::packageChanged);
    demo.start();
    Principal dispatcher;
    dispatcher.role = Role::Dispatcher;
    auto count = [&](PackageStatus s) {
        return int(hub.dispatch().packages(dispatcher, PackageFilter{s, {}}).size());
    };
    QTRY_VERIFY_WITH_TIMEOUT(count(PackageStatus::InProgress) > 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(count(PackageStatus::Completed) + count(PackageStatus::Failed) > 0,
                             20000);
}

void tst_DemoSimulator::deliveriesHappenWhereAProofIsRequired()
{
    QTemporaryDir dir;
    HubConfig config = configFor(dir.path());
    config.proofPolicy = ProofPolicy::Required;
    Hub hub(config);
    QVERIFY(!hub.start());
    DemoSimulator::Options options;
    options.couriers = 3;
    options.packages = 6;
    options.tickMs = 20;
    options.secondsPerTick = 15;
    options.failureRate = 0;
    options.seed = 7;
    DemoSimulator demo(hub, options);
    demo.start();
    Principal dispatcher;
    dispatcher.role = Role::Dispatcher;
    auto completed = [&] {
        return hub.dispatch().packages(dispatcher, PackageFilter{PackageStatus::Completed, {}});
    };
    QTRY_VERIFY_WITH_TIMEOUT(!completed().empty(), 20000);
    // Each one with the proof the simulated courier gave first.
    for (const Package &p : completed())
        QVERIFY(hub.dispatch().proof(dispatcher, p.id));
}

QTEST_GUILESS_MAIN(tst_DemoSimulator)
#include "tst_demosimulator.moc"
