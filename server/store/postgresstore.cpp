#include "postgresstore.h"

#include "postgresfixwriter.h"
#include "storelog.h"

#include <QSqlError>
#include <QSqlQuery>

namespace depot {

namespace {

// The same versions as SqliteStore's migrations, in PostgreSQL's types; entry i migrates the
// schema from version i to i + 1, and one that has shipped is never edited. Timestamps are the
// same ISO 8601 text as in SQLite, so both order and compare them alike.
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
        token_hash BYTEA PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL);
    CREATE TABLE couriers (
        id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        phone TEXT NOT NULL DEFAULT '',
        device_id TEXT UNIQUE,
        last_latitude DOUBLE PRECISION, last_longitude DOUBLE PRECISION,
        last_accuracy DOUBLE PRECISION, last_speed DOUBLE PRECISION,
        last_heading DOUBLE PRECISION, last_time TEXT);
    CREATE TABLE packages (
        id TEXT PRIMARY KEY,
        tracking_code TEXT NOT NULL UNIQUE,
        tracking_token TEXT NOT NULL UNIQUE,
        recipient_name TEXT NOT NULL,
        address TEXT NOT NULL,
        latitude DOUBLE PRECISION NOT NULL,
        longitude DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL,
        delivery_person_id TEXT,
        notes TEXT NOT NULL DEFAULT '',
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL);
    CREATE TABLE package_events (
        seq BIGSERIAL PRIMARY KEY,
        package_id TEXT NOT NULL REFERENCES packages(id),
        event TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        payload TEXT NOT NULL);
    CREATE INDEX package_events_by_package ON package_events(package_id, seq);
    CREATE TABLE fixes (
        id BIGSERIAL PRIMARY KEY,
        courier_id TEXT NOT NULL,
        latitude DOUBLE PRECISION NOT NULL, longitude DOUBLE PRECISION NOT NULL,
        accuracy DOUBLE PRECISION, speed DOUBLE PRECISION, heading DOUBLE PRECISION,
        timestamp TEXT NOT NULL,
        received_at TEXT NOT NULL,
        current INTEGER NOT NULL);
    CREATE INDEX fixes_by_courier ON fixes(courier_id, id);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    )sql",
    // A courier's current fixes chained, as in SQLite (no database of this kind holds fixes
    // from before, so there is nothing to chain here).
    R"sql(
    ALTER TABLE fixes ADD COLUMN previous_id BIGINT;
    ALTER TABLE fixes ADD COLUMN courier_seq BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE couriers ADD COLUMN last_fix_id BIGINT;
    ALTER TABLE couriers ADD COLUMN fix_seq BIGINT NOT NULL DEFAULT 0;
    DROP INDEX fixes_by_courier;
    )sql",
    // Accounts: active users, token expiry, usernames unique without regard to case.
    R"sql(
    ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
    UPDATE tokens SET last_used_at = created_at;
    CREATE INDEX tokens_by_user ON tokens(user_id);
    CREATE UNIQUE INDEX users_username_nocase ON users(lower(username));
    )sql",
    // Only the SHA-256 of each tracking token is stored.
    R"sql(
    ALTER TABLE packages RENAME COLUMN tracking_token TO tracking_token_hash;
    UPDATE packages SET tracking_token_hash = 'pending:' || id;
    )sql",
    // Package versions compared and set by every change; failed logins and guesses counted by
    // every hub.
    R"sql(
    ALTER TABLE packages ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE login_failures (
        address TEXT NOT NULL,
        account TEXT NOT NULL,
        at_ms BIGINT NOT NULL);
    CREATE INDEX login_failures_by_address ON login_failures(address, at_ms);
    CREATE INDEX login_failures_by_account ON login_failures(account, at_ms);
    CREATE TABLE guess_windows (
        kind TEXT NOT NULL,
        address TEXT NOT NULL,
        start_ms BIGINT NOT NULL,
        misses INTEGER NOT NULL,
        PRIMARY KEY (kind, address));
    CREATE INDEX guess_windows_by_start ON guess_windows(start_ms);
    )sql",
    // The outbox: what goes out to webhooks and e-mail, written with the change that caused it
    // and kept until delivered or given up, with every attempt; and the webhooks.
    R"sql(
    CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL);
    CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        delivery_id TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        order_key TEXT NOT NULL,
        event TEXT NOT NULL,
        payload BYTEA NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at_ms BIGINT NOT NULL,
        next_attempt_at_ms BIGINT NOT NULL,
        claimed_by TEXT,
        claimed_until_ms BIGINT);
    CREATE INDEX outbox_pending ON outbox(channel, target, order_key, id) WHERE state = 'pending';
    CREATE INDEX outbox_by_target ON outbox(channel, target, id);
    CREATE INDEX outbox_by_created ON outbox(created_at_ms);
    CREATE TABLE outbox_attempts (
        entry_id BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        at_ms BIGINT NOT NULL,
        delivered BOOLEAN NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT NOT NULL);
    CREATE INDEX outbox_attempts_by_entry ON outbox_attempts(entry_id, at_ms);
    )sql",
    // A package may name its customer's e-mail address and the language of the messages.
    R"sql(
    ALTER TABLE packages ADD COLUMN recipient_email TEXT;
    ALTER TABLE packages ADD COLUMN language TEXT;
    )sql",
    // Proofs of delivery: the images are files in the data dir named by their SHA-256; a row
    // names them (JSON: signature and photos with their types and hashes).
    R"sql(
    CREATE TABLE proofs (
        id TEXT PRIMARY KEY,
        package_id TEXT NOT NULL UNIQUE REFERENCES packages(id),
        courier_id TEXT NOT NULL,
        recipient_name TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        images TEXT NOT NULL,
        created_at TEXT NOT NULL);
    )sql",
};

