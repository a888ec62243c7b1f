#include "postgresfixwriter.h"

#include "core/clock.h"
#include "postgresstore.h"
#include "storelog.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace depot {

namespace {

QVariant optional(const std::optional<double> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<double>());
}

/// Binds latitude, longitude, accuracy, speed, heading and timestamp, in this order.
void bindLocation(QSqlQuery &q, const Location &l)
{
    q.addBindValue(l.latitude);
    q.addBindValue(l.longitude);
    q.addBindValue(optional(l.accuracy));
    q.addBindValue(optional(l.speed));
    q.addBindValue(optional(l.heading));
    q.addBindValue(isoTimestamp(l.timestamp));
}

/// The writer's connection and statements, on the writer's thread only.
class Connection
{
public:
    Connection(const DatabaseUrl &url, int connectTimeoutSeconds)
        : m_name(QStringLiteral("depot-postgres-fixes-") + QUuid::createUuid().toString())
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        PostgresStore::configure(m_db, url, connectTimeoutSeconds);
    }
    ~Connection()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }

    bool write(const std::vector<const StoredFix *> &fixes);
    /// Whether the last batch failed for want of the server.
    bool lost() const { return m_lost; }

private:
    bool exec(QSqlQuery &q)
    {
        if (q.exec())
            return true;
        qCWarning(lcStore) << "fix writer: query failed:" << q.lastError().text();
        if (PostgresStore::isConnectionError(q.lastError())) {
            m_lost = true;
            m_db.close(); // opened again for the next batch
        }
        return false;
    }

    QString m_name;
    QSqlDatabase m_db;
    bool m_lost = false;
};

bool Connection::write(const std::vector<const StoredFix *> &fixes)
{
    if (fixes.empty())
        return true;
    m_lost = false;
    if (!m_db.isOpen() && !m_db.open()) {
        qCWarning(lcStore) << "fix writer cannot connect:" << m_db.lastError().text().simplified();
        m_lost = true;
        return false;
    }
    if (!m_db.transaction()) {
        m_lost = PostgresStore::isConnectionError(m_db.lastError());
        m_db.close();
        return false;
    }
    // Where each courier's chain and count stand, read under a row lock so that hubs writing
    // fixes of one courier at once chain them one after the other.
    struct Courier
    {
        qint64 lastFixId = 0; // 0: no current fix yet
        qint64 seq = 0;
        const StoredFix *newest = nullptr;
    };
    QHash<QString, Courier> couriers;
    QSqlQuery courier(m_db);
    courier.prepare(
        QStringLiteral("SELECT last_fix_id, fix_seq FROM couriers WHERE id = ? FOR UPDATE"));
    QSqlQuery insert(m_db);
    insert.prepare(QStringLiteral(
        "INSERT INTO fixes (courier_id, latitude, longitude, accuracy, speed, heading, timestamp, "
        "received_at, current, previous_id, courier_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id"));
    bool ok = true;
    for (const StoredFix *f : fixes) {
        auto it = couriers.find(f->courierId);
        if (it == couriers.end()) {
            it = couriers.insert(f->courierId, {});
            courier.addBindValue(f->courierId);
            if (!(ok = exec(courier)))
                break;
            if (courier.next()) {
                it->lastFixId = courier.value(0).toLongLong();
                it->seq = courier.value(1).toLongLong();
            }
        }
        insert.addBindValue(f->courierId);
        bindLocation(insert, f->location);
        insert.addBindValue(isoTimestamp(f->receivedAt));
        insert.addBindValue(f->current ? 1 : 0);
        insert.addBindValue(f->current && it->lastFixId > 0
                                ? QVariant(it->lastFixId)
                                : QVariant(QMetaType::fromType<qlonglong>()));
        insert.addBindValue(++it->seq);
        if (!(ok = exec(insert) && insert.next()))
            break;
        if (f->current) {
            it->lastFixId = insert.value(0).toLongLong();
            it->newest = f;
        }
    }
    QSqlQuery move(m_db);
    for (auto it = couriers.cbegin(); ok && it != couriers.cend(); ++it) {
        if (it->newest) {
            move.prepare(QStringLiteral(
                "UPDATE couriers SET last_latitude = ?, last_longitude = ?, last_accuracy = ?, "
                "last_speed = ?, last_heading = ?, last_time = ?, last_fix_id = ?, fix_seq = ? "
                "WHERE id = ?"));
            bindLocation(move, it->newest->location);
            move.addBindValue(it->lastFixId);
        } else {
            move.prepare(QStringLiteral("UPDATE couriers SET fix_seq = ? WHERE id = ?"));
        }
        move.addBindValue(it->seq);
        move.addBindValue(it.key());
        ok = exec(move);
    }
    if (ok && m_db.commit())
        return true;
    qCWarning(lcStore) << "fix writer: batch not written:" << m_db.lastError().text();
    if (ok && PostgresStore::isConnectionError(m_db.lastError()))
        m_lost = true; // the COMMIT itself found no server
    if (m_db.isOpen())
        m_db.rollback();
    return false;
}

} // namespace

PostgresFixWriter::PostgresFixWriter(DatabaseUrl url, int connectTimeoutSeconds,
                                     std::function<void()> connectionLost)
    : m_url(std::move(url))
    , m_connectTimeoutSeconds(connectTimeoutSeconds)
    , m_connectionLost(std::move(connectionLost))
    , m_thread([this] { run(); })
{}

PostgresFixWriter::~PostgresFixWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

std::shared_future<bool> PostgresFixWriter::append(std::vector<StoredFix> fixes,
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

void PostgresFixWriter::run()
{
    Connection connection(m_url, m_connectTimeoutSeconds);
    for (;;) {
        std::deque<Job> jobs;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty())
                break; // stopping, and everything handed over is written
            jobs.swap(m_jobs);
        }
        std::vector<const StoredFix *> fixes;
        for (const Job &job : jobs) {
            for (const StoredFix &f : job.fixes)
                fixes.push_back(&f);
        }
        const bool ok = connection.write(fixes);
        if (!ok && connection.lost() && m_connectionLost)
            m_connectionLost();
        for (Job &job : jobs) {
            if (job.committed)
                job.committed();
            job.written.set_value(ok);
        }
    }
}

} // namespace depot
