#include "protocol/socketio.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace depot::socketio;

namespace {

QJsonValue json(const char *text)
{
    // Wrapped so that scalars parse too.
    return QJsonDocument::fromJson(QByteArray("[") + text + "]").array().first();
}

Packet packet(Type type, const char *data = nullptr, const QString &nsp = QStringLiteral("/"),
              std::optional<quint64> ackId = {}, QList<QByteArray> buffers = {})
{
    Packet p;
    p.type = type;
    p.nsp = nsp;
    p.ackId = ackId;
    p.data = data ? json(data) : QJsonValue(QJsonValue::Undefined);
    p.buffers = std::move(buffers);
    return p;
}

Decoder::Options fromServer()
{
    Decoder::Options o;
    o.from = Decoder::Peer::Server;
    return o;
}

// A sequence step: 't' + text packet, or 'b' + binary frame.
Decoder::Result feed(Decoder &d, const QByteArray &step)
{
    return step.startsWith('b') ? d.decodeBinary(step.mid(1)) : d.decodeText(step.mid(1));
}

} // namespace

/// Socket.IO v5 codecs: the encoder's exact bytes and the decoder's strictness.
class TestSocketIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encode_data();
    void encode();
    void encodeEvent_data();
    void encodeEvent();
    void encodeEventArgs();
    void serverPackets_data();
    void serverPackets();
    void makeEventWithBinary();
    void placeholders();
    void packetAccessors();
    void reservedNames();
    void decode_data();
    void decode();
    void roundTrip_data();
    void roundTrip();
    void decodeInvalid_data();
    void decodeInvalid();
    void sequence_data();
    void sequence();
    void limits();
    void peekEvent_data();
    void peekEvent();
    void encodeAckJson();
    void deepNesting();
    void garbageNeverCrashes();
};

void TestSocketIo::encode_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<QByteArray>("expected");

    const QList<QByteArray> one{QByteArray("\x01\x02", 2)};
    const QList<QByteArray> two{"a", "b"};
    QTest::newRow("connect auth") << packet(Type::Connect, R"({"token":"x"})")
                                  << QByteArray(R"(0{"token":"x"})");
    QTest::newRow("connect bare") << packet(Type::Connect) << QByteArray("0");
    QTest::newRow("connect nsp") << packet(Type::Connect, nullptr, "/admin")
                                 << QByteArray("0/admin,");
    QTest::newRow("connect nsp auth")
        << packet(Type::Connect, R"({"a":1})", "/admin") << QByteArray(R"(0/admin,{"a":1})");
    QTest::newRow("disconnect") << packet(Type::Disconnect) << QByteArray("1");
    QTest::newRow("disconnect nsp")
        << packet(Type::Disconnect, nullptr, "/admin") << QByteArray("1/admin,");
    QTest::newRow("event") << packet(Type::Event, R"(["event",{"a":1}])")
                           << QByteArray(R"(2["event",{"a":1}])");
    QTest::newRow("event ack") << packet(Type::Event, R"(["event"])", "/", 12)
                               << QByteArray(R"(212["event"])");
    QTest::newRow("event nsp ack") << packet(Type::Event, R"(["event"])", "/admin", 12)
                                   << QByteArray(R"(2/admin,12["event"])");
    QTest::newRow("event ack 0") << packet(Type::Event, R"(["e"])", "/", 0)
                                 << QByteArray(R"(20["e"])");
    QTest::newRow("empty nsp is root")
        << packet(Type::Event, R"(["e"])", "") << QByteArray(R"(2["e"])");
    QTest::newRow("ack") << packet(Type::Ack, "[{}]", "/", 12) << QByteArray("312[{}]");
    QTest::newRow("ack empty") << packet(Type::Ack, "[]", "/", 3) << QByteArray("33[]");
    QTest::newRow("connect error")
        << packet(Type::ConnectError, R"({"message":"Invalid namespace"})", "/random")
        << QByteArray(R"(4/random,{"message":"Invalid namespace"})");
    QTest::newRow("binary event") << packet(Type::BinaryEvent,
                                            R"(["ev",{"_placeholder":true,"num":0}])", "/", {}, one)
                                  << QByteArray(R"(51-["ev",{"_placeholder":true,"num":0}])");
    QTest::newRow("binary event nsp ack")
        << packet(Type::BinaryEvent,
                  R"(["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", "/admin",
                  3, two)
        << QByteArray(
               R"(52-/admin,3["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    QTest::newRow("binary ack") << packet(Type::BinaryAck, R"([{"_placeholder":true,"num":0}])",
                                          "/", 15, one)
                                << QByteArray(R"(61-15[{"_placeholder":true,"num":0}])");
    QTest::newRow("binary no attachments")
        << packet(Type::BinaryEvent, R"(["e"])") << QByteArray(R"(50-["e"])");
    QTest::newRow("null data skipped") << packet(Type::Event, "null") << QByteArray("2");
    QTest::newRow("utf-8") << packet(Type::Event, R"(["é",{"k":"€"}])", "/ü")
                           << QByteArray("2/\xc3\xbc,[\"\xc3\xa9\",{\"k\":\"\xe2\x82\xac\"}]");
    QTest::newRow("numbers") << packet(Type::Event, R"(["n",1,-2,1.5,1e21,0])")
                             << QByteArray(R"(2["n",1,-2,1.5,1e+21,0])");
}

void TestSocketIo::encode()
{
    QFETCH(Packet, packet);
    QFETCH(QByteArray, expected);

    QCOMPARE(depot::socketio::encode(packet), expected);
}

