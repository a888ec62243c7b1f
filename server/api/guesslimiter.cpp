#include "guesslimiter.h"

#include "core/clock.h"
#include "core/store.h"

namespace depot {

GuessLimiter::GuessLimiter(Options options, const Clock &clock)
    : m_options(options)
    , m_clock(clock)
{}

QString GuessLimiter::keyOf(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // also an IPv4-mapped IPv6 address
    if (isV4)
        return QHostAddress(v4).toString();
    Q_IPV6ADDR bytes = address.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

std::optional<int> GuessLimiter::retryAfterSeconds(const QHostAddress &from)
{
    Window window;
    if (m_store) {
        const auto stored = m_store->guessWindow(m_kind, keyOf(from));
        if (!stored)
            return std::nullopt;
        window = Window{stored->first, stored->second};
    } else {
        const auto it = m_windows.constFind(keyOf(from));
        if (it == m_windows.cend())
            return std::nullopt;
        window = *it;
    }
    if (window.misses < m_options.maxMisses)
        return std::nullopt;
    const qint64 left = window.startMs + m_options.windowMs - m_clock.nowMs();
    if (left <= 0)
        return std::nullopt;
    return int((left + 999) / 1000);
}

void GuessLimiter::recordMiss(const QHostAddress &from)
{
    const qint64 now = m_clock.nowMs();
    const QString key = keyOf(from);
    if (m_store) {
        // Windows over: dropped, so the table stays bounded.
        m_store->recordGuessMiss(m_kind, key, now, m_options.windowMs, now - m_options.windowMs);
        return;
    }
    auto it = m_windows.find(key);
    if (it == m_windows.end()) {
        // Swept at most once a second: a full table of live windows is not walked per request.
        if (m_windows.size() >= m_options.maxAddresses && now - m_lastSweepMs >= 1000)
            sweep(now);
        if (m_windows.size() >= m_options.maxAddresses)
            return;
        it = m_windows.insert(key, Window{now, 0});
    } else if (now - it->startMs >= m_options.windowMs) {
        *it = Window{now, 0};
    }
    ++it->misses;
}

HttpResponse GuessLimiter::refusal(int retryAfterSeconds)
{
    return HttpResponse::error(
               429, QStringLiteral("rate_limited"),
               QStringLiteral("too many failed attempts from this address; try again in %1 s")
                   .arg(retryAfterSeconds))
        .withHeader("Retry-After", QByteArray::number(retryAfterSeconds));
}

void GuessLimiter::sweep(qint64 nowMs)
{
    m_lastSweepMs = nowMs;
    for (auto it = m_windows.begin(); it != m_windows.end();) {
        if (nowMs - it->startMs >= m_options.windowMs)
            it = m_windows.erase(it);
        else
            ++it;
    }
}

} // namespace depot
