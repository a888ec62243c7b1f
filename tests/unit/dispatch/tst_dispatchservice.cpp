// DispatchService on a real SQLite file: who may do what, the events a change announces and
// their order, and that a refused command changes nothing in memory or on disk.
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/statemachine.h"
#include "dispatch/trackingtokens.h"
#include "store/sqlitestore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace depot;

Q_DECLARE_METATYPE(depot::PackageStatus)
Q_DECLARE_METATYPE(depot::PackageAction)
Q_DECLARE_METATYPE(depot::ErrorCode)

namespace {
/// Who issues a command: m_courier carries the test's packages, the other courier none.
enum class Caller { Dispatcher, Courier, OtherCourier, Tracker };
} // namespace

Q_DECLARE_METATYPE(Caller)

class tst_DispatchService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void createPackageAnnouncesItsFirstStatus();
    void commandsAnnounceEventsInOrder_data();
    void commandsAnnounceEventsInOrder();
    void refusedCommandChangesNothing_data();
    void refusedCommandChangesNothing();
    void courierSeesOnlyTheirPackages();
    void courierReadsOnlyTheirOwnRecord();
    void duplicateUsernameIsAConflict();
    void changesSurviveReload();

private:
    Courier addCourier(const QString &username);
    /// A package driven by the dispatcher to `status`, carried by m_courier when assigned.
    Package packageIn(PackageStatus status);
    Principal principal(Caller caller, const Package &package) const;
    Result<Package> act(const Principal &caller, PackageAction action, const QString &packageId,
                        const QString &courierId);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<SqliteStore> m_store;
    std::unique_ptr<DispatchService> m_service;
    Principal m_dispatcher;
    Courier m_courier;
    Courier m_otherCourier;
};

namespace {

QStringList eventNames(const std::vector<PackageEvent> &events)
{
    QStringList names;
    for (const PackageEvent &e : events)
        names << e.event;
    return names;
}

} // namespace

void tst_DispatchService::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock = std::make_unique<ManualClock>();
    m_store = std::make_unique<SqliteStore>(m_dir->filePath(QStringLiteral("depot.sqlite")));
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
    m_service = std::make_unique<DispatchService>(*m_store, *m_clock);
    m_service->setTrackingSecret(QByteArray(32, 's'));
    m_service->load();

    m_dispatcher = Principal{Role::Dispatcher,
                             newId(),
                             QString(),
                             QStringLiteral("dispatcher"),
                             QStringLiteral("Dispatcher"),
                             {}};
    m_courier = addCourier(QStringLiteral("ada"));
    m_otherCourier = addCourier(QStringLiteral("bob"));
}

void tst_DispatchService::cleanup()
{
    m_service.reset();
    m_store.reset();
    m_clock.reset();
    m_dir.reset();
}

Courier tst_DispatchService::addCourier(const QString &username)
{
    // The service stores the hash as given; hashing is the REST layer's job.
    const auto c = m_service->createCourier(
        NewCourier{username, username, QStringLiteral("hash"), QString(), QString()});
    if (!c)
        qFatal("cannot create courier %s", qPrintable(c.error().message));
    return *c;
}

Package tst_DispatchService::packageIn(PackageStatus status)
{
    auto p = m_service->createPackage(NewPackage{
        QStringLiteral("Recipient"), QStringLiteral("1 Main St"), 52.5, 13.4, {}, {}, {}});
    Q_ASSERT(p);
    const QString id = p->id;
    using S = PackageStatus;
    auto step = [&](PackageAction action) {
        m_clock->advanceMs(1000);
        p = act(m_dispatcher, action, id, m_courier.id);
        if (!p)
            qFatal("cannot drive the package: %s", qPrintable(p.error().message));
    };
    if (status != S::Pending && status != S::Cancelled)
        step(PackageAction::Assign);
    if (status == S::InProgress || status == S::Completed)
        step(PackageAction::Start);
    if (status == S::Completed)
        step(PackageAction::Complete);
    if (status == S::Failed)
        step(PackageAction::Fail);
    if (status == S::Cancelled)
        step(PackageAction::Cancel);
    m_clock->advanceMs(1000);
    return *p;
}

