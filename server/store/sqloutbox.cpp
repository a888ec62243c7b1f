// SqlStore's outbox and webhooks: the tables of core/outbox.h on both databases.
#include "core/clock.h"
#include "sqlstore.h"
#include "storelog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace depot {

namespace {

constexpr char kEntryColumns[] = "id, delivery_id, channel, target, order_key, event, payload, "
                                 "attempts, created_at_ms, next_attempt_at_ms";

OutboxEntry readEntry(const QSqlQuery &q)
{
    OutboxEntry e;
    e.id = q.value(0).toLongLong();
    e.deliveryId = q.value(1).toString();
    e.channel = q.value(2).toString();
    e.target = q.value(3).toString();
    e.orderKey = q.value(4).toString();
    e.event = q.value(5).toString();
    e.payload = q.value(6).toByteArray();
    e.attempts = q.value(7).toInt();
    e.createdAtMs = q.value(8).toLongLong();
    e.nextAttemptAtMs = q.value(9).toLongLong();
    return e;
}

/// "?, ?, ?" for `count` values.
QString placeholders(qsizetype count)
{
    QStringList marks;
    for (qsizetype i = 0; i < count; ++i)
        marks << QStringLiteral("?");
    return marks.join(QStringLiteral(", "));
}

/// The ids of the oldest pending entry of each (channel, target, order key) among %1 channels:
/// only these may go out, so a key's entries leave one at a time and in order.
QString headsOf(qsizetype channelCount)
{
    return QStringLiteral("SELECT MIN(id) FROM outbox WHERE state = 'pending' AND channel IN (%1) "
                          "GROUP BY channel, target, order_key")
        .arg(placeholders(channelCount));
}

} // namespace

bool SqlStore::insertOutboxEntries(std::vector<OutboxEntry> &entries)
{
    if (entries.empty())
        return true;
    QSqlQuery q(m_db);
    const bool returning = m_dialect == Dialect::Postgres;
    q.prepare(QStringLiteral("INSERT INTO outbox (delivery_id, channel, target, order_key, event, "
                             "payload, attempts, created_at_ms, next_attempt_at_ms) VALUES (?, ?, "
                             "?, ?, ?, ?, ?, ?, ?)") +
              (returning ? QStringLiteral(" RETURNING id") : QString()));
    for (OutboxEntry &e : entries) {
        q.addBindValue(e.deliveryId);
        q.addBindValue(e.channel);
        q.addBindValue(e.target);
        q.addBindValue(e.orderKey);
        q.addBindValue(e.event);
        q.addBindValue(e.payload);
        q.addBindValue(e.attempts);
        q.addBindValue(e.createdAtMs);
        q.addBindValue(e.nextAttemptAtMs);
        if (!exec(q))
            return false;
        if (returning) {
            if (!q.next())
                return false;
            e.id = q.value(0).toLongLong();
        } else {
            e.id = q.lastInsertId().toLongLong();
        }
    }
    return true;
}

std::vector<OutboxEntry> SqlStore::claimDueOutboxEntries(const QStringList &channels,
                                                         const QString &owner, qint64 nowMs,
                                                         qint64 leaseUntilMs, int limit)
{
    std::vector<OutboxEntry> claimed;
    if (channels.isEmpty() || limit <= 0 || !ready())
        return claimed;
    std::vector<OutboxEntry> due;
    {
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT %1 FROM outbox WHERE id IN (%2) AND next_attempt_at_ms "
                                 "<= ? AND (claimed_until_ms IS NULL OR claimed_until_ms <= ?) "
                                 "ORDER BY next_attempt_at_ms, id LIMIT ?")
                      .arg(QLatin1String(kEntryColumns), headsOf(channels.size())));
        for (const QString &channel : channels)
            q.addBindValue(channel);
        q.addBindValue(nowMs);
        q.addBindValue(nowMs);
        q.addBindValue(limit);
        if (!exec(q))
            return claimed;
        while (q.next())
            due.push_back(readEntry(q));
    }
    QSqlQuery claim(m_db);
    claim.prepare(QStringLiteral(
        "UPDATE outbox SET claimed_by = ?, claimed_until_ms = ? WHERE id = ? AND state = "
        "'pending' AND (claimed_until_ms IS NULL OR claimed_until_ms <= ?)"));
    for (OutboxEntry &e : due) {
        claim.addBindValue(owner);
        claim.addBindValue(leaseUntilMs);
        claim.addBindValue(e.id);
        claim.addBindValue(nowMs);
        // Another hub that claimed it first delivers it.
        if (exec(claim) && claim.numRowsAffected() == 1)
            claimed.push_back(std::move(e));
    }
    return claimed;
}

std::optional<qint64> SqlStore::nextOutboxDueMs(const QStringList &channels)
{
    if (channels.isEmpty() || !ready())
        return std::nullopt;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT MIN(CASE WHEN claimed_until_ms IS NOT NULL AND "
                             "claimed_until_ms > next_attempt_at_ms THEN claimed_until_ms ELSE "
                             "next_attempt_at_ms END) FROM outbox WHERE id IN (%1)")
                  .arg(headsOf(channels.size())));
    for (const QString &channel : channels)
        q.addBindValue(channel);
    if (!exec(q) || !q.next() || q.value(0).isNull())
        return std::nullopt;
    return q.value(0).toLongLong();
}

