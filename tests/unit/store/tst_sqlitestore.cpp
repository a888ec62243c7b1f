// SqliteStore: schema migrations, and that everything written is there after closing and
// reopening the file.
#include "core/clock.h"
#include "store/sqlitestore.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <tuple>

using namespace depot;

namespace {

const QDateTime kT0 = QDateTime::fromMSecsSinceEpoch(1742370325819, Qt::UTC);

/// Runs one statement on the file through a connection of its own, outside the store.
QVariant rawQuery(const QString &path, const QString &sql)
{
    QVariant result;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                result = q.value(0);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
    return result;
}

User makeUser(const QString &username, Role role)
{
    return User{newId(),
                username,
                username.toUpper(),
                role,
                QStringLiteral("pbkdf2-sha256$1$c2FsdA==$aGFzaA=="),
                kT0};
}

Package makePackage(const QString &code, const QString &courierId)
{
    Package p;
    p.id = newId();
    p.trackingCode = code;
    p.trackingTokenHash = QStringLiteral("hash-") + code;
    p.recipientName = QStringLiteral("Grace");
    p.address = QStringLiteral("Flat 2, 10 Long Road");
    p.latitude = 51.5007;
    p.longitude = -0.1246;
    p.status = courierId.isEmpty() ? PackageStatus::Pending : PackageStatus::Assigned;
    p.deliveryPersonId = courierId;
    p.notes = QStringLiteral("ring twice");
    p.createdAt = kT0;
    p.updatedAt = kT0.addMSecs(1500);
    return p;
}

PackageEvent makeEvent(const Package &p, const QString &name)
{
    return PackageEvent{0, p.id, name, p.updatedAt,
                        QJsonObject{{QStringLiteral("packageId"), p.id},
                                    {QStringLiteral("status"), statusName(p.status)},
                                    {QStringLiteral("timestamp"), isoTimestamp(p.updatedAt)}}};
}

Location fixAt(double latitude, int second)
{
    return Location{latitude, -0.12, 5.0, 3.5, 270.0, kT0.addSecs(second)};
}

/// The latitudes of a trail, oldest first: the tests tell fixes apart by latitude.
QList<double> latitudes(const std::vector<Location> &trail)
{
    QList<double> out;
    for (const Location &l : trail)
        out.append(l.latitude);
    return out;
}

QJsonObject userJson(const User &u)
{
    QJsonObject o = u.toJson();
    o.insert(QStringLiteral("passwordHash"), u.passwordHash);
    o.insert(QStringLiteral("createdAt"), isoTimestamp(u.createdAt));
    return o;
}

} // namespace

class tst_SqliteStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void freshDatabaseMigratesFromNothing();
    void reopeningKeepsTheVersion();
    void writesSurviveReopening();
    void refusedWriteLeavesNothing();
    void newerSchemaIsRefused();
    void backgroundFixesAreCheckpointed();
    void eachCourierHasAChainOfCurrentFixes();
    void migrationChainsEarlierFixes();
    void migrationMakesUsernamesUniqueWithoutCase();
    void tokensAndDeactivation();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("depot.sqlite")); }
    std::unique_ptr<SqliteStore> openStore(int version = -1);
    Courier addCourier(SqliteStore &store, const QString &username);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_SqliteStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

std::unique_ptr<SqliteStore> tst_SqliteStore::openStore(int version)
{
    auto store = std::make_unique<SqliteStore>(dbPath(), version);
    QString error;
    if (!store->open(&error)) {
        qWarning("cannot open the store: %s", qPrintable(error));
        return nullptr;
    }
    return store;
}

void tst_SqliteStore::freshDatabaseMigratesFromNothing()
{
    QVERIFY(!QFile::exists(dbPath()));
    QVERIFY(SqliteStore::currentSchemaVersion() >= 1);
    {
        auto store = openStore();
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), SqliteStore::currentSchemaVersion());
        QVERIFY(store->loadUsers().empty());
        QVERIFY(store->loadPackages().empty());
    }
    // The version is in the file, not only in memory.
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT version FROM schema_version")).toInt(),
             SqliteStore::currentSchemaVersion());
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("PRAGMA journal_mode")).toString(),
             QStringLiteral("wal"));
}