void TestSocketIo::encodeEvent_data()
{
    QTest::addColumn<QString>("event");
    QTest::addColumn<QJsonValue>("payload");
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<QString>("offset"); // null: none
    QTest::addColumn<qint64>("ackId");   // -1: none
    QTest::addColumn<QByteArray>("expected");

    const QJsonValue none(QJsonValue::Undefined);
    QTest::newRow("object") << "package:update" << json(R"({"id":"p1","status":"assigned"})") << "/"
                            << QString() << qint64(-1)
                            << QByteArray(R"(2["package:update",{"id":"p1","status":"assigned"}])");
    QTest::newRow("recovery offset")
        << "package:update" << json(R"({"id":1})") << "/"
        << "MzUPkW0" << qint64(-1) << QByteArray(R"(2["package:update",{"id":1},"MzUPkW0"])");
    QTest::newRow("no payload") << "ping" << none << "/" << QString() << qint64(-1)
                                << QByteArray(R"(2["ping"])");
    QTest::newRow("no payload offset") << "ping" << none << "/"
                                       << "o1" << qint64(-1) << QByteArray(R"(2["ping","o1"])");
    QTest::newRow("null payload") << "x" << QJsonValue() << "/" << QString() << qint64(-1)
                                  << QByteArray(R"(2["x",null])");
    QTest::newRow("integer") << "x" << QJsonValue(5) << "/" << QString() << qint64(-1)
                             << QByteArray(R"(2["x",5])");
    QTest::newRow("double") << "x" << QJsonValue(1.5) << "/" << QString() << qint64(-1)
                            << QByteArray(R"(2["x",1.5])");
    QTest::newRow("big integer") << "x" << QJsonValue(qint64(1) << 53) << "/" << QString()
                                 << qint64(-1) << QByteArray(R"(2["x",9007199254740992])");
    QTest::newRow("string") << "x" << QJsonValue(QStringLiteral("a\"b")) << "/" << QString()
                            << qint64(-1) << QByteArray(R"(2["x","a\"b"])");
    QTest::newRow("bool") << "x" << QJsonValue(false) << "/" << QString() << qint64(-1)
                          << QByteArray(R"(2["x",false])");
    QTest::newRow("array") << "x" << json("[1,[2]]") << "/" << QString() << qint64(-1)
                           << QByteArray(R"(2["x",[1,[2]]])");
    QTest::newRow("nsp") << "x" << QJsonValue(1) << "/admin" << QString() << qint64(-1)
                         << QByteArray(R"(2/admin,["x",1])");
    QTest::newRow("ack id") << "x" << none << "/" << QString() << qint64(7)
                            << QByteArray(R"(27["x"])");
    QTest::newRow("everything") << "x" << QJsonValue(1) << "/a"
                                << "off" << qint64(42) << QByteArray(R"(2/a,42["x",1,"off"])");
    QTest::newRow("escaped name") << "a\"\n"
                                  << none << "/" << QString() << qint64(-1)
                                  << QByteArray(R"(2["a\"\n"])");
    QTest::newRow("utf-8 name") << QStringLiteral("é") << none << "/" << QString() << qint64(-1)
                                << QByteArray("2[\"\xc3\xa9\"]");
}

void TestSocketIo::encodeEvent()
{
    QFETCH(QString, event);
    QFETCH(QJsonValue, payload);
    QFETCH(QString, nsp);
    QFETCH(QString, offset);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, expected);

    const std::optional<QString> off = offset.isNull() ? std::nullopt : std::optional(offset);
    const std::optional<quint64> id = ackId < 0 ? std::nullopt : std::optional(quint64(ackId));
    const QByteArray bytes = depot::socketio::encodeEvent(event, payload, nsp, off, id);
    QCOMPARE(bytes, expected);

    // The fast path writes what the general encoder writes for the same packet.
    QJsonArray args;
    if (!payload.isUndefined())
        args.append(payload);
    if (off)
        args.append(*off);
    QJsonArray data = args;
    data.prepend(event);
    Packet p;
    p.type = Type::Event;
    p.nsp = nsp;
    p.ackId = id;
    p.data = data;
    QCOMPARE(depot::socketio::encode(p), expected);
    if (!payload.isUndefined() || off)
        QCOMPARE(depot::socketio::encodeEventArgs(event, args, nsp, std::nullopt, id), expected);

    // And a client decodes it back to the same packet.
    Decoder decoder(fromServer());
    const Decoder::Result r = decoder.decodeText(bytes);
    QVERIFY2(r.ok(), errorString(r.error));
    QCOMPARE(r.packet->event(), event);
    QCOMPARE(r.packet->arguments(), args);
    QCOMPARE(r.packet->ackId, id);
}

void TestSocketIo::encodeEventArgs()
{
    const QJsonArray args{1, QStringLiteral("two"), QJsonObject{{QStringLiteral("k"), true}}};
    QCOMPARE(depot::socketio::encodeEventArgs(u"ev", args),
             QByteArray(R"(2["ev",1,"two",{"k":true}])"));
    QCOMPARE(depot::socketio::encodeEventArgs(u"ev", {}, u"/n", QStringLiteral("o"), 9),
             QByteArray(R"(2/n,9["ev","o"])"));
    QCOMPARE(depot::socketio::encodeEventArgs(u"ev", {}), QByteArray(R"(2["ev"])"));
}

