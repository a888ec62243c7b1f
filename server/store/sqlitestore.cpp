#include "sqlitestore.h"

#include "core/clock.h"
#include "core/privatefiles.h"
#include "fixwriter.h"
#include "storelog.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

#include <algorithm>

Q_LOGGING_CATEGORY(lcStore, "depot.store")

namespace depot {

namespace {

// Each entry migrates the schema from version i to i + 1; never edit one that has shipped.
const char *const kMigrations[] = {
    R"sql(
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL);
    CREATE TABLE tokens (
        token_hash BLOB PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL);
    CREATE TABLE couriers (
        id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        phone TEXT NOT NULL DEFAULT '',
        device_id TEXT UNIQUE,
        last_latitude REAL, last_longitude REAL, last_accuracy REAL, last_speed REAL,
        last_heading REAL, last_time TEXT);
    CREATE TABLE packages (
        id TEXT PRIMARY KEY,
        tracking_code TEXT NOT NULL UNIQUE,
        tracking_token TEXT NOT NULL UNIQUE,
        recipient_name TEXT NOT NULL,
        address TEXT NOT NULL,
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        status TEXT NOT NULL,
        delivery_person_id TEXT,
        notes TEXT NOT NULL DEFAULT '',
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL);
    CREATE TABLE package_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        package_id TEXT NOT NULL REFERENCES packages(id),
        event TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        payload TEXT NOT NULL);
    CREATE INDEX package_events_by_package ON package_events(package_id, seq);
    CREATE TABLE fixes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        courier_id TEXT NOT NULL,
        latitude REAL NOT NULL, longitude REAL NOT NULL,
        accuracy REAL, speed REAL, heading REAL,
        timestamp TEXT NOT NULL,
        received_at TEXT NOT NULL,
        current INTEGER NOT NULL);
    CREATE INDEX fixes_by_courier ON fixes(courier_id, id);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    )sql",
    // Fixes are written without a per-courier index: at thousands of fixes a second it dirtied
    // one index page per courier in every commit, most of the bytes written to disk. A courier's
    // current fixes are chained instead (previous_id, newest in couriers.last_fix_id), and
    // courier_seq numbers each courier's fixes so that pruning by count needs no sort.
    R"sql(
    ALTER TABLE fixes ADD COLUMN previous_id INTEGER;
    ALTER TABLE fixes ADD COLUMN courier_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE couriers ADD COLUMN last_fix_id INTEGER;
    ALTER TABLE couriers ADD COLUMN fix_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE fixes SET courier_seq = r.seq FROM (SELECT id, ROW_NUMBER() OVER
        (PARTITION BY courier_id ORDER BY id) AS seq FROM fixes) AS r WHERE fixes.id = r.id;
    UPDATE fixes SET previous_id = r.previous FROM (SELECT id, LAG(id) OVER
        (PARTITION BY courier_id ORDER BY id) AS previous FROM fixes WHERE current = 1) AS r
        WHERE fixes.id = r.id;
    UPDATE couriers SET
        last_fix_id = (SELECT max(id) FROM fixes WHERE courier_id = couriers.id AND current = 1),
        fix_seq = (SELECT count(*) FROM fixes WHERE courier_id = couriers.id);
    DROP INDEX fixes_by_courier;
    )sql",
    // Accounts: a user can be taken off (active), a token expires some time after its last use,
    // and usernames are unique without regard to case. Of names that already differ only in
    // case, the oldest account keeps its name and each later one becomes NAME~ID8 (the first
    // eight characters of its id), so that nobody's login becomes someone else's.
    R"sql(
    ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
    UPDATE tokens SET last_used_at = created_at;
    CREATE INDEX tokens_by_user ON tokens(user_id);
    UPDATE users SET username = username || '~' || substr(id, 1, 8) WHERE EXISTS (
        SELECT 1 FROM users AS older WHERE older.username = users.username COLLATE NOCASE
        AND (older.created_at < users.created_at
             OR (older.created_at = users.created_at AND older.id < users.id)));
    CREATE UNIQUE INDEX users_username_nocase ON users(username COLLATE NOCASE);
    )sql",
    // Tracking tokens are no longer kept: each is derived from the package id and the data
    // dir's secret, and only its SHA-256 is stored. The clear tokens are overwritten here; the
    // dispatch service writes the new hashes when it loads.
    R"sql(
    ALTER TABLE packages RENAME COLUMN tracking_token TO tracking_token_hash;
    UPDATE packages SET tracking_token_hash = 'pending:' || id;
    )sql",
};