void tst_SqliteStore::reopeningKeepsTheVersion()
{
    {
        auto store = openStore();
        QVERIFY(store);
        QVERIFY(store->insertUser(makeUser(QStringLiteral("dispatcher"), Role::Dispatcher)));
    }
    auto store = openStore();
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), SqliteStore::currentSchemaVersion());
    QCOMPARE(store->loadUsers().size(), size_t(1));
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), 1);
}

void tst_SqliteStore::writesSurviveReopening()
{
    const User admin = makeUser(QStringLiteral("dispatcher"), Role::Dispatcher);
    const User courierUser = makeUser(QStringLiteral("ada"), Role::Courier);
    Courier courier{courierUser.id,
                    courierUser.name,
                    courierUser.username,
                    QStringLiteral("+44 20 7946 0000"),
                    QStringLiteral("device-7"),
                    false,
                    std::nullopt,
                    std::nullopt,
                    kT0};
    const Package pending = makePackage(QStringLiteral("0123456789"), QString());
    Package assigned = makePackage(QStringLiteral("ABCDEFGHJK"), courier.id);
    const QByteArray tokenHash(32, '\x7f');
    const QByteArray revokedHash(32, '\x01');
    const Location fix{51.5, -0.12, 5.0, 3.5, 270.0, kT0.addSecs(10)};
    const Location lateFix{51.4, -0.11, std::nullopt, std::nullopt, std::nullopt, kT0};

    std::vector<PackageEvent> pendingEvents{makeEvent(pending, QStringLiteral("package:update"))};
    std::vector<PackageEvent> assignedEvents{
        makeEvent(assigned, QStringLiteral("delivery:assigned")),
        makeEvent(assigned, QStringLiteral("package:update"))};
    {
        auto store = openStore();
        QVERIFY(store);
        QVERIFY(store->insertUser(admin));
        QVERIFY(store->insertCourier(courierUser, courier));
        QVERIFY(store->insertToken(tokenHash, courierUser.id, kT0));
        QVERIFY(store->insertToken(revokedHash, admin.id, kT0));
        QVERIFY(store->deleteToken(revokedHash));
        QVERIFY(store->savePackage(pending, pendingEvents, true));
        QVERIFY(store->savePackage(assigned, assignedEvents, true));
        // The store fills in the order of events.
        QVERIFY(pendingEvents[0].seq > 0);
        QVERIFY(assignedEvents[0].seq < assignedEvents[1].seq);

        assigned.status = PackageStatus::Failed;
        assigned.reason = QStringLiteral("nobody home");
        assigned.updatedAt = kT0.addSecs(60);
        std::vector<PackageEvent> failed{makeEvent(assigned, QStringLiteral("delivery:failed"))};
        QVERIFY(store->savePackage(assigned, failed, false));
        assignedEvents.push_back(failed[0]);

        QVERIFY(store->appendFixes({StoredFix{courier.id, fix, kT0.addSecs(11), true},
                                    StoredFix{courier.id, lateFix, kT0.addSecs(12), false}}));
        QVERIFY(store->setSetting(QStringLiteral("map.zoom"), QStringLiteral("13")));
    } // the store is closed here

    auto store = openStore();
    QVERIFY(store);

    const auto users = store->loadUsers();
    QCOMPARE(users.size(), size_t(2));
    QCOMPARE(userJson(*store->userByUsername(QStringLiteral("dispatcher"))), userJson(admin));
    QCOMPARE(userJson(*store->userById(courierUser.id)), userJson(courierUser));
    QVERIFY(!store->userByUsername(QStringLiteral("nobody")));

    QCOMPARE(store->userIdForToken(tokenHash).value_or(QString()), courierUser.id);
    QVERIFY(!store->userIdForToken(revokedHash));

    const auto couriers = store->loadCouriers();
    QCOMPARE(couriers.size(), size_t(1));
    Courier expected = courier;
    expected.lastLocation = fix; // the late fix is history only
    QCOMPARE(couriers[0].toJson(), expected.toJson());
    QCOMPARE(couriers[0].createdAt, courier.createdAt);

    const auto trail = store->loadTrail(courier.id, 10);
    QCOMPARE(trail.size(), size_t(1));
    QCOMPARE(trail[0].toJson(), fix.toJson());

    const auto packages = store->loadPackages();
    QCOMPARE(packages.size(), size_t(2));
    for (const Package &p : packages) {
        const Package &want = p.id == pending.id ? pending : assigned;
        QCOMPARE(p.toJson(true), want.toJson(true));
        QCOMPARE(p.trackingTokenHash, want.trackingTokenHash);
    }

    for (const auto &[id, want] :
         {std::pair{pending.id, pendingEvents}, std::pair{assigned.id, assignedEvents}}) {
        const auto events = store->loadEvents(id);
        QCOMPARE(events.size(), want.size());
        for (size_t i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i].seq, want[i].seq);
            QCOMPARE(events[i].event, want[i].event);
            QCOMPARE(events[i].timestamp, want[i].timestamp);
            QCOMPARE(events[i].payload, want[i].payload);
        }
    }

    QCOMPARE(store->setting(QStringLiteral("map.zoom")).value_or(QString()), QStringLiteral("13"));
    QVERIFY(!store->setting(QStringLiteral("missing")));
}

