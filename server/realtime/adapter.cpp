#include "adapter.h"

#include <QRandomGenerator>

namespace depot {

bool reaches(const QStringList &socketRooms, const QStringList &rooms, const QStringList &except)
{
    for (const QString &room : except) {
        if (socketRooms.contains(room))
            return false;
    }
    if (rooms.isEmpty())
        return true;
    for (const QString &room : rooms) {
        if (socketRooms.contains(room))
            return true;
    }
    return false;
}

Adapter::~Adapter() = default;

InMemoryAdapter::InMemoryAdapter(Options options)
    : m_options(options)
{
    // Offsets carry a per-process prefix, so an offset from an earlier run never matches.
    QByteArray raw(6, Qt::Uninitialized);
    for (char &c : raw)
        c = char(QRandomGenerator::system()->bounded(256));
    m_offsetPrefix = QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding |
                                                      QByteArray::OmitTrailingEquals)) +
                     QLatin1Char('-');
    m_clock.start();
}

void InMemoryAdapter::broadcast(const Audience &audience, const QString &, const QByteArray &,
                                Deliver deliver)
{
    const quint64 seq = ++m_seq;
    const QByteArray message = deliver(m_offsetPrefix + QString::number(seq, 36));
    m_recorded.push_back(
        Recorded{seq, m_clock.elapsed(), audience.rooms, audience.except, message});
    prune();
}

void InMemoryAdapter::persistSession(const SessionState &state)
{
    m_saved.insert(state.pid, Saved{state, m_clock.elapsed()});
    prune();
}

void InMemoryAdapter::restoreSession(const QString &pid, const QString &offset, Restored done)
{
    prune();
    const auto it = m_saved.constFind(pid);
    if (it == m_saved.cend() || it->atMs < m_clock.elapsed() - m_options.maxDisconnectionMs)
        return done(std::nullopt);
    // Recovery needs every packet after the client's offset still in the buffer; otherwise it
    // is a fresh session, so that the client never believes it recovered while events were lost.
    bool ok = offset.startsWith(m_offsetPrefix);
    const quint64 last =
        ok ? QStringView(offset).mid(m_offsetPrefix.size()).toULongLong(&ok, 36) : 0;
    const bool complete = ok && last <= m_seq &&
                          (m_recorded.empty() ? last == m_seq : m_recorded.front().seq <= last + 1);
    if (!complete)
        return done(std::nullopt);
    RestoredSession restored{it->state, {}, QByteArray::number(it->atMs)};
    for (const Recorded &r : m_recorded) {
        if (r.seq > last && reaches(it->state.rooms, r.rooms, r.except))
            restored.missed.append(r.message);
    }
    m_saved.erase(it);
    done(std::move(restored));
}

void InMemoryAdapter::returnSession(const RestoredSession &session)
{
    m_saved.insert(session.state.pid, Saved{session.state, session.token.toLongLong()});
}

void InMemoryAdapter::prune()
{
    const qint64 now = m_clock.elapsed();
    const qint64 horizon = now - m_options.maxDisconnectionMs;
    while (!m_recorded.empty() && (m_recorded.front().atMs < horizon ||
                                   qsizetype(m_recorded.size()) > m_options.maxRecoveryPackets))
        m_recorded.pop_front();
    // Expired sessions are swept at most once a second, not on every packet.
    if (now - m_lastSweepMs < 1000)
        return;
    m_lastSweepMs = now;
    for (auto it = m_saved.begin(); it != m_saved.end();) {
        if (it->atMs < horizon)
            it = m_saved.erase(it);
        else
            ++it;
    }
}

} // namespace depot
