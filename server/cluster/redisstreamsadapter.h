#pragma once

#include "realtime/adapter.h"
#include "redisconnection.h"
#include "redisurl.h"
#include "streamentry.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace depot {

class Namespace;
class RedisStreamsAdapter;

/// This hub's link to the others over Redis, in the format of @socket.io/redis-streams-adapter
/// 0.3.1: each broadcast is XADDed to one stream, a dedicated connection XREADs the others'
/// (BLOCK), sessions are kept under sio:session:<pid>. Redis down: each hub serves its own
/// clients, logs once and reconnects with backoff.
class RedisStreamsCluster : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString streamName = QStringLiteral("socket.io");
        int maxLen = 10'000; // MAXLEN ~ of the stream
        int readCount = 100; // XREAD COUNT
        int blockMs = 5'000; // XREAD BLOCK
        QString sessionKeyPrefix = QStringLiteral("sio:session:");
        int connectTimeoutMs = 5'000;
        int reconnectMinMs = 100;         // backoff doubles from here
        int reconnectMaxMs = 5'000;       // up to here
        int maxPendingPublishes = 10'000; // more unanswered commands: Redis is dropped, retried
        int stallMs = 3'000; // a broadcast waiting longer for Redis: Redis is dropped, retried
        /// Connected sockets' sessions are written again this often, kept this much longer than
        /// the recovery window: a client of a hub that dies recovers on another.
        int liveSessionRefreshMs = 30'000;
        /// The hubs' own stream of view changes (fixes, packages, presence), read by the same
        /// blocking reader as the broadcasts; empty: none.
        QString viewStreamName = QStringLiteral("depot:view");
        int viewMaxLen = 10'000;
        QString claimKeyPrefix = QStringLiteral("depot:claim:");
    };

    RedisStreamsCluster(RedisUrl url, Options options, QObject *parent = nullptr);
    ~RedisStreamsCluster() override;

    /// Starts connecting; the hub serves its own clients meanwhile.
    void start();
    /// The adapter for one namespace (set it with Namespace::setAdapter).
    std::unique_ptr<Adapter> adapterFor(Namespace &nsp);

    /// Both connections up and the reader placed in the stream: broadcasts go through Redis.
    bool isConnected() const
    {
        return m_commands.isConnected() && m_reader.isConnected() && m_positioned;
    }
    const QString &uid() const { return m_uid; }

    /// Adds `data` to the view stream for the other hubs; dropped while Redis is away (a hub
    /// resynchronises when it is back).
    void publishView(const QByteArray &data);
    /// Claims `key` for `ttlMs` at a point (latitude, longitude), in one script on Redis: granted
    /// when nobody holds it, or its holder's point is at least `metres` away. `done(true)` when
    /// this hub has it, or when Redis cannot say.
    void claimAt(const QString &key, qint64 ttlMs, double latitude, double longitude, double metres,
                 std::function<void(bool)> done);
    /// Runs `run` once the reader has read every view entry added before this call (at once
    /// without Redis): what another hub answered before is in this hub's view.
    void whenViewCurrent(std::function<void()> run);
    const Options &options() const { return m_options; }

Q_SIGNALS:
    /// Both connections are up (again), or one went down.
    void connectedChanged(bool connected);
    /// The reader knows where in the stream it starts.
    void positioned();
    /// Another hub's entry in the view stream.
    void viewEntry(const QString &uid, const QByteArray &data);

private:
    friend class RedisStreamsAdapter;
    void connectionLost(const QString &error);
    void scheduleReconnect();
    void position();
    void poll();
    void checkStalls();
    void onEntries(const struct redisReply *reply);
    void onViewEntries(const struct redisReply *entries);
    /// Runs run once the reader has gone through every entry up to id: now if it has, at once
    /// if Redis goes away.
    void whenReadUpTo(const QString &id, std::function<void()> run);
    void runReadHooks(bool all);

    RedisUrl m_url;
    Options m_options;
    QString m_uid;
    RedisConnection m_commands; // XADD, SET, GETDEL, XRANGE
    RedisConnection m_reader;   // XREAD BLOCK only
    QTimer m_reconnectTimer;
    int m_backoffMs;
    bool m_down = false; // an outage was logged
    bool m_started = false;
    bool m_positioned = false;
    QString m_readFrom = QStringLiteral("$");
    QString m_viewReadFrom = QStringLiteral("$");
    QString m_ownFloor; // own entries up to here were sent to sockets before Redis went away
    QTimer m_stallTimer;
    QElapsedTimer m_clock;
    qint64 m_pollSentAtMs = -1; // when the XREAD waiting for its answer was sent
    struct ReadHook
    {
        QString at;
        std::function<void()> run;
    };
    std::vector<ReadHook> m_readHooks;
    std::vector<ReadHook> m_viewHooks;
    void runViewHooks(bool all);
    QHash<QString, RedisStreamsAdapter *> m_adapters; // by namespace

public:
    /// Entry ids compare as (ms, seq).
    static bool entryIdLess(QStringView a, QStringView b);
};

/// A namespace's adapter on a RedisStreamsCluster.
class RedisStreamsAdapter : public Adapter
{
public:
    RedisStreamsAdapter(RedisStreamsCluster &cluster, Namespace &nsp);
    ~RedisStreamsAdapter() override;

    void broadcast(const Audience &audience, const QString &event, const QByteArray &json,
                   Deliver deliver) override;
    void persistSession(const SessionState &state) override;
    void restoreSession(const QString &pid, const QString &offset, Restored done) override;
    void returnSession(const RestoredSession &session) override;
    void sessionOpened(const SessionState &state) override;
    void sessionEnded(const QString &pid) override;
    /// Writes every connected socket's session again (on a timer, and when Redis is back).
    void refreshLiveSessions();

    /// An entry another hub (or Node peer) added for this namespace.
    void onEntry(const QString &id, int type, QByteArrayView data);
    /// One of this hub's own broadcasts, read back from the stream: it goes to this hub's
    /// sockets now, so that every hub sends every event in the stream's order.
    void onOwnEntry(const QString &id);
    /// Redis went away: every waiting broadcast goes to this hub's sockets, in order.
    void drain();
    /// How long the oldest waiting broadcast has waited, in ms (0: none waits).
    qint64 oldestWaitMs(qint64 nowMs) const;

private:
    struct Waiting
    {
        Deliver deliver;
        qint64 atMs = 0;
        std::optional<QString> offset;
        bool awaitsReadBack = false; // XADDed: it goes out when read back from the stream
        bool ready = false;
    };
    // Own broadcasts go out in the order they were published, whatever the replies do.
    void flush();
    void scan(std::shared_ptr<struct RestoreState> state);
    void keep(const SessionState &state, qint64 ttlMs);

    RedisStreamsCluster &m_cluster;
    Namespace &m_nsp;
    std::deque<std::shared_ptr<Waiting>> m_waiting;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    bool m_overflowLogged = false;
    bool m_flushing = false;
    QTimer m_refreshTimer;
};

} // namespace depot
