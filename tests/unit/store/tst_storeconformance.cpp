// The same cases against SqliteStore and PostgresStore (a PostgreSQL server of the test's own):
// the schema version, accounts and tokens, usernames without regard to case, packages and their
// version compare-and-set, fixes and trails, settings, and failed logins. Every case starts on an
// empty database.
#include "core/clock.h"
#include "postgresserver.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace depot;

namespace {

const QDateTime kT0 = QDateTime::fromMSecsSinceEpoch(1742370325819, Qt::UTC);

User makeUser(const QString &username, Role role)
{
    User u;
    u.id = newId();
    u.username = username;
    u.name = username.toUpper();
    u.role = role;
    u.passwordHash = QStringLiteral("$argon2id$hash-of-") + username;
    u.createdAt = kT0;
    return u;
}

Courier courierOf(const User &u, const QString &deviceId = {})
{
    Courier c;
    c.id = u.id;
    c.name = u.name;
    c.username = u.username;
    c.phone = QStringLiteral("+44 20 7946 0000");
    c.deviceId = deviceId;
    c.createdAt = u.createdAt;
    return c;
}

Package makePackage(const QString &code)
{
    Package p;
    p.id = newId();
    p.trackingCode = code;
    p.trackingTokenHash = QStringLiteral("hash-") + code;
    p.recipientName = QStringLiteral("Grace");
    p.address = QStringLiteral("Flat 2, 10 Long Road");
    p.latitude = 51.5007;
    p.longitude = -0.1246;
    p.notes = QStringLiteral("ring twice");
    p.createdAt = kT0;
    p.updatedAt = kT0;
    return p;
}

PackageEvent makeEvent(const Package &p, const QString &name)
{
    return PackageEvent{0, p.id, name, p.updatedAt,
                        QJsonObject{{QStringLiteral("packageId"), p.id},
                                    {QStringLiteral("status"), statusName(p.status)}}};
}

OutboxEntry outboxEntry(const QString &target, const QString &orderKey, const QString &event,
                        qint64 atMs)
{
    OutboxEntry e;
    e.deliveryId = newId();
    e.channel = QStringLiteral("webhook");
    e.target = target;
    e.orderKey = orderKey;
    e.event = event;
    e.payload = QByteArrayLiteral("{\"event\":\"") + event.toUtf8() + QByteArrayLiteral("\"}");
    e.createdAtMs = atMs;
    e.nextAttemptAtMs = atMs;
    return e;
}

Location fixAt(double latitude, int second)
{
    return Location{latitude, -0.12, 5.0, std::nullopt, 270.0, kT0.addSecs(second)};
}

} // namespace

class tst_StoreConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void schemaVersion_data() { stores(); }
    void schemaVersion();
    void usersAndTokens_data() { stores(); }
    void usersAndTokens();
    void usernamesIgnoreCase_data() { stores(); }
    void usernamesIgnoreCase();
    void deactivationEndsTokens_data() { stores(); }
    void deactivationEndsTokens();
    void packageVersionsAreComparedAndSet_data() { stores(); }
    void packageVersionsAreComparedAndSet();
    void packageEmailAndLanguage_data() { stores(); }
    void packageEmailAndLanguage();
    void fixesAndTrails_data() { stores(); }
    void fixesAndTrails();
    void eventsOfSeveralPackages_data() { stores(); }
    void eventsOfSeveralPackages();
    void tracksByTimeRange_data() { stores(); }
    void tracksByTimeRange();
    void settings_data() { stores(); }
    void settings();
    void loginFailures_data() { stores(); }
    void loginFailures();
    void guessWindows_data() { stores(); }
    void guessWindows();
    void outboxEntriesComeWithTheChange_data() { stores(); }
    void outboxEntriesComeWithTheChange();
    void outboxKeepsOrderAndClaims_data() { stores(); }
    void outboxKeepsOrderAndClaims();
    void webhooks_data() { stores(); }
    void webhooks();
    void proofs_data() { stores(); }
    void proofs();

private:
    void stores();
    /// A store on an empty database of the row's kind, opened and migrated.
    std::unique_ptr<Store> openStore();

    std::unique_ptr<test::PostgresServer> m_postgres;
    QString m_postgresSkipped;
    std::unique_ptr<QTemporaryDir> m_dir;
    int m_databases = 0;
};

