#include "sqlstore.h"

#include "core/clock.h"
#include "storelog.h"

#include <QJsonArray>
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

QVariant nullable(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

// A null QString is bound as NULL; text columns that are NOT NULL get "" instead.
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

constexpr char kPackageColumns[] =
    "id, tracking_code, tracking_token_hash, recipient_name, address, latitude, longitude, "
    "status, delivery_person_id, notes, reason, created_at, updated_at, version, recipient_email, "
    "language";

Package readPackage(const QSqlQuery &q)
{
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
    p.version = q.value(13).toLongLong();
    p.recipientEmail = q.value(14).toString();
    p.language = q.value(15).toString();
    return p;
}

} // namespace

SqlStore::SqlStore(Dialect dialect, QString connectionPrefix)
    : m_dialect(dialect)
    , m_connectionName(connectionPrefix + QUuid::createUuid().toString())
{}

SqlStore::~SqlStore()
{
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool SqlStore::exec(QSqlQuery &q)
{
    if (q.exec())
        return true;
    qCWarning(lcStore) << "query failed:" << q.lastError().text() << q.lastQuery();
    failed(q.lastError());
    return false;
}

bool SqlStore::execText(QSqlQuery &q, const QString &sql)
{
    if (q.exec(sql))
        return true;
    qCWarning(lcStore) << "query failed:" << q.lastError().text() << sql;
    failed(q.lastError());
    return false;
}

void SqlStore::transactionFailed(const char *what)
{
    qCWarning(lcStore) << what << m_db.lastError().text();
    failed(m_db.lastError());
}

bool SqlStore::migrate(const char *const *migrations, int count, int targetVersion, QString *error)
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
    if (m_schemaVersion > count) {
        if (error)
            *error = QStringLiteral("database schema version %1 is newer than this Depot (%2)")
                         .arg(m_schemaVersion)
                         .arg(count);
        return false;
    }
    while (m_schemaVersion < targetVersion) {
        const int target = m_schemaVersion + 1;
        const bool ok = transaction([&] {
            const QStringList statements = QString::fromUtf8(migrations[m_schemaVersion])
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
    return true;
}

std::vector<User> SqlStore::loadUsers()
{
    std::vector<User> users;
    if (!ready())
        return users;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!execText(q, QStringLiteral("SELECT %1 FROM users").arg(QLatin1String(kUserColumns))))
        return users;
    while (q.next())
        users.push_back(readUser(q));
    return users;
}

namespace {

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
    return q.exec();
}

} // namespace

std::optional<User> SqlStore::userByUsername(const QString &username)
{
    if (!ready())
        return std::nullopt;
    // Both fold ASCII letters through their unique index (SQLite's NOCASE, PostgreSQL's
    // lower() in the C locale); other letters are folded here.
    QSqlQuery q(m_db);
    q.prepare(m_dialect == Dialect::Sqlite
                  ? QStringLiteral("SELECT %1 FROM users WHERE username = ? COLLATE NOCASE")
                        .arg(QLatin1String(kUserColumns))
                  : QStringLiteral("SELECT %1 FROM users WHERE lower(username) = lower(?)")
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

std::optional<User> SqlStore::userById(const QString &id)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM users WHERE id = ?").arg(QLatin1String(kUserColumns)));
    q.addBindValue(id);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return readUser(q);
}

bool SqlStore::insertUser(const User &user)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        if (insertUserRow(q, user))
            return true;
        qCWarning(lcStore) << "query failed:" << q.lastError().text();
        failed(q.lastError());
        return false;
    });
}

bool SqlStore::insertToken(const QByteArray &tokenHash, const QString &userId,
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

std::optional<QString> SqlStore::userIdForToken(const QByteArray &tokenHash)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT user_id FROM tokens WHERE token_hash = ?"));
    q.addBindValue(tokenHash);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

bool SqlStore::deleteToken(const QByteArray &tokenHash)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM tokens WHERE token_hash = ?"));
        q.addBindValue(tokenHash);
        return exec(q);
    });
}

std::optional<StoredToken> SqlStore::tokenByHash(const QByteArray &tokenHash)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT user_id, last_used_at FROM tokens WHERE token_hash = ?"));
    q.addBindValue(tokenHash);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return StoredToken{q.value(0).toString(), fromIso(q.value(1))};
}

bool SqlStore::touchToken(const QByteArray &tokenHash, const QDateTime &usedAt)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE tokens SET last_used_at = ? WHERE token_hash = ?"));
        q.addBindValue(iso(usedAt));
        q.addBindValue(tokenHash);
        return exec(q);
    });
}

bool SqlStore::deleteTokensUsedBefore(const QDateTime &cutoff)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM tokens WHERE last_used_at < ?"));
        q.addBindValue(iso(cutoff));
        return exec(q);
    });
}

