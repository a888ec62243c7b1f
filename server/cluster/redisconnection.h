#pragma once

#include "redisurl.h"

#include <QByteArrayList>
#include <QObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <functional>

struct redisAsyncContext;
struct redisReply;

namespace depot {

/// One asynchronous connection to Redis (hiredis) on the Qt event loop: commands are pipelined,
/// replies come back in order. It does not reconnect by itself.
class RedisConnection : public QObject
{
    Q_OBJECT

public:
    RedisConnection(RedisUrl url, int connectTimeoutMs, QObject *parent = nullptr);
    ~RedisConnection() override;

    /// Starts connecting (AUTH and SELECT as the URL asks); connected() or disconnected() follow.
    void open();
    /// Drops the connection: pending commands get a null reply, then disconnected().
    void close();
    bool isConnected() const { return m_connected; }
    /// Commands sent and not yet answered.
    int pending() const { return m_pending; }

    /// The reply, or nullptr when the connection ended before it came.
    using Reply = std::function<void(const redisReply *reply)>;
    /// Sends a command; false (and no reply) when not connected.
    bool command(const QByteArrayList &args, Reply reply = {});

Q_SIGNALS:
    void connected();
    void disconnected(const QString &error);

private:
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *data);
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);
    void ended(QString error);
    void dropNotifiers();

    RedisUrl m_url;
    int m_connectTimeoutMs;
    redisAsyncContext *m_context = nullptr;
    // hiredis's own adapters/qt.h needs moc run on a system header: these notifiers do its job.
    QPointer<QSocketNotifier> m_read;
    QPointer<QSocketNotifier> m_write;
    QTimer m_connectTimer;
    bool m_connected = false;
    bool m_destroying = false;
    bool m_writing = false;
    bool m_inReply = false;
    QString m_refusal; // why the server refused AUTH or SELECT
    int m_pending = 0;
};

} // namespace depot
