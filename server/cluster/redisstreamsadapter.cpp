#include "redisstreamsadapter.h"

#include "clusterlog.h"
#include "protocol/engineio.h"
#include "realtime/namespace.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>

#include <hiredis/hiredis.h>

Q_LOGGING_CATEGORY(lcCluster, "depot.cluster")

namespace depot {

namespace {

QString replyText(const redisReply *reply)
{
    return QString::fromUtf8(reply->str, qsizetype(reply->len));
}

QByteArrayView replyBytes(const redisReply *reply)
{
    return QByteArrayView(reply->str, qsizetype(reply->len));
}

bool isText(const redisReply *reply)
{
    return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

// The socket.io-adapter's randomId(): 8 random bytes in hex.
QString randomUid()
{
    QByteArray raw(8, Qt::Uninitialized);
    for (char &c : raw)
        c = char(QRandomGenerator::system()->bounded(256));
    return QString::fromLatin1(raw.toHex());
}

std::pair<quint64, quint64> splitId(QStringView id)
{
    const qsizetype dash = id.indexOf(QLatin1Char('-'));
    if (dash < 0)
        return {id.toULongLong(), 0};
    return {id.left(dash).toULongLong(), id.mid(dash + 1).toULongLong()};
}

// One entry of an XREAD or XRANGE reply: [id, [field, value, ...]].
struct Entry
{
    QString id;
    QByteArrayView uid, nsp, type, data;
};

std::optional<Entry> entryOf(const redisReply *item)
{
    if (!item || item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
        !isText(item->element[0]) || item->element[1]->type != REDIS_REPLY_ARRAY)
        return std::nullopt;
    Entry entry{replyText(item->element[0]), {}, {}, {}, {}};
    const redisReply *fields = item->element[1];
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (!isText(fields->element[i]) || !isText(fields->element[i + 1]))
            continue;
        const QByteArrayView name = replyBytes(fields->element[i]);
        const QByteArrayView value = replyBytes(fields->element[i + 1]);
        if (name == "uid")
            entry.uid = value;
        else if (name == "nsp")
            entry.nsp = value;
        else if (name == "type")
            entry.type = value;
        else if (name == "data")
            entry.data = value;
    }
    return entry;
}

} // namespace

// --- RedisStreamsCluster ---------------------------------------------------------------------

RedisStreamsCluster::RedisStreamsCluster(RedisUrl url, Options options, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_options(std::move(options))
    , m_uid(randomUid())
    , m_commands(m_url, m_options.connectTimeoutMs, this)
    , m_reader(m_url, m_options.connectTimeoutMs, this)
    , m_backoffMs(m_options.reconnectMinMs)
{
    m_clock.start();
    m_stallTimer.setInterval(1000);
    connect(&m_stallTimer, &QTimer::timeout, this, &RedisStreamsCluster::checkStalls);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        m_commands.open();
        m_reader.open();
    });
    auto up = [this] {
        if (!isConnected())
            return;
        m_backoffMs = m_options.reconnectMinMs;
        if (m_down)
            qCInfo(lcCluster).noquote()
                << "redis at" << m_url.displayName() << "is back: events flow between hubs again";
        else
            qCInfo(lcCluster).noquote()
                << "sharing events with other hubs through redis at" << m_url.displayName();
        m_down = false;
        // Redis may have restarted empty: the sessions of connected sockets are kept again.
        for (RedisStreamsAdapter *adapter : std::as_const(m_adapters))
            adapter->refreshLiveSessions();
        Q_EMIT connectedChanged(true);
    };
    connect(this, &RedisStreamsCluster::positioned, this, up);
    connect(&m_commands, &RedisConnection::connected, this, &RedisStreamsCluster::position);
    connect(&m_reader, &RedisConnection::connected, this, &RedisStreamsCluster::position);
    connect(&m_commands, &RedisConnection::disconnected, this,
            &RedisStreamsCluster::connectionLost);
    connect(&m_reader, &RedisConnection::disconnected, this, &RedisStreamsCluster::connectionLost);
}