void TestSocketIo::serverPackets_data()
{
    QTest::addColumn<QByteArray>("actual");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("connect") << encodeConnect(u"/", u"abc") << QByteArray(R"(0{"sid":"abc"})");
    QTest::newRow("connect pid") << encodeConnect(u"/", u"abc", QStringLiteral("p1"))
                                 << QByteArray(R"(0{"sid":"abc","pid":"p1"})");
    QTest::newRow("connect nsp") << encodeConnect(u"/admin", u"abc")
                                 << QByteArray(R"(0/admin,{"sid":"abc"})");
    QTest::newRow("unauthorized")
        << encodeUnauthorized()
        << QByteArray(R"(4{"message":"unauthorized","data":{"code":"unauthorized"}})");
    QTest::newRow("unauthorized nsp")
        << encodeUnauthorized(u"/admin")
        << QByteArray(R"(4/admin,{"message":"unauthorized","data":{"code":"unauthorized"}})");
    QTest::newRow("invalid namespace") << encodeInvalidNamespace(u"/random")
                                       << QByteArray(R"(4/random,{"message":"Invalid namespace"})");
    QTest::newRow("connect error data")
        << encodeConnectError(u"/", u"bad", QJsonValue(QStringLiteral("x")))
        << QByteArray(R"(4{"message":"bad","data":"x"})");
    QTest::newRow("ack") << encodeAck(12, QJsonArray{QJsonObject{}}) << QByteArray("312[{}]");
    QTest::newRow("ack empty") << encodeAck(1) << QByteArray("31[]");
    QTest::newRow("ack nsp") << encodeAck(5, QJsonArray{1, 2}, u"/admin")
                             << QByteArray("3/admin,5[1,2]");
    QTest::newRow("disconnect") << encodeDisconnect() << QByteArray("1");
    QTest::newRow("disconnect nsp") << encodeDisconnect(u"/admin") << QByteArray("1/admin,");
}

void TestSocketIo::serverPackets()
{
    QFETCH(QByteArray, actual);
    QFETCH(QByteArray, expected);

    QCOMPARE(actual, expected);
    // Everything the server sends, a client-side decoder accepts.
    Decoder decoder(fromServer());
    const Decoder::Result r = decoder.decodeText(actual);
    QVERIFY2(r.ok(), errorString(r.error));
    QCOMPARE(depot::socketio::encode(*r.packet).size(), expected.size());
}

void TestSocketIo::makeEventWithBinary()
{
    const QByteArray blob("\x00\x01\x02", 3);
    const Packet p = makeEvent(QStringLiteral("upload"),
                               {blob, QJsonValue(QStringLiteral("meta")), QByteArray("zz")},
                               QStringLiteral("/files"), 4);
    QCOMPARE(p.type, Type::BinaryEvent);
    QCOMPARE(p.buffers, (QList<QByteArray>{blob, "zz"}));
    QCOMPARE(depot::socketio::encode(p),
             QByteArray(R"(52-/files,4["upload",{"_placeholder":true,"num":0},"meta",)"
                        R"({"_placeholder":true,"num":1}])"));

    const Packet ack = makeAck(7, {QJsonValue(true), QByteArray("b")}, QStringLiteral("/n"));
    QCOMPARE(ack.type, Type::BinaryAck);
    QCOMPARE(depot::socketio::encode(ack),
             QByteArray(R"(61-/n,7[true,{"_placeholder":true,"num":0}])"));
    QCOMPARE(depot::socketio::encode(makeAck(7, {})), QByteArray("37[]"));
    QCOMPARE(depot::socketio::encode(makeAck(8, {QJsonValue(1)})), QByteArray("38[1]"));

    const Packet plain = makeEvent(QStringLiteral("x"), {QJsonValue(1)});
    QCOMPARE(plain.type, Type::Event);
    QCOMPARE(depot::socketio::encode(plain), QByteArray(R"(2["x",1])"));

    // What the encoder sends, the decoder puts back together.
    Decoder decoder;
    QVERIFY(decoder.decodeText(depot::socketio::encode(p)).ok());
    QVERIFY(decoder.isPending());
    QVERIFY(decoder.decodeBinary(p.buffers[0]).ok());
    const Decoder::Result r = decoder.decodeBinary(p.buffers[1]);
    QVERIFY(r.ok());
    QCOMPARE(*r.packet, p);
}

void TestSocketIo::placeholders()
{
    QCOMPARE(placeholder(3), json(R"({"_placeholder":true,"num":3})").toObject());
    QList<QByteArray> buffers{"x"};
    QCOMPARE(addAttachment(buffers, "y"), placeholder(1));
    QCOMPARE(buffers.size(), 2);

    QCOMPARE(placeholderIndex(placeholder(2)), std::optional<qsizetype>(2));
    QVERIFY(!placeholderIndex(json(R"({"_placeholder":true,"num":"splice"})")));
    QVERIFY(!placeholderIndex(json(R"({"_placeholder":true,"num":-1})")));
    QVERIFY(!placeholderIndex(json(R"({"_placeholder":true,"num":0.5})")));
    QVERIFY(!placeholderIndex(json(R"({"_placeholder":false,"num":0})")));
    QVERIFY(!placeholderIndex(json(R"({"num":0})")));
    QVERIFY(!placeholderIndex(json("[0]")));
    QVERIFY(!placeholderIndex(QJsonValue(0)));
}

void TestSocketIo::packetAccessors()
{
    const Packet e = packet(Type::Event, R"(["ev",1,{"a":2}])");
    QCOMPARE(e.event(), QStringLiteral("ev"));
    QCOMPARE(e.arguments(), json(R"([1,{"a":2}])").toArray());
    const Packet a = packet(Type::Ack, R"([1,2])", "/", 1);
    QCOMPARE(a.event(), QString());
    QCOMPARE(a.arguments(), json("[1,2]").toArray());
    QCOMPARE(packet(Type::Event, "[]").event(), QString());
    QCOMPARE(packet(Type::Connect).arguments(), QJsonArray());
    QVERIFY(packet(Type::BinaryAck).isBinary());
    QVERIFY(!packet(Type::Ack).isBinary());
}

void TestSocketIo::reservedNames()
{
    for (const char *name : {"connect", "connect_error", "disconnect", "disconnecting", "error",
                             "newListener", "removeListener"})
        QVERIFY2(isReservedEventName(QString::fromLatin1(name)), name);
    for (const char *name : {"Connect", "connected", "message", "ping", "position", ""})
        QVERIFY2(!isReservedEventName(QString::fromLatin1(name)), name);
}

