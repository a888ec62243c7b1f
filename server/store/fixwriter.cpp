#include "fixwriter.h"

#include "core/clock.h"
#include "storelog.h"

#include <QHash>
#include <QLoggingCategory>

#include <sqlite3.h>

#include <chrono>

namespace depot {

namespace {

void bindText(sqlite3_stmt *statement, int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text(statement, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

void bindOptional(sqlite3_stmt *statement, int index, const std::optional<double> &value)
{
    if (value)
        sqlite3_bind_double(statement, index, *value);
    else
        sqlite3_bind_null(statement, index);
}

/// Binds latitude, longitude, accuracy, speed, heading and timestamp from `first` on: both
/// statements take them in this order.
void bindLocation(sqlite3_stmt *statement, int first, const Location &l)
{
    sqlite3_bind_double(statement, first, l.latitude);
    sqlite3_bind_double(statement, first + 1, l.longitude);
    bindOptional(statement, first + 2, l.accuracy);
    bindOptional(statement, first + 3, l.speed);
    bindOptional(statement, first + 4, l.heading);
    bindText(statement, first + 5, isoTimestamp(l.timestamp));
}

} // namespace

FixWriter::FixWriter(QString path)
    : m_path(std::move(path))
    , m_thread([this] { run(); })
    , m_checkpointer([this] { checkpoint(); })
{}

FixWriter::~FixWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_stopWake.notify_one();
    m_thread.join();
    m_checkpointer.join();
}

void FixWriter::checkpoint()
{
    // Small and often: a passive checkpoint never blocks the writer, and one that finds little
    // to copy usually completes between two commits, which lets the next commit rewind the WAL.
    constexpr auto kInterval = std::chrono::milliseconds(250);
    // Should passive checkpoints keep falling behind (continuous commits), one that waits for
    // the writer rewinds the WAL before it grows past this many pages (64 MiB of 4 KiB pages).
    constexpr int kRestartPages = 16384;
    sqlite3 *db = nullptr;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            if (m_stopWake.wait_for(lock, kInterval, [this] { return m_stopping; }))
                break;
        }
        if (!db) {
            const QByteArray path = m_path.toUtf8();
            if (sqlite3_open_v2(path.constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                nullptr) != SQLITE_OK) {
                sqlite3_close(db);
                db = nullptr;
                continue;
            }
            sqlite3_busy_timeout(db, 5000);
            // A connection sees the WAL only once it has read the database.
            sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
        }
        int walPages = 0;
        int copied = 0;
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied);
        if (walPages > kRestartPages)
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
    sqlite3_close(db);
}

std::shared_future<bool> FixWriter::append(std::vector<StoredFix> fixes,
                                           std::function<void()> committed)
{
    Job job{std::move(fixes), std::move(committed), {}};
    std::shared_future<bool> written = job.written.get_future().share();
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
    return written;
}

void FixWriter::run()
{
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty())
                break; // stopping, and everything handed over is written
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        const bool ok = (m_db || open()) && write(job.fixes);
        if (job.committed)
            job.committed();
        job.written.set_value(ok);
    }
    close();
}

