#include "redisconnection.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace depot {

namespace {

struct PendingReply
{
    RedisConnection::Reply reply;
};

} // namespace

RedisConnection::RedisConnection(RedisUrl url, int connectTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_connectTimeoutMs(connectTimeoutMs)
{
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_context && !m_connected) {
            redisAsyncContext *context = std::exchange(m_context, nullptr);
            context->data = nullptr;
            context->ev.data = nullptr;
            dropNotifiers();
            redisAsyncFree(context);
            ended(QStringLiteral("no connection within %1 ms").arg(m_connectTimeoutMs));
        }
    });
}

RedisConnection::~RedisConnection()
{
    m_destroying = true;
    if (m_context) {
        redisAsyncContext *context = std::exchange(m_context, nullptr);
        dropNotifiers();
        context->ev.data = nullptr;
        redisAsyncFree(context); // pending replies are dropped, not called (m_destroying)
    }
}

void RedisConnection::open()
{
    if (m_context)
        return;
    m_connected = false;
    redisAsyncContext *context = redisAsyncConnect(m_url.host.toUtf8().constData(), m_url.port);
    if (!context) {
        ended(QStringLiteral("out of memory"));
        return;
    }
    if (context->err) {
        const QString error = QString::fromLocal8Bit(context->errstr);
        redisAsyncFree(context);
        ended(error);
        return;
    }
    m_context = context;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = &RedisConnection::addRead;
    context->ev.delRead = &RedisConnection::delRead;
    context->ev.addWrite = &RedisConnection::addWrite;
    context->ev.delWrite = &RedisConnection::delWrite;
    context->ev.cleanup = &RedisConnection::cleanup;
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnect);
    m_connectTimer.start(m_connectTimeoutMs);
}

void RedisConnection::close()
{
    if (!m_context)
        return;
    redisAsyncContext *context = std::exchange(m_context, nullptr);
    m_connected = false;
    context->data = this; // pending replies still come, as null replies
    redisAsyncSetDisconnectCallback(context, nullptr);
    dropNotifiers();
    context->ev.data = nullptr;
    redisAsyncFree(context);
    ended(std::exchange(m_refusal, QString()));
}

bool RedisConnection::command(const QByteArrayList &args, Reply reply)
{
    if (!m_context || !m_connected)
        return false;
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(size_t(args.size()));
    lengths.reserve(size_t(args.size()));
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        lengths.push_back(size_t(arg.size()));
    }
    auto *pending = new PendingReply{std::move(reply)};
    if (redisAsyncCommandArgv(m_context, &RedisConnection::onReply, pending, int(argv.size()),
                              argv.data(), lengths.data()) != REDIS_OK) {
        delete pending;
        return false;
    }
    ++m_pending;
    // Written now, not on the next turn of the event loop: an event reaches Redis before the
    // answer that caused it reaches its client, so hubs see cause before effect.
    if (!m_writing && !m_inReply) {
        m_writing = true;
        redisAsyncHandleWrite(m_context);
        m_writing = false;
    }
    return true;
}

void RedisConnection::onReply(redisAsyncContext *context, void *reply, void *data)
{
    auto *pending = static_cast<PendingReply *>(data);
    auto *self = static_cast<RedisConnection *>(context->data);
    if (self && !self->m_destroying) {
        --self->m_pending;
        // Inside hiredis's read: commands sent from here are written when it returns.
        const bool outer = !self->m_inReply;
        self->m_inReply = true;
        if (pending->reply)
            pending->reply(static_cast<const redisReply *>(reply));
        if (outer)
            self->m_inReply = false;
    }
    delete pending;
}

void RedisConnection::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    self->m_connectTimer.stop();
    if (status != REDIS_OK) {
        // hiredis frees the context after this returns.
        self->m_context = nullptr;
        self->dropNotifiers();
        self->ended(QString::fromLocal8Bit(context->errstr));
        return;
    }
    self->m_connected = true;
    const RedisUrl &url = self->m_url;
    auto refused = [self](const char *what) {
        return [self, what](const redisReply *reply) {
            if (reply && reply->type == REDIS_REPLY_ERROR) {
                const QString error = QStringLiteral("%1 refused: %2")
                                          .arg(QLatin1String(what))
                                          .arg(QString::fromUtf8(reply->str, int(reply->len)));
                self->m_refusal = error;
                // Dropped from the event loop, not from inside hiredis's reply.
                QMetaObject::invokeMethod(self, &RedisConnection::close, Qt::QueuedConnection);
            }
        };
    };
    if (!url.password.isEmpty()) {
        QByteArrayList auth{"AUTH"};
        if (!url.user.isEmpty())
            auth.append(url.user.toUtf8());
        auth.append(url.password.toUtf8());
        self->command(auth, refused("AUTH"));
    }
    if (url.db != 0)
        self->command({"SELECT", QByteArray::number(url.db)}, refused("SELECT"));
    Q_EMIT self->connected();
}

void RedisConnection::onDisconnect(const redisAsyncContext *context, int)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self || self->m_destroying)
        return;
    const QString error = context->err ? QString::fromLocal8Bit(context->errstr)
                                       : QStringLiteral("connection closed");
    self->m_context = nullptr;
    self->m_connected = false;
    self->dropNotifiers();
    self->ended(error);
}

void RedisConnection::ended(QString error)
{
    if (error.isEmpty())
        error = QStringLiteral("closed");
    m_connected = false;
    m_connectTimer.stop();
    Q_EMIT disconnected(error);
}

void RedisConnection::dropNotifiers()
{
    for (QPointer<QSocketNotifier> *n : {&m_read, &m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->deleteLater();
        }
        *n = nullptr;
    }
}

void RedisConnection::addRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (!self || self->m_read || !self->m_context)
        return;
    self->m_read = new QSocketNotifier(self->m_context->c.fd, QSocketNotifier::Read, self);
    connect(self->m_read, &QSocketNotifier::activated, self, [self] {
        if (self->m_context)
            redisAsyncHandleRead(self->m_context);
    });
}

void RedisConnection::delRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self && self->m_read) {
        self->m_read->setEnabled(false);
        self->m_read->deleteLater();
        self->m_read = nullptr;
    }
}

void RedisConnection::addWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (!self || !self->m_context)
        return;
    if (self->m_write) {
        self->m_write->setEnabled(true);
        return;
    }
    self->m_write = new QSocketNotifier(self->m_context->c.fd, QSocketNotifier::Write, self);
    connect(self->m_write, &QSocketNotifier::activated, self, [self] {
        if (self->m_context)
            redisAsyncHandleWrite(self->m_context);
    });
}

void RedisConnection::delWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self && self->m_write)
        self->m_write->setEnabled(false);
}

void RedisConnection::cleanup(void *data)
{
    if (auto *self = static_cast<RedisConnection *>(data))
        self->dropNotifiers();
}

} // namespace depot