bool SqlStore::finishOutboxAttempt(const OutboxEntry &entry, const QString &state,
                                   const OutboxAttempt &attempt)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("UPDATE outbox SET state = ?, attempts = ?, next_attempt_at_ms = "
                                 "?, claimed_by = NULL, claimed_until_ms = NULL WHERE id = ?"));
        q.addBindValue(state);
        q.addBindValue(entry.attempts);
        q.addBindValue(entry.nextAttemptAtMs);
        q.addBindValue(entry.id);
        if (!exec(q) || q.numRowsAffected() != 1)
            return false;
        q.prepare(QStringLiteral("INSERT INTO outbox_attempts (entry_id, at_ms, delivered, status, "
                                 "detail) VALUES (?, ?, ?, ?, ?)"));
        q.addBindValue(entry.id);
        q.addBindValue(attempt.atMs);
        q.addBindValue(attempt.delivered);
        q.addBindValue(attempt.status);
        q.addBindValue(attempt.detail.isNull() ? QStringLiteral("") : attempt.detail);
        return exec(q);
    });
}

bool SqlStore::releaseOutboxClaims()
{
    if (!ready())
        return false;
    QSqlQuery q(m_db);
    return execText(q, QStringLiteral("UPDATE outbox SET claimed_by = NULL, claimed_until_ms = "
                                      "NULL WHERE claimed_by IS NOT NULL"));
}

std::vector<OutboxRecord> SqlStore::recentOutboxEntries(const QString &channel,
                                                        const QString &target, int limit)
{
    std::vector<OutboxRecord> records;
    if (!ready())
        return records;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1, state FROM outbox WHERE channel = ? AND target = ? "
                             "ORDER BY id DESC LIMIT ?")
                  .arg(QLatin1String(kEntryColumns)));
    q.addBindValue(channel);
    q.addBindValue(target);
    q.addBindValue(limit);
    if (!exec(q))
        return records;
    while (q.next())
        records.push_back(OutboxRecord{readEntry(q), q.value(10).toString(), {}});
    q.finish();
    QSqlQuery attempts(m_db);
    attempts.setForwardOnly(true);
    attempts.prepare(QStringLiteral("SELECT at_ms, delivered, status, detail FROM outbox_attempts "
                                    "WHERE entry_id = ? ORDER BY at_ms"));
    for (OutboxRecord &r : records) {
        attempts.addBindValue(r.entry.id);
        if (!exec(attempts))
            break;
        while (attempts.next())
            r.attempts.push_back(
                OutboxAttempt{attempts.value(0).toLongLong(), attempts.value(1).toBool(),
                              attempts.value(2).toInt(), attempts.value(3).toString()});
        attempts.finish();
    }
    return records;
}

bool SqlStore::pruneOutbox(qint64 beforeMs)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM outbox_attempts WHERE entry_id IN (SELECT id FROM "
                                 "outbox WHERE state <> 'pending' AND created_at_ms < ?)"));
        q.addBindValue(beforeMs);
        if (!exec(q))
            return false;
        q.prepare(
            QStringLiteral("DELETE FROM outbox WHERE state <> 'pending' AND created_at_ms < ?"));
        q.addBindValue(beforeMs);
        return exec(q);
    });
}

std::vector<Webhook> SqlStore::loadWebhooks()
{
    std::vector<Webhook> webhooks;
    if (!ready())
        return webhooks;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!execText(q, QStringLiteral("SELECT id, url, events, secret, created_at FROM webhooks "
                                    "ORDER BY created_at, id")))
        return webhooks;
    while (q.next()) {
        Webhook w;
        w.id = q.value(0).toString();
        w.url = q.value(1).toString();
        for (const QJsonValue &event :
             QJsonDocument::fromJson(q.value(2).toString().toUtf8()).array())
            w.events << event.toString();
        w.secret = q.value(3).toString();
        w.createdAt = QDateTime::fromString(q.value(4).toString(), Qt::ISODateWithMs).toUTC();
        webhooks.push_back(std::move(w));
    }
    return webhooks;
}

bool SqlStore::insertWebhook(const Webhook &w)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral(
            "INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)"));
        q.addBindValue(w.id);
        q.addBindValue(w.url);
        q.addBindValue(QString::fromUtf8(
            QJsonDocument(QJsonArray::fromStringList(w.events)).toJson(QJsonDocument::Compact)));
        q.addBindValue(w.secret);
        q.addBindValue(isoTimestamp(w.createdAt));
        return exec(q);
    });
}

bool SqlStore::deleteWebhook(const QString &id, qint64 atMs, const QString &detail)
{
    return transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("DELETE FROM webhooks WHERE id = ?"));
        q.addBindValue(id);
        if (!exec(q) || q.numRowsAffected() != 1)
            return false;
        const QString notDelivered =
            m_dialect == Dialect::Postgres ? QStringLiteral("false") : QStringLiteral("0");
        q.prepare(QStringLiteral("INSERT INTO outbox_attempts (entry_id, at_ms, delivered, status, "
                                 "detail) SELECT id, ?, %1, 0, ? FROM outbox WHERE channel = "
                                 "'webhook' AND target = ? AND state = 'pending'")
                      .arg(notDelivered));
        q.addBindValue(atMs);
        q.addBindValue(detail);
        q.addBindValue(id);
        if (!exec(q))
            return false;
        q.prepare(QStringLiteral("UPDATE outbox SET state = 'failed', claimed_by = NULL, "
                                 "claimed_until_ms = NULL WHERE channel = 'webhook' AND target = ? "
                                 "AND state = 'pending'"));
        q.addBindValue(id);
        return exec(q);
    });
}

} // namespace depot
