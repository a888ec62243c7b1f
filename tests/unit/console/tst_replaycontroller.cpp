// A courier's day played back: the position between fixes in proportion to the time, the trail
// and the events so far, scrubbing, the speeds, and the day read from a real dispatch service.
#include "dispatchfixture.h"
#include "replaycontroller.h"

#include "dispatch/dayrecords.h"

#include <QGeoCoordinate>
#include <QSignalSpy>
#include <QTest>

using namespace depot;
using namespace Qt::StringLiterals;

namespace {

const QDateTime kT0 = QDateTime::fromMSecsSinceEpoch(1768467600000, Qt::UTC); // 2026-01-15T09:00Z

Location fixAt(double latitude, qint64 seconds)
{
    return Location{latitude, 13.4, std::nullopt, std::nullopt, 90.0, kT0.addSecs(seconds)};
}

CourierEvent eventAt(const QString &name, qint64 seconds, const QString &code)
{
    Package p;
    p.trackingCode = code;
    p.latitude = 52.6;
    p.longitude = 13.5;
    return CourierEvent{kT0.addSecs(seconds), name, p};
}

double latitudeOf(const ReplayController &replay)
{
    return replay.courier().value(0).toMap().value(u"latitude"_s).toDouble();
}

} // namespace

class tst_ReplayController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scrubsBetweenFixesWithEventsAtTheirTimes();
    void playsAtItsSpeedAndStopsAtTheEnd();
    void loadsACouriersDay();
};

void tst_ReplayController::scrubsBetweenFixesWithEventsAtTheirTimes()
{
    ReplayController replay(nullptr, nullptr);
    QVERIFY(!replay.loaded());
    QSignalSpy loaded(&replay, &ReplayController::loadedChanged);
    replay.setDay(u"Ada"_s, {fixAt(52.50, 0), fixAt(52.51, 100), fixAt(52.52, 200)},
                  {eventAt(u"delivery:started"_s, 50, u"K3SB"_s),
                   eventAt(u"delivery:completed"_s, 150, u"K3SB"_s)});
    QCOMPARE(loaded.count(), 1);
    QVERIFY(replay.loaded());
    QCOMPARE(replay.duration(), qint64(200'000));
    QCOMPARE(replay.time(), kT0);
    QCOMPARE(latitudeOf(replay), 52.50);
    QCOMPARE(replay.trail().size(), 1);
    QVERIFY(replay.events().isEmpty());
    QVERIFY(replay.lastEvent().isEmpty());

    // A quarter of the way from the first fix to the second, heading north.
    replay.setPosition(25'000);
    QCOMPARE(latitudeOf(replay), 52.5025);
    QVERIFY(qAbs(replay.courier()[0].toMap().value(u"heading"_s).toDouble()) < 0.01);
    replay.setPosition(150'000);
    QCOMPARE(replay.trail().size(), 2);
    QCOMPARE(replay.trail()[1].value<QGeoCoordinate>().latitude(), 52.51);
    // One pin for the package, as its latest event left it.
    const QVariantList events = replay.events();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].toMap().value(u"state"_s).toString(), u"COMPLETED"_s);
    QCOMPARE(events[0].toMap().value(u"latitude"_s).toDouble(), 52.6);
    QCOMPARE(replay.lastEvent(), u"K3SB delivered"_s);
    // Scrubbing back takes events away again; past the end stops at the end.
    replay.setPosition(60'000);
    QCOMPARE(replay.events()[0].toMap().value(u"state"_s).toString(), u"IN_PROGRESS"_s);
    QCOMPARE(replay.lastEvent(), u"K3SB out for delivery"_s);
    replay.setPosition(30'000);
    QVERIFY(replay.events().isEmpty());
    replay.setPosition(10'000'000);
    QCOMPARE(replay.position(), replay.duration());
    QCOMPARE(latitudeOf(replay), 52.52);
    QCOMPARE(replay.allCoordinates().size(), 5);

    replay.close();
    QVERIFY(!replay.loaded());
    QVERIFY(replay.courier().isEmpty());
}

void tst_ReplayController::playsAtItsSpeedAndStopsAtTheEnd()
{
    ReplayController replay(nullptr, nullptr);
    replay.setDay(u"Ada"_s, {fixAt(52.50, 0), fixAt(52.51, 600)}, {});
    QCOMPARE(replay.speed(), 10);
    replay.setSpeed(60);
    replay.setPlaying(true);
    QVERIFY(replay.playing());
    // One real second is a minute of the day at 60x.
    replay.advance(1000);
    QCOMPARE(replay.position(), qint64(60'000));
    replay.setSpeed(1);
    replay.advance(1000);
    QCOMPARE(replay.position(), qint64(61'000));
    replay.setSpeed(10);
    replay.advance(60'000);
    QCOMPARE(replay.position(), replay.duration());
    QVERIFY(!replay.playing());
    // Played again from the end: from the start.
    replay.setPlaying(true);
    QCOMPARE(replay.position(), qint64(0));
    // Its own timer moves it on.
    QSignalSpy moved(&replay, &ReplayController::positionChanged);
    QVERIFY(moved.wait());
    QVERIFY(replay.position() > 0);
    replay.setPlaying(false);

    // Nothing recorded: nothing to play.
    replay.setDay(u"Bob"_s, {}, {});
    QCOMPARE(replay.duration(), qint64(0));
    replay.setPlaying(true);
    QVERIFY(!replay.playing());
    QVERIFY(replay.courier().isEmpty());
}

void tst_ReplayController::loadsACouriersDay()
{
    DispatchFixture f;
    const Courier ada = f.addCourier(u"Ada Lovelace"_s, u"ada"_s);
    const Package p = f.addPackage(u"Grace Hopper"_s, u"Karl-Marx-Allee 90"_s, 52.51, 13.43);
    QVERIFY(f.store.appendFixes(
        {StoredFix{ada.id, Location{52.5, 13.4, {}, {}, {}, f.clock.now()}, f.clock.now(), true}}));
    f.clock.advanceMs(60'000);
    QVERIFY(f.service.assign(f.dispatcher, p.id, ada.id));
    QVERIFY(f.service.start(f.dispatcher, p.id));
    f.clock.advanceMs(60'000);
    QVERIFY(f.service.complete(f.dispatcher, p.id));
    DayRecords records(f.service, f.store, DayRecords::Options{});
    ReplayController replay(&records, &f.service);
    QSignalSpy loaded(&replay, &ReplayController::loadedChanged);
    replay.load(ada.id, ada.name, f.clock.now().toLocalTime().date().toString(Qt::ISODate));
    QVERIFY(loaded.wait());
    QCOMPARE(replay.courierName(), ada.name);
    QCOMPARE(replay.fixCount(), 1);
    QCOMPARE(replay.duration(), qint64(120'000));
    replay.setPosition(replay.duration());
    QCOMPARE(replay.events().size(), 1);
    QCOMPARE(replay.events()[0].toMap().value(u"state"_s).toString(), u"COMPLETED"_s);
    QCOMPARE(replay.lastEvent(), p.trackingCode + u" delivered"_s);
}

QTEST_GUILESS_MAIN(tst_ReplayController)
#include "tst_replaycontroller.moc"