Principal tst_DispatchService::principal(Caller caller, const Package &package) const
{
    switch (caller) {
    case Caller::Dispatcher:
        return m_dispatcher;
    case Caller::Courier:
        return Principal{Role::Courier,      m_courier.id,   QString(),
                         m_courier.username, m_courier.name, {}};
    case Caller::OtherCourier:
        return Principal{Role::Courier,           m_otherCourier.id,   QString(),
                         m_otherCourier.username, m_otherCourier.name, {}};
    case Caller::Tracker:
        return Principal{Role::Tracker, QString(), package.id, QString(), QString(), {}};
    }
    return {};
}

Result<Package> tst_DispatchService::act(const Principal &caller, PackageAction action,
                                         const QString &packageId, const QString &courierId)
{
    switch (action) {
    case PackageAction::Assign:
        return m_service->assign(caller, packageId, courierId);
    case PackageAction::Start:
        return m_service->start(caller, packageId);
    case PackageAction::Complete:
        return m_service->complete(caller, packageId);
    case PackageAction::Fail:
        return m_service->fail(caller, packageId, QStringLiteral("nobody home"));
    case PackageAction::Cancel:
        return m_service->cancel(caller, packageId, QStringLiteral("recipient moved"));
    }
    return makeError(ErrorCode::Internal, QString());
}

void tst_DispatchService::createPackageAnnouncesItsFirstStatus()
{
    QSignalSpy spy(m_service.get(), &DispatchService::packageChanged);
    const auto p = m_service->createPackage(NewPackage{
        QStringLiteral("R"), QStringLiteral("A"), -33.9, 151.2, QStringLiteral("n"), {}, {}});
    QVERIFY(p);
    QCOMPARE(statusName(p->status), QStringLiteral("PENDING"));
    QVERIFY(isUuid(p->id));
    QCOMPARE(p->createdAt, m_clock->now());
    QCOMPARE(spy.count(), 1);
    const auto events = spy.at(0).at(1).value<std::vector<PackageEvent>>();
    QCOMPARE(eventNames(events), QStringList{QStringLiteral("package:update")});
    QCOMPARE(events[0].payload.value(QStringLiteral("status")).toString(),
             QStringLiteral("PENDING"));
    QCOMPARE(eventNames(m_store->loadEvents(p->id)), eventNames(events));
}

void tst_DispatchService::commandsAnnounceEventsInOrder_data()
{
    QTest::addColumn<PackageStatus>("from");
    QTest::addColumn<Caller>("caller");
    QTest::addColumn<PackageAction>("action");
    QTest::addColumn<bool>("toOtherCourier");
    QTest::addColumn<PackageStatus>("to");
    QTest::addColumn<QString>("specificEvent");

    using S = PackageStatus;
    using A = PackageAction;
    const QString assigned = QStringLiteral("delivery:assigned");
    QTest::newRow("assign") << S::Pending << Caller::Dispatcher << A::Assign << false << S::Assigned
                            << assigned;
    QTest::newRow("reassign") << S::Assigned << Caller::Dispatcher << A::Assign << true
                              << S::Assigned << assigned;
    QTest::newRow("courier starts") << S::Assigned << Caller::Courier << A::Start << false
                                    << S::InProgress << QStringLiteral("delivery:started");
    QTest::newRow("dispatcher starts") << S::Assigned << Caller::Dispatcher << A::Start << false
                                       << S::InProgress << QStringLiteral("delivery:started");
    QTest::newRow("courier completes") << S::InProgress << Caller::Courier << A::Complete << false
                                       << S::Completed << QStringLiteral("delivery:completed");
    QTest::newRow("courier fails") << S::InProgress << Caller::Courier << A::Fail << false
                                   << S::Failed << QStringLiteral("delivery:failed");
    QTest::newRow("dispatcher fails assigned")
        << S::Assigned << Caller::Dispatcher << A::Fail << false << S::Failed
        << QStringLiteral("delivery:failed");
    QTest::newRow("cancel pending") << S::Pending << Caller::Dispatcher << A::Cancel << false
                                    << S::Cancelled << QStringLiteral("package:cancelled");
    QTest::newRow("cancel in progress") << S::InProgress << Caller::Dispatcher << A::Cancel << false
                                        << S::Cancelled << QStringLiteral("package:cancelled");
}