RedisStreamsCluster::~RedisStreamsCluster()
{
    // Adapters outlive no cluster; any left stop delivering.
    m_commands.disconnect(this);
    m_reader.disconnect(this);
}

void RedisStreamsCluster::start()
{
    m_started = true;
    m_stallTimer.start();
    m_commands.open();
    m_reader.open();
}

std::unique_ptr<Adapter> RedisStreamsCluster::adapterFor(Namespace &nsp)
{
    return std::make_unique<RedisStreamsAdapter>(*this, nsp);
}

void RedisStreamsCluster::position()
{
    if (!m_commands.isConnected() || !m_reader.isConnected() || m_positioned)
        return;
    // The stream's newest entry: this hub's broadcasts from now on come after it.
    m_reader.command(
        {"XREVRANGE", m_options.streamName.toUtf8(), "+", "-", "COUNT", "1"},
        [this](const redisReply *reply) {
            if (!reply)
                return; // the connection ended; it is placed again once back
            if (reply->type != REDIS_REPLY_ARRAY) {
                qCWarning(lcCluster).noquote()
                    << "cannot read the stream" << m_options.streamName << ":"
                    << (reply->type == REDIS_REPLY_ERROR ? replyText(reply) : QStringLiteral("?"));
                return;
            }
            const auto newest = reply->elements == 1 ? entryOf(reply->element[0]) : std::nullopt;
            m_ownFloor = newest ? newest->id : QStringLiteral("0-0");
            // A hub that read before catches up from there, as the adapter does.
            if (m_readFrom == QLatin1String("$"))
                m_readFrom = m_ownFloor;
            if (m_options.viewStreamName.isEmpty()) {
                m_positioned = true;
                poll();
                Q_EMIT positioned();
                return;
            }
            // View changes from now on: what came before, the hub reads from the database.
            m_reader.command(
                {"XREVRANGE", m_options.viewStreamName.toUtf8(), "+", "-", "COUNT", "1"},
                [this](const redisReply *reply) {
                    if (!reply)
                        return;
                    const auto newest = reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
                                            ? entryOf(reply->element[0])
                                            : std::nullopt;
                    m_viewReadFrom = newest ? newest->id : QStringLiteral("0-0");
                    m_positioned = true;
                    poll();
                    Q_EMIT positioned();
                });
        });
}

void RedisStreamsCluster::checkStalls()
{
    const qint64 now = m_clock.elapsed();
    // XREAD BLOCK answers within blockMs even when nothing happens: a silent reader is gone.
    if (isConnected() && m_pollSentAtMs >= 0 &&
        now - m_pollSentAtMs > m_options.blockMs + m_options.stallMs) {
        connectionLost(
            QStringLiteral("no answer within %1 ms").arg(m_options.blockMs + m_options.stallMs));
        return;
    }
    for (RedisStreamsAdapter *adapter : std::as_const(m_adapters)) {
        // A broadcast is never held for long: a Redis that stopped answering is dropped.
        if (adapter->oldestWaitMs(now) > m_options.stallMs && isConnected()) {
            connectionLost(QStringLiteral("no answer within %1 ms").arg(m_options.stallMs));
            return;
        }
    }
}

void RedisStreamsCluster::connectionLost(const QString &error)
{
    m_positioned = false;
    if (!m_down) {
        m_down = true;
        qCWarning(lcCluster).noquote()
            << "redis at" << m_url.displayName() << "is unreachable (" + error + "):"
            << "each hub serves its own clients until it is back; retrying";
        Q_EMIT connectedChanged(false);
    } else {
        qCDebug(lcCluster).noquote() << "redis still unreachable:" << error;
    }
    // Both or neither: a hub that only reads or only writes would see half the events.
    m_commands.close();
    m_reader.close();
    for (RedisStreamsAdapter *adapter : std::as_const(m_adapters))
        adapter->drain();
    runReadHooks(true); // restores waiting for the reader go on without it
    runViewHooks(true);
    scheduleReconnect();
}