QVariant nullable(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

// SQLite stores a null QString as NULL; text columns that are NOT NULL get "" instead.
QString notNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

std::optional<double> optionalDouble(const QVariant &v)
{
    return v.isNull() ? std::nullopt : std::optional<double>(v.toDouble());
}

QString iso(const QDateTime &t)
{
    return isoTimestamp(t);
}

QDateTime fromIso(const QVariant &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs).toUTC();
}

/// The columns id, username, name, role, password_hash, created_at, active.
constexpr char kUserColumns[] = "id, username, name, role, password_hash, created_at, active";

User readUser(const QSqlQuery &q)
{
    User u;
    u.id = q.value(0).toString();
    u.username = q.value(1).toString();
    u.name = q.value(2).toString();
    u.role = roleFromName(q.value(3).toString()).value_or(Role::Courier);
    u.passwordHash = q.value(4).toString();
    u.createdAt = fromIso(q.value(5));
    u.active = q.value(6).toBool();
    return u;
}

/// latitude, longitude, accuracy, speed, heading, timestamp from column `first` on.
Location readLocation(const QSqlQuery &q, int first)
{
    Location l;
    l.latitude = q.value(first).toDouble();
    l.longitude = q.value(first + 1).toDouble();
    l.accuracy = optionalDouble(q.value(first + 2));
    l.speed = optionalDouble(q.value(first + 3));
    l.heading = optionalDouble(q.value(first + 4));
    l.timestamp = fromIso(q.value(first + 5));
    return l;
}

bool exec(QSqlQuery &q)
{
    if (q.exec())
        return true;
    qCWarning(lcStore) << "query failed:" << q.lastError().text() << q.lastQuery();
    return false;
}

bool insertUserRow(QSqlQuery &q, const User &user)
{
    // New users are active (the column's default), also in a database of an older schema.
    q.prepare(QStringLiteral("INSERT INTO users (id, username, name, role, password_hash, "
                             "created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(user.id);
    q.addBindValue(user.username);
    q.addBindValue(user.name);
    q.addBindValue(roleName(user.role));
    q.addBindValue(user.passwordHash);
    q.addBindValue(iso(user.createdAt));
    return exec(q);
}

} // namespace

SqliteStore::SqliteStore(QString path, int targetVersion)
    : m_path(std::move(path))
    , m_targetVersion(targetVersion < 0 ? currentSchemaVersion() : targetVersion)
    , m_connectionName(QStringLiteral("depot-store-") + QUuid::createUuid().toString())
{}

SqliteStore::~SqliteStore()
{
    m_fixWriter.reset(); // finishes its batches first
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

int SqliteStore::currentSchemaVersion()
{
    return int(std::size(kMigrations));
}

bool SqliteStore::open(QString *error)
{
    // SQLite gives its -wal and -shm files the database file's mode; the file is made 0600
    // before SQLite first opens it, and files from before are tightened.
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (!PrivateFiles::restrictFile(m_path + suffix)) {
            if (error)
                *error = QStringLiteral("cannot make %1 private").arg(m_path + suffix);
            return false;
        }
    }
    if (!PrivateFiles::createFile(m_path)) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(m_path);
        return false;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(m_path);
    if (!m_db.open()) {
        if (error)
            *error = m_db.lastError().text();
        return false;
    }
    QSqlQuery q(m_db);
    // WAL lets readers run beside the writer; FULL sync makes an answered write survive a crash.
    for (const char *pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                               "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
        if (!q.exec(QString::fromLatin1(pragma))) {
            if (error)
                *error = q.lastError().text();
            return false;
        }
    }
    return migrate(error);
}

bool SqliteStore::migrate(QString *error)
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) ||
        !q.exec(QStringLiteral("SELECT version FROM schema_version"))) {
        if (error)
            *error = q.lastError().text();
        return false;
    }
    m_schemaVersion = q.next() ? q.value(0).toInt() : 0;
    q.finish();
    if (m_schemaVersion > currentSchemaVersion()) {
        if (error)
            *error = QStringLiteral("database schema version %1 is newer than this Depot (%2)")
                         .arg(m_schemaVersion)
                         .arg(currentSchemaVersion());
        return false;
    }
    const int startVersion = m_schemaVersion;
    // What a migration removes (clear tokens) is overwritten, not left in free space.
    if (m_schemaVersion < m_targetVersion)
        q.exec(QStringLiteral("PRAGMA secure_delete=ON"));
    while (m_schemaVersion < m_targetVersion) {
        const int target = m_schemaVersion + 1;
        const bool ok = transaction([&] {
            const QStringList statements = QString::fromUtf8(kMigrations[m_schemaVersion])
                                               .split(QLatin1Char(';'), Qt::SkipEmptyParts);
            for (const QString &statement : statements) {
                if (statement.trimmed().isEmpty())
                    continue;
                if (!q.exec(statement)) {
                    qCWarning(lcStore) << "migration failed:" << q.lastError().text();
                    return false;
                }
            }
            q.exec(QStringLiteral("DELETE FROM schema_version"));
            q.prepare(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"));
            q.addBindValue(target);
            return exec(q);
        });
        if (!ok) {
            if (error)
                *error = QStringLiteral("could not migrate the database to version %1").arg(target);
            return false;
        }
        m_schemaVersion = target;
        qCInfo(lcStore) << "database migrated to schema version" << target;
    }
    if (m_schemaVersion != startVersion) {
        q.exec(QStringLiteral("PRAGMA secure_delete=OFF"));
        // Old page images in the WAL go too.
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    return true;
}

template <class F> bool SqliteStore::transaction(F &&body)
{
    if (!m_db.transaction()) {
        qCWarning(lcStore) << "cannot begin a transaction:" << m_db.lastError().text();
        return false;
    }
    if (!body()) {
        m_db.rollback();
        return false;
    }
    if (!m_db.commit()) {
        qCWarning(lcStore) << "commit failed:" << m_db.lastError().text();
        m_db.rollback();
        return false;
    }
    return true;
}

std::vector<User> SqliteStore::loadUsers()
{
    std::vector<User> users;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT %1 FROM users").arg(QLatin1String(kUserColumns))))
        return users;
    while (q.next())
        users.push_back(readUser(q));
    return users;
}

std::optional<User> SqliteStore::userWhere(const char *column, const QString &value)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM users WHERE %2 = ?")
                  .arg(QLatin1String(kUserColumns), QLatin1String(column)));
    q.addBindValue(value);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return readUser(q);
}