void tst_StoreConformance::initTestCase()
{
    m_postgresSkipped = test::PostgresServer::unavailableReason();
    if (m_postgresSkipped.isEmpty()) {
        m_postgres = std::make_unique<test::PostgresServer>();
        QString error;
        QVERIFY2(m_postgres->start(&error), qPrintable(error));
    }
    m_dir = std::make_unique<QTemporaryDir>();
}

void tst_StoreConformance::cleanupTestCase()
{
    m_postgres.reset();
}

void tst_StoreConformance::stores()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgres") << true;
}

std::unique_ptr<Store> tst_StoreConformance::openStore()
{
    QFETCH(bool, postgres);
    const QString name = QStringLiteral("conformance%1").arg(++m_databases);
    std::unique_ptr<Store> store;
    if (postgres) {
        if (!m_postgres)
            return nullptr;
        m_postgres->createDatabase(name);
        store = std::make_unique<PostgresStore>(m_postgres->databaseUrl(name));
    } else {
        store = std::make_unique<SqliteStore>(m_dir->filePath(name + QStringLiteral(".sqlite")));
    }
    QString error;
    if (!store->open(&error)) {
        qWarning("cannot open the store: %s", qPrintable(error));
        return nullptr;
    }
    return store;
}

#define OPEN_STORE(store)                                                                          \
    QFETCH(bool, postgres);                                                                        \
    if (postgres && !m_postgres)                                                                   \
        QSKIP(qPrintable(m_postgresSkipped));                                                      \
    auto store = openStore();                                                                      \
    QVERIFY(store)

void tst_StoreConformance::schemaVersion()
{
    OPEN_STORE(store);
    // Both keep the same versions: a change to one is a new version of both.
    QCOMPARE(PostgresStore::currentSchemaVersion(), SqliteStore::currentSchemaVersion());
    QCOMPARE(store->schemaVersion(), SqliteStore::currentSchemaVersion());
    QCOMPARE(store->shared(), postgres);
    QVERIFY(store->available());
}

void tst_StoreConformance::usersAndTokens()
{
    OPEN_STORE(store);
    const User admin = makeUser(QStringLiteral("dispatcher"), Role::Dispatcher);
    QVERIFY(store->insertUser(admin));
    const auto byName = store->userByUsername(QStringLiteral("dispatcher"));
    QVERIFY(byName);
    QCOMPARE(byName->id, admin.id);
    QCOMPARE(byName->role, Role::Dispatcher);
    QCOMPARE(byName->passwordHash, admin.passwordHash);
    QCOMPARE(byName->createdAt, kT0);
    QVERIFY(byName->active);
    QCOMPARE(store->loadUsers().size(), size_t(1));

    // Token hashes are bytes, NULs and high bytes included.
    const QByteArray hash = QByteArray::fromHex("00ff10e2") + QByteArray(28, '\x80');
    QVERIFY(store->insertToken(hash, admin.id, kT0));
    QCOMPARE(store->userIdForToken(hash), std::optional<QString>(admin.id));
    QCOMPARE(store->tokenByHash(hash)->lastUsedAt, kT0);
    QVERIFY(store->touchToken(hash, kT0.addSecs(90)));
    QCOMPARE(store->tokenByHash(hash)->lastUsedAt, kT0.addSecs(90));
    QVERIFY(!store->tokenByHash(QByteArray(32, '\x01')));

    QVERIFY(store->deleteTokensUsedBefore(kT0.addSecs(60)));
    QVERIFY(store->tokenByHash(hash)); // used after the cutoff
    QVERIFY(store->deleteTokensUsedBefore(kT0.addSecs(120)));
    QVERIFY(!store->tokenByHash(hash));

    // A password hash changes only over the one it was read as.
    QVERIFY(store->replacePasswordHash(admin.id, admin.passwordHash, QStringLiteral("new")));
    QVERIFY(!store->replacePasswordHash(admin.id, admin.passwordHash, QStringLiteral("newer")));
    QCOMPARE(store->userById(admin.id)->passwordHash, QStringLiteral("new"));
}