void TestSocketIo::decode_data()
{
    QTest::addColumn<bool>("serverSent");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Packet>("expected");

    QTest::newRow("connect") << false << QByteArray("0") << packet(Type::Connect);
    QTest::newRow("connect auth") << false << QByteArray(R"(0{"token":"x"})")
                                  << packet(Type::Connect, R"({"token":"x"})");
    QTest::newRow("connect recovery")
        << false << QByteArray(R"(0{"pid":"p","offset":"MzUPkW0","token":"t"})")
        << packet(Type::Connect, R"({"pid":"p","offset":"MzUPkW0","token":"t"})");
    QTest::newRow("connect nsp") << false << QByteArray("0/admin,")
                                 << packet(Type::Connect, nullptr, "/admin");
    QTest::newRow("connect nsp without comma")
        << false << QByteArray("0/admin") << packet(Type::Connect, nullptr, "/admin");
    QTest::newRow("connect nsp auth") << false << QByteArray(R"(0/admin,{"token":"x"})")
                                      << packet(Type::Connect, R"({"token":"x"})", "/admin");
    QTest::newRow("root nsp spelled out")
        << false << QByteArray(R"(2/,["e"])") << packet(Type::Event, R"(["e"])");
    QTest::newRow("disconnect") << false << QByteArray("1") << packet(Type::Disconnect);
    QTest::newRow("disconnect nsp")
        << false << QByteArray("1/admin,") << packet(Type::Disconnect, nullptr, "/admin");
    QTest::newRow("event") << false << QByteArray(R"(2["event",{"a":1}])")
                           << packet(Type::Event, R"(["event",{"a":1}])");
    QTest::newRow("event ack") << false << QByteArray(R"(212["event"])")
                               << packet(Type::Event, R"(["event"])", "/", 12);
    QTest::newRow("event nsp ack") << false << QByteArray(R"(2/admin,12["event"])")
                                   << packet(Type::Event, R"(["event"])", "/admin", 12);
    QTest::newRow("ack id leading zero")
        << false << QByteArray(R"(2012["e"])") << packet(Type::Event, R"(["e"])", "/", 12);
    QTest::newRow("ack id 15 digits") << false << QByteArray(R"(2999999999999999["e"])")
                                      << packet(Type::Event, R"(["e"])", "/", 999999999999999);
    QTest::newRow("ack") << false << QByteArray("312[{}]") << packet(Type::Ack, "[{}]", "/", 12);
    QTest::newRow("ack empty") << false << QByteArray("30[]") << packet(Type::Ack, "[]", "/", 0);
    QTest::newRow("ack nsp") << false << QByteArray("3/admin,1[1]")
                             << packet(Type::Ack, "[1]", "/admin", 1);
    QTest::newRow("binary no attachments")
        << false << QByteArray(R"(50-["e"])") << packet(Type::BinaryEvent, R"(["e"])");
    QTest::newRow("utf-8") << false << QByteArray("2/\xc3\xbc,[\"\xc3\xa9\"]")
                           << packet(Type::Event, R"(["é"])", "/ü");
    QTest::newRow("placeholder-like key elsewhere")
        << false << QByteArray(R"(2["e",{"placeholder":1}])")
        << packet(Type::Event, R"(["e",{"placeholder":1}])");
    QTest::newRow("escaped text") << false << QByteArray(R"(2["e","\u00e9"])")
                                  << packet(Type::Event, R"(["e","é"])");
    QTest::newRow("server connect") << true << QByteArray(R"(0{"sid":"s","pid":"p"})")
                                    << packet(Type::Connect, R"({"sid":"s","pid":"p"})");
    QTest::newRow("server connect error")
        << true << QByteArray(R"(4{"message":"unauthorized","data":{"code":"unauthorized"}})")
        << packet(Type::ConnectError,
                  R"({"message":"unauthorized","data":{"code":"unauthorized"}})");
    QTest::newRow("server invalid namespace")
        << true << QByteArray(R"(4/random,{"message":"Invalid namespace"})")
        << packet(Type::ConnectError, R"({"message":"Invalid namespace"})", "/random");
}

void TestSocketIo::decode()
{
    QFETCH(bool, serverSent);
    QFETCH(QByteArray, text);
    QFETCH(Packet, expected);

    Decoder decoder(serverSent ? fromServer() : Decoder::Options{});
    const Decoder::Result r = decoder.decodeText(text);
    QVERIFY2(r.ok(), errorString(r.error));
    QVERIFY(r.packet);
    QCOMPARE(r.packet->type, expected.type);
    QCOMPARE(r.packet->nsp, expected.nsp);
    QCOMPARE(r.packet->ackId, expected.ackId);
    QCOMPARE(r.packet->data, expected.data);
    QCOMPARE(*r.packet, expected);
    QVERIFY(!decoder.isPending());
}

void TestSocketIo::roundTrip_data()
{
    QTest::addColumn<bool>("serverSent");
    QTest::addColumn<Packet>("packet");

    const QList<QByteArray> three{QByteArray("\x00\x01", 2), QByteArray(), QByteArray(300, 'x')};
    QTest::newRow("connect") << false << packet(Type::Connect, R"({"token":"x"})", "/admin");
    QTest::newRow("disconnect") << false << packet(Type::Disconnect, nullptr, "/admin");
    QTest::newRow("event") << false << packet(Type::Event, R"(["e",null,true,[1],{"a":"b"}])");
    QTest::newRow("event ack") << false << packet(Type::Event, R"(["e"])", "/x", 123456789012345);
    QTest::newRow("ack") << false << packet(Type::Ack, R"([{"ok":true}])", "/", 9);
    QTest::newRow("binary event")
        << false
        << packet(Type::BinaryEvent,
                  R"(["up",{"_placeholder":true,"num":2},{"deep":[{"_placeholder":true,"num":0}]},)"
                  R"({"_placeholder":true,"num":1}])",
                  "/files", 1, three);
    QTest::newRow("binary ack") << false
                                << packet(Type::BinaryAck, R"([{"_placeholder":true,"num":0}])",
                                          "/", 2, {QByteArray("b")});
    QTest::newRow("binary reused placeholder")
        << false
        << packet(Type::BinaryEvent,
                  R"(["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])", "/", {},
                  {QByteArray("b")});
    QTest::newRow("connect error") << true << packet(Type::ConnectError, R"({"message":"m"})");
}