void RedisStreamsCluster::scheduleReconnect()
{
    if (!m_started || m_reconnectTimer.isActive())
        return;
    m_reconnectTimer.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, m_options.reconnectMaxMs);
}

void RedisStreamsCluster::poll()
{
    m_pollSentAtMs = m_clock.elapsed();
    QByteArrayList args{"XREAD",
                        "BLOCK",
                        QByteArray::number(m_options.blockMs),
                        "COUNT",
                        QByteArray::number(m_options.readCount),
                        "STREAMS",
                        m_options.streamName.toUtf8()};
    if (!m_options.viewStreamName.isEmpty())
        args += {m_options.viewStreamName.toUtf8(), m_readFrom.toUtf8(), m_viewReadFrom.toUtf8()};
    else
        args += m_readFrom.toUtf8();
    const bool sent = m_reader.command(args, [this](const redisReply *reply) {
        m_pollSentAtMs = -1;
        if (!reply)
            return; // the connection ended; it polls again once back
        if (reply->type == REDIS_REPLY_ERROR) {
            qCWarning(lcCluster).noquote() << "XREAD failed:" << replyText(reply);
            QTimer::singleShot(m_options.reconnectMaxMs, this, [this] {
                if (m_reader.isConnected() && m_reader.pending() == 0)
                    poll();
            });
            return;
        }
        onEntries(reply);
        poll();
    });
    if (!sent)
        m_pollSentAtMs = -1;
}

void RedisStreamsCluster::onEntries(const redisReply *reply)
{
    // [[stream, [[id, [field, value, ...]], ...]]], or nil when BLOCK timed out.
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return;
    const redisReply *entries = nullptr;
    for (size_t s = 0; s < reply->elements; ++s) {
        const redisReply *stream = reply->element[s];
        if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
            !isText(stream->element[0]) || stream->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        if (replyText(stream->element[0]) == m_options.streamName)
            entries = stream->element[1];
        else if (replyText(stream->element[0]) == m_options.viewStreamName)
            onViewEntries(stream->element[1]);
    }
    if (!entries)
        return;
    for (size_t i = 0; i < entries->elements; ++i) {
        const auto entry = entryOf(entries->element[i]);
        if (!entry)
            continue;
        m_readFrom = entry->id;
        if (RedisStreamsAdapter *adapter = m_adapters.value(QString::fromUtf8(entry->nsp))) {
            if (entry->uid == QByteArrayView(m_uid.toLatin1())) {
                // Its own: those from before an outage already went out when Redis went away.
                if (entry->type == "3" && entryIdLess(m_ownFloor, entry->id))
                    adapter->onOwnEntry(entry->id);
            } else {
                adapter->onEntry(entry->id, entry->type.toInt(), entry->data);
            }
        }
        runReadHooks(false);
    }
}

void RedisStreamsCluster::onViewEntries(const redisReply *entries)
{
    const QByteArray own = m_uid.toLatin1();
    for (size_t i = 0; i < entries->elements; ++i) {
        const auto entry = entryOf(entries->element[i]);
        if (!entry)
            continue;
        m_viewReadFrom = entry->id;
        if (entry->uid != QByteArrayView(own))
            Q_EMIT viewEntry(QString::fromLatin1(entry->uid), entry->data.toByteArray());
    }
    runViewHooks(false);
}

void RedisStreamsCluster::whenViewCurrent(std::function<void()> run)
{
    if (!isConnected() || m_options.viewStreamName.isEmpty())
        return run();
    // Runs once: when the reader is there, or after stallMs of a Redis that does not answer.
    auto shared = std::make_shared<std::function<void()>>(
        [run = std::move(run), ran = std::make_shared<bool>(false)] {
            if (!std::exchange(*ran, true))
                run();
        });
    QTimer::singleShot(m_options.stallMs, this, [shared] { (*shared)(); });
    const bool sent = m_commands.command(
        {"XREVRANGE", m_options.viewStreamName.toUtf8(), "+", "-", "COUNT", "1"},
        [this, shared](const redisReply *reply) {
            const auto newest = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
                                    ? entryOf(reply->element[0])
                                    : std::nullopt;
            if (!newest || !isConnected() || !entryIdLess(m_viewReadFrom, newest->id))
                return (*shared)();
            m_viewHooks.push_back(ReadHook{newest->id, [shared] { (*shared)(); }});
        });
    if (!sent)
        (*shared)();
}