bool SqlStore::replacePasswordHash(const QString &userId, const QString &previousHash,
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

std::vector<Courier> SqlStore::loadCouriers()
{
    std::vector<Courier> couriers;
    if (!ready())
        return couriers;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!execText(q, QStringLiteral(
                         "SELECT c.id, u.name, u.username, c.phone, c.device_id, c.last_latitude, "
                         "c.last_longitude, c.last_accuracy, c.last_speed, c.last_heading, "
                         "c.last_time, u.created_at, u.active FROM couriers c JOIN users u ON "
                         "u.id = c.id ORDER BY u.created_at")))
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

bool SqlStore::insertCourier(const User &user, const Courier &courier)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        if (!insertUserRow(q, user)) {
            qCWarning(lcStore) << "query failed:" << q.lastError().text();
            failed(q.lastError());
            return false;
        }
        q.prepare(QStringLiteral("INSERT INTO couriers (id, phone, device_id) VALUES (?, ?, ?)"));
        q.addBindValue(courier.id);
        q.addBindValue(notNull(courier.phone));
        q.addBindValue(nullable(courier.deviceId));
        return exec(q);
    });
}

bool SqlStore::updateCourier(const Courier &courier, const QString &newPasswordHash)
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

std::vector<Package> SqlStore::loadPackages()
{
    std::vector<Package> packages;
    if (!ready())
        return packages;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!execText(q, QStringLiteral("SELECT %1 FROM packages ORDER BY created_at")
                         .arg(QLatin1String(kPackageColumns))))
        return packages;
    while (q.next())
        packages.push_back(readPackage(q));
    return packages;
}

std::optional<Package> SqlStore::loadPackage(const QString &id)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(
        QStringLiteral("SELECT %1 FROM packages WHERE id = ?").arg(QLatin1String(kPackageColumns)));
    q.addBindValue(id);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return readPackage(q);
}

bool SqlStore::savePackage(const Package &p, std::vector<PackageEvent> &events, bool isNew)
{
    std::vector<OutboxEntry> none;
    return savePackage(p, events, isNew, none);
}

bool SqlStore::savePackage(const Package &p, std::vector<PackageEvent> &events, bool isNew,
                           std::vector<OutboxEntry> &outbox)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        if (isNew) {
            q.prepare(QStringLiteral(
                "INSERT INTO packages (id, tracking_code, tracking_token_hash, recipient_name, "
                "address, latitude, longitude, status, delivery_person_id, notes, reason, "
                "created_at, updated_at, version, recipient_email, language) VALUES (?, ?, ?, ?, "
                "?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            q.addBindValue(p.id);
            q.addBindValue(p.trackingCode);
            q.addBindValue(p.trackingTokenHash);
            q.addBindValue(p.recipientName);
            q.addBindValue(p.address);
            q.addBindValue(p.latitude);
            q.addBindValue(p.longitude);
        } else {
            // Compare-and-set: over the version the change was made from, or not at all.
            q.prepare(QStringLiteral(
                "UPDATE packages SET status = ?, delivery_person_id = ?, notes = ?, reason = ?, "
                "updated_at = ?, version = ? WHERE id = ? AND version = ?"));
        }
        q.addBindValue(statusName(p.status));
        q.addBindValue(nullable(p.deliveryPersonId));
        q.addBindValue(notNull(p.notes));
        q.addBindValue(nullable(p.reason));
        if (isNew)
            q.addBindValue(iso(p.createdAt));
        q.addBindValue(iso(p.updatedAt));
        q.addBindValue(isNew ? p.version : p.version + 1);
        if (isNew) {
            q.addBindValue(nullable(p.recipientEmail));
            q.addBindValue(nullable(p.language));
        }
        if (!isNew) {
            q.addBindValue(p.id);
            q.addBindValue(p.version);
        }
        if (!exec(q) || q.numRowsAffected() != 1)
            return false;
        const bool returning = m_dialect == Dialect::Postgres;
        q.prepare(returning ? QStringLiteral("INSERT INTO package_events (package_id, event, "
                                             "timestamp, payload) VALUES (?, ?, ?, ?) "
                                             "RETURNING seq")
                            : QStringLiteral("INSERT INTO package_events (package_id, event, "
                                             "timestamp, payload) VALUES (?, ?, ?, ?)"));
        for (PackageEvent &e : events) {
            q.addBindValue(e.packageId);
            q.addBindValue(e.event);
            q.addBindValue(iso(e.timestamp));
            q.addBindValue(
                QString::fromUtf8(QJsonDocument(e.payload).toJson(QJsonDocument::Compact)));
            if (!exec(q))
                return false;
            if (returning) {
                if (!q.next())
                    return false;
                e.seq = q.value(0).toLongLong();
            } else {
                e.seq = q.lastInsertId().toLongLong();
            }
        }
        return insertOutboxEntries(outbox);
    });
}

