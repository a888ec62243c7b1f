// The Redis Streams adapter against a real redis-server: the entries and session blobs it writes,
// a session restored with the events it missed, and Redis killed and started again.
#include "cluster/redisconnection.h"
#include "cluster/redisstreamsadapter.h"
#include "cluster/streamentry.h"
#include "realtime/namespace.h"
#include "redisserver.h"

#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <hiredis/hiredis.h>

using namespace depot;

namespace {

// A reply as plain data: a string, an integer, a list, or null.
QVariant plain(const redisReply *reply)
{
    if (!reply)
        return {};
    switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        return QByteArray(reply->str, qsizetype(reply->len));
    case REDIS_REPLY_INTEGER:
        return qlonglong(reply->integer);
    case REDIS_REPLY_ARRAY: {
        QVariantList list;
        for (size_t i = 0; i < reply->elements; ++i)
            list.append(plain(reply->element[i]));
        return list;
    }
    default:
        return {};
    }
}

} // namespace

class TestRedisStreams : public QObject
{
    Q_OBJECT

private:
    test::RedisServer m_redis;
    std::unique_ptr<RedisConnection> m_probe;

    QVariant ask(const QByteArrayList &args)
    {
        QVariant answer;
        bool done = false;
        if (!m_probe->command(args, [&](const redisReply *reply) {
                answer = plain(reply);
                done = true;
            }))
            return {};
        if (!QTest::qWaitFor([&] { return done; }, 5000))
            qWarning() << "no answer to" << args;
        return answer;
    }

