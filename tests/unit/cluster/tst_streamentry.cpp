#include "cluster/redisurl.h"
#include "cluster/streamentry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace depot;
namespace se = depot::streamentry;

// Reference bytes written by @msgpack/msgpack 2.8.0 and JSON.stringify, as
// @socket.io/redis-streams-adapter 0.3.1 writes them under socket.io 4.8.4.
static const QByteArray kNodeSession =
    "hKNzaWSjYWJjo3BpZKNkZWalcm9vbXOSo2FiY6tkaXNwYXRjaGVyc6RkYXRhgalwcmluY2lwYWytZGlzcGF0Y2hlcj"
    "p1MQ==";
static const QByteArray kNodeSessionWithoutData = "hKNzaWSiczGjcGlkonAxpXJvb21zkaJzMaRkYXRhgA==";
// {packet:{type:2,data:["file",Buffer[1,2,3],{n:-5,f:1.5}],nsp:"/"},
//  opts:{rooms:["r1"],except:["r2"],flags:{}}}
static const QByteArray kNodeBinaryBroadcast =
    "gqZwYWNrZXSDpHR5cGUCpGRhdGGTpGZpbGXEAwECA4KhbvuhZss/+AAAAAAAAKNuc3ChL6RvcHRzg6Vyb29tc5GicjGm"
    "ZXhjZXB0kaJyMqVmbGFnc4A=";
static const QByteArray kNodeBroadcastJson =
    R"({"packet":{"type":2,"data":["package:update",{"a":1,"é":"ü"}],"nsp":"/"},)"
    R"("opts":{"rooms":["dispatchers"],"except":[],"flags":{}}})";