void RedisStreamsCluster::runViewHooks(bool all)
{
    std::vector<ReadHook> due;
    std::erase_if(m_viewHooks, [&](ReadHook &hook) {
        if (!all && entryIdLess(m_viewReadFrom, hook.at))
            return false;
        due.push_back(std::move(hook));
        return true;
    });
    for (ReadHook &hook : due)
        hook.run();
}

void RedisStreamsCluster::publishView(const QByteArray &data)
{
    if (!isConnected() || m_options.viewStreamName.isEmpty())
        return;
    m_commands.command({"XADD", m_options.viewStreamName.toUtf8(), "MAXLEN", "~",
                        QByteArray::number(m_options.viewMaxLen), "*", "uid", m_uid.toLatin1(),
                        "data", data});
}

void RedisStreamsCluster::claimAt(const QString &key, qint64 ttlMs, double latitude,
                                  double longitude, double metres, std::function<void(bool)> done)
{
    if (!isConnected())
        return done(true);
    // The haversine distance of dispatch/geo.cpp, on the earth's mean radius.
    static const QByteArray script = R"lua(
local held = redis.call('GET', KEYS[1])
local lat, lon = tonumber(ARGV[2]), tonumber(ARGV[3])
if held then
    local hlat, hlon = string.match(held, '^([^,]+),([^,]+)$')
    hlat, hlon = tonumber(hlat), tonumber(hlon)
    local k = math.pi / 180
    local dlat = math.sin((lat - hlat) * k / 2)
    local dlon = math.sin((lon - hlon) * k / 2)
    local y = dlat * dlat + math.cos(hlat * k) * math.cos(lat * k) * dlon * dlon
    if 2 * math.asin(math.sqrt(y)) * 6371007.2 < tonumber(ARGV[4]) then
        return 0
    end
end
redis.call('SET', KEYS[1], ARGV[2] .. ',' .. ARGV[3], 'PX', ARGV[1])
return 1
)lua";
    const bool sent = m_commands.command(
        {"EVAL", script, "1", (m_options.claimKeyPrefix + key).toUtf8(),
         QByteArray::number(std::max<qint64>(1, ttlMs)), QByteArray::number(latitude, 'g', 17),
         QByteArray::number(longitude, 'g', 17), QByteArray::number(metres, 'g', 17)},
        [done](const redisReply *reply) {
            // No answer or an error: this hub decides alone, as without Redis.
            done(!reply || reply->type != REDIS_REPLY_INTEGER || reply->integer != 0);
        });
    if (!sent)
        done(true);
}

void RedisStreamsCluster::whenReadUpTo(const QString &id, std::function<void()> run)
{
    if (!isConnected() || !entryIdLess(m_readFrom, id))
        return run();
    m_readHooks.push_back(ReadHook{id, std::move(run)});
}

void RedisStreamsCluster::runReadHooks(bool all)
{
    std::vector<ReadHook> due;
    std::erase_if(m_readHooks, [&](ReadHook &hook) {
        if (!all && entryIdLess(m_readFrom, hook.at))
            return false;
        due.push_back(std::move(hook));
        return true;
    });
    for (ReadHook &hook : due)
        hook.run();
}

bool RedisStreamsCluster::entryIdLess(QStringView a, QStringView b)
{
    return splitId(a) < splitId(b);
}

// --- RedisStreamsAdapter ---------------------------------------------------------------------

struct RestoreState
{
    Adapter::Restored done;
    QString pid;
    QByteArray blob;
    qint64 ttlMs = 0;
    SessionState session;
    QString cursor; // the last entry id read
    int pages = 0;
    QList<QByteArray> missed;
};