void tst_StoreConformance::usernamesIgnoreCase()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("Ada"), Role::Courier);
    QVERIFY(store->insertCourier(ada, courierOf(ada, QStringLiteral("dev-1"))));
    QCOMPARE(store->userByUsername(QStringLiteral("ADA"))->id, ada.id);
    const User olaf = makeUser(QStringLiteral("Ölaf"), Role::Courier);
    QVERIFY(store->insertUser(olaf));
    QCOMPARE(store->userByUsername(QStringLiteral("öLAF"))->id, olaf.id);
    // A name that differs only in case is taken, and so is a device id: the courier and their
    // login are refused together.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("query failed")));
    const User again = makeUser(QStringLiteral("aDA"), Role::Courier);
    QVERIFY(!store->insertCourier(again, courierOf(again)));
    QVERIFY(!store->userById(again.id));
    QCOMPARE(store->loadCouriers().size(), size_t(1));
    QVERIFY(store->available()); // a refused statement is not a lost server
}

void tst_StoreConformance::deactivationEndsTokens()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    Courier courier = courierOf(ada, QStringLiteral("dev-1"));
    QVERIFY(store->insertCourier(ada, courier));
    const QByteArray hash(32, 'a');
    QVERIFY(store->insertToken(hash, ada.id, kT0));
    courier.name = QStringLiteral("Ada L.");
    QVERIFY(store->updateCourier(courier, QString()));
    QVERIFY(store->tokenByHash(hash)); // a new name ends nothing
    courier.active = false;
    QVERIFY(store->updateCourier(courier, QString()));
    QVERIFY(!store->tokenByHash(hash));
    const auto couriers = store->loadCouriers();
    QCOMPARE(couriers.size(), size_t(1));
    QCOMPARE(couriers[0].name, QStringLiteral("Ada L."));
    QCOMPARE(couriers[0].deviceId, QStringLiteral("dev-1"));
    QVERIFY(!couriers[0].active);
    QVERIFY(!store->userById(ada.id)->active);
}