// Hubs starting together on one database migrate it one at a time, under this advisory lock.
constexpr int kMigrationLock = 0x64657030; // "dep0"

} // namespace

PostgresStore::PostgresStore(DatabaseUrl url, Options options, int targetVersion)
    : SqlStore(Dialect::Postgres, QStringLiteral("depot-postgres-"))
    , m_url(std::move(url))
    , m_options(options)
    , m_targetVersion(targetVersion < 0 ? currentSchemaVersion() : targetVersion)
    , m_backoffMs(options.reconnectInitialMs)
{
    m_reconnectTimer.setSingleShot(true);
    QObject::connect(&m_reconnectTimer, &QTimer::timeout, [this] { reconnect(); });
}

PostgresStore::~PostgresStore()
{
    m_fixWriter.reset(); // finishes its batches first
}

int PostgresStore::currentSchemaVersion()
{
    return int(std::size(kMigrations));
}

void PostgresStore::configure(QSqlDatabase &db, const DatabaseUrl &url, int connectTimeoutSeconds)
{
    db.setHostName(url.host);
    db.setPort(url.port);
    db.setUserName(url.user);
    db.setPassword(url.password);
    db.setDatabaseName(url.databaseName);
    // A server that went away is noticed within seconds, not at the kernel's TCP timeout.
    // Notices (an IF NOT EXISTS that found the table) stay out of the hub's output.
    db.setConnectOptions(QStringLiteral("connect_timeout=%1;keepalives=1;keepalives_idle=5;"
                                        "keepalives_interval=2;keepalives_count=3;"
                                        "options=-cclient_min_messages=warning")
                             .arg(connectTimeoutSeconds));
}

bool PostgresStore::isConnectionError(const QSqlError &error)
{
    // A statement the server refused carries its SQLSTATE; a lost connection carries none, or
    // class 08 (connection exception) or 57P0x (the server shutting down).
    const QString state = error.nativeErrorCode();
    return error.type() == QSqlError::ConnectionError || state.isEmpty() ||
           state.startsWith(QLatin1String("08")) || state.startsWith(QLatin1String("57P0"));
}

bool PostgresStore::open(QString *error)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        if (error)
            *error = QStringLiteral("Qt's PostgreSQL driver (QPSQL) is not installed");
        return false;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    configure(m_db, m_url, m_options.connectTimeoutSeconds);
    if (!m_db.open()) {
        if (error)
            *error = QStringLiteral("cannot connect to %1: %2")
                         .arg(m_url.redacted(), m_db.lastError().text().simplified());
        return false;
    }
    m_available = true;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kMigrationLock))) {
        if (error)
            *error = q.lastError().text();
        return false;
    }
    const bool migrated = migrate(kMigrations, currentSchemaVersion(), m_targetVersion, error);
    q.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kMigrationLock));
    return migrated;
}

void PostgresStore::failed(const QSqlError &error)
{
    if (!m_available || !isConnectionError(error))
        return;
    m_available = false;
    qCWarning(lcStore).noquote()
        << QStringLiteral("lost the connection to %1; writes are refused until it is back")
               .arg(m_url.redacted());
    m_backoffMs = m_options.reconnectInitialMs;
    m_reconnectTimer.start(int(m_backoffMs));
}

void PostgresStore::checkConnection()
{
    QSqlQuery q(m_db);
    if (m_available)
        execText(q, QStringLiteral("SELECT 1")); // a failure marks the store unavailable
}

void PostgresStore::reconnect()
{
    m_db.close();
    if (m_db.open()) {
        m_available = true;
        m_backoffMs = m_options.reconnectInitialMs;
        qCInfo(lcStore).noquote() << "reconnected to" << m_url.redacted();
        return;
    }
    m_backoffMs = std::min(m_backoffMs * 2, m_options.reconnectMaxMs);
    m_reconnectTimer.start(int(m_backoffMs));
}

std::shared_future<bool> PostgresStore::appendFixesInBackground(std::vector<StoredFix> fixes,
                                                                std::function<void()> committed)
{
    if (!m_fixWriter)
        m_fixWriter =
            std::make_unique<PostgresFixWriter>(m_url, m_options.connectTimeoutSeconds, [this] {
                // Posted before the batch is answered, so the hub sees the loss when it answers.
                QMetaObject::invokeMethod(
                    &m_reconnectTimer, [this] { checkConnection(); }, Qt::QueuedConnection);
            });
    return m_fixWriter->append(std::move(fixes), std::move(committed));
}

} // namespace depot