void tst_DispatchService::commandsAnnounceEventsInOrder()
{
    QFETCH(PackageStatus, from);
    QFETCH(Caller, caller);
    QFETCH(PackageAction, action);
    QFETCH(bool, toOtherCourier);
    QFETCH(PackageStatus, to);
    QFETCH(QString, specificEvent);

    const Package before = packageIn(from);
    const qsizetype historyBefore = qsizetype(m_store->loadEvents(before.id).size());
    const QString target = toOtherCourier ? m_otherCourier.id : m_courier.id;

    QSignalSpy spy(m_service.get(), &DispatchService::packageChanged);
    const auto after = act(principal(caller, before), action, before.id, target);
    QVERIFY2(after, qPrintable(after ? QString() : after.error().message));
    QCOMPARE(statusName(after->status), statusName(to));
    QCOMPARE(after->updatedAt, m_clock->now());

    QCOMPARE(spy.count(), 1);
    const auto changed = spy.at(0).at(0).value<Package>();
    const auto events = spy.at(0).at(1).value<std::vector<PackageEvent>>();
    const QString previous = spy.at(0).at(2).toString();
    QCOMPARE(changed.toJson(true), after->toJson(true));
    // The specific event first, then the generic status change.
    QCOMPARE(eventNames(events), (QStringList{specificEvent, QStringLiteral("package:update")}));
    const QJsonObject update = events[1].payload;
    QCOMPARE(update.value(QStringLiteral("packageId")).toString(), before.id);
    QCOMPARE(update.value(QStringLiteral("status")).toString(), statusName(to));
    QCOMPARE(update.value(QStringLiteral("timestamp")).toString(), isoTimestamp(m_clock->now()));
    if (action == PackageAction::Assign)
        QCOMPARE(update.value(QStringLiteral("deliveryPersonId")).toString(), target);
    if (action == PackageAction::Fail || action == PackageAction::Cancel)
        QVERIFY(!update.value(QStringLiteral("reason")).toString().isEmpty());
    QCOMPARE(previous, toOtherCourier ? m_courier.id : QString());

    // The events are in the history, in the order they were announced.
    const auto history = m_store->loadEvents(before.id);
    QCOMPARE(qsizetype(history.size()), historyBefore + 2);
    QCOMPARE(history[history.size() - 2].event, specificEvent);
    QCOMPARE(history.back().payload, update);
}