void tst_SqliteStore::refusedWriteLeavesNothing()
{
    auto store = openStore();
    QVERIFY(store);
    const User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    QVERIFY(store->insertUser(ada));
    // A taken username refuses the courier and their login together.
    User again = makeUser(QStringLiteral("ada"), Role::Courier);
    Courier courier{again.id, again.name,   again.username, {}, {},
                    false,    std::nullopt, std::nullopt,   kT0};
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("query failed")));
    QVERIFY(!store->insertCourier(again, courier));
    QVERIFY(store->loadCouriers().empty());
    QCOMPARE(store->loadUsers().size(), size_t(1));

    // Updating a package that is not there writes none of its events.
    const Package ghost = makePackage(QStringLiteral("GHOST00000"), QString());
    std::vector<PackageEvent> events{makeEvent(ghost, QStringLiteral("package:update"))};
    QVERIFY(!store->savePackage(ghost, events, false));
    QVERIFY(store->loadEvents(ghost.id).empty());
}

void tst_SqliteStore::backgroundFixesAreCheckpointed()
{
    // The fix writer never checkpoints its own commits; the checkpointer thread copies them into
    // the database file while the store is open, so the WAL does not grow without end.
    auto store = openStore();
    QVERIFY(store);
    const User courierUser = makeUser(QStringLiteral("ada"), Role::Courier);
    Courier courier{courierUser.id, courierUser.name, courierUser.username, {}, {},
                    false,          std::nullopt,     std::nullopt,         kT0};
    QVERIFY(store->insertCourier(courierUser, courier));
    const qint64 sizeBefore = QFileInfo(dbPath()).size();
    for (int batch = 0; batch < 20; ++batch) {
        std::vector<StoredFix> fixes;
        for (int i = 0; i < 500; ++i) {
            const Location fix{
                51.5 + i * 1e-5, -0.12, 5.0, 3.5, 270.0, kT0.addMSecs(batch * 500 + i)};
            fixes.push_back(StoredFix{courier.id, fix, kT0.addSecs(1), true});
        }
        QVERIFY(store->appendFixesInBackground(std::move(fixes), {}).get());
    }
    // 10,000 rows are over a megabyte: once copied, the database file has grown by that much.
    QVERIFY(
        QTest::qWaitFor([&] { return QFileInfo(dbPath()).size() > sizeBefore + 500'000; }, 5000));
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT COUNT(*) FROM fixes")).toInt(), 10000);
}

Courier tst_SqliteStore::addCourier(SqliteStore &store, const QString &username)
{
    const User user = makeUser(username, Role::Courier);
    const Courier courier{user.id, user.name,    user.username, {}, {},
                          false,   std::nullopt, std::nullopt,  kT0};
    if (!store.insertCourier(user, courier))
        qWarning("cannot insert courier %s", qPrintable(username));
    return courier;
}

void tst_SqliteStore::eachCourierHasAChainOfCurrentFixes()
{
    // Fixes have no per-courier index; a courier's trail follows its chain of current fixes,
    // across batches, interleaved couriers, late fixes kept as history, reopening and pruning.
    QString a, b;
    {
        auto store = openStore();
        QVERIFY(store);
        a = addCourier(*store, QStringLiteral("ada")).id;
        b = addCourier(*store, QStringLiteral("bob")).id;
        QVERIFY(store->appendFixes({StoredFix{a, fixAt(1, 1), kT0, true},
                                    StoredFix{b, fixAt(11, 1), kT0, true},
                                    StoredFix{a, fixAt(2, 2), kT0, true}}));
        QVERIFY(store->appendFixes({StoredFix{a, fixAt(1.5, 0), kT0, false},
                                    StoredFix{b, fixAt(12, 2), kT0, true},
                                    StoredFix{a, fixAt(3, 3), kT0, true}}));
        QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{1, 2, 3}));
        QCOMPARE(latitudes(store->loadTrail(a, 2)), (QList<double>{2, 3}));
        QCOMPARE(latitudes(store->loadTrail(b, 10)), (QList<double>{11, 12}));
        QVERIFY(store->loadTrail(a, 0).empty());
    }
    auto store = openStore();
    QVERIFY(store);
    QVERIFY(store->appendFixes({StoredFix{a, fixAt(4, 4), kT0, true}}));
    QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{1, 2, 3, 4}));

    // a has five fixes (one of them history): keeping two per courier leaves its newest two.
    QVERIFY(store->pruneFixes(kT0.addDays(-1), 2));
    QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{3, 4}));
    QCOMPARE(latitudes(store->loadTrail(b, 10)), (QList<double>{11, 12}));
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT COUNT(*) FROM fixes")).toInt(), 4);
    for (const Courier &c : store->loadCouriers()) {
        QVERIFY(c.lastLocation);
        QCOMPARE(c.lastLocation->latitude, c.id == a ? 4.0 : 12.0);
    }
}