    std::unique_ptr<RedisConnection> connectProbe()
    {
        auto probe = std::make_unique<RedisConnection>(*RedisUrl::parse(m_redis.url()), 5000);
        QSignalSpy connected(probe.get(), &RedisConnection::connected);
        probe->open();
        connected.wait(5000);
        return probe;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!m_redis.start())
            QSKIP("redis-server is not installed (Debian: redis-server)");
        m_probe = connectProbe();
        QVERIFY(m_probe->isConnected());
    }

    void entriesSessionsAndRecovery()
    {
        RedisStreamsCluster cluster(*RedisUrl::parse(m_redis.url()), {});
        Namespace nsp(QStringLiteral("/"), Namespace::Options{true, 60'000, 1000, false});
        nsp.setAdapter(cluster.adapterFor(nsp));
        cluster.start();
        QTRY_VERIFY_WITH_TIMEOUT(cluster.isConnected(), 5000);

        const QString dispatchers = QStringLiteral("dispatchers");
        nsp.emitEvent(Audience{{dispatchers}, {}}, QStringLiteral("first"), QJsonObject{{"n", 1}});
        nsp.emitEvent(Audience{{QStringLiteral("elsewhere")}, {}}, QStringLiteral("second"),
                      QJsonObject{{"n", 2}});
        nsp.emitEvent(Audience{{dispatchers}, {QStringLiteral("quiet")}}, QStringLiteral("third"),
                      QJsonObject{{"n", 3}});
        QTRY_COMPARE(ask({"XLEN", "socket.io"}).toLongLong(), 3);

        // The entries as the adapter writes them: uid, nsp, type, data.
        const QVariantList entries = ask({"XRANGE", "socket.io", "-", "+"}).toList();
        QCOMPARE(entries.size(), 3);
        const QVariantList first = entries[0].toList();
        QCOMPARE(
            first[1].toList(),
            (QVariantList{QByteArray("uid"), cluster.uid().toLatin1(), QByteArray("nsp"),
                          QByteArray("/"), QByteArray("type"), QByteArray("3"), QByteArray("data"),
                          QByteArray(R"({"packet":{"type":2,"data":["first",{"n":1}],)"
                                     R"("nsp":"/"},"opts":{"rooms":["dispatchers"],)"
                                     R"("except":[],"flags":{}}})")}));
        const QString firstId = QString::fromLatin1(first[0].toByteArray());
        const QString thirdId = QString::fromLatin1(entries[2].toList()[0].toByteArray());

        // A dropped session: kept for the recovery window, in socket.io's blob.
        nsp.adapter()->persistSession(SessionState{QStringLiteral("sid1"),
                                                   QStringLiteral("pid1"),
                                                   {dispatchers},
                                                   QStringLiteral("dispatcher:u1")});
        QTRY_COMPARE(ask({"EXISTS", "sio:session:pid1"}).toLongLong(), 1);
        QCOMPARE(ask({"GET", "sio:session:pid1"}).toByteArray(),
                 streamentry::encodeSession(SessionState{QStringLiteral("sid1"),
                                                         QStringLiteral("pid1"),
                                                         {QStringLiteral("sid1"), dispatchers},
                                                         QStringLiteral("dispatcher:u1")}));
        const qlonglong ttl = ask({"PTTL", "sio:session:pid1"}).toLongLong();
        QVERIFY2(ttl > 50'000 && ttl <= 60'000, QByteArray::number(ttl));

        // Restored from the first event: the third is for its rooms, the second is not.
        std::optional<RestoredSession> restored;
        bool done = false;
        nsp.adapter()->restoreSession(QStringLiteral("pid1"), firstId,
                                      [&](std::optional<RestoredSession> session) {
                                          restored = std::move(session);
                                          done = true;
                                      });
        QTRY_VERIFY(done);
        QVERIFY(restored);
        QCOMPARE(restored->state.sid, QStringLiteral("sid1"));
        QCOMPARE(restored->state.principalKey, QStringLiteral("dispatcher:u1"));
        QCOMPARE(
            restored->missed,
            QList<QByteArray>{QStringLiteral(R"(42["third",{"n":3},"%1"])").arg(thirdId).toUtf8()});
        QCOMPARE(ask({"EXISTS", "sio:session:pid1"}).toLongLong(), 0);

        // Put back, unused: with the time it had left.
        nsp.adapter()->returnSession(*restored);
        QTRY_COMPARE(ask({"EXISTS", "sio:session:pid1"}).toLongLong(), 1);
        QVERIFY(ask({"PTTL", "sio:session:pid1"}).toLongLong() <= ttl);

        // An offset the stream does not hold, or that is no entry id: no session.
        for (const QString &offset : {QStringLiteral("1-0"), QStringLiteral("abc")}) {
            done = false;
            restored.reset();
            nsp.adapter()->restoreSession(QStringLiteral("pid1"), offset,
                                          [&](std::optional<RestoredSession> session) {
                                              restored = std::move(session);
                                              done = true;
                                          });
            QTRY_VERIFY(done);
            QVERIFY2(!restored, qPrintable(offset));
        }
    }

    void redisKilledAndStartedAgain()
    {
        RedisStreamsCluster::Options options;
        options.reconnectMaxMs = 400;
        RedisStreamsCluster cluster(*RedisUrl::parse(m_redis.url()), options);
        Namespace nsp(QStringLiteral("/"), Namespace::Options{true, 60'000, 1000, false});
        nsp.setAdapter(cluster.adapterFor(nsp));
        QSignalSpy changes(&cluster, &RedisStreamsCluster::connectedChanged);
        cluster.start();
        QTRY_VERIFY_WITH_TIMEOUT(cluster.isConnected(), 5000);

        std::vector<std::optional<QString>> delivered;
        auto publish = [&] {
            nsp.adapter()->broadcast(Audience{}, QStringLiteral("e"), "1",
                                     [&](const std::optional<QString> &offset) {
                                         delivered.push_back(offset);
                                         return QByteArray();
                                     });
        };
        publish();
        QTRY_COMPARE(delivered.size(), size_t(1));
        QVERIFY(delivered[0] && streamentry::isEntryId(*delivered[0]));

        m_probe.reset();
        m_redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!cluster.isConnected(), 5000);
        // Down: delivered at once, with no offset; nothing waits for Redis.
        for (int i = 0; i < 1000; ++i)
            publish();
        QCOMPARE(delivered.size(), size_t(1001));
        QVERIFY(!delivered.back());

        QVERIFY(m_redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(cluster.isConnected(), 5000);
        publish();
        QTRY_COMPARE(delivered.size(), size_t(1002));
        QVERIFY(delivered.back() && streamentry::isEntryId(*delivered.back()));
        // Down once, up twice (at the start and when back): no flapping in between.
        QCOMPARE(changes.size(), 3);
        m_probe = connectProbe();
    }
};

QTEST_GUILESS_MAIN(TestRedisStreams)
#include "tst_redisstreams.moc"