std::optional<User> SqliteStore::userByUsername(const QString &username)
{
    // NOCASE folds ASCII letters, through the unique index; other letters are folded here.
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM users WHERE username = ? COLLATE NOCASE")
                  .arg(QLatin1String(kUserColumns)));
    q.addBindValue(username);
    if (exec(q) && q.next())
        return readUser(q);
    const bool ascii =
        std::all_of(username.cbegin(), username.cend(), [](QChar c) { return c.unicode() < 0x80; });
    if (ascii)
        return std::nullopt;
    const QString folded = username.toCaseFolded();
    for (User &u : loadUsers()) {
        if (u.username.toCaseFolded() == folded)
            return std::move(u);
    }
    return std::nullopt;
}

std::optional<User> SqliteStore::userById(const QString &id)
{
    return userWhere("id", id);
}

bool SqliteStore::insertUser(const User &user)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        return insertUserRow(q, user);
    });
}

bool SqliteStore::insertToken(const QByteArray &tokenHash, const QString &userId,
                              const QDateTime &createdAt)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("INSERT INTO tokens (token_hash, user_id, created_at, "
                                 "last_used_at) VALUES (?, ?, ?, ?)"));
        q.addBindValue(tokenHash);
        q.addBindValue(userId);
        q.addBindValue(iso(createdAt));
        q.addBindValue(iso(createdAt));
        return exec(q);
    });
}

std::optional<QString> SqliteStore::userIdForToken(const QByteArray &tokenHash)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT user_id FROM tokens WHERE token_hash = ?"));
    q.addBindValue(tokenHash);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

bool SqliteStore::deleteToken(const QByteArray &tokenHash)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM tokens WHERE token_hash = ?"));
        q.addBindValue(tokenHash);
        return exec(q);
    });
}

std::optional<StoredToken> SqliteStore::tokenByHash(const QByteArray &tokenHash)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT user_id, last_used_at FROM tokens WHERE token_hash = ?"));
    q.addBindValue(tokenHash);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return StoredToken{q.value(0).toString(), fromIso(q.value(1))};
}

bool SqliteStore::touchToken(const QByteArray &tokenHash, const QDateTime &usedAt)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE tokens SET last_used_at = ? WHERE token_hash = ?"));
        q.addBindValue(iso(usedAt));
        q.addBindValue(tokenHash);
        return exec(q);
    });
}

bool SqliteStore::deleteTokensUsedBefore(const QDateTime &cutoff)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM tokens WHERE last_used_at < ?"));
        q.addBindValue(iso(cutoff));
        return exec(q);
    });
}