bool SqlStore::setTrackingTokenHashes(const std::vector<std::pair<QString, QString>> &hashes)
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

std::vector<PackageEvent> SqlStore::loadEvents(const QString &packageId)
{
    std::vector<PackageEvent> events;
    if (!ready())
        return events;
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

bool SqlStore::saveProof(const Proof &proof)
{
    QJsonArray photos;
    for (const ProofImage &photo : proof.photos)
        photos.append(photo.toJson());
    const QJsonObject images{
        {QStringLiteral("signature"),
         proof.signature ? QJsonValue(proof.signature->toJson()) : QJsonValue()},
        {QStringLiteral("photos"), photos}};
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "INSERT INTO proofs (id, package_id, courier_id, recipient_name, note, images, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(package_id) DO UPDATE SET "
            "id = excluded.id, courier_id = excluded.courier_id, recipient_name = "
            "excluded.recipient_name, note = excluded.note, images = excluded.images, "
            "created_at = excluded.created_at"));
        q.addBindValue(proof.id);
        q.addBindValue(proof.packageId);
        q.addBindValue(proof.courierId);
        q.addBindValue(notNull(proof.recipientName));
        q.addBindValue(notNull(proof.note));
        q.addBindValue(QString::fromUtf8(QJsonDocument(images).toJson(QJsonDocument::Compact)));
        q.addBindValue(iso(proof.createdAt));
        return exec(q);
    });
}

std::optional<Proof> SqlStore::loadProof(const QString &id, bool byPackage)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(byPackage ? QStringLiteral("SELECT id, package_id, courier_id, recipient_name, note, "
                                         "images, created_at FROM proofs WHERE package_id = ?")
                        : QStringLiteral("SELECT id, package_id, courier_id, recipient_name, note, "
                                         "images, created_at FROM proofs WHERE id = ?"));
    q.addBindValue(id);
    if (!exec(q) || !q.next())
        return std::nullopt;
    Proof proof;
    proof.id = q.value(0).toString();
    proof.packageId = q.value(1).toString();
    proof.courierId = q.value(2).toString();
    proof.recipientName = q.value(3).toString();
    proof.note = q.value(4).toString();
    const QJsonObject images = QJsonDocument::fromJson(q.value(5).toString().toUtf8()).object();
    proof.signature = ProofImage::fromJson(images.value(QStringLiteral("signature")).toObject());
    for (const QJsonValue &photo : images.value(QStringLiteral("photos")).toArray()) {
        if (auto image = ProofImage::fromJson(photo.toObject()))
            proof.photos.push_back(std::move(*image));
    }
    proof.createdAt = fromIso(q.value(6));
    return proof;
}

std::vector<PackageEvent> SqlStore::loadEventsOf(const QStringList &packageIds)
{
    std::vector<PackageEvent> events;
    if (!ready())
        return events;
    // A few hundred ids a query: one statement instead of one per package, within every
    // database's limit on bound values.
    constexpr qsizetype kIdsPerQuery = 500;
    for (qsizetype first = 0; first < packageIds.size(); first += kIdsPerQuery) {
        const QStringList ids = packageIds.mid(first, kIdsPerQuery);
        QStringList marks;
        marks.fill(QStringLiteral("?"), ids.size());
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT seq, package_id, event, timestamp, payload FROM "
                                 "package_events WHERE package_id IN (%1)")
                      .arg(marks.join(QLatin1Char(','))));
        for (const QString &id : ids)
            q.addBindValue(id);
        if (!exec(q))
            return {};
        while (q.next()) {
            PackageEvent e;
            e.seq = q.value(0).toLongLong();
            e.packageId = q.value(1).toString();
            e.event = q.value(2).toString();
            e.timestamp = fromIso(q.value(3));
            e.payload = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
            events.push_back(std::move(e));
        }
    }
    std::sort(events.begin(), events.end(),
              [](const PackageEvent &a, const PackageEvent &b) { return a.seq < b.seq; });
    return events;
}

bool SqlStore::appendFixes(const std::vector<StoredFix> &fixes)
{
    // One way to write fixes, so that every fix joins its courier's chain the same way.
    return fixes.empty() || appendFixesInBackground(fixes, {}).get();
}