void tst_DispatchService::refusedCommandChangesNothing_data()
{
    QTest::addColumn<PackageStatus>("from");
    QTest::addColumn<Caller>("caller");
    QTest::addColumn<PackageAction>("action");
    QTest::addColumn<QString>("target"); // "courier", "other" or "unknown"; only for assign
    QTest::addColumn<ErrorCode>("expected");

    using S = PackageStatus;
    using A = PackageAction;
    using E = ErrorCode;
    const QString courier = QStringLiteral("courier");
    const QString other = QStringLiteral("other");

    // The role decides before anything else.
    QTest::newRow("courier assigns")
        << S::Pending << Caller::Courier << A::Assign << courier << E::Forbidden;
    QTest::newRow("courier reassigns own")
        << S::Assigned << Caller::Courier << A::Assign << other << E::Forbidden;
    QTest::newRow("courier cancels own")
        << S::Assigned << Caller::Courier << A::Cancel << courier << E::Forbidden;
    for (A a : {A::Assign, A::Start, A::Complete, A::Fail, A::Cancel}) {
        const QByteArray name = "tracker " + actionName(a).toUtf8();
        QTest::newRow(name.constData())
            << S::InProgress << Caller::Tracker << a << other << E::Forbidden;
    }
    // A package the courier does not carry does not exist for them.
    QTest::newRow("other courier starts")
        << S::Assigned << Caller::OtherCourier << A::Start << courier << E::NotFound;
    QTest::newRow("other courier completes")
        << S::InProgress << Caller::OtherCourier << A::Complete << courier << E::NotFound;
    QTest::newRow("other courier fails")
        << S::InProgress << Caller::OtherCourier << A::Fail << courier << E::NotFound;
    QTest::newRow("courier starts unassigned")
        << S::Pending << Caller::Courier << A::Start << courier << E::NotFound;
    QTest::newRow("assign to unknown courier") << S::Pending << Caller::Dispatcher << A::Assign
                                               << QStringLiteral("unknown") << E::NotFound;
    // The status machine.
    QTest::newRow("reassign to same courier")
        << S::Assigned << Caller::Dispatcher << A::Assign << courier << E::InvalidTransition;
    QTest::newRow("complete pending")
        << S::Pending << Caller::Dispatcher << A::Complete << courier << E::InvalidTransition;
    QTest::newRow("courier completes assigned")
        << S::Assigned << Caller::Courier << A::Complete << courier << E::InvalidTransition;
    QTest::newRow("start in progress")
        << S::InProgress << Caller::Courier << A::Start << courier << E::InvalidTransition;
    QTest::newRow("fail pending") << S::Pending << Caller::Dispatcher << A::Fail << courier
                                  << E::InvalidTransition;
    QTest::newRow("cancel completed")
        << S::Completed << Caller::Dispatcher << A::Cancel << courier << E::InvalidTransition;
    QTest::newRow("assign failed")
        << S::Failed << Caller::Dispatcher << A::Assign << other << E::InvalidTransition;
    QTest::newRow("start cancelled")
        << S::Cancelled << Caller::Dispatcher << A::Start << courier << E::InvalidTransition;
}

void tst_DispatchService::refusedCommandChangesNothing()
{
    QFETCH(PackageStatus, from);
    QFETCH(Caller, caller);
    QFETCH(PackageAction, action);
    QFETCH(QString, target);
    QFETCH(ErrorCode, expected);

    const Package before = packageIn(from);
    const auto historyBefore = m_store->loadEvents(before.id);
    const QString courierId = target == QLatin1String("courier") ? m_courier.id
                              : target == QLatin1String("other") ? m_otherCourier.id
                                                                 : newId();

    QSignalSpy spy(m_service.get(), &DispatchService::packageChanged);
    const auto result = act(principal(caller, before), action, before.id, courierId);
    QVERIFY(!result);
    QCOMPARE(int(result.error().code), int(expected));
    QVERIFY(!result.error().message.isEmpty());

    QCOMPARE(spy.count(), 0);
    QCOMPARE(m_service->findPackage(before.id)->toJson(true), before.toJson(true));
    QCOMPARE(m_store->loadEvents(before.id).size(), historyBefore.size());
    bool found = false;
    for (const Package &stored : m_store->loadPackages()) {
        if (stored.id == before.id) {
            found = true;
            // The store keeps the token's hash, never the token.
            QCOMPARE(stored.toJson(false), before.toJson(false));
            QCOMPARE(stored.trackingTokenHash, TrackingTokens::hash(before.trackingToken));
        }
    }
    QVERIFY(found);
}