bool SqliteStore::replacePasswordHash(const QString &userId, const QString &previousHash,
                                      const QString &newHash)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?"));
        q.addBindValue(newHash);
        q.addBindValue(userId);
        q.addBindValue(previousHash);
        return exec(q) && q.numRowsAffected() == 1;
    });
}

std::vector<Courier> SqliteStore::loadCouriers()
{
    std::vector<Courier> couriers;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT c.id, u.name, u.username, c.phone, c.device_id, c.last_latitude, "
            "c.last_longitude, c.last_accuracy, c.last_speed, c.last_heading, c.last_time, "
            "u.created_at, u.active FROM couriers c JOIN users u ON u.id = c.id "
            "ORDER BY u.created_at")))
        return couriers;
    while (q.next()) {
        Courier c;
        c.id = q.value(0).toString();
        c.name = q.value(1).toString();
        c.username = q.value(2).toString();
        c.phone = q.value(3).toString();
        c.deviceId = q.value(4).toString();
        if (!q.value(5).isNull())
            c.lastLocation = readLocation(q, 5);
        c.createdAt = fromIso(q.value(11));
        c.active = q.value(12).toBool();
        couriers.push_back(std::move(c));
    }
    return couriers;
}

bool SqliteStore::insertCourier(const User &user, const Courier &courier)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        if (!insertUserRow(q, user))
            return false;
        q.prepare(QStringLiteral("INSERT INTO couriers (id, phone, device_id) VALUES (?, ?, ?)"));
        q.addBindValue(courier.id);
        q.addBindValue(notNull(courier.phone));
        q.addBindValue(nullable(courier.deviceId));
        return exec(q);
    });
}

bool SqliteStore::updateCourier(const Courier &courier, const QString &newPasswordHash)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE users SET name = ?, active = ? WHERE id = ?"));
        q.addBindValue(courier.name);
        q.addBindValue(courier.active ? 1 : 0);
        q.addBindValue(courier.id);
        if (!exec(q))
            return false;
        if (!newPasswordHash.isEmpty()) {
            q.prepare(QStringLiteral("UPDATE users SET password_hash = ? WHERE id = ?"));
            q.addBindValue(newPasswordHash);
            q.addBindValue(courier.id);
            if (!exec(q))
                return false;
        }
        if (!newPasswordHash.isEmpty() || !courier.active) {
            q.prepare(QStringLiteral("DELETE FROM tokens WHERE user_id = ?"));
            q.addBindValue(courier.id);
            if (!exec(q))
                return false;
        }
        q.prepare(QStringLiteral("UPDATE couriers SET phone = ?, device_id = ? WHERE id = ?"));
        q.addBindValue(notNull(courier.phone));
        q.addBindValue(nullable(courier.deviceId));
        q.addBindValue(courier.id);
        return exec(q);
    });
}

std::vector<Package> SqliteStore::loadPackages()
{
    std::vector<Package> packages;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT id, tracking_code, tracking_token_hash, recipient_name, address, latitude, "
            "longitude, status, delivery_person_id, notes, reason, created_at, updated_at "
            "FROM packages ORDER BY created_at")))
        return packages;
    while (q.next()) {
        Package p;
        p.id = q.value(0).toString();
        p.trackingCode = q.value(1).toString();
        p.trackingTokenHash = q.value(2).toString();
        p.recipientName = q.value(3).toString();
        p.address = q.value(4).toString();
        p.latitude = q.value(5).toDouble();
        p.longitude = q.value(6).toDouble();
        p.status = statusFromName(q.value(7).toString()).value_or(PackageStatus::Pending);
        p.deliveryPersonId = q.value(8).toString();
        p.notes = q.value(9).toString();
        p.reason = q.value(10).toString();
        p.createdAt = fromIso(q.value(11));
        p.updatedAt = fromIso(q.value(12));
        packages.push_back(std::move(p));
    }
    return packages;
}