std::vector<Location> SqlStore::loadTrail(const QString &courierId, int limit)
{
    std::vector<Location> trail;
    if (limit <= 0 || !ready())
        return trail;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    // Down the courier's chain of current fixes, newest first, one key lookup a step.
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

std::vector<Location> SqlStore::loadTrack(const QString &courierId, const QDateTime &from,
                                          const QDateTime &to, int limit)
{
    std::vector<Location> track;
    if (limit <= 0 || !ready())
        return track;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    // Down the courier's chain, newest first, until a fix older than the range: a walk over the
    // courier's own fixes alone, since fixes have no per-courier index. Current fixes are in
    // time order, so the first one before `from` ends it.
    q.prepare(QStringLiteral(
        "WITH RECURSIVE chain(id, n) AS ("
        " SELECT last_fix_id, 1 FROM couriers WHERE id = ? AND last_fix_id IS NOT NULL"
        " UNION ALL"
        " SELECT f.previous_id, chain.n + 1 FROM fixes f JOIN chain ON f.id = chain.id"
        " WHERE f.previous_id IS NOT NULL AND f.timestamp >= ?) "
        "SELECT f.latitude, f.longitude, f.accuracy, f.speed, f.heading, f.timestamp "
        "FROM chain JOIN fixes f ON f.id = chain.id WHERE f.timestamp >= ? AND f.timestamp < ? "
        "ORDER BY chain.n LIMIT ?"));
    q.addBindValue(courierId);
    q.addBindValue(iso(from));
    q.addBindValue(iso(from));
    q.addBindValue(iso(to));
    q.addBindValue(limit);
    if (!exec(q))
        return track;
    while (q.next())
        track.push_back(readLocation(q, 0));
    std::reverse(track.begin(), track.end());
    return track;
}

bool SqlStore::pruneFixes(const QDateTime &olderThan, int keepPerCourier)
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

std::optional<QString> SqlStore::setting(const QString &key)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(key);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

bool SqlStore::setSetting(const QString &key, const QString &value)
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

std::optional<QString> SqlStore::claimSetting(const QString &key, const QString &value)
{
    const bool stored = transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING"));
        q.addBindValue(key);
        q.addBindValue(value);
        return exec(q);
    });
    return stored ? setting(key) : std::nullopt;
}

bool SqlStore::recordLoginFailure(const QString &address, const QString &account, qint64 atMs)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "INSERT INTO login_failures (address, account, at_ms) VALUES (?, ?, ?)"));
        q.addBindValue(address);
        q.addBindValue(account);
        q.addBindValue(atMs);
        return exec(q);
    });
}

std::vector<qint64> SqlStore::loginFailures(bool byAddress, const QString &key, qint64 sinceMs,
                                            int limit)
{
    std::vector<qint64> times;
    if (limit <= 0 || !ready())
        return times;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(byAddress ? QStringLiteral("SELECT at_ms FROM login_failures WHERE address = ? AND "
                                         "at_ms > ? ORDER BY at_ms DESC LIMIT ?")
                        : QStringLiteral("SELECT at_ms FROM login_failures WHERE account = ? AND "
                                         "at_ms > ? ORDER BY at_ms DESC LIMIT ?"));
    q.addBindValue(key);
    q.addBindValue(sinceMs);
    q.addBindValue(limit);
    if (!exec(q))
        return times;
    while (q.next())
        times.push_back(q.value(0).toLongLong());
    return times;
}

bool SqlStore::clearLoginFailures(const QString &address, const QString &account, qint64 beforeMs)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "DELETE FROM login_failures WHERE (address = ? AND account = ?) OR at_ms <= ?"));
        q.addBindValue(address);
        q.addBindValue(account);
        q.addBindValue(beforeMs);
        return exec(q);
    });
}

std::optional<std::pair<qint64, int>> SqlStore::guessWindow(const QString &kind, const QString &key)
{
    if (!ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral(
        "SELECT start_ms, misses FROM guess_windows WHERE kind = ? AND address = ?"));
    q.addBindValue(kind);
    q.addBindValue(key);
    if (!exec(q) || !q.next())
        return std::nullopt;
    return std::pair<qint64, int>(q.value(0).toLongLong(), q.value(1).toInt());
}

bool SqlStore::recordGuessMiss(const QString &kind, const QString &key, qint64 atMs,
                               qint64 windowMs, qint64 staleBeforeMs)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        // One statement, so that misses counted by several hubs at once all count.
        q.prepare(QStringLiteral(
            "INSERT INTO guess_windows (kind, address, start_ms, misses) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (kind, address) DO UPDATE SET "
            "misses = CASE WHEN excluded.start_ms - guess_windows.start_ms >= ? THEN 1 "
            "ELSE guess_windows.misses + 1 END, "
            "start_ms = CASE WHEN excluded.start_ms - guess_windows.start_ms >= ? "
            "THEN excluded.start_ms ELSE guess_windows.start_ms END"));
        q.addBindValue(kind);
        q.addBindValue(key);
        q.addBindValue(atMs);
        q.addBindValue(windowMs);
        q.addBindValue(windowMs);
        if (!exec(q))
            return false;
        q.prepare(QStringLiteral("DELETE FROM guess_windows WHERE start_ms < ?"));
        q.addBindValue(staleBeforeMs);
        return exec(q);
    });
}

} // namespace depot