RedisStreamsAdapter::RedisStreamsAdapter(RedisStreamsCluster &cluster, Namespace &nsp)
    : m_cluster(cluster)
    , m_nsp(nsp)
{
    m_cluster.m_adapters.insert(nsp.name(), this);
    m_refreshTimer.callOnTimeout([this] { refreshLiveSessions(); });
    m_refreshTimer.start(m_cluster.options().liveSessionRefreshMs);
}

RedisStreamsAdapter::~RedisStreamsAdapter()
{
    *m_alive = false;
    m_cluster.m_adapters.remove(m_nsp.name());
}

void RedisStreamsAdapter::broadcast(const Audience &audience, const QString &event,
                                    const QByteArray &json, Deliver deliver)
{
    auto waiting = std::make_shared<Waiting>();
    waiting->deliver = std::move(deliver);
    waiting->atMs = m_cluster.m_clock.elapsed();
    m_waiting.push_back(waiting);
    RedisConnection &redis = m_cluster.m_commands;
    const auto &options = m_cluster.options();
    if (m_cluster.isConnected() && redis.pending() < options.maxPendingPublishes) {
        waiting->awaitsReadBack = true;
        const bool sent = redis.command(
            {"XADD", options.streamName.toUtf8(), "MAXLEN", "~", QByteArray::number(options.maxLen),
             "*", "uid", m_cluster.uid().toLatin1(), "nsp", m_nsp.name().toUtf8(), "type", "3",
             "data", streamentry::broadcastData(audience, event, json, m_nsp.name())},
            [this, alive = m_alive, waiting](const redisReply *reply) {
                if (!*alive || waiting->ready)
                    return;
                if (isText(reply)) {
                    // It goes out when read back; this id only if Redis goes away before.
                    waiting->offset = replyText(reply);
                    return;
                }
                // Refused, or the connection ended: no entry will be read back.
                waiting->awaitsReadBack = false;
                waiting->ready = true;
                flush();
            });
        if (sent)
            return;
        waiting->awaitsReadBack = false;
    } else if (m_cluster.isConnected()) {
        if (!m_overflowLogged) {
            m_overflowLogged = true;
            qCWarning(lcCluster) << "redis answers too slowly:" << redis.pending()
                                 << "commands unanswered; dropping the connection";
        }
        QMetaObject::invokeMethod(
            &m_cluster,
            [cluster = &m_cluster] {
                if (cluster->isConnected())
                    cluster->connectionLost(QStringLiteral("too many commands unanswered"));
            },
            Qt::QueuedConnection);
    }
    // Without Redis the event reaches this hub's sockets alone, with no offset to recover from.
    waiting->ready = true;
    flush();
}

void RedisStreamsAdapter::onOwnEntry(const QString &id)
{
    // Entries come back in the order they were added, which is the order they were sent.
    for (const std::shared_ptr<Waiting> &waiting : m_waiting) {
        if (waiting->awaitsReadBack && !waiting->ready) {
            waiting->offset = id;
            waiting->ready = true;
            break;
        }
    }
    flush();
}

void RedisStreamsAdapter::drain()
{
    for (const std::shared_ptr<Waiting> &waiting : m_waiting)
        waiting->ready = true;
    flush();
}

qint64 RedisStreamsAdapter::oldestWaitMs(qint64 nowMs) const
{
    return m_waiting.empty() ? 0 : nowMs - m_waiting.front()->atMs;
}

void RedisStreamsAdapter::flush()
{
    if (m_flushing)
        return; // the outer loop sends what became ready meanwhile
    m_flushing = true;
    while (!m_waiting.empty() && m_waiting.front()->ready) {
        const std::shared_ptr<Waiting> next = std::move(m_waiting.front());
        m_waiting.pop_front();
        next->deliver(m_nsp.options().recovery ? next->offset : std::nullopt);
    }
    m_flushing = false;
    if (m_waiting.empty() && m_cluster.isConnected())
        m_overflowLogged = false;
}

