#include "sqlitestore.h"

#include "core/privatefiles.h"
#include "fixwriter.h"
#include "storelog.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

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
    // Packages carry a version that every change compares and sets, so that hubs sharing a
    // database serialise a package's transitions; failed logins and guesses are kept for hubs
    // that share it.
    R"sql(
    ALTER TABLE packages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE login_failures (
        address TEXT NOT NULL,
        account TEXT NOT NULL,
        at_ms INTEGER NOT NULL);
    CREATE INDEX login_failures_by_address ON login_failures(address, at_ms);
    CREATE INDEX login_failures_by_account ON login_failures(account, at_ms);
    CREATE TABLE guess_windows (
        kind TEXT NOT NULL,
        address TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
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
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        order_key TEXT NOT NULL,
        event TEXT NOT NULL,
        payload BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL,
        next_attempt_at_ms INTEGER NOT NULL,
        claimed_by TEXT,
        claimed_until_ms INTEGER);
    CREATE INDEX outbox_pending ON outbox(channel, target, order_key, id) WHERE state = 'pending';
    CREATE INDEX outbox_by_target ON outbox(channel, target, id);
    CREATE INDEX outbox_by_created ON outbox(created_at_ms);
    CREATE TABLE outbox_attempts (
        entry_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        delivered INTEGER NOT NULL,
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

} // namespace

SqliteStore::SqliteStore(QString path, int targetVersion)
    : SqlStore(Dialect::Sqlite, QStringLiteral("depot-store-"))
    , m_path(std::move(path))
    , m_targetVersion(targetVersion < 0 ? currentSchemaVersion() : targetVersion)
{}

SqliteStore::~SqliteStore()
{
    m_fixWriter.reset(); // finishes its batches first
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
    const bool wasOlder = [&] {
        QSqlQuery v(m_db);
        return !v.exec(QStringLiteral("SELECT version FROM schema_version")) || !v.next() ||
               v.value(0).toInt() < m_targetVersion;
    }();
    // What a migration removes (clear tokens) is overwritten, not left in free space.
    if (wasOlder)
        q.exec(QStringLiteral("PRAGMA secure_delete=ON"));
    if (!migrate(kMigrations, currentSchemaVersion(), m_targetVersion, error))
        return false;
    if (wasOlder) {
        q.exec(QStringLiteral("PRAGMA secure_delete=OFF"));
        // Old page images in the WAL go too.
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    return true;
}

std::shared_future<bool> SqliteStore::appendFixesInBackground(std::vector<StoredFix> fixes,
                                                              std::function<void()> committed)
{
    if (!m_fixWriter)
        m_fixWriter = std::make_unique<FixWriter>(m_path);
    return m_fixWriter->append(std::move(fixes), std::move(committed));
}

} // namespace depot