void TestSocketIo::roundTrip()
{
    QFETCH(bool, serverSent);
    QFETCH(Packet, packet);

    Decoder decoder(serverSent ? fromServer() : Decoder::Options{});
    Decoder::Result r = decoder.decodeText(depot::socketio::encode(packet));
    for (const QByteArray &buffer : packet.buffers) {
        QVERIFY2(r.ok(), errorString(r.error));
        QVERIFY(!r.packet);
        QVERIFY(decoder.isPending());
        r = decoder.decodeBinary(buffer);
    }
    QVERIFY2(r.ok(), errorString(r.error));
    QVERIFY(r.packet);
    QCOMPARE(*r.packet, packet);
    QVERIFY(!decoder.isPending());
    for (const QJsonValue &arg : r.packet->arguments()) {
        if (const auto index = placeholderIndex(arg))
            QVERIFY(*index < r.packet->buffers.size());
    }
}

void TestSocketIo::decodeInvalid_data()
{
    QTest::addColumn<bool>("serverSent");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Error>("error");

    auto row = [](const char *name, const QByteArray &text, Error error) {
        QTest::newRow(name) << false << text << error;
    };

    // Framing.
    row("empty", "", Error::Empty);
    row("unknown type abc", "abc", Error::UnknownType);
    row("unknown type 7", R"(7["e"])", Error::UnknownType);
    row("unknown type 9", "9", Error::UnknownType);
    row("unknown type space", R"( 2["e"])", Error::UnknownType);
    row("unknown type minus", "-1", Error::UnknownType);

    // Payload shape per type.
    row("event object payload", "2{}", Error::InvalidPayload);
    row("event string payload", R"(2"ev")", Error::InvalidPayload);
    row("event number payload", "2-1", Error::InvalidPayload);
    row("event no payload", "2", Error::InvalidPayload);
    row("event nsp no payload", "2/admin,", Error::InvalidPayload);
    row("event leading space", R"(2 ["e"])", Error::InvalidPayload);
    row("connect array", "0[]", Error::InvalidPayload);
    row("connect string", R"(0"x")", Error::InvalidPayload);
    row("connect null", "0null", Error::InvalidPayload);
    row("connect number", "0/admin,5", Error::InvalidAckId);
    row("disconnect object", "1{}", Error::InvalidPayload);
    row("disconnect array", "1[]", Error::InvalidPayload);
    row("ack object", "31{}", Error::InvalidPayload);
    row("ack object no id", "3{}", Error::InvalidPayload);
    row("ack no payload", "31", Error::InvalidPayload);
    row("binary ack object", "61-1{}", Error::InvalidPayload);

    // Ack ids.
    row("ack id letters", R"(2abc["e"])", Error::InvalidAckId);
    row("ack id then letters", R"(212a["e"])", Error::InvalidAckId);
    row("ack id decimal", R"(21.5["e"])", Error::InvalidAckId);
    row("ack id 16 digits", R"(21234567890123456["e"])", Error::InvalidAckId);
    row("ack id 1000 digits", "2" + QByteArray(1000, '9') + R"(["e"])", Error::InvalidAckId);
    row("ack without id", "3[]", Error::InvalidAckId);
    row("ack without anything", "3", Error::InvalidAckId);
    row("binary ack without id", R"(61-[{"_placeholder":true,"num":0}])", Error::InvalidAckId);
    row("ack id letters on ack", "3x[]", Error::InvalidAckId);
    row("id on connect", "01{}", Error::InvalidAckId);
    row("id on disconnect", "11", Error::InvalidAckId);

    // Namespaces.
    row("nsp without slash", R"(2admin,["e"])", Error::InvalidNamespace);
    row("connect nsp without slash", "0admin,{}", Error::InvalidNamespace);
    row("nsp control char", "2/ad\x01min,[\"e\"]", Error::InvalidNamespace);
    row("nsp nul", QByteArray("2/a\0b,[\"e\"]", 10), Error::InvalidNamespace);
    row("nsp bad utf-8", "2/\xff,[\"e\"]", Error::InvalidNamespace);
    row("nsp truncated utf-8", "0/\xc3,{}", Error::InvalidNamespace);
    row("nsp missing comma", R"(0/admin{"token":"x"})", Error::InvalidNamespace);
    row("nsp missing comma array", R"(2/admin["e"])", Error::InvalidNamespace);

    // JSON.
    row("json trailing comma", R"(2["e",])", Error::InvalidJson);
    row("json unterminated", R"(2["e")", Error::InvalidJson);
    row("json garbage after", R"(2["e"]x)", Error::InvalidJson);
    row("json two documents", R"(2["e"]["f"])", Error::InvalidJson);
    row("json bad object", R"(0{"a":})", Error::InvalidJson);
    row("json single quotes", "2['e']", Error::InvalidJson);
    row("json bad utf-8", "2[\"e\",\"\xff\"]", Error::InvalidJson);
    row("json NaN", R"(2["e",NaN])", Error::InvalidJson);

    // CVE-2023-32695: event names that are not strings.
    row("name object toString", R"(2[{"toString":"foo"}])", Error::InvalidEventName);
    row("name true", R"(2[true,"foo"])", Error::InvalidEventName);
    row("name false", R"(2[false])", Error::InvalidEventName);
    row("name null", "2[null]", Error::InvalidEventName);
    row("name number", R"(2[1,"foo"])", Error::InvalidEventName);
    row("name array", R"(2[["e"]])", Error::InvalidEventName);
    row("name empty string", R"(2[""])", Error::InvalidEventName);
    row("empty event array", "2[]", Error::InvalidEventName);
    row("binary name null", "50-[null]", Error::InvalidEventName);
    row("binary name placeholder", R"(51-[{"_placeholder":true,"num":0}])",
        Error::InvalidEventName);

    // CVE-2024-38355: reserved event names from a client.
    row("reserved connect", R"(2["connect"])", Error::ReservedEventName);
    row("reserved connect_error", R"(2["connect_error"])", Error::ReservedEventName);
    row("reserved disconnect", R"(2["disconnect"])", Error::ReservedEventName);
    row("reserved disconnecting", R"(2["disconnecting"])", Error::ReservedEventName);
    row("reserved error", R"(2["error"])", Error::ReservedEventName);
    row("reserved newListener", R"(2["newListener"])", Error::ReservedEventName);
    row("reserved removeListener", R"(2["removeListener"])", Error::ReservedEventName);
    row("reserved with nsp and ack", R"(2/admin,7["disconnect",{}])", Error::ReservedEventName);
    row("reserved binary", "50-[\"error\"]", Error::ReservedEventName);
    row("reserved escaped", R"(2["\u0065rror"])", Error::ReservedEventName);

    // CVE-2020-36049 / CVE-2026-33151: attachment counts.
    row("attachments over max", R"(511-["e"])", Error::TooManyAttachments);
    row("attachments 999999", R"(5999999-["e"])", Error::TooManyAttachments);
    row("attachments 7 digits", R"(51000000-["e"])", Error::InvalidAttachments);
    row("attachments thousands of digits", "5" + QByteArray(5000, '9') + R"(-["e"])",
        Error::InvalidAttachments);
    row("attachments letters", R"(5abc-["e"])", Error::InvalidAttachments);
    row("attachments empty", R"(5-["e"])", Error::InvalidAttachments);
    row("attachments no dash", R"(51["e"])", Error::InvalidAttachments);
    row("attachments alone", "5", Error::InvalidAttachments);
    row("attachments plus", R"(5+1-["e"])", Error::InvalidAttachments);
    row("attachments negative", R"(5-1-["e"])", Error::InvalidAttachments);
    row("attachments hex", R"(50x1-["e"])", Error::InvalidAttachments);
    row("binary ack attachments over max", "611-1[]", Error::TooManyAttachments);

    // CVE-2022-2421: placeholders.
    row("placeholder splice", R"(51-["e",{"_placeholder":true,"num":"splice"}])",
        Error::InvalidPlaceholder);
    row("placeholder past count", R"(51-["e",{"_placeholder":true,"num":1}])",
        Error::InvalidPlaceholder);
    row("placeholder negative", R"(51-["e",{"_placeholder":true,"num":-1}])",
        Error::InvalidPlaceholder);
    row("placeholder fraction", R"(52-["e",{"_placeholder":true,"num":0.5}])",
        Error::InvalidPlaceholder);
    row("placeholder huge", R"(51-["e",{"_placeholder":true,"num":1e300}])",
        Error::InvalidPlaceholder);
    row("placeholder no num", R"(51-["e",{"_placeholder":true}])", Error::InvalidPlaceholder);
    row("placeholder null num", R"(51-["e",{"_placeholder":true,"num":null}])",
        Error::InvalidPlaceholder);
    row("placeholder string num", R"(51-["e",{"_placeholder":true,"num":"0"}])",
        Error::InvalidPlaceholder);
    row("placeholder false", R"(51-["e",{"_placeholder":false,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder extra key", R"(51-["e",{"_placeholder":true,"num":0,"x":1}])",
        Error::InvalidPlaceholder);
    row("placeholder toString", R"(51-["e",{"_placeholder":true,"num":0,"toString":1}])",
        Error::InvalidPlaceholder);
    row("placeholder nested splice", R"(51-["e",{"a":[{"_placeholder":true,"num":"splice"}]}])",
        Error::InvalidPlaceholder);
    row("placeholder with zero attachments", R"(50-["e",{"_placeholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder in plain event", R"(2["e",{"_placeholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder in plain ack", R"(31[{"_placeholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder escaped key", R"(2["e",{"\u005fplaceholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder in connect auth", R"(0{"_placeholder":true,"num":0})",
        Error::InvalidPlaceholder);
    // Found by fuzzing: QJsonDocument reads an unknown escape as the character itself, so
    // "_plac\eholder" is "_placeholder", and a plain packet carried a placeholder with no
    // attachment behind it (an ack awaited with emitWithAck would index one out of range).
    row("placeholder unknown escape", R"(2["e",{"_plac\eholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder escaped underscore", R"(2["e",{"\_placeholder":true,"num":0}])",
        Error::InvalidPlaceholder);
    row("placeholder escape in plain ack", R"(31[{"_p\laceholder":true,"num":0}])",
        Error::InvalidPlaceholder);

    // A client may not send CONNECT_ERROR.
    row("connect error from client", R"(4{"message":"x"})", Error::UnexpectedPacket);
    row("connect error bare from client", "4", Error::UnexpectedPacket);
    row("connect error nsp from client", R"(4/admin,{"message":"x"})", Error::UnexpectedPacket);

    QTest::newRow("server connect error array")
        << true << QByteArray("4[]") << Error::InvalidPayload;
    QTest::newRow("server connect error string")
        << true << QByteArray(R"(4"x")") << Error::InvalidPayload;
    QTest::newRow("server connect error empty") << true << QByteArray("4") << Error::InvalidPayload;
    QTest::newRow("server reserved name")
        << true << QByteArray(R"(2["connect"])") << Error::ReservedEventName;
}

void TestSocketIo::decodeInvalid()
{
    QFETCH(bool, serverSent);
    QFETCH(QByteArray, text);
    QFETCH(Error, error);

    Decoder decoder(serverSent ? fromServer() : Decoder::Options{});
    const Decoder::Result r = decoder.decodeText(text);
    QCOMPARE(r.error, error);
    QVERIFY(!r.ok());
    QVERIFY(!r.packet);
    QVERIFY(!decoder.isPending());
    QVERIFY(qstrlen(errorString(r.error)) > 0);

    // The decoder starts clean after an error.
    const Decoder::Result next = decoder.decodeText(R"(2["ok"])");
    QVERIFY(next.ok());
    QCOMPARE(next.packet->event(), QStringLiteral("ok"));
}

void TestSocketIo::sequence_data()
{
    QTest::addColumn<QList<QByteArray>>("steps"); // 't' + text or 'b' + binary frame
    QTest::addColumn<Error>("error");             // of the last step
    QTest::addColumn<int>("packets");             // completed before and at the last step

    const QByteArray header2 =
        R"(t52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])";
    QTest::newRow("two attachments") << QList<QByteArray>{header2, "bA", "bB"} << Error::None << 1;
    QTest::newRow("empty attachment") << QList<QByteArray>{header2, "b", "b"} << Error::None << 1;
    QTest::newRow("header waits") << QList<QByteArray>{header2, "bA"} << Error::None << 0;
    QTest::newRow("two packets in a row")
        << QList<QByteArray>{header2, "bA", "bB", R"(t2["x"])", header2, "b1", "b2"} << Error::None
        << 3;

    // CVE-2022-2421.
    QTest::newRow("binary without header")
        << QList<QByteArray>{"bA"} << Error::UnexpectedBinary << 0;
    QTest::newRow("binary after completion")
        << QList<QByteArray>{header2, "bA", "bB", "bC"} << Error::UnexpectedBinary << 1;
    QTest::newRow("binary after plain event")
        << QList<QByteArray>{R"(t2["x"])", "bA"} << Error::UnexpectedBinary << 1;
    QTest::newRow("binary after zero-attachment header")
        << QList<QByteArray>{R"(t50-["x"])", "bA"} << Error::UnexpectedBinary << 1;
    QTest::newRow("text while pending")
        << QList<QByteArray>{header2, "bA", R"(t2["x"])"} << Error::UnexpectedText << 0;
    QTest::newRow("header while pending")
        << QList<QByteArray>{header2, header2} << Error::UnexpectedText << 0;
    QTest::newRow("binary after failed header")
        << QList<QByteArray>{R"(t51-["e",{"_placeholder":true,"num":"splice"}])", "bA"}
        << Error::UnexpectedBinary << 0;
}

void TestSocketIo::sequence()
{
    QFETCH(QList<QByteArray>, steps);
    QFETCH(Error, error);
    QFETCH(int, packets);

    Decoder decoder;
    Decoder::Result r;
    int completed = 0;
    for (const QByteArray &step : steps) {
        r = feed(decoder, step);
        if (r.packet)
            ++completed;
    }
    QCOMPARE(r.error, error);
    QCOMPARE(completed, packets);
    if (error != Error::None)
        QVERIFY(!decoder.isPending());
    if (error == Error::None && r.packet && r.packet->isBinary()) {
        QCOMPARE(r.packet->attachmentCount(), 2);
        QCOMPARE(r.packet->buffers.first(), steps[steps.size() - 2].mid(1));
    }
}

void TestSocketIo::limits()
{
    // CVE-2020-36048 in Socket.IO terms: text over the size limit.
    Decoder::Options small;
    small.maxPacketSize = 32;
    small.maxAttachments = 2;
    Decoder decoder(small);

    const QByteArray tooLarge = "2[\"" + QByteArray(40, 'x') + "\"]";
    QCOMPARE(decoder.decodeText(tooLarge).error, Error::TooLarge);
    QVERIFY(decoder.decodeText(R"(2["x"])").ok());
    QCOMPARE(decoder.decodeText(R"(53-["e"])").error, Error::TooManyAttachments);

    // Text plus attachments together stay under the limit.
    const QByteArray header = R"(51-["e",{"_placeholder":true,"num":0}])";
    Decoder::Options o;
    o.maxPacketSize = header.size() + 10;
    Decoder big(o);
    QVERIFY(big.decodeText(header).ok());
    QCOMPARE(big.decodeBinary(QByteArray(11, 'x')).error, Error::TooLarge);
    QVERIFY(!big.isPending());
    QVERIFY(big.decodeText(header).ok());
    const Decoder::Result r = big.decodeBinary(QByteArray(10, 'x'));
    QVERIFY(r.ok());
    QVERIFY(r.packet);

    // The default limits match socket.io-parser and maxHttpBufferSize.
    Decoder defaults;
    QCOMPARE(defaults.options().maxAttachments, 10);
    QCOMPARE(defaults.options().maxPacketSize, 1000000);
    QVERIFY(defaults.decodeText(R"(510-["e"])").ok());
    QVERIFY(defaults.isPending());
    defaults.reset();
    QVERIFY(!defaults.isPending());
    QCOMPARE(defaults.decodeBinary("x").error, Error::UnexpectedBinary);
}

void TestSocketIo::deepNesting()
{
    // The JSON parser's nesting limit keeps the placeholder walk's recursion bounded.
    const QByteArray deep = "2[\"e\"," + QByteArray(100000, '[') + QByteArray(100000, ']') + "]";
    Decoder decoder;
    QCOMPARE(decoder.decodeText(deep).error, Error::InvalidJson);

    const QByteArray nested = "51-[\"e\"," + QByteArray(500, '[') +
                              R"({"_placeholder":true,"num":0})" + QByteArray(500, ']') + "]";
    const Decoder::Result r = decoder.decodeText(nested);
    QVERIFY2(r.ok(), errorString(r.error));
    QVERIFY(decoder.isPending());
}

void TestSocketIo::garbageNeverCrashes()
{
    // Truncations, byte flips and random bytes around valid packets: every input decodes or is
    // refused, the decoder never stays pending on an error, and nothing crashes.
    const QList<QByteArray> seeds{
        R"(2/admin,12["event",{"a":[1,2,{"b":null}]},"x"])",
        R"(52-/files,3["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
        R"(0/admin,{"token":"x","pid":"p","offset":"o"})",
        R"(312[{"ok":true}])",
        R"(61-9[{"_placeholder":true,"num":0}])",
    };
    QRandomGenerator rng(20240601);
    int decoded = 0;
    int refused = 0;
    auto check = [&](Decoder &d, const QByteArray &input) {
        const Decoder::Result r = d.decodeText(input);
        if (r.ok()) {
            ++decoded;
            while (d.isPending())
                QVERIFY(d.decodeBinary(QByteArray(3, 'z')).ok() || !d.isPending());
        } else {
            ++refused;
            QVERIFY(!d.isPending());
        }
    };
    for (const QByteArray &seed : seeds) {
        Decoder d;
        for (qsizetype cut = 0; cut <= seed.size(); ++cut)
            check(d, seed.left(cut));
        for (int i = 0; i < 2000; ++i) {
            QByteArray mutated = seed;
            const int flips = 1 + rng.bounded(3);
            for (int f = 0; f < flips; ++f)
                mutated[rng.bounded(int(mutated.size()))] = char(rng.bounded(256));
            check(d, mutated);
        }
    }
    Decoder d;
    for (int i = 0; i < 2000; ++i) {
        QByteArray random(rng.bounded(1, 64), Qt::Uninitialized);
        for (char &c : random)
            c = char(rng.bounded(256));
        check(d, random);
        if (rng.bounded(4) == 0) {
            const Decoder::Result b = d.decodeBinary(random);
            QVERIFY(b.ok() || !d.isPending());
        }
    }
    QVERIFY(decoded > 0);
    QVERIFY(refused > 0);
}

void TestSocketIo::peekEvent_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("plain");
    QTest::addColumn<QByteArray>("nsp");
    QTest::addColumn<qint64>("ackId"); // -1: none
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("rest");

    QTest::newRow("event") << QByteArray("2[\"location:update\",{\"a\":1}]") << true
                           << QByteArray("/") << qint64(-1) << QByteArray("location:update")
                           << QByteArray(",{\"a\":1}]");
    QTest::newRow("with ack") << QByteArray("212[\"x\"]") << true << QByteArray("/") << qint64(12)
                              << QByteArray("x") << QByteArray("]");
    QTest::newRow("namespace and ack")
        << QByteArray("2/admin,7[\"x\",1]") << true << QByteArray("/admin") << qint64(7)
        << QByteArray("x") << QByteArray(",1]");
    QTest::newRow("15-digit ack") << QByteArray("2999999999999999[\"x\"]") << true
                                  << QByteArray("/") << qint64(999999999999999) << QByteArray("x")
                                  << QByteArray("]");
    // Everything else is the decoder's.
    for (const char *text :
         {"2", "2[]", "2[1]", "2{\"a\":1}", "2[\"\"]", "2[\"a\\\"b\"]", "2[\"\xc3\xa9\"]", "2[\"x",
          "21234567890123456[\"x\"]", "2/admin[\"x\"]", "2/ad\tmin,[\"x\"]", "3[\"x\"]",
          "51-[\"x\",{\"_placeholder\":true,\"num\":0}]", "0", "2 [\"x\"]"}) {
        QTest::newRow(text) << QByteArray(text) << false << QByteArray() << qint64(-1)
                            << QByteArray() << QByteArray();
    }
}

void TestSocketIo::peekEvent()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, plain);
    const auto view = depot::socketio::peekEvent(text);
    QCOMPARE(view.has_value(), plain);
    if (!plain)
        return;
    QFETCH(QByteArray, nsp);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, rest);
    QCOMPARE(view->nsp.toByteArray(), nsp);
    QCOMPARE(view->ackId.has_value(), ackId >= 0);
    if (ackId >= 0)
        QCOMPARE(qint64(*view->ackId), ackId);
    QCOMPARE(view->name.toByteArray(), name);
    QCOMPARE(view->rest.toByteArray(), rest);
    // What it recognises, the decoder reads the same way.
    Decoder decoder;
    const auto decoded = decoder.decodeText(text);
    QVERIFY(decoded.ok() && decoded.packet);
    QCOMPARE(decoded.packet->event(), QString::fromLatin1(name));
    QCOMPARE(decoded.packet->nsp, QString::fromLatin1(nsp));
    QCOMPARE(decoded.packet->ackId.has_value(), ackId >= 0);
}

void TestSocketIo::encodeAckJson()
{
    // The same bytes as encodeAck writes from a QJsonArray.
    const QJsonArray args{QJsonObject{{QStringLiteral("ok"), true}}};
    QCOMPARE(depot::socketio::encodeAckJson(5, R"([{"ok":true}])"), encodeAck(5, args));
    QCOMPARE(depot::socketio::encodeAckJson(5, R"([{"ok":true}])", u"/admin"),
             encodeAck(5, args, u"/admin"));
}

QTEST_APPLESS_MAIN(TestSocketIo)
#include "tst_socketio.moc"