bool FixWriter::open()
{
    const QByteArray path = m_path.toUtf8();
    if (sqlite3_open_v2(path.constData(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        qCWarning(lcStore) << "fix writer cannot open the database:"
                           << (m_db ? sqlite3_errmsg(m_db) : "out of memory");
        close();
        return false;
    }
    // The same guarantees as the hub's main connection: WAL, and synced before COMMIT returns.
    // Checkpoints are the checkpointer thread's (see checkpoint()), not this connection's.
    if (!exec("PRAGMA journal_mode=WAL") || !exec("PRAGMA synchronous=FULL") ||
        !exec("PRAGMA busy_timeout=5000") || !exec("PRAGMA wal_autocheckpoint=0")) {
        close();
        return false;
    }
    const char *courier = "SELECT last_fix_id, fix_seq FROM couriers WHERE id = ?";
    const char *insert = "INSERT INTO fixes (courier_id, latitude, longitude, accuracy, speed, "
                         "heading, timestamp, received_at, current, previous_id, courier_seq) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const char *move = "UPDATE couriers SET last_latitude = ?, last_longitude = ?, "
                       "last_accuracy = ?, last_speed = ?, last_heading = ?, last_time = ?, "
                       "last_fix_id = ?, fix_seq = ? WHERE id = ?";
    const char *count = "UPDATE couriers SET fix_seq = ? WHERE id = ?";
    if (sqlite3_prepare_v2(m_db, courier, -1, &m_courier, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(m_db, insert, -1, &m_insert, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(m_db, move, -1, &m_move, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(m_db, count, -1, &m_count, nullptr) != SQLITE_OK) {
        qCWarning(lcStore) << "fix writer cannot prepare its statements:" << sqlite3_errmsg(m_db);
        close();
        return false;
    }
    return true;
}

void FixWriter::close()
{
    for (sqlite3_stmt **statement : {&m_courier, &m_insert, &m_move, &m_count}) {
        sqlite3_finalize(*statement);
        *statement = nullptr;
    }
    sqlite3_close(m_db);
    m_db = nullptr;
}

bool FixWriter::exec(const char *sql)
{
    char *message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) == SQLITE_OK)
        return true;
    qCWarning(lcStore) << "fix writer:" << sql << "failed:" << message;
    sqlite3_free(message);
    return false;
}

bool FixWriter::write(const std::vector<StoredFix> &fixes)
{
    if (fixes.empty())
        return true;
    // IMMEDIATE takes the write lock up front, so the main connection's writes queue behind the
    // batch (busy_timeout) instead of failing it halfway.
    if (!exec("BEGIN IMMEDIATE"))
        return false;
    auto step = [this](sqlite3_stmt *statement) {
        const int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        if (rc == SQLITE_DONE)
            return true;
        qCWarning(lcStore) << "fix writer: query failed:" << sqlite3_errmsg(m_db);
        return false;
    };
    // Where each courier's chain and count stand; the row is updated once per batch, with the
    // newest of the courier's current fixes in it.
    struct Courier
    {
        qint64 lastFixId = 0; // 0: no current fix yet
        qint64 seq = 0;
        const StoredFix *newest = nullptr;
    };
    QHash<QString, Courier> couriers;
    bool ok = true;
    for (const StoredFix &f : fixes) {
        auto it = couriers.find(f.courierId);
        if (it == couriers.end()) {
            it = couriers.insert(f.courierId, {});
            bindText(m_courier, 1, f.courierId);
            if (sqlite3_step(m_courier) == SQLITE_ROW) {
                it->lastFixId = sqlite3_column_int64(m_courier, 0);
                it->seq = sqlite3_column_int64(m_courier, 1);
            }
            sqlite3_reset(m_courier);
        }
        bindText(m_insert, 1, f.courierId);
        bindLocation(m_insert, 2, f.location);
        bindText(m_insert, 8, isoTimestamp(f.receivedAt));
        sqlite3_bind_int(m_insert, 9, f.current ? 1 : 0);
        if (f.current && it->lastFixId > 0)
            sqlite3_bind_int64(m_insert, 10, it->lastFixId);
        else
            sqlite3_bind_null(m_insert, 10);
        sqlite3_bind_int64(m_insert, 11, ++it->seq);
        if (!(ok = step(m_insert)))
            break;
        if (f.current) {
            it->lastFixId = sqlite3_last_insert_rowid(m_db);
            it->newest = &f;
        }
    }
    for (auto it = couriers.cbegin(); ok && it != couriers.cend(); ++it) {
        if (it->newest) {
            bindLocation(m_move, 1, it->newest->location);
            sqlite3_bind_int64(m_move, 7, it->lastFixId);
            sqlite3_bind_int64(m_move, 8, it->seq);
            bindText(m_move, 9, it.key());
            ok = step(m_move);
        } else {
            sqlite3_bind_int64(m_count, 1, it->seq);
            bindText(m_count, 2, it.key());
            ok = step(m_count);
        }
    }
    if (ok && exec("COMMIT"))
        return true;
    exec("ROLLBACK");
    return false;
}

} // namespace depot
