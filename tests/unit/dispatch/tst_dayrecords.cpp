// The day's records from a real SQLite file: which packages a range holds, each step's time from
// the stored events, a courier's deliveries, distance and time on the road, and the track's cap.
#include "core/clock.h"
#include "dispatch/dayrecords.h"
#include "dispatch/dispatchservice.h"
#include "core/geo.h"
#include "store/sqlitestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace depot;

namespace {

const QDateTime kDay = QDateTime::fromMSecsSinceEpoch(1768435200000, Qt::UTC); // 2026-01-15T00:00Z
constexpr qint64 kHourMs = 3'600'000;

Location fixAt(double latitude, qint64 seconds)
{
    return Location{latitude,     13.4,         std::nullopt,
                    std::nullopt, std::nullopt, kDay.addSecs(seconds)};
}

} // namespace

class tst_DayRecords : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void trackTotalsSkipLongGaps();
    void packagesActiveInARangeWithTheirSteps();
    void courierDays();
    void trackIsCappedNotCut();
    void proofLookup();

private:
    Courier addCourier(const QString &username);
    Package newPackage();
    Principal dispatcher() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<SqliteStore> m_store;
    std::unique_ptr<DispatchService> m_service;
    std::unique_ptr<DayRecords> m_records;
};

void tst_DayRecords::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_clock = std::make_unique<ManualClock>(kDay.addMSecs(8 * kHourMs));
    m_store = std::make_unique<SqliteStore>(m_dir->filePath(QStringLiteral("depot.sqlite")));
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
    m_service = std::make_unique<DispatchService>(*m_store, *m_clock);
    m_service->setTrackingSecret(QByteArray(32, 's'));
    m_service->load();
    DayRecords::Options options;
    options.maxTrackPoints = 3;
    m_records = std::make_unique<DayRecords>(*m_service, *m_store, options);
}

void tst_DayRecords::cleanup()
{
    m_records.reset();
    m_service.reset();
    m_store.reset();
    m_clock.reset();
    m_dir.reset();
}

Courier tst_DayRecords::addCourier(const QString &username)
{
    const auto c = m_service->createCourier(
        NewCourier{username, username, QStringLiteral("hash"), QString(), QString()});
    if (!c)
        qFatal("cannot create courier %s", qPrintable(c.error().message));
    return *c;
}

Package tst_DayRecords::newPackage()
{
    const auto p = m_service->createPackage(NewPackage{
        QStringLiteral("Recipient"), QStringLiteral("1 Main St"), 52.5, 13.4, {}, {}, {}});
    if (!p)
        qFatal("cannot create a package");
    return *p;
}

Principal tst_DayRecords::dispatcher() const
{
    Principal p;
    p.role = Role::Dispatcher;
    p.userId = newId();
    return p;
}