class TestStreamEntry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void broadcastIsWrittenAsNodeWritesIt()
    {
        const QByteArray data = se::broadcastData(Audience{{QStringLiteral("dispatchers")}, {}},
                                                  u"package:update", R"({"a":1,"é":"ü"})", u"/");
        QCOMPARE(data, kNodeBroadcastJson);
        const QByteArray withExcept =
            se::broadcastData(Audience{{}, {QStringLiteral("x\"y")}}, u"ping", {}, u"/admin");
        QCOMPARE(withExcept,
                 QByteArray(R"({"packet":{"type":2,"data":["ping"],"nsp":"/admin"},)"
                            "\"opts\":{\"rooms\":[],\"except\":[\"x\\\"y\"],\"flags\":{}}}"));
    }

    void nodeJsonBroadcastIsRead()
    {
        const auto data = se::decodeData(kNodeBroadcastJson);
        QVERIFY(data);
        const auto broadcast = se::decodeBroadcast(*data, u"/");
        QVERIFY(broadcast);
        QCOMPARE(broadcast->audience.rooms, QStringList{QStringLiteral("dispatchers")});
        QVERIFY(broadcast->audience.except.isEmpty());
        QCOMPARE(broadcast->packet.type, socketio::Type::Event);
        QCOMPARE(broadcast->packet.event(), QStringLiteral("package:update"));
        QVERIFY(broadcast->keepsOffset);
        const socketio::Packet sent = se::withOffset(broadcast->packet, QStringLiteral("17-3"));
        QCOMPARE(socketio::encode(sent),
                 QByteArray(R"(2["package:update",{"a":1,"é":"ü"},"17-3"])"));
    }

    void nodeMsgpackBroadcastWithBinaryIsRead()
    {
        const auto data = se::decodeData(kNodeBinaryBroadcast);
        QVERIFY(data);
        const auto broadcast = se::decodeBroadcast(*data, u"/");
        QVERIFY(broadcast);
        QCOMPARE(broadcast->audience.rooms, QStringList{QStringLiteral("r1")});
        QCOMPARE(broadcast->audience.except, QStringList{QStringLiteral("r2")});
        QCOMPARE(broadcast->packet.type, socketio::Type::BinaryEvent);
        QCOMPARE(broadcast->packet.buffers, QList<QByteArray>{QByteArray("\x01\x02\x03", 3)});
        QCOMPARE(socketio::encode(broadcast->packet),
                 QByteArray(R"(51-["file",{"_placeholder":true,"num":0},{"f":1.5,"n":-5}])"));
    }

    void volatileAndAckedBroadcastsKeepNoOffset()
    {
        auto decoded = [](const char *json) {
            return se::decodeBroadcast(*se::decodeData(QByteArray(json)), u"/");
        };
        QVERIFY(!decoded(R"({"packet":{"type":2,"data":["e"],"nsp":"/"},)"
                         R"("opts":{"rooms":[],"except":[],"flags":{"volatile":true}}})")
                     ->keepsOffset);
        QVERIFY(!decoded(R"({"packet":{"type":2,"data":["e"],"nsp":"/","id":4},)"
                         R"("opts":{"rooms":[],"except":[],"flags":{}}})")
                     ->keepsOffset);
    }

    void malformedEntriesAreRefused()
    {
        QVERIFY(!se::decodeData("{not json"));
        QVERIFY(!se::decodeData("***"));
        QVERIFY(!se::decodeData(QByteArray("\xc1").toBase64())); // a reserved msgpack byte
        for (const char *json :
             {R"({"packet":{"type":2,"data":[],"nsp":"/"},"opts":{}})",
              R"({"packet":{"type":3,"data":["e"],"nsp":"/"},"opts":{}})",
              R"({"packet":{"type":2,"data":[1],"nsp":"/"},"opts":{}})",
              R"({"packet":{"type":2,"data":["e"],"nsp":"/"},"opts":{"rooms":[1]}})",
              R"({"packet":{"type":2,"data":["e"],"nsp":"/"}})"})
            QVERIFY2(!se::decodeBroadcast(*se::decodeData(QByteArray(json)), u"/"), json);
        // Deeper than any cluster message: refused, not recursed into.
        QByteArray deep(200, '\x91');
        deep.append('\xc0');
        QVERIFY(!se::fromMsgpack(deep));
    }

    void sessionIsTheBlobNodeWrites()
    {
        const SessionState state{QStringLiteral("abc"),
                                 QStringLiteral("def"),
                                 {QStringLiteral("abc"), QStringLiteral("dispatchers")},
                                 QStringLiteral("dispatcher:u1")};
        QCOMPARE(se::encodeSession(state), kNodeSession);
        const auto decoded = se::decodeSession(kNodeSession);
        QVERIFY(decoded);
        QCOMPARE(decoded->sid, state.sid);
        QCOMPARE(decoded->pid, state.pid);
        QCOMPARE(decoded->rooms, state.rooms);
        QCOMPARE(decoded->principalKey, state.principalKey);

        const auto fromNode = se::decodeSession(kNodeSessionWithoutData);
        QVERIFY(fromNode);
        QCOMPARE(fromNode->sid, QStringLiteral("s1"));
        QVERIFY(fromNode->principalKey.isEmpty());
        QCOMPARE(se::encodeSession(*fromNode), kNodeSessionWithoutData);

        QVERIFY(!se::decodeSession("not base64 at all!"));
        QVERIFY(!se::decodeSession(se::toMsgpack(QJsonObject{{"sid", 1}}).toBase64()));
    }

    void msgpackRoundTrips()
    {
        const QJsonValue value = QJsonObject{{"i", 300},
                                             {"neg", -70000},
                                             {"f", 0.25},
                                             {"s", QString(300, QLatin1Char('x'))},
                                             {"a", QJsonArray{true, false, QJsonValue::Null}},
                                             {"o", QJsonObject{}}};
        const auto back = se::fromMsgpack(se::toMsgpack(value));
        QVERIFY(back);
        QCOMPARE(back->value, value);
    }

    void offsetsAreEntryIds()
    {
        QVERIFY(se::isEntryId(u"1733241600000-0"));
        QVERIFY(!se::isEntryId(u"abc-1"));
        QVERIFY(!se::isEntryId(u"1-"));
        QVERIFY(!se::isEntryId(u"1-2-3"));
        QCOMPARE(se::nextEntryId(u"1733241600000-9"), QStringLiteral("1733241600000-10"));
    }

    void redisUrls()
    {
        QString error;
        const auto plain = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:6380"));
        QVERIFY(plain);
        QCOMPARE(plain->host, QStringLiteral("127.0.0.1"));
        QCOMPARE(plain->port, 6380);
        QVERIFY(plain->password.isEmpty());
        QCOMPARE(plain->db, 0);
        const auto full = RedisUrl::parse(QStringLiteral("redis://:s%40cret@redis.lan/3"));
        QVERIFY(full);
        QCOMPARE(full->port, 6379);
        QCOMPARE(full->password, QStringLiteral("s@cret"));
        QCOMPARE(full->db, 3);
        QCOMPARE(full->displayName(), QStringLiteral("redis.lan:6379"));
        const auto user = RedisUrl::parse(QStringLiteral("redis://depot:pw@[::1]:7000"));
        QVERIFY(user);
        QCOMPARE(user->user, QStringLiteral("depot"));
        QCOMPARE(user->displayName(), QStringLiteral("[::1]:7000"));
        for (const char *bad : {"", "127.0.0.1:6379", "http://h:1", "redis://", "redis://h:0",
                                "redis://h:70000", "redis://h/x", "redis://h/-1", "redis://h/?a=1"})
            QVERIFY2(!RedisUrl::parse(QString::fromLatin1(bad), &error), bad);
    }
};

QTEST_GUILESS_MAIN(TestStreamEntry)
#include "tst_streamentry.moc"