void tst_SqliteStore::migrationChainsEarlierFixes()
{
    // Fixes written under schema version 1 (indexed by courier, no chain) join the chain when
    // the database is migrated, and new fixes continue it.
    QString a, b;
    {
        auto store = openStore(1);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), 1);
        a = addCourier(*store, QStringLiteral("ada")).id;
        b = addCourier(*store, QStringLiteral("bob")).id;
    }
    const QString insert = QStringLiteral(
        "INSERT INTO fixes (courier_id, latitude, longitude, timestamp, received_at, current) "
        "VALUES ('%1', %2, -0.12, '2025-03-19T07:45:25.819Z', '2025-03-19T07:45:25.819Z', %3)");
    for (const auto &[courier, latitude, current] :
         {std::tuple{a, 1.0, 1}, std::tuple{b, 11.0, 1}, std::tuple{a, 1.5, 0},
          std::tuple{a, 2.0, 1}}) {
        rawQuery(dbPath(), insert.arg(courier).arg(latitude).arg(current));
    }
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT COUNT(*) FROM fixes")).toInt(), 4);

    auto store = openStore();
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), SqliteStore::currentSchemaVersion());
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT COUNT(*) FROM sqlite_master "
                                               "WHERE name = 'fixes_by_courier'"))
                 .toInt(),
             0);
    QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{1, 2}));
    QCOMPARE(latitudes(store->loadTrail(b, 10)), (QList<double>{11}));
    QVERIFY(store->appendFixes({StoredFix{a, fixAt(3, 3), kT0, true}}));
    QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{1, 2, 3}));
    // a's fixes are numbered 1 (1.0), 2 (1.5, history), 3 (2.0), 4 (3.0): two are kept.
    QVERIFY(store->pruneFixes(kT0.addYears(-10), 2));
    QCOMPARE(latitudes(store->loadTrail(a, 10)), (QList<double>{2, 3}));
    QCOMPARE(latitudes(store->loadTrail(b, 10)), (QList<double>{11}));
}