void RedisStreamsAdapter::keep(const SessionState &state, qint64 ttlMs)
{
    SessionState kept = state;
    // socket.io keeps the socket's own room with the others.
    if (!kept.rooms.contains(kept.sid))
        kept.rooms.prepend(kept.sid);
    m_cluster.m_commands.command(
        {"SET", (m_cluster.options().sessionKeyPrefix + state.pid).toUtf8(),
         streamentry::encodeSession(kept), "PX", QByteArray::number(ttlMs)});
}

void RedisStreamsAdapter::persistSession(const SessionState &state)
{
    if (!m_cluster.isConnected())
        qCDebug(lcCluster) << "redis is unreachable: a dropped session is not kept";
    keep(state, m_nsp.options().maxDisconnectionMs);
}

void RedisStreamsAdapter::sessionOpened(const SessionState &state)
{
    keep(state, m_nsp.options().maxDisconnectionMs + m_cluster.options().liveSessionRefreshMs);
}

void RedisStreamsAdapter::sessionEnded(const QString &pid)
{
    m_cluster.m_commands.command({"DEL", (m_cluster.options().sessionKeyPrefix + pid).toUtf8()});
}

void RedisStreamsAdapter::refreshLiveSessions()
{
    if (!m_cluster.isConnected())
        return;
    for (const SessionState &state : m_nsp.liveSessions())
        sessionOpened(state);
}

void RedisStreamsAdapter::restoreSession(const QString &pid, const QString &offset, Restored done)
{
    RedisConnection &redis = m_cluster.m_commands;
    if (!redis.isConnected() || !streamentry::isEntryId(offset))
        return done(std::nullopt);
    auto state = std::make_shared<RestoreState>();
    state->done = std::move(done);
    state->pid = pid;
    state->cursor = offset;
    const QByteArray key = (m_cluster.options().sessionKeyPrefix + pid).toUtf8();
    const QByteArray stream = m_cluster.options().streamName.toUtf8();
    // As the adapter does: take the session (GET and DEL in one transaction) and check that the
    // client's offset is still in the stream. PTTL lets a session be put back as it was.
    auto failed = [state] {
        if (state->done)
            std::exchange(state->done, {})(std::nullopt);
    };
    redis.command({"MULTI"});
    redis.command({"GET", key});
    redis.command({"PTTL", key});
    redis.command({"DEL", key});
    redis.command({"EXEC"}, [alive = m_alive, state, failed](const redisReply *reply) {
        if (!*alive)
            return;
        if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
            !isText(reply->element[0]))
            return failed();
        state->blob = replyBytes(reply->element[0]).toByteArray();
        state->ttlMs =
            reply->element[1]->type == REDIS_REPLY_INTEGER ? qint64(reply->element[1]->integer) : 0;
    });
    const bool sent =
        redis.command({"XRANGE", stream, offset.toLatin1(), offset.toLatin1()},
                      [this, alive = m_alive, state, failed](const redisReply *reply) {
                          if (!*alive || !state->done)
                              return;
                          const bool offsetKnown =
                              reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1;
                          const auto session = streamentry::decodeSession(state->blob);
                          if (!offsetKnown || !session || session->pid != state->pid)
                              return failed();
                          state->session = *session;
                          scan(state);
                      });
    if (!sent)
        failed();
}