void tst_DayRecords::trackTotalsSkipLongGaps()
{
    const std::vector<Location> track{fixAt(52.5, 0), fixAt(52.501, 60), fixAt(52.502, 60 + 301),
                                      fixAt(52.503, 60 + 301 + 300)};
    const TrackTotals totals = trackTotals(track, 300'000);
    double metres = 0;
    for (size_t i = 1; i < track.size(); ++i)
        metres += geo::distanceMetres(track[i - 1].latitude, track[i - 1].longitude,
                                      track[i].latitude, track[i].longitude);
    QCOMPARE(totals.distanceMetres, metres);
    QVERIFY(metres > 300 && metres < 350);
    // 60 s and 300 s count; the 301 s gap is a stop.
    QCOMPARE(totals.onRoadMs, qint64(360'000));
    QCOMPARE(trackTotals({}, 300'000).distanceMetres, 0.0);
    QCOMPARE(trackTotals({fixAt(1, 0)}, 300'000).onRoadMs, qint64(0));
}

void tst_DayRecords::packagesActiveInARangeWithTheirSteps()
{
    const Principal d = dispatcher();
    const Courier ada = addCourier(QStringLiteral("ada"));
    const Courier bob = addCourier(QStringLiteral("bob"));
    const Package delivered = newPackage(); // created 08:00 on the day
    m_clock->advanceMs(1000);
    QVERIFY(m_service->assign(d, delivered.id, ada.id));
    m_clock->advanceMs(1000);
    QVERIFY(m_service->assign(d, delivered.id, bob.id)); // reassigned: bob's assignment counts
    const QDateTime reassignedAt = m_clock->now();
    m_clock->advanceMs(1000);
    QVERIFY(m_service->start(d, delivered.id));
    m_clock->advanceMs(24 * kHourMs); // delivered the next day
    QVERIFY(m_service->complete(d, delivered.id));
    const QDateTime deliveredAt = m_clock->now();
    const Package pending = newPackage(); // created on the next day, still pending
    m_clock->advanceMs(1000);
    const Package cancelled = newPackage();
    QVERIFY(m_service->cancel(d, cancelled.id, QStringLiteral("no longer wanted")));

    const auto day = [&](int n) {
        return m_records->packages(kDay.addDays(n), kDay.addDays(n + 1));
    };
    QCOMPARE(day(-1).size(), size_t(0));
    // Day 0 holds the package until its delivery; day 1 also the two made then.
    QCOMPARE(day(0).size(), size_t(1));
    const PackageRecord r = day(0)[0];
    QCOMPARE(r.package.id, delivered.id);
    QCOMPARE(r.package.status, PackageStatus::Completed);
    QCOMPARE(r.assignedAt, reassignedAt);
    QCOMPARE(r.startedAt, reassignedAt.addMSecs(1000));
    QCOMPARE(r.deliveredAt, deliveredAt);
    QVERIFY(!r.failedAt.isValid() && !r.cancelledAt.isValid());
    QCOMPARE(r.courierName, QStringLiteral("bob"));
    QVERIFY(!r.proofPresent);
    QCOMPARE(day(1).size(), size_t(3));
    QCOMPARE(day(1)[2].package.id, cancelled.id);
    QVERIFY(day(1)[2].cancelledAt.isValid());
    QCOMPARE(day(1)[1].package.id, pending.id);
    // A final package is not active after it ended; a pending one stays active.
    QCOMPARE(day(2).size(), size_t(1));
    QCOMPARE(day(2)[0].package.id, pending.id);
}

void tst_DayRecords::courierDays()
{
    const Principal d = dispatcher();
    const Courier ada = addCourier(QStringLiteral("ada"));
    const Courier gone = addCourier(QStringLiteral("gone"));
    const Courier idleGone = addCourier(QStringLiteral("idle"));
    for (const Courier &c : {gone, idleGone}) {
        CourierPatch off;
        off.active = false;
        QVERIFY(m_service->updateCourier(c.id, off));
    }
    QVERIFY(m_store->appendFixes({StoredFix{ada.id, fixAt(52.5, 3600), kDay, true},
                                  StoredFix{ada.id, fixAt(52.501, 3660), kDay, true},
                                  StoredFix{gone.id, fixAt(52.5, 3600), kDay, true}}));
    for (int i = 0; i < 3; ++i) {
        const Package p = newPackage();
        QVERIFY(m_service->assign(d, p.id, ada.id));
        QVERIFY(m_service->start(d, p.id));
        QVERIFY(i < 2 ? bool(m_service->complete(d, p.id))
                      : bool(m_service->fail(d, p.id, QStringLiteral("nobody home"))));
    }
    const auto days = m_records->couriers(kDay, kDay.addDays(1));
    // The courier taken off with nothing that day is left out.
    QCOMPARE(days.size(), size_t(2));
    QCOMPARE(days[0].courierId, ada.id);
    QCOMPARE(days[0].deliveries, 2);
    QCOMPARE(days[0].failures, 1);
    QCOMPARE(days[0].fixes, 2);
    QCOMPARE(days[0].onRoadMs, qint64(60'000));
    QVERIFY(days[0].distanceMetres > 100 && days[0].distanceMetres < 120);
    QCOMPARE(days[1].courierId, gone.id);
    QCOMPARE(days[1].fixes, 1);
    const auto nextDay = m_records->couriers(kDay.addDays(1), kDay.addDays(2));
    QCOMPARE(nextDay.size(), size_t(1));
    QCOMPARE(nextDay[0].deliveries, 0);
    QCOMPARE(nextDay[0].fixes, 0);
}

void tst_DayRecords::trackIsCappedNotCut()
{
    const Courier ada = addCourier(QStringLiteral("ada"));
    QVERIFY(m_store->appendFixes({StoredFix{ada.id, fixAt(52.5, 0), kDay, true},
                                  StoredFix{ada.id, fixAt(52.501, 60), kDay, true},
                                  StoredFix{ada.id, fixAt(52.502, 120), kDay, true}}));
    const auto three = m_records->track(ada.id, kDay, kDay.addDays(1));
    QVERIFY(three);
    QCOMPARE(three->size(), size_t(3));
    QCOMPARE(three->front().latitude, 52.5);
    QVERIFY(m_store->appendFixes({StoredFix{ada.id, fixAt(52.503, 180), kDay, true}}));
    const auto four = m_records->track(ada.id, kDay, kDay.addDays(1));
    QVERIFY(!four);
    QCOMPARE(four.error().code, ErrorCode::PayloadTooLarge);
    QVERIFY(four.error().message.contains(QLatin1String("3")));
    QVERIFY(m_records->track(ada.id, kDay.addSecs(60), kDay.addDays(1)));
    const auto unknown = m_records->track(newId(), kDay, kDay.addDays(1));
    QCOMPARE(unknown.error().code, ErrorCode::NotFound);
}

void tst_DayRecords::proofLookup()
{
    const Package p = newPackage();
    const Package other = newPackage();
    m_records->setProofLookup([&](const QString &id) { return id == p.id; });
    const auto records = m_records->packages(kDay, kDay.addDays(1));
    QCOMPARE(records.size(), size_t(2));
    QVERIFY(records[0].proofPresent);
    QVERIFY(!records[1].proofPresent);
    QCOMPARE(records[1].package.id, other.id);
}

QTEST_GUILESS_MAIN(tst_DayRecords)
#include "tst_dayrecords.moc"