void tst_SqliteStore::migrationMakesUsernamesUniqueWithoutCase()
{
    // A version-2 database may hold names that differ only in case: the oldest keeps its name,
    // each later one is renamed NAME~ID8, and every account and token is kept.
    User ada = makeUser(QStringLiteral("ada"), Role::Courier);
    User shouting = makeUser(QStringLiteral("ADA"), Role::Courier);
    shouting.createdAt = kT0.addSecs(60);
    User mixed = makeUser(QStringLiteral("Ada"), Role::Courier);
    mixed.createdAt = kT0.addSecs(120);
    const User bob = makeUser(QStringLiteral("bob"), Role::Courier);
    const QByteArray tokenHash(32, 'h');
    {
        auto store = openStore(2);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), 2);
        for (const User &u : {ada, shouting, mixed, bob})
            QVERIFY(store->insertUser(u));
    }
    rawQuery(dbPath(), QStringLiteral("INSERT INTO tokens (token_hash, user_id, created_at) "
                                      "VALUES (x'%1', '%2', '%3')")
                           .arg(QString::fromLatin1(tokenHash.toHex()), shouting.id,
                                isoTimestamp(kT0.addSecs(90))));
    auto store = openStore();
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), SqliteStore::currentSchemaVersion());
    QStringList names;
    for (const User &u : store->loadUsers()) {
        names << u.username;
        QVERIFY(u.active);
    }
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("ADA~") + shouting.id.left(8),
                                 QStringLiteral("Ada~") + mixed.id.left(8), QStringLiteral("ada"),
                                 QStringLiteral("bob")}));
    QCOMPARE(store->userByUsername(QStringLiteral("ADA")).value_or(User()).id, ada.id);
    QCOMPARE(
        store->userByUsername(QStringLiteral("ada~") + shouting.id.left(8)).value_or(User()).id,
        shouting.id);
    // The token of a renamed account still names it, last used when it was made.
    const auto token = store->tokenByHash(tokenHash);
    QVERIFY(token);
    QCOMPARE(token->userId, shouting.id);
    QCOMPARE(token->lastUsedAt, kT0.addSecs(90));
    // From now on a name differing only in case is refused by the database itself.
    QVERIFY(!store->insertUser(makeUser(QStringLiteral("BOB"), Role::Courier)));
}

void tst_SqliteStore::tokensAndDeactivation()
{
    auto store = openStore();
    QVERIFY(store);
    Courier courier = addCourier(*store, QStringLiteral("ada"));
    const QByteArray first(32, 'a'), second(32, 'b');
    QVERIFY(store->insertToken(first, courier.id, kT0));
    QVERIFY(store->insertToken(second, courier.id, kT0));
    QVERIFY(store->touchToken(first, kT0.addSecs(30)));
    QCOMPARE(store->tokenByHash(first)->lastUsedAt, kT0.addSecs(30));
    QVERIFY(store->deleteTokensUsedBefore(kT0.addSecs(10)));
    QVERIFY(store->tokenByHash(first));
    QVERIFY(!store->tokenByHash(second));
    // Taking the courier off ends their tokens in the same write; the record stays.
    courier.active = false;
    QVERIFY(store->updateCourier(courier, QString()));
    QVERIFY(!store->tokenByHash(first));
    QCOMPARE(store->loadCouriers().size(), size_t(1));
    QVERIFY(!store->loadCouriers().front().active);
    QVERIFY(!store->userById(courier.id)->active);
    // A password is replaced only if it is still the one that was read.
    const QString hash = store->userById(courier.id)->passwordHash;
    QVERIFY(!store->replacePasswordHash(courier.id, QStringLiteral("other"), QStringLiteral("x")));
    QVERIFY(store->replacePasswordHash(courier.id, hash, QStringLiteral("new")));
    QCOMPARE(store->userById(courier.id)->passwordHash, QStringLiteral("new"));
}

void tst_SqliteStore::newerSchemaIsRefused()
{
    {
        auto store = openStore();
        QVERIFY(store);
    }
    const int newer = SqliteStore::currentSchemaVersion() + 1;
    rawQuery(dbPath(), QStringLiteral("UPDATE schema_version SET version = %1").arg(newer));
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT version FROM schema_version")).toInt(),
             newer);

    SqliteStore store(dbPath());
    QString error;
    QVERIFY(!store.open(&error));
    QVERIFY2(error.contains(QString::number(newer)), qPrintable(error));
    // Refusing must not touch the newer database.
    QCOMPARE(rawQuery(dbPath(), QStringLiteral("SELECT version FROM schema_version")).toInt(),
             newer);
}

QTEST_GUILESS_MAIN(tst_SqliteStore)
#include "tst_sqlitestore.moc"