void tst_DispatchService::courierSeesOnlyTheirPackages()
{
    const Package mine = packageIn(PackageStatus::Assigned);
    const Package pending = packageIn(PackageStatus::Pending);
    const Principal courier = principal(Caller::Courier, mine);
    const Principal other = principal(Caller::OtherCourier, mine);
    const Principal tracker = principal(Caller::Tracker, pending);

    QCOMPARE(m_service->packages(courier, {}).size(), size_t(1));
    QCOMPARE(m_service->packages(courier, {})[0].id, mine.id);
    QVERIFY(m_service->packages(other, {}).empty());
    QCOMPARE(m_service->packages(m_dispatcher, {}).size(), size_t(2));
    QCOMPARE(m_service->packages(tracker, {}).size(), size_t(1));
    QCOMPARE(m_service->packages(tracker, {})[0].id, pending.id);

    QVERIFY(m_service->package(courier, mine.id));
    QCOMPARE(int(m_service->package(other, mine.id).error().code), int(ErrorCode::NotFound));
    QCOMPARE(int(m_service->package(courier, pending.id).error().code), int(ErrorCode::NotFound));
    QCOMPARE(int(m_service->events(other, mine.id).error().code), int(ErrorCode::NotFound));
    QCOMPARE(int(m_service->package(tracker, mine.id).error().code), int(ErrorCode::NotFound));

    PackageFilter assigned{PackageStatus::Assigned, QString()};
    QCOMPARE(m_service->packages(m_dispatcher, assigned).size(), size_t(1));
    PackageFilter byOther{std::nullopt, m_otherCourier.id};
    QVERIFY(m_service->packages(m_dispatcher, byOther).empty());
}

void tst_DispatchService::courierReadsOnlyTheirOwnRecord()
{
    const Package p = packageIn(PackageStatus::Pending);
    QVERIFY(m_service->courier(principal(Caller::Courier, p), m_courier.id));
    QCOMPARE(int(m_service->courier(principal(Caller::Courier, p), m_otherCourier.id).error().code),
             int(ErrorCode::NotFound));
    QCOMPARE(int(m_service->courier(principal(Caller::Tracker, p), m_courier.id).error().code),
             int(ErrorCode::Forbidden));
    QVERIFY(m_service->courier(m_dispatcher, m_otherCourier.id));
}

void tst_DispatchService::duplicateUsernameIsAConflict()
{
    QSignalSpy spy(m_service.get(), &DispatchService::courierChanged);
    const auto again = m_service->createCourier(NewCourier{
        QStringLiteral("Another Ada"), m_courier.username, QStringLiteral("hash"), {}, {}});
    QVERIFY(!again);
    QCOMPARE(int(again.error().code), int(ErrorCode::Conflict));
    QCOMPARE(spy.count(), 0);
    QCOMPARE(m_service->couriers().size(), size_t(2));
}

void tst_DispatchService::changesSurviveReload()
{
    const Package p = packageIn(PackageStatus::InProgress);
    DispatchService reloaded(*m_store, *m_clock);
    reloaded.setTrackingSecret(QByteArray(32, 's'));
    reloaded.load();
    QCOMPARE(reloaded.findPackage(p.id)->toJson(true), p.toJson(true));
    QCOMPARE(reloaded.findPackageByTrackingCode(p.trackingCode.toLower())->id, p.id);
    QCOMPARE(reloaded.findPackageByTrackingToken(p.trackingToken)->id, p.id);
    QCOMPARE(reloaded.couriers().size(), size_t(2));
    QCOMPARE(reloaded.carriedBy(m_courier.id).size(), size_t(1));

    // Tokens come from the secret: another secret, other tokens, and the old ones name nothing.
    DispatchService rekeyed(*m_store, *m_clock);
    rekeyed.setTrackingSecret(QByteArray(32, 't'));
    rekeyed.load();
    QVERIFY(!rekeyed.findPackageByTrackingToken(p.trackingToken));
    QVERIFY(rekeyed.findPackage(p.id)->trackingToken != p.trackingToken);
}

QTEST_GUILESS_MAIN(tst_DispatchService)
#include "tst_dispatchservice.moc"
