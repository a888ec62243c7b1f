#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <deque>
#include <functional>
#include <optional>

namespace depot {

class Namespace;

/// Who a broadcast goes to: every socket in any of `rooms` (all sockets when empty), minus every
/// socket in any of `except`.
struct Audience
{
    QStringList rooms;
    QStringList except;
};

/// True when a socket in `socketRooms` is one of the audience.
bool reaches(const QStringList &socketRooms, const QStringList &rooms, const QStringList &except);

/// The state of a socket whose connection dropped, as kept for its return.
struct SessionState
{
    QString sid;
    QString pid;
    QStringList rooms; // without the socket's own room
    QString principalKey;
    QVariant data = QVariant(); // Socket::data(); kept by the in-memory adapter only
};

/// A session taken back for a client that returned, with the events it missed.
struct RestoredSession
{
    SessionState state;
    QList<QByteArray> missed; // Engine.IO messages, in order, offsets included
    /// What the adapter needs to put the session back (returnSession), opaque to the namespace.
    QByteArray token;
};

/// Where a namespace's broadcasts and dropped sessions go: this process alone
/// (InMemoryAdapter), or every hub of a cluster. A namespace has exactly one.
class Adapter
{
public:
    virtual ~Adapter();

    /// Sends the event to this process's sockets: given the recovery offset the event carries
    /// (none: it is not kept for recovery), returns the Engine.IO message it sent.
    using Deliver = std::function<QByteArray(const std::optional<QString> &offset)>;
    /// Publishes an event to its audience; deliver runs once, now or later, events in the order
    /// they were published.
    virtual void broadcast(const Audience &audience, const QString &event, const QByteArray &json,
                           Deliver deliver) = 0;
    /// Keeps a dropped session for its client's return.
    virtual void persistSession(const SessionState &state) = 0;
    /// Takes a dropped session back: done gets it with every event after offset meant for it,
    /// or nothing when the session or the offset are unknown or expired. done may run later.
    using Restored = std::function<void(std::optional<RestoredSession>)>;
    virtual void restoreSession(const QString &pid, const QString &offset, Restored done) = 0;
    /// Puts back a session restoreSession took, unused (another principal came with its pid).
    virtual void returnSession(const RestoredSession &session) = 0;
    /// A socket connected and joined its rooms. An adapter shared by several processes may keep
    /// its session already, so that it can be recovered elsewhere even if this process dies.
    virtual void sessionOpened(const SessionState &) {}
    /// A socket left on purpose: its session is not to be recovered.
    virtual void sessionEnded(const QString &) {}
};

/// This process alone: recent events and dropped sessions in memory.
class InMemoryAdapter : public Adapter
{
public:
    struct Options
    {
        qint64 maxDisconnectionMs = 120'000;
        qsizetype maxRecoveryPackets = 200'000;
    };
    explicit InMemoryAdapter(Options options);

    void broadcast(const Audience &audience, const QString &event, const QByteArray &json,
                   Deliver deliver) override;
    void persistSession(const SessionState &state) override;
    void restoreSession(const QString &pid, const QString &offset, Restored done) override;
    void returnSession(const RestoredSession &session) override;

private:
    struct Recorded
    {
        quint64 seq;
        qint64 atMs;
        QStringList rooms;
        QStringList except;
        QByteArray message; // the Engine.IO message, offset included
    };
    struct Saved
    {
        SessionState state;
        qint64 atMs;
    };
    void prune();

    Options m_options;
    std::deque<Recorded> m_recorded;
    QHash<QString, Saved> m_saved; // by pid
    quint64 m_seq = 0;
    QString m_offsetPrefix;
    QElapsedTimer m_clock;
    qint64 m_lastSweepMs = 0;
};

} // namespace depot