void RedisStreamsAdapter::scan(std::shared_ptr<RestoreState> state)
{
    constexpr int kPage = 1000;
    constexpr int kMaxPages = 100; // as the adapter: a stream that grows faster is not chased
    const bool sent = m_cluster.m_commands.command(
        {"XRANGE", m_cluster.options().streamName.toUtf8(),
         streamentry::nextEntryId(state->cursor).toLatin1(), "+", "COUNT",
         QByteArray::number(kPage)},
        [this, alive = m_alive, state](const redisReply *reply) {
            if (!*alive)
                return;
            if (!reply || reply->type != REDIS_REPLY_ARRAY)
                return std::exchange(state->done, {})(std::nullopt);
            const QByteArray nsp = m_nsp.name().toUtf8();
            for (size_t i = 0; i < reply->elements; ++i) {
                const auto entry = entryOf(reply->element[i]);
                if (!entry)
                    continue;
                state->cursor = entry->id;
                if (entry->nsp != QByteArrayView(nsp) || entry->type != "3")
                    continue;
                const auto data = streamentry::decodeData(entry->data);
                const auto broadcast =
                    data ? streamentry::decodeBroadcast(*data, m_nsp.name()) : std::nullopt;
                // Binary events are not replayed: a replay is text messages only.
                if (!broadcast || !broadcast->keepsOffset || !broadcast->packet.buffers.isEmpty() ||
                    !reaches(state->session.rooms, broadcast->audience.rooms,
                             broadcast->audience.except))
                    continue;
                state->missed.append(engineio::encodeMessage(
                    socketio::encode(streamentry::withOffset(broadcast->packet, entry->id))));
            }
            ++state->pages;
            // Entries this hub's reader already sent to the rooms (the socket was not in them yet)
            // are replayed too: scan on until the replay reaches the reader.
            const bool readerAhead =
                m_cluster.isConnected() &&
                RedisStreamsCluster::entryIdLess(state->cursor, m_cluster.m_readFrom);
            if ((reply->elements == size_t(kPage) || readerAhead) && state->pages < kMaxPages)
                return scan(state);
            auto finish = [alive = m_alive, state] {
                if (!*alive || !state->done)
                    return;
                RestoredSession restored{state->session, std::move(state->missed),
                                         state->blob + ' ' + QByteArray::number(state->ttlMs)};
                std::exchange(state->done, {})(std::move(restored));
            };
            // And the socket joins its rooms right when the reader passes the replay's last
            // entry: what comes after goes to it live, nothing twice.
            m_cluster.whenReadUpTo(state->cursor, std::move(finish));
        });
    if (!sent && state->done)
        std::exchange(state->done, {})(std::nullopt);
}

void RedisStreamsAdapter::returnSession(const RestoredSession &session)
{
    const qsizetype space = session.token.lastIndexOf(' ');
    const qint64 ttlMs = session.token.mid(space + 1).toLongLong();
    if (space < 0 || ttlMs <= 0)
        return;
    m_cluster.m_commands.command(
        {"SET", (m_cluster.options().sessionKeyPrefix + session.state.pid).toUtf8(),
         session.token.left(space), "PX", QByteArray::number(ttlMs)});
}

void RedisStreamsAdapter::onEntry(const QString &id, int type, QByteArrayView field)
{
    const auto data = streamentry::decodeData(field);
    if (!data) {
        qCDebug(lcCluster) << "an entry in a format Depot does not read:" << id;
        return;
    }
    const QJsonObject body = data->value.toObject();
    switch (streamentry::Type(type)) {
    case streamentry::Type::Broadcast: {
        const auto broadcast = streamentry::decodeBroadcast(*data, m_nsp.name());
        if (!broadcast)
            return;
        const std::optional<QString> offset =
            m_nsp.options().recovery && broadcast->keepsOffset ? std::optional(id) : std::nullopt;
        const socketio::Packet packet = streamentry::withOffset(broadcast->packet, offset);
        if (packet.buffers.isEmpty())
            m_nsp.deliver(broadcast->audience, engineio::encodeMessage(socketio::encode(packet)));
        else
            m_nsp.deliverPacket(broadcast->audience, packet);
        break;
    }
    case streamentry::Type::SocketsJoin:
    case streamentry::Type::SocketsLeave: {
        const auto audience = streamentry::decodeOptions(body.value(QLatin1String("opts")));
        QStringList rooms;
        for (const QJsonValue &room : body.value(QLatin1String("rooms")).toArray())
            rooms.append(room.toString());
        if (audience)
            m_nsp.joinRooms(*audience, rooms, type == int(streamentry::Type::SocketsJoin));
        break;
    }
    case streamentry::Type::DisconnectSockets: {
        const auto audience = streamentry::decodeOptions(body.value(QLatin1String("opts")));
        if (audience)
            m_nsp.disconnectSockets(*audience, body.value(QLatin1String("close")).toBool());
        break;
    }
    default:
        break; // heartbeats and requests that go over pub/sub are not for this hub
    }
}

} // namespace depot
