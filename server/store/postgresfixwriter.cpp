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

/// An element of an array literal: a text in double quotes, with its quotes and backslashes
/// escaped.
QString quoted(QString text)
{
    text.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    text.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
}

/// A PostgreSQL array literal of elements already in their literal form.
QString array(const QStringList &elements)
{
    return QLatin1Char('{') + elements.join(QLatin1Char(',')) + QLatin1Char('}');
}

QString textArray(const QStringList &texts)
{
    QStringList elements;
    elements.reserve(texts.size());
    for (const QString &t : texts)
        elements << quoted(t);
    return array(elements);
}

QString number(double value)
{
    return QString::number(value, 'g', 17);
}

QString number(const std::optional<double> &value)
{
    return value ? number(*value) : QStringLiteral("NULL");
}

/// A batch's columns, each as the elements of an array literal.
struct Columns
{
    QStringList id, courier, latitude, longitude, accuracy, speed, heading, timestamp, receivedAt,
        current, previous, seq;
};

void addLocation(Columns &columns, const Location &l)
{
    columns.latitude << number(l.latitude);
    columns.longitude << number(l.longitude);
    columns.accuracy << number(l.accuracy);
    columns.speed << number(l.speed);
    columns.heading << number(l.heading);
    columns.timestamp << quoted(isoTimestamp(l.timestamp));
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
    bool writeInTransaction(const std::vector<const StoredFix *> &fixes);
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
    const bool ok = writeInTransaction(fixes);
    if (ok && m_db.commit())
        return true;
    qCWarning(lcStore) << "fix writer: batch not written:" << m_db.lastError().text();
    if (ok && PostgresStore::isConnectionError(m_db.lastError()))
        m_lost = true; // the COMMIT itself found no server
    if (m_db.isOpen())
        m_db.rollback();
    return false;
}

bool Connection::writeInTransaction(const std::vector<const StoredFix *> &fixes)
{
    // A batch is five statements whatever its size: a round trip per fix made a batch of a
    // thousand fixes take half a second. Columns go as arrays and come apart in unnest().
    //
    // Where each courier's chain and count stand, read under row locks (taken in id order, so
    // that hubs writing fixes of the same couriers wait for each other instead of deadlocking).
    struct Courier
    {
        qint64 lastFixId = 0; // 0: no current fix yet
        qint64 seq = 0;
        const StoredFix *newest = nullptr;
    };
    QHash<QString, Courier> couriers;
    QStringList ids;
    for (const StoredFix *f : fixes) {
        if (!couriers.contains(f->courierId)) {
            couriers.insert(f->courierId, {});
            ids << f->courierId;
        }
    }
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, last_fix_id, fix_seq FROM couriers WHERE id = "
                             "ANY(CAST(? AS text[])) ORDER BY id FOR UPDATE"));
    q.addBindValue(textArray(ids));
    if (!exec(q))
        return false;
    while (q.next()) {
        Courier &c = couriers[q.value(0).toString()];
        c.lastFixId = q.value(1).toLongLong();
        c.seq = q.value(2).toLongLong();
    }
    // The fixes' ids, taken from the table's sequence in one go, so the chains are made here.
    q.prepare(QStringLiteral("SELECT nextval('fixes_id_seq') FROM generate_series(1, ?)"));
    q.addBindValue(qlonglong(fixes.size()));
    if (!exec(q))
        return false;
    Columns columns;
    for (const StoredFix *f : fixes) {
        if (!q.next())
            return false;
        const qint64 id = q.value(0).toLongLong();
        Courier &c = couriers[f->courierId];
        columns.id << QString::number(id);
        columns.courier << quoted(f->courierId);
        addLocation(columns, f->location);
        columns.receivedAt << quoted(isoTimestamp(f->receivedAt));
        columns.current << QString::number(f->current ? 1 : 0);
        columns.previous << (f->current && c.lastFixId > 0 ? QString::number(c.lastFixId)
                                                           : QStringLiteral("NULL"));
        columns.seq << QString::number(++c.seq);
        if (f->current) {
            c.lastFixId = id;
            c.newest = f;
        }
    }
    q.prepare(QStringLiteral(
        "INSERT INTO fixes (id, courier_id, latitude, longitude, accuracy, speed, heading, "
        "timestamp, received_at, current, previous_id, courier_seq) SELECT * FROM unnest("
        "CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS float8[]), CAST(? AS float8[]), "
        "CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS text[]), "
        "CAST(? AS text[]), CAST(? AS int[]), CAST(? AS bigint[]), CAST(? AS bigint[]))"));
    for (const QStringList *column :
         {&columns.id, &columns.courier, &columns.latitude, &columns.longitude, &columns.accuracy,
          &columns.speed, &columns.heading, &columns.timestamp, &columns.receivedAt,
          &columns.current, &columns.previous, &columns.seq})
        q.addBindValue(array(*column));
    if (!exec(q))
        return false;
    // Each courier's row once: the newest current fix, chain head and count, or the count.
    Columns moved;
    QStringList movedIds, counted, countedSeq;
    for (auto it = couriers.cbegin(); it != couriers.cend(); ++it) {
        if (it->newest) {
            movedIds << quoted(it.key());
            addLocation(moved, it->newest->location);
            moved.previous << QString::number(it->lastFixId);
            moved.seq << QString::number(it->seq);
        } else {
            counted << quoted(it.key());
            countedSeq << QString::number(it->seq);
        }
    }
    if (!movedIds.isEmpty()) {
        q.prepare(QStringLiteral(
            "UPDATE couriers SET last_latitude = v.latitude, last_longitude = v.longitude, "
            "last_accuracy = v.accuracy, last_speed = v.speed, last_heading = v.heading, "
            "last_time = v.time, last_fix_id = v.last_fix_id, fix_seq = v.fix_seq FROM unnest("
            "CAST(? AS text[]), CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[]), "
            "CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS text[]), CAST(? AS bigint[]), "
            "CAST(? AS bigint[])) AS v(id, latitude, longitude, accuracy, speed, heading, time, "
            "last_fix_id, fix_seq) WHERE couriers.id = v.id"));
        for (const QStringList *column :
             {&movedIds, &moved.latitude, &moved.longitude, &moved.accuracy, &moved.speed,
              &moved.heading, &moved.timestamp, &moved.previous, &moved.seq})
            q.addBindValue(array(*column));
        if (!exec(q))
            return false;
    }
    if (!counted.isEmpty()) {
        q.prepare(QStringLiteral("UPDATE couriers SET fix_seq = v.fix_seq FROM unnest(CAST(? AS "
                                 "text[]), CAST(? AS bigint[])) AS v(id, fix_seq) WHERE "
                                 "couriers.id = v.id"));
        q.addBindValue(array(counted));
        q.addBindValue(array(countedSeq));
        if (!exec(q))
            return false;
    }
    return true;
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
