#include "outboxrelay.h"

#include "core/clock.h"
#include "core/store.h"
#include "outboxlog.h"

#include <QPointer>
#include <QUuid>

#include <algorithm>

Q_LOGGING_CATEGORY(lcOutbox, "depot.outbox")

namespace depot {

namespace {

constexpr qint64 kPruneEveryMs = 3'600'000;
constexpr qint64 kMinWaitMs = 20;

} // namespace

OutboxRelay::OutboxRelay(Store &store, const Clock &clock, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_clock(clock)
    , m_options(options)
    , m_owner(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &OutboxRelay::pump);
}

void OutboxRelay::addChannel(OutboxChannel *channel)
{
    m_channels.insert(channel->name(), channel);
}

QStringList OutboxRelay::channelNames() const
{
    QStringList names = m_channels.keys();
    names.sort();
    return names;
}

qint64 OutboxRelay::retryDelayMs(int failedAttempts, qint64 baseMs, qint64 capMs)
{
    qint64 delay = std::max<qint64>(baseMs, 1);
    for (int i = 1; i < failedAttempts && delay < capMs; ++i)
        delay *= 2;
    return std::min(delay, capMs);
}

void OutboxRelay::start()
{
    if (m_started)
        return;
    m_started = true;
    // Alone on its database, a hub that starts holds no claim of a hub that was killed: its
    // entries go out now, not when their leases end.
    if (!m_store.shared())
        m_store.releaseOutboxClaims();
    pump();
}

void OutboxRelay::wake()
{
    if (!m_started || m_pumpQueued)
        return;
    m_pumpQueued = true;
    QMetaObject::invokeMethod(this, &OutboxRelay::pump, Qt::QueuedConnection);
}

void OutboxRelay::pump()
{
    m_pumpQueued = false;
    if (m_channels.isEmpty())
        return;
    const qint64 now = m_clock.nowMs();
    if (now - m_lastPruneMs >= kPruneEveryMs) {
        m_lastPruneMs = now;
        m_store.pruneOutbox(now - m_options.keepMs);
    }
    const int room = m_options.maxInFlight - int(m_inFlight.size());
    if (room <= 0)
        return; // the next attempt to finish wakes the relay
    const std::vector<OutboxEntry> due =
        m_store.claimDueOutboxEntries(channelNames(), m_owner, now, now + m_options.leaseMs, room);
    for (const OutboxEntry &entry : due) {
        if (m_inFlight.contains(entry.id))
            continue;
        m_inFlight.insert(entry.id);
        QPointer<OutboxRelay> self(this);
        m_channels.value(entry.channel)->deliver(entry, [self, entry](const DeliveryOutcome &o) {
            if (self)
                self->finished(entry, o);
        });
    }
    scheduleNext();
}

void OutboxRelay::finished(OutboxEntry entry, const DeliveryOutcome &outcome)
{
    m_inFlight.remove(entry.id);
    const qint64 now = m_clock.nowMs();
    QString state;
    if (outcome.delivered) {
        state = QStringLiteral("delivered");
    } else {
        ++entry.attempts;
        entry.nextAttemptAtMs =
            now + retryDelayMs(entry.attempts, m_options.retryBaseMs, m_options.retryCapMs);
        // Given up once the next try would come past the limit: no receiver waits longer.
        const bool tooLate = entry.nextAttemptAtMs - entry.createdAtMs > m_options.giveUpAfterMs;
        state = outcome.permanent || tooLate ? QStringLiteral("failed") : QStringLiteral("pending");
    }
    const OutboxAttempt attempt{now, outcome.delivered, outcome.status, outcome.detail};
    if (!m_store.finishOutboxAttempt(entry, state, attempt))
        // The claim ends with its lease, and the entry is tried again (at least once).
        qCWarning(lcOutbox) << "cannot record the attempt at outbox entry" << entry.deliveryId;
    if (state == QLatin1String("failed"))
        qCWarning(lcOutbox).noquote()
            << "gave up on" << entry.channel << entry.event << "to" << entry.target << "("
            << entry.deliveryId << ") after" << entry.attempts << "attempts:" << outcome.detail;
    Q_EMIT attempted(entry, outcome, state);
    wake();
}

void OutboxRelay::scheduleNext()
{
    const qint64 now = m_clock.nowMs();
    std::optional<qint64> wait;
    if (const auto due = m_store.nextOutboxDueMs(channelNames()))
        wait = std::max<qint64>(*due - now, 0);
    // Other hubs add entries this hub hears nothing of; a store that went away comes back.
    if (m_store.shared() || !m_store.available())
        wait = std::min(wait.value_or(m_options.sharedPollMs), m_options.sharedPollMs);
    if (!wait) {
        m_timer.stop();
        return;
    }
    // Not sooner than kMinWaitMs: an entry that could not be claimed (a busy database) is
    // not asked for in a busy loop.
    m_timer.start(int(std::clamp<qint64>(*wait, kMinWaitMs, 24LL * 3'600'000)));
}

} // namespace depot
