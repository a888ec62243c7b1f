#pragma once

#include "core/outbox.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace depot {

class Clock;
class Store;

/// Delivers the outbox: claims the entries that are due (the oldest pending one of each
/// channel, target and order key, so a key's entries go out one at a time and in order), hands
/// each to its channel, and records every attempt. A failed attempt is tried again after a wait
/// that doubles from `retryBaseMs` up to `retryCapMs`; an entry still undelivered
/// `giveUpAfterMs` after it was made is marked failed. Hubs sharing a database claim entries
/// with a compare-and-set and a lease, so one entry is in flight on one hub at a time.
class OutboxRelay : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        qint64 retryBaseMs = 10'000;
        qint64 retryCapMs = 3'600'000;
        qint64 giveUpAfterMs = 24LL * 3'600'000;
        // How long a claim holds: longer than any attempt takes (the channels' timeouts).
        qint64 leaseMs = 120'000;
        // How often a hub on a shared database looks for entries other hubs made.
        qint64 sharedPollMs = 1'000;
        // Entries in flight at once on this hub.
        int maxInFlight = 32;
        // Delivered and failed entries are kept this long for the console, then deleted.
        qint64 keepMs = 7LL * 24 * 3'600'000;
    };

    OutboxRelay(Store &store, const Clock &clock, Options options, QObject *parent = nullptr);

    /// Channels are registered before start() and outlive the relay.
    void addChannel(OutboxChannel *channel);
    /// Picks up what is pending (after a restart too) and keeps delivering.
    void start();
    /// Looks for due entries soon: a change may have left some.
    void wake();

    /// The wait before the next attempt after `failedAttempts` failures (1 or more).
    static qint64 retryDelayMs(int failedAttempts, qint64 baseMs, qint64 capMs);
    const Options &options() const { return m_options; }
    /// Entries being delivered by this hub now.
    int inFlight() const { return int(m_inFlight.size()); }

Q_SIGNALS:
    /// One attempt ended and is recorded; `state` is the entry's new state ("pending",
    /// "delivered" or "failed").
    void attempted(const depot::OutboxEntry &entry, const depot::DeliveryOutcome &outcome,
                   const QString &state);

private:
    void pump();
    void finished(OutboxEntry entry, const DeliveryOutcome &outcome);
    void scheduleNext();
    QStringList channelNames() const;

    Store &m_store;
    const Clock &m_clock;
    const Options m_options;
    const QString m_owner; // this hub's name on its claims
    QHash<QString, OutboxChannel *> m_channels;
    QSet<qint64> m_inFlight;
    QTimer m_timer;
    bool m_started = false;
    bool m_pumpQueued = false;
    qint64 m_lastPruneMs = 0;
};

} // namespace depot