void tst_StoreConformance::packageVersionsAreComparedAndSet()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    QVERIFY(store->insertCourier(ada, courierOf(ada)));
    Package p = makePackage(QStringLiteral("AAAA000001"));
    std::vector<PackageEvent> created{makeEvent(p, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(p, created, true));
    QVERIFY(created[0].seq > 0);
    QCOMPARE(store->loadPackage(p.id)->version, 0);

    // Two changes made from version 0: the first is written, the second finds version 1.
    Package assigned = p;
    assigned.status = PackageStatus::Assigned;
    assigned.deliveryPersonId = ada.id;
    assigned.updatedAt = kT0.addSecs(1);
    std::vector<PackageEvent> first{makeEvent(assigned, QStringLiteral("delivery:assigned")),
                                    makeEvent(assigned, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(assigned, first, false));
    QVERIFY(created[0].seq < first[0].seq && first[0].seq < first[1].seq);
    Package cancelled = p;
    cancelled.status = PackageStatus::Cancelled;
    cancelled.reason = QStringLiteral("stale");
    std::vector<PackageEvent> second{makeEvent(cancelled, QStringLiteral("package:cancelled"))};
    QVERIFY(!store->savePackage(cancelled, second, false));
    QVERIFY(store->available());

    const auto stored = store->loadPackage(p.id);
    QVERIFY(stored);
    QCOMPARE(stored->version, 1);
    QCOMPARE(stored->status, PackageStatus::Assigned);
    QCOMPARE(stored->deliveryPersonId, ada.id);
    QVERIFY(stored->reason.isEmpty());
    QCOMPARE(stored->trackingTokenHash, p.trackingTokenHash);
    QCOMPARE(stored->notes, p.notes);
    QCOMPARE(stored->latitude, p.latitude);
    QCOMPARE(stored->updatedAt, kT0.addSecs(1));
    // The losing change wrote none of its events.
    const auto events = store->loadEvents(p.id);
    QCOMPARE(events.size(), size_t(3));
    QCOMPARE(events[1].event, QStringLiteral("delivery:assigned"));
    QCOMPARE(events[1].payload.value(QStringLiteral("status")).toString(),
             QStringLiteral("ASSIGNED"));

    // Made again from version 1, it is written.
    cancelled.version = 1;
    QVERIFY(store->savePackage(cancelled, second, false));
    QCOMPARE(store->loadPackage(p.id)->version, 2);
    QCOMPARE(store->loadPackages().size(), size_t(1));
    QCOMPARE(store->loadPackages()[0].status, PackageStatus::Cancelled);
    QVERIFY(!store->loadPackage(newId()));

    QVERIFY(store->setTrackingTokenHashes({{p.id, QStringLiteral("other")}}));
    QCOMPARE(store->loadPackage(p.id)->trackingTokenHash, QStringLiteral("other"));
}

void tst_StoreConformance::packageEmailAndLanguage()
{
    OPEN_STORE(store);
    Package with = makePackage(QStringLiteral("AAAA000002"));
    with.recipientEmail = QStringLiteral("grace@example.com");
    with.language = QStringLiteral("fr");
    std::vector<PackageEvent> created{makeEvent(with, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(with, created, true));
    Package without = makePackage(QStringLiteral("AAAA000003"));
    std::vector<PackageEvent> alsoCreated{makeEvent(without, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(without, alsoCreated, true));

    // Kept as given, and through a change of status.
    Package started = *store->loadPackage(with.id);
    QCOMPARE(started.recipientEmail, QStringLiteral("grace@example.com"));
    QCOMPARE(started.language, QStringLiteral("fr"));
    started.status = PackageStatus::Assigned;
    std::vector<PackageEvent> changed{makeEvent(started, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(started, changed, false));
    for (const Package &p : store->loadPackages()) {
        const bool hasEmail = p.id == with.id;
        QCOMPARE(p.recipientEmail, hasEmail ? QStringLiteral("grace@example.com") : QString());
        QCOMPARE(p.language, hasEmail ? QStringLiteral("fr") : QString());
    }
}

void tst_StoreConformance::fixesAndTrails()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    QVERIFY(store->insertCourier(ada, courierOf(ada)));
    QVERIFY(store->appendFixes(
        {StoredFix{ada.id, fixAt(1, 1), kT0, true}, StoredFix{ada.id, fixAt(2, 2), kT0, true}}));
    // A late fix is kept but joins no trail and moves nobody.
    QVERIFY(store->appendFixes(
        {StoredFix{ada.id, fixAt(0.5, 0), kT0, false}, StoredFix{ada.id, fixAt(3, 3), kT0, true}}));
    const auto trail = store->loadTrail(ada.id, 10);
    QCOMPARE(trail.size(), size_t(3));
    QCOMPARE(trail[0].latitude, 1.0);
    QCOMPARE(trail[2].latitude, 3.0);
    QCOMPARE(trail[2].timestamp, kT0.addSecs(3));
    QCOMPARE(trail[2].accuracy, std::optional<double>(5.0));
    QVERIFY(!trail[2].speed);
    QCOMPARE(store->loadTrail(ada.id, 2).size(), size_t(2));
    QCOMPARE(store->loadTrail(ada.id, 2)[0].latitude, 2.0);
    const auto couriers = store->loadCouriers();
    QVERIFY(couriers[0].lastLocation);
    QCOMPARE(couriers[0].lastLocation->latitude, 3.0);

    // Pruning keeps each courier's newest.
    QVERIFY(store->pruneFixes(kT0.addSecs(-60), 1));
    QCOMPARE(store->loadTrail(ada.id, 10).size(), size_t(1));
    QVERIFY(store->pruneFixes(kT0.addSecs(60), 10));
    QVERIFY(store->loadTrail(ada.id, 10).empty());
}

void tst_StoreConformance::eventsOfSeveralPackages()
{
    OPEN_STORE(store);
    const Package a = makePackage(QStringLiteral("AAAA"));
    const Package b = makePackage(QStringLiteral("BBBB"));
    const Package quiet = makePackage(QStringLiteral("CCCC"));
    std::vector<PackageEvent> events{makeEvent(a, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(a, events, true));
    events = {makeEvent(b, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(b, events, true));
    events = {makeEvent(quiet, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(quiet, events, true));
    Package assigned = a;
    assigned.status = PackageStatus::Assigned;
    events = {makeEvent(assigned, QStringLiteral("delivery:assigned")),
              makeEvent(assigned, QStringLiteral("package:update"))};
    QVERIFY(store->savePackage(assigned, events, false));

    // Both packages' events, in store order, and nothing of the one not asked for.
    const auto both = store->loadEventsOf({b.id, a.id, newId()});
    QCOMPARE(both.size(), size_t(4));
    QCOMPARE(both[0].packageId, a.id);
    QCOMPARE(both[1].packageId, b.id);
    QCOMPARE(both[2].event, QStringLiteral("delivery:assigned"));
    QCOMPARE(both[3].payload.value(QStringLiteral("status")).toString(),
             QStringLiteral("ASSIGNED"));
    QVERIFY(both[0].seq < both[1].seq && both[2].seq < both[3].seq);
    QCOMPARE(both[2].timestamp, a.updatedAt);
    QVERIFY(store->loadEventsOf({}).empty());
    // More ids than one query takes.
    QStringList many;
    for (int i = 0; i < 1200; ++i)
        many << newId();
    many << quiet.id;
    QCOMPARE(store->loadEventsOf(many).size(), size_t(1));
}

void tst_StoreConformance::tracksByTimeRange()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    const User bob = makeUser(QStringLiteral("bob"), Role::Courier);
    QVERIFY(store->insertCourier(ada, courierOf(ada)));
    QVERIFY(store->insertCourier(bob, courierOf(bob)));
    QVERIFY(store->loadTrack(ada.id, kT0, kT0.addSecs(60), 10).empty());
    std::vector<StoredFix> fixes;
    for (int second = 0; second < 10; ++second) {
        fixes.push_back(StoredFix{ada.id, fixAt(second, second), kT0, true});
        fixes.push_back(StoredFix{bob.id, fixAt(40 + second, second), kT0, true});
    }
    // A late fix inside the range is history, not track.
    fixes.push_back(StoredFix{ada.id, fixAt(50, 4), kT0, false});
    QVERIFY(store->appendFixes(fixes));

    // From inclusive, to exclusive, oldest first, only this courier's.
    const auto track = store->loadTrack(ada.id, kT0.addSecs(3), kT0.addSecs(7), 100);
    QCOMPARE(track.size(), size_t(4));
    QCOMPARE(track[0].latitude, 3.0);
    QCOMPARE(track[3].latitude, 6.0);
    QCOMPARE(track[0].timestamp, kT0.addSecs(3));
    QCOMPARE(track[0].heading, std::optional<double>(270.0));
    QCOMPARE(store->loadTrack(ada.id, kT0, kT0.addSecs(100), 100).size(), size_t(10));
    QCOMPARE(store->loadTrack(bob.id, kT0.addSecs(9), kT0.addSecs(100), 100)[0].latitude, 49.0);
    // Past the limit: the newest of the range.
    const auto newest = store->loadTrack(ada.id, kT0, kT0.addSecs(100), 3);
    QCOMPARE(newest.size(), size_t(3));
    QCOMPARE(newest[0].latitude, 7.0);
    QVERIFY(store->loadTrack(ada.id, kT0.addSecs(20), kT0.addSecs(30), 100).empty());
    QVERIFY(store->loadTrack(newId(), kT0, kT0.addSecs(100), 100).empty());
}

void tst_StoreConformance::settings()
{
    OPEN_STORE(store);
    QVERIFY(!store->setting(QStringLiteral("k")));
    QVERIFY(store->setSetting(QStringLiteral("k"), QStringLiteral("one")));
    QVERIFY(store->setSetting(QStringLiteral("k"), QStringLiteral("two")));
    QCOMPARE(store->setting(QStringLiteral("k")), std::optional<QString>(QStringLiteral("two")));
    // The first claim wins; later ones get its value.
    QCOMPARE(store->claimSetting(QStringLiteral("secret"), QStringLiteral("first")),
             std::optional<QString>(QStringLiteral("first")));
    QCOMPARE(store->claimSetting(QStringLiteral("secret"), QStringLiteral("second")),
             std::optional<QString>(QStringLiteral("first")));
}

void tst_StoreConformance::loginFailures()
{
    OPEN_STORE(store);
    const QString a = QStringLiteral("10.0.0.1");
    const QString b = QStringLiteral("10.0.0.2");
    const QString ada = QStringLiteral("ada");
    const QString bob = QStringLiteral("bob");
    for (qint64 t : {1000, 2000, 3000})
        QVERIFY(store->recordLoginFailure(a, ada, t));
    QVERIFY(store->recordLoginFailure(a, bob, 4000));
    QVERIFY(store->recordLoginFailure(b, ada, 5000));
    // Newest first, within the window, at most the limit.
    QCOMPARE(store->loginFailures(true, a, 0, 10), (std::vector<qint64>{4000, 3000, 2000, 1000}));
    QCOMPARE(store->loginFailures(true, a, 1500, 10), (std::vector<qint64>{4000, 3000, 2000}));
    QCOMPARE(store->loginFailures(true, a, 0, 2), (std::vector<qint64>{4000, 3000}));
    QCOMPARE(store->loginFailures(false, ada, 0, 10),
             (std::vector<qint64>{5000, 3000, 2000, 1000}));
    // A success forgets that account's failures from that address only, and old ones go.
    QVERIFY(store->clearLoginFailures(a, ada, 1500));
    QCOMPARE(store->loginFailures(true, a, 0, 10), (std::vector<qint64>{4000}));
    QCOMPARE(store->loginFailures(false, ada, 0, 10), (std::vector<qint64>{5000}));
}

void tst_StoreConformance::guessWindows()
{
    OPEN_STORE(store);
    const QString tracking = QStringLiteral("tracking");
    const QString a = QStringLiteral("10.0.0.1");
    QVERIFY(!store->guessWindow(tracking, a));
    for (qint64 t : {1000, 2000, 3000})
        QVERIFY(store->recordGuessMiss(tracking, a, t, 60'000, 0));
    QCOMPARE(store->guessWindow(tracking, a), (std::optional<std::pair<qint64, int>>({1000, 3})));
    // Kinds count apart.
    QVERIFY(!store->guessWindow(QStringLiteral("device"), a));
    // A miss a window later starts a new window.
    QVERIFY(store->recordGuessMiss(tracking, a, 61'000, 60'000, 0));
    QCOMPARE(store->guessWindow(tracking, a), (std::optional<std::pair<qint64, int>>({61'000, 1})));
    // Windows started before the stale mark go.
    QVERIFY(store->recordGuessMiss(tracking, QStringLiteral("10.0.0.2"), 200'000, 60'000, 150'000));
    QVERIFY(!store->guessWindow(tracking, a));
    QCOMPARE(store->guessWindow(tracking, QStringLiteral("10.0.0.2"))->second, 1);
}

void tst_StoreConformance::proofs()
{
    OPEN_STORE(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    QVERIFY(store->insertCourier(ada, courierOf(ada)));
    Package p = makePackage(QStringLiteral("AAAA000002"));
    std::vector<PackageEvent> none;
    QVERIFY(store->savePackage(p, none, true));
    QVERIFY(!store->loadProof(p.id, true));

    Proof proof;
    proof.id = newId();
    proof.packageId = p.id;
    proof.courierId = ada.id;
    proof.recipientName = QStringLiteral("Grace Hopper");
    proof.note = QStringLiteral("left with the neighbour");
    proof.signature = ProofImage{QStringLiteral("image/png"), QString(64, QLatin1Char('a')),
                                 QString(64, QLatin1Char('a')), 120};
    proof.photos = {ProofImage{QStringLiteral("image/jpeg"), QString(64, QLatin1Char('b')),
                               QString(64, QLatin1Char('c')), 4000},
                    ProofImage{QStringLiteral("image/webp"), QString(64, QLatin1Char('d')),
                               QString(64, QLatin1Char('d')), 3000}};
    proof.createdAt = kT0.addSecs(5);
    QVERIFY(store->saveProof(proof));

    for (const auto &loaded : {store->loadProof(p.id, true), store->loadProof(proof.id, false)}) {
        QVERIFY(loaded);
        QCOMPARE(loaded->id, proof.id);
        QCOMPARE(loaded->packageId, p.id);
        QCOMPARE(loaded->courierId, ada.id);
        QCOMPARE(loaded->recipientName, proof.recipientName);
        QCOMPARE(loaded->note, proof.note);
        QCOMPARE(loaded->createdAt, proof.createdAt);
        QVERIFY(loaded->signature);
        QCOMPARE(loaded->signature->mimeType, QStringLiteral("image/png"));
        QCOMPARE(loaded->photos.size(), size_t(2));
        QCOMPARE(loaded->photos[0].sha256, QString(64, QLatin1Char('b')));
        QCOMPARE(loaded->photos[0].publicSha256, QString(64, QLatin1Char('c')));
        QCOMPARE(loaded->photos[0].bytes, 4000);
        QCOMPARE(loaded->photos[1].mimeType, QStringLiteral("image/webp"));
    }

    // A second proof of the package replaces the first.
    Proof again = proof;
    again.id = newId();
    again.recipientName = QStringLiteral("Alan");
    again.signature.reset();
    again.photos.resize(1);
    QVERIFY(store->saveProof(again));
    const auto replaced = store->loadProof(p.id, true);
    QVERIFY(replaced);
    QCOMPARE(replaced->id, again.id);
    QCOMPARE(replaced->recipientName, QStringLiteral("Alan"));
    QVERIFY(!replaced->signature);
    QCOMPARE(replaced->photos.size(), size_t(1));
    QVERIFY(!store->loadProof(proof.id, false));
    QVERIFY(!store->loadProof(newId(), true));
}

void tst_StoreConformance::outboxEntriesComeWithTheChange()
{
    OPEN_STORE(store);
    const QStringList channels{QStringLiteral("webhook")};
    const qint64 t = kT0.toMSecsSinceEpoch();
    Package p = makePackage(QStringLiteral("OUTBOX01"));
    std::vector<PackageEvent> events{makeEvent(p, QStringLiteral("package:update"))};
    std::vector<OutboxEntry> outbox{
        outboxEntry(QStringLiteral("w1"), p.id, QStringLiteral("package:update"), t)};
    QVERIFY(store->savePackage(p, events, true, outbox));
    QVERIFY(outbox[0].id > 0);

    // A change that loses its compare-and-set stores none of its entries.
    Package stale = p;
    stale.version = 7;
    stale.status = PackageStatus::Cancelled;
    std::vector<PackageEvent> staleEvents{makeEvent(stale, QStringLiteral("package:cancelled"))};
    std::vector<OutboxEntry> staleOutbox{
        outboxEntry(QStringLiteral("w1"), p.id, QStringLiteral("package:cancelled"), t)};
    QVERIFY(!store->savePackage(stale, staleEvents, false, staleOutbox));

    const auto claimed =
        store->claimDueOutboxEntries(channels, QStringLiteral("hub-a"), t, t + 1000, 10);
    QCOMPARE(claimed.size(), size_t(1));
    QCOMPARE(claimed[0].deliveryId, outbox[0].deliveryId);
    QCOMPARE(claimed[0].payload, outbox[0].payload);
    QCOMPARE(claimed[0].orderKey, p.id);
    QCOMPARE(claimed[0].createdAtMs, t);
    // Entries of channels nobody delivers are left alone.
    QVERIFY(store
                ->claimDueOutboxEntries({QStringLiteral("email")}, QStringLiteral("hub-a"),
                                        t + 5000, t + 6000, 10)
                .empty());
}

void tst_StoreConformance::outboxKeepsOrderAndClaims()
{
    OPEN_STORE(store);
    const QStringList channels{QStringLiteral("webhook")};
    const qint64 t = kT0.toMSecsSinceEpoch();
    Package p = makePackage(QStringLiteral("OUTBOX02"));
    std::vector<PackageEvent> events{makeEvent(p, QStringLiteral("package:update"))};
    std::vector<OutboxEntry> outbox{
        outboxEntry(QStringLiteral("w1"), QStringLiteral("a"), QStringLiteral("first"), t),
        outboxEntry(QStringLiteral("w1"), QStringLiteral("a"), QStringLiteral("second"), t),
        outboxEntry(QStringLiteral("w1"), QStringLiteral("b"), QStringLiteral("other"), t),
        outboxEntry(QStringLiteral("w2"), QStringLiteral("a"), QStringLiteral("elsewhere"), t)};
    QVERIFY(store->savePackage(p, events, true, outbox));
    QCOMPARE(store->nextOutboxDueMs(channels), std::optional<qint64>(t));

    // One entry per channel, target and key: the oldest.
    auto claimed = store->claimDueOutboxEntries(channels, QStringLiteral("hub-a"), t, t + 100, 10);
    QStringList names;
    for (const OutboxEntry &e : claimed)
        names << e.event;
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("elsewhere"), QStringLiteral("first"),
                                 QStringLiteral("other")}));
    // Claimed: no other hub gets them while the lease holds, and then it does.
    QVERIFY(store->claimDueOutboxEntries(channels, QStringLiteral("hub-b"), t + 50, t + 150, 10)
                .empty());
    QCOMPARE(store->nextOutboxDueMs(channels), std::optional<qint64>(t + 100));
    QCOMPARE(store->claimDueOutboxEntries(channels, QStringLiteral("hub-b"), t + 100, t + 200, 10)
                 .size(),
             size_t(3));

    // A failed attempt waits for its next time, and holds back the entries after it.
    OutboxEntry first = *std::find_if(claimed.begin(), claimed.end(), [](const OutboxEntry &e) {
        return e.event == QLatin1String("first");
    });
    first.attempts = 1;
    first.nextAttemptAtMs = t + 1000;
    QVERIFY(
        store->finishOutboxAttempt(first, QStringLiteral("pending"),
                                   OutboxAttempt{t + 110, false, 500, QStringLiteral("HTTP 500")}));
    QVERIFY(store->releaseOutboxClaims());
    claimed =
        store->claimDueOutboxEntries(channels, QStringLiteral("hub-a"), t + 500, t + 5000, 10);
    QCOMPARE(claimed.size(), size_t(2)); // "other" and "elsewhere"; "second" waits for "first"
    for (const OutboxEntry &e : claimed)
        QVERIFY(e.event != QLatin1String("second") && e.event != QLatin1String("first"));
    claimed =
        store->claimDueOutboxEntries(channels, QStringLiteral("hub-a"), t + 1000, t + 1100, 10);
    QCOMPARE(claimed.size(), size_t(1));
    QCOMPARE(claimed[0].event, QStringLiteral("first"));
    QCOMPARE(claimed[0].attempts, 1);
    QVERIFY(
        store->finishOutboxAttempt(claimed[0], QStringLiteral("delivered"),
                                   OutboxAttempt{t + 1010, true, 200, QStringLiteral("HTTP 200")}));
    claimed =
        store->claimDueOutboxEntries(channels, QStringLiteral("hub-a"), t + 1020, t + 1100, 10);
    QCOMPARE(claimed.size(), size_t(1));
    QCOMPARE(claimed[0].event, QStringLiteral("second"));

    const auto records =
        store->recentOutboxEntries(QStringLiteral("webhook"), QStringLiteral("w1"), 10);
    QCOMPARE(records.size(), size_t(3));
    QCOMPARE(records[2].entry.event, QStringLiteral("first")); // newest first
    QCOMPARE(records[2].state, QStringLiteral("delivered"));
    QCOMPARE(records[2].attempts.size(), size_t(2));
    QCOMPARE(records[2].attempts[0].status, 500);
    QVERIFY(!records[2].attempts[0].delivered);
    QCOMPARE(records[2].attempts[1].detail, QStringLiteral("HTTP 200"));
    QVERIFY(records[2].attempts[1].delivered);
    QCOMPARE(records[1].state, QStringLiteral("pending"));

    // Delivered entries go when they are old; pending ones stay.
    QVERIFY(store->pruneOutbox(t + 1));
    QCOMPARE(store->recentOutboxEntries(QStringLiteral("webhook"), QStringLiteral("w1"), 10).size(),
             size_t(2));
}

void tst_StoreConformance::webhooks()
{
    OPEN_STORE(store);
    const qint64 t = kT0.toMSecsSinceEpoch();
    Webhook w{newId(),
              QStringLiteral("https://hooks.example/depot"),
              {QStringLiteral("package:update"), QStringLiteral("delivery:failed")},
              QStringLiteral("0123456789abcdef0123"),
              kT0};
    QVERIFY(store->insertWebhook(w));
    const auto loaded = store->loadWebhooks();
    QCOMPARE(loaded.size(), size_t(1));
    QCOMPARE(loaded[0].id, w.id);
    QCOMPARE(loaded[0].url, w.url);
    QCOMPARE(loaded[0].events, w.events);
    QCOMPARE(loaded[0].secret, w.secret);
    QCOMPARE(loaded[0].createdAt, kT0);

    Package p = makePackage(QStringLiteral("OUTBOX03"));
    std::vector<PackageEvent> events{makeEvent(p, QStringLiteral("package:update"))};
    std::vector<OutboxEntry> outbox{outboxEntry(w.id, p.id, QStringLiteral("package:update"), t)};
    QVERIFY(store->savePackage(p, events, true, outbox));
    // Deleting a webhook gives up on what it has not received.
    QVERIFY(store->deleteWebhook(w.id, t + 5, QStringLiteral("deleted")));
    QVERIFY(!store->deleteWebhook(w.id, t + 6, QStringLiteral("deleted")));
    QVERIFY(store->loadWebhooks().empty());
    const auto records = store->recentOutboxEntries(QStringLiteral("webhook"), w.id, 10);
    QCOMPARE(records.size(), size_t(1));
    QCOMPARE(records[0].state, QStringLiteral("failed"));
    QCOMPARE(records[0].attempts.size(), size_t(1));
    QCOMPARE(records[0].attempts[0].detail, QStringLiteral("deleted"));
    QVERIFY(store
                ->claimDueOutboxEntries({QStringLiteral("webhook")}, QStringLiteral("hub-a"),
                                        t + 10, t + 20, 10)
                .empty());
}

QTEST_GUILESS_MAIN(tst_StoreConformance)
#include "tst_storeconformance.moc"