bool SqliteStore::savePackage(const Package &p, std::vector<PackageEvent> &events, bool isNew)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        if (isNew) {
            q.prepare(QStringLiteral(
                "INSERT INTO packages (id, tracking_code, tracking_token_hash, recipient_name, "
                "address, latitude, longitude, status, delivery_person_id, notes, reason, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            q.addBindValue(p.id);
            q.addBindValue(p.trackingCode);
            q.addBindValue(p.trackingTokenHash);
            q.addBindValue(p.recipientName);
            q.addBindValue(p.address);
            q.addBindValue(p.latitude);
            q.addBindValue(p.longitude);
        } else {
            q.prepare(QStringLiteral(
                "UPDATE packages SET status = ?, delivery_person_id = ?, notes = ?, reason = ?, "
                "updated_at = ? WHERE id = ?"));
        }
        q.addBindValue(statusName(p.status));
        q.addBindValue(nullable(p.deliveryPersonId));
        q.addBindValue(notNull(p.notes));
        q.addBindValue(nullable(p.reason));
        if (isNew)
            q.addBindValue(iso(p.createdAt));
        q.addBindValue(iso(p.updatedAt));
        if (!isNew)
            q.addBindValue(p.id);
        if (!exec(q) || q.numRowsAffected() != 1)
            return false;
        q.prepare(QStringLiteral("INSERT INTO package_events (package_id, event, timestamp, "
                                 "payload) VALUES (?, ?, ?, ?)"));
        for (PackageEvent &e : events) {
            q.addBindValue(e.packageId);
            q.addBindValue(e.event);
            q.addBindValue(iso(e.timestamp));
            q.addBindValue(
                QString::fromUtf8(QJsonDocument(e.payload).toJson(QJsonDocument::Compact)));
            if (!exec(q))
                return false;
            e.seq = q.lastInsertId().toLongLong();
        }
        return true;
    });
}

bool SqliteStore::setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE packages SET tracking_token_hash = ? WHERE id = ?"));
        for (const auto &[id, hash] : hashes) {
            q.addBindValue(hash);
            q.addBindValue(id);
            if (!exec(q))
                return false;
        }
        return true;
    });
}

std::vector<PackageEvent> SqliteStore::loadEvents(const QString &packageId)
{
    std::vector<PackageEvent> events;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT seq, event, timestamp, payload FROM package_events "
                             "WHERE package_id = ? ORDER BY seq"));
    q.addBindValue(packageId);
    if (!exec(q))
        return events;
    while (q.next()) {
        PackageEvent e;
        e.seq = q.value(0).toLongLong();
        e.packageId = packageId;
        e.event = q.value(1).toString();
        e.timestamp = fromIso(q.value(2));
        e.payload = QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object();
        events.push_back(std::move(e));
    }
    return events;
}

bool SqliteStore::appendFixes(const std::vector<StoredFix> &fixes)
{
    // One way to write fixes, so that every fix joins its courier's chain the same way.
    return fixes.empty() || appendFixesInBackground(fixes, {}).get();
}

std::shared_future<bool> SqliteStore::appendFixesInBackground(std::vector<StoredFix> fixes,
                                                              std::function<void()> committed)
{
    if (!m_fixWriter)
        m_fixWriter = std::make_unique<FixWriter>(m_path);
    return m_fixWriter->append(std::move(fixes), std::move(committed));
}

std::vector<Location> SqliteStore::loadTrail(const QString &courierId, int limit)
{
    std::vector<Location> trail;
    if (limit <= 0)
        return trail;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    // Down the courier's chain of current fixes, newest first, one rowid lookup a step.
    q.prepare(QStringLiteral(
        "WITH RECURSIVE chain(id, n) AS ("
        " SELECT last_fix_id, 1 FROM couriers WHERE id = ? AND last_fix_id IS NOT NULL"
        " UNION ALL"
        " SELECT f.previous_id, chain.n + 1 FROM fixes f JOIN chain ON f.id = chain.id"
        " WHERE chain.n < ? AND f.previous_id IS NOT NULL) "
        "SELECT f.latitude, f.longitude, f.accuracy, f.speed, f.heading, f.timestamp "
        "FROM chain JOIN fixes f ON f.id = chain.id ORDER BY chain.n DESC"));
    q.addBindValue(courierId);
    q.addBindValue(limit);
    if (!exec(q))
        return trail;
    while (q.next())
        trail.push_back(readLocation(q, 0));
    return trail;
}

bool SqliteStore::pruneFixes(const QDateTime &olderThan, int keepPerCourier)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM fixes WHERE received_at < ?"));
        q.addBindValue(iso(olderThan));
        if (!exec(q))
            return false;
        q.prepare(
            QStringLiteral("DELETE FROM fixes WHERE courier_seq <= (SELECT fix_seq FROM couriers "
                           "WHERE couriers.id = fixes.courier_id) - ?"));
        q.addBindValue(keepPerCourier);
        return exec(q);
    });
}

std::optional<QString> SqliteStore::setting(const QString &key)
{
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(key);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

bool SqliteStore::setSetting(const QString &key, const QString &value)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) "
                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
        q.addBindValue(key);
        q.addBindValue(value);
        return exec(q);
    });
}

} // namespace depot
