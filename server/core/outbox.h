#pragma once

#include "types.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

namespace depot {

/// One message waiting to go out to the world (a webhook POST, a customer e-mail). It is
/// written in the same transaction as the change that caused it, so an answered change never
/// loses its messages, and it stays until its channel has delivered it or given up.
struct OutboxEntry
{
    qint64 id = 0;      // the store's row id, filled in by the store
    QString deliveryId; // stable across retries (a UUID): receivers use it to drop duplicates
    QString channel;    // which OutboxChannel delivers it: "webhook", "email"
    QString target;     // the channel's recipient: a webhook's id, an e-mail address
    QString orderKey;   // entries with one key go out one at a time, oldest first (a package id)
    QString event;      // what happened: "package:update", "delivery:completed", ...
    QByteArray payload; // what the channel sends, as the producer prepared it (JSON)
    int attempts = 0;   // failed tries so far
    qint64 createdAtMs = 0;
    qint64 nextAttemptAtMs = 0;
};

/// Turns a package change into outbox entries. The dispatch service asks every registered
/// producer just before it stores the change and stores the entries with it.
class OutboxProducer
{
public:
    virtual ~OutboxProducer() = default;
    /// Appends what goes out because of this change to `out`. `before` is null for a new
    /// package. Runs on the hub's thread inside a command: it must not block or fail.
    virtual void entriesFor(const Package *before, const Package &after,
                            const std::vector<PackageEvent> &events,
                            std::vector<OutboxEntry> &out) = 0;
};

/// How one attempt at delivering an entry ended.
struct DeliveryOutcome
{
    bool delivered = false;
    bool permanent = false; // a failure that no retry can mend (e.g. a malformed address)
    int status = 0;         // the receiver's answer where it has one (HTTP status, SMTP code)
    QString detail;         // one line for the console's delivery log
};

/// Delivers the entries of one channel. The outbox calls deliver() for an entry and waits for
/// its outcome before it tries the next entry with the same order key.
class OutboxChannel
{
public:
    virtual ~OutboxChannel() = default;
    virtual QString name() const = 0;
    /// Starts one attempt; calls `done` exactly once, later, on the hub's thread.
    virtual void deliver(const OutboxEntry &entry,
                         std::function<void(const DeliveryOutcome &)> done) = 0;
};

} // namespace depot

namespace depot {

/// One try at delivering an outbox entry, as the console's delivery log shows it.
struct OutboxAttempt
{
    qint64 atMs = 0;
    bool delivered = false;
    int status = 0;
    QString detail;
};

/// An outbox entry with where it stands and every try so far, oldest first.
struct OutboxRecord
{
    OutboxEntry entry;
    QString state; // "pending", "delivered" or "failed" (given up)
    std::vector<OutboxAttempt> attempts;
};

/// A receiver of webhook POSTs: the events it chose and the secret its requests are signed with.
struct Webhook
{
    QString id;
    QString url;
    QStringList events;
    QString secret;
    QDateTime createdAt;
};

} // namespace depot
