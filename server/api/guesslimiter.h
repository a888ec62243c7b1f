#pragma once

#include "transport/httpmessage.h"

#include <QHash>
#include <QHostAddress>

#include <optional>

namespace depot {

class Clock;
class Store;

/// Counts failed guesses (unknown tracking codes, unknown device ids) per address in a fixed
/// window; an address with too many is refused until its window ends. Successes clear nothing,
/// so a guesser cannot reset its count with one thing it knows.
class GuessLimiter
{
public:
    struct Options
    {
        int maxMisses = 20;
        qint64 windowMs = 60'000;
        /// Addresses tracked at once; past it, expired ones are dropped first and new ones are
        /// not counted, so memory stays bounded whatever the number of addresses.
        int maxAddresses = 100'000;
    };

    GuessLimiter(Options options, const Clock &clock);

    /// Counts in `store` (windows of kind `kind`) instead of in memory, so that every hub on a
    /// shared database counts the same guesses.
    void shareThrough(Store *store, QString kind)
    {
        m_store = store;
        m_kind = std::move(kind);
    }

    /// Seconds until `from` may guess again, or nullopt when it may now.
    std::optional<int> retryAfterSeconds(const QHostAddress &from);
    void recordMiss(const QHostAddress &from);
    /// The answer while refused: 429 rate_limited with Retry-After and the JSON error body.
    static HttpResponse refusal(int retryAfterSeconds);

    /// The key an address is counted under: an IPv4 address, or an IPv6 address's /64, which
    /// one host usually holds whole.
    static QString keyOf(const QHostAddress &address);

private:
    struct Window
    {
        qint64 startMs = 0;
        int misses = 0;
    };
    void sweep(qint64 nowMs);

    Options m_options;
    const Clock &m_clock;
    QHash<QString, Window> m_windows;
    qint64 m_lastSweepMs = 0;
    Store *m_store = nullptr;
    QString m_kind;
};

} // namespace depot
