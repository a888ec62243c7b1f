#include "protocol/engineio.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace depot::engineio;

namespace {

// Joins packets with the record separator; C string literals cannot hold "\x1e" before a hex
// digit such as '4' or 'b'.
QByteArray joined(const QList<QByteArray> &parts)
{
    return parts.join(RecordSeparator);
}

QList<Packet> packetsOf(const QList<QByteArray> &spec)
{
    // 'b'-prefixed specs are binary messages, others "<type digit><data>".
    QList<Packet> packets;
    for (const QByteArray &s : spec) {
        if (s.startsWith('b'))
            packets.append(Packet::binaryMessage(s.mid(1)));
        else
            packets.append(Packet::text(*typeFromChar(s.front()), s.mid(1)));
    }
    return packets;
}

} // namespace

/// Engine.IO v4 codecs: frames, long-polling payloads, the Open packet and handshake checks.
class TestEngineIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void typeChars();
    void encodeText_data();
    void encodeText();
    void encodeBinaryShares();
    void encodePayload_data();
    void encodePayload();
    void decodeText_data();
    void decodeText();
    void decodeTextMovesWithoutCopy();
    void decodeBinary();
    void decodePayload_data();
    void decodePayload();
    void decodePayloadInvalid_data();
    void decodePayloadInvalid();
    void payloadRoundTrip_data();
    void payloadRoundTrip();
    void openPayload();
    void openPayloadWebSocketOnly();
    void checkQuery_data();
    void checkQuery();
    void checkHandshake_data();
    void checkHandshake();
    void errorBody_data();
    void errorBody();
    void appendJsonString_data();
    void appendJsonString();
};

void TestEngineIo::typeChars()
{
    for (int i = 0; i <= 6; ++i) {
        const auto type = static_cast<Type>(i);
        QCOMPARE(typeChar(type), char('0' + i));
        QCOMPARE(typeFromChar(char('0' + i)), std::optional<Type>(type));
    }
    QVERIFY(!typeFromChar('7'));
    QVERIFY(!typeFromChar('/'));
    QVERIFY(!typeFromChar('b'));
    QVERIFY(!typeFromChar('\0'));
}

void TestEngineIo::encodeText_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("open") << 0 << QByteArray(R"({"sid":"x"})") << QByteArray(R"(0{"sid":"x"})");
    QTest::newRow("close") << 1 << QByteArray() << QByteArray("1");
    QTest::newRow("ping") << 2 << QByteArray() << QByteArray("2");
    QTest::newRow("probe") << 2 << QByteArray("probe") << QByteArray("2probe");
    QTest::newRow("pong probe") << 3 << QByteArray("probe") << QByteArray("3probe");
    QTest::newRow("message") << 4 << QByteArray("hello") << QByteArray("4hello");
    QTest::newRow("socket.io event") << 4 << QByteArray(R"(2["ev"])") << QByteArray(R"(42["ev"])");
    QTest::newRow("upgrade") << 5 << QByteArray() << QByteArray("5");
    QTest::newRow("noop") << 6 << QByteArray() << QByteArray("6");
    QTest::newRow("utf-8") << 4 << QByteArray("h\xc3\xa9") << QByteArray("4h\xc3\xa9");
}

void TestEngineIo::encodeText()
{
    QFETCH(int, type);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, expected);

    QCOMPARE(depot::engineio::encodeText(static_cast<Type>(type), data), expected);
    const Frame frame = encode(Packet::text(static_cast<Type>(type), data));
    QCOMPARE(frame.bytes, expected);
    QVERIFY(!frame.binary);
    if (type == 4)
        QCOMPARE(encodeMessage(data), expected);
}

void TestEngineIo::encodeBinaryShares()
{
    const QByteArray bytes("\x01\x02\x03\x04", 4);
    const Frame frame = encode(Packet::binaryMessage(bytes));
    QVERIFY(frame.binary);
    QCOMPARE(frame.bytes, bytes);
    // A broadcast's attachment goes to every recipient without a copy.
    QCOMPARE(frame.bytes.constData(), bytes.constData());
}

void TestEngineIo::encodePayload_data()
{
    QTest::addColumn<QList<QByteArray>>("packets");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("empty") << QList<QByteArray>{} << QByteArray();
    QTest::newRow("one") << QList<QByteArray>{"4hello"} << QByteArray("4hello");
    QTest::newRow("text and binary")
        << QList<QByteArray>{"4hello", QByteArray("b\x01\x02\x03\x04", 5)}
        << joined({"4hello", "bAQIDBA=="});
    QTest::newRow("three texts") << QList<QByteArray>{"4test1", "4test2", "4test3"}
                                 << joined({"4test1", "4test2", "4test3"});
    QTest::newRow("ping then noop") << QList<QByteArray>{"2", "6"} << joined({"2", "6"});
    QTest::newRow("empty binary") << QList<QByteArray>{"b"} << QByteArray("b");
}

void TestEngineIo::encodePayload()
{
    QFETCH(QList<QByteArray>, packets);
    QFETCH(QByteArray, expected);

    const QList<Packet> list = packetsOf(packets);
    QCOMPARE(depot::engineio::encodePayload(list), expected);

    QList<Frame> frames;
    QByteArray incremental;
    for (const Packet &p : list) {
        frames.append(encode(p));
        appendToPayload(incremental, frames.last());
    }
    QCOMPARE(depot::engineio::encodePayload(frames), expected);
    QCOMPARE(incremental, expected);
}

void TestEngineIo::decodeText_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("data");

    const int ok = int(DecodeError::None);
    QTest::newRow("message") << QByteArray("4hello") << ok << 4 << QByteArray("hello");
    QTest::newRow("empty message") << QByteArray("4") << ok << 4 << QByteArray();
    QTest::newRow("probe") << QByteArray("2probe") << ok << 2 << QByteArray("probe");
    QTest::newRow("pong") << QByteArray("3") << ok << 3 << QByteArray();
    QTest::newRow("upgrade") << QByteArray("5") << ok << 5 << QByteArray();
    QTest::newRow("close") << QByteArray("1") << ok << 1 << QByteArray();
    QTest::newRow("separator kept in data")
        << joined({"4a", "4b"}) << ok << 4 << joined({"a", "4b"});

    const int empty = int(DecodeError::EmptyPacket);
    const int unknown = int(DecodeError::UnknownType);
    QTest::newRow("empty frame") << QByteArray() << empty << 0 << QByteArray();
    QTest::newRow("abc") << QByteArray("abc") << unknown << 0 << QByteArray();
    QTest::newRow("type 7") << QByteArray("7") << unknown << 0 << QByteArray();
    QTest::newRow("type 9") << QByteArray("9x") << unknown << 0 << QByteArray();
    QTest::newRow("b is polling only") << QByteArray("bAQID") << unknown << 0 << QByteArray();
    QTest::newRow("nul") << QByteArray(1, '\0') << unknown << 0 << QByteArray();
    QTest::newRow("space") << QByteArray(" 4") << unknown << 0 << QByteArray();
    QTest::newRow("minus") << QByteArray("-1") << unknown << 0 << QByteArray();
    const int data = int(DecodeError::UnexpectedData);
    QTest::newRow("close with data") << QByteArray("1x") << data << 0 << QByteArray();
    QTest::newRow("upgrade with data") << QByteArray("5probe") << data << 0 << QByteArray();
    QTest::newRow("noop with data") << QByteArray("6:4hello") << data << 0 << QByteArray();
}

void TestEngineIo::decodeText()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, error);
    QFETCH(int, type);
    QFETCH(QByteArray, data);

    const DecodedPacket decoded = depot::engineio::decodeText(frame);
    QCOMPARE(int(decoded.error), error);
    QCOMPARE(decoded.ok(), error == int(DecodeError::None));
    if (!decoded.ok())
        return;
    QCOMPARE(int(decoded.packet.type), type);
    QCOMPARE(decoded.packet.data, data);
    QVERIFY(!decoded.packet.binary);
}

void TestEngineIo::decodeTextMovesWithoutCopy()
{
    QByteArray frame("42[\"position\",{\"lat\":60.0,\"lon\":30.0}]");
    frame.detach();
    const char *begin = frame.constData();
    const DecodedPacket decoded = depot::engineio::decodeText(std::move(frame));
    QVERIFY(decoded.ok());
    QCOMPARE(decoded.packet.data, QByteArray("2[\"position\",{\"lat\":60.0,\"lon\":30.0}]"));
    // The type digit is dropped by moving the begin pointer, not by copying the rest.
    QCOMPARE(decoded.packet.data.constData(), begin + 1);
}

void TestEngineIo::decodeBinary()
{
    const QByteArray bytes("\x00\xff\x1e", 3);
    const Packet p = depot::engineio::decodeBinary(bytes);
    QVERIFY(p.binary);
    QCOMPARE(p.type, Type::Message);
    QCOMPARE(p.data, bytes);
    QCOMPARE(p, Packet::binaryMessage(bytes));
}

void TestEngineIo::decodePayload_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("expected");

    QTest::newRow("one text") << QByteArray("4hello") << QList<QByteArray>{"4hello"};
    QTest::newRow("text and binary")
        << joined({"4hello", "bAQIDBA=="})
        << QList<QByteArray>{"4hello", QByteArray("b\x01\x02\x03\x04")};
    QTest::newRow("pong") << QByteArray("3") << QList<QByteArray>{"3"};
    QTest::newRow("close") << QByteArray("1") << QList<QByteArray>{"1"};
    QTest::newRow("three") << joined({"4a", "4b", "4c"}) << QList<QByteArray>{"4a", "4b", "4c"};
    QTest::newRow("empty messages") << joined({"4", "4"}) << QList<QByteArray>{"4", "4"};
    QTest::newRow("empty binary") << QByteArray("b") << QList<QByteArray>{"b"};
    QTest::newRow("binary alone") << QByteArray("bAQIDBA==")
                                  << QList<QByteArray>{"b\x01\x02\x03\x04"};
    QTest::newRow("binary unpadded 3 bytes")
        << QByteArray("bAQID") << QList<QByteArray>{"b\x01\x02\x03"};
    QTest::newRow("socket.io event")
        << QByteArray(R"(42["ev",{"a":1}])") << QList<QByteArray>{R"(42["ev",{"a":1}])"};
}

void TestEngineIo::decodePayload()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, expected);

    const DecodedPayload decoded = depot::engineio::decodePayload(body);
    QCOMPARE(decoded.error, DecodeError::None);
    QCOMPARE(decoded.packets, packetsOf(expected));
}

void TestEngineIo::decodePayloadInvalid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<DecodeError>("error");

    const auto empty = DecodeError::EmptyPacket;
    const auto unknown = DecodeError::UnknownType;
    const auto base64 = DecodeError::InvalidBase64;
    QTest::newRow("empty body") << QByteArray() << empty;
    QTest::newRow("lone separator") << joined({"", ""}) << empty;
    QTest::newRow("leading separator") << joined({"", "4a"}) << empty;
    QTest::newRow("trailing separator") << joined({"4a", ""}) << empty;
    QTest::newRow("double separator") << joined({"4a", "", "4b"}) << empty;
    QTest::newRow("abc") << QByteArray("abc") << unknown;
    QTest::newRow("type 7") << QByteArray("7") << unknown;
    QTest::newRow("bad second packet") << joined({"4a", "x"}) << unknown;
    QTest::newRow("EIO3 length prefix") << QByteArray("6:4hello") << DecodeError::UnexpectedData;
    QTest::newRow("close with data") << QByteArray("1x") << DecodeError::UnexpectedData;
    QTest::newRow("base64 bad char") << QByteArray("bAQ!DBA==") << base64;
    QTest::newRow("base64 space") << QByteArray("bAQID BA==") << base64;
    QTest::newRow("base64 url alphabet") << QByteArray("b-_8=") << base64;
    QTest::newRow("base64 data after padding") << QByteArray("bAQ==AQ") << base64;
    QTest::newRow("base64 in second packet") << joined({"4a", "b@@@@"}) << base64;
}

void TestEngineIo::decodePayloadInvalid()
{
    QFETCH(QByteArray, body);
    QFETCH(DecodeError, error);

    const DecodedPayload decoded = depot::engineio::decodePayload(body);
    QCOMPARE(decoded.error, error);
    QVERIFY(!decoded.ok());
    QVERIFY(decoded.packets.isEmpty());
    QVERIFY(qstrlen(decodeErrorString(error)) > 0);
}

void TestEngineIo::payloadRoundTrip_data()
{
    QTest::addColumn<QList<QByteArray>>("packets");

    QTest::newRow("one") << QList<QByteArray>{"4x"};
    QTest::newRow("mixed") << QList<QByteArray>{"2", "4hello", "b\x01\x02", "6", "4"};
    QTest::newRow("binary with separator byte")
        << QList<QByteArray>{QByteArray("b\x1e\x1e\x00\xff", 5), "4a"};
    QByteArray all("b");
    for (int i = 0; i < 256; ++i)
        all.append(char(i));
    QTest::newRow("every byte") << QList<QByteArray>{all};
}

void TestEngineIo::payloadRoundTrip()
{
    QFETCH(QList<QByteArray>, packets);

    const QList<Packet> list = packetsOf(packets);
    const DecodedPayload decoded =
        depot::engineio::decodePayload(depot::engineio::encodePayload(list));
    QVERIFY(decoded.ok());
    QCOMPARE(decoded.packets, list);
}

void TestEngineIo::openPayload()
{
    const QByteArray json =
        depot::engineio::openPayload(u"lv_VI97HAXpY6yYWAAAC", 25000, 20000, 1000000);
    QCOMPARE(json, QByteArray(R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],)"
                              R"("pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"));
    QCOMPARE(depot::engineio::encodeText(Type::Open, json), "0" + json);

    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(json, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(o.keys().size(), 5);
    QCOMPARE(o.value(u"upgrades").toArray(), QJsonArray{QStringLiteral("websocket")});
    QCOMPARE(o.value(u"pingInterval").toInt(), 25000);
}

void TestEngineIo::openPayloadWebSocketOnly()
{
    // The compliance suite's settings; a session opened on WebSocket has nothing to upgrade to.
    const QByteArray json = depot::engineio::openPayload(u"a\"b", 300, 200, 1000000, false);
    QCOMPARE(json, QByteArray(R"({"sid":"a\"b","upgrades":[],"pingInterval":300,)"
                              R"("pingTimeout":200,"maxPayload":1000000})"));
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    QCOMPARE(o.value(u"sid").toString(), QStringLiteral("a\"b"));
    QVERIFY(o.value(u"upgrades").toArray().isEmpty());
}

void TestEngineIo::checkQuery_data()
{
    QTest::addColumn<QString>("eio");
    QTest::addColumn<QString>("transport");
    QTest::addColumn<int>("expected"); // -1: accepted

    QTest::newRow("polling") << "4"
                             << "polling" << -1;
    QTest::newRow("websocket") << "4"
                               << "websocket" << -1;

    // CVE-2023-31125: the transport is looked up as a property name in the reference server.
    QTest::newRow("transport __proto__") << "4"
                                         << "__proto__" << 0;
    QTest::newRow("transport constructor") << "4"
                                           << "constructor" << 0;
    QTest::newRow("transport hasOwnProperty") << "4"
                                              << "hasOwnProperty" << 0;
    QTest::newRow("transport toString") << "4"
                                        << "toString" << 0;
    QTest::newRow("transport missing") << "4"
                                       << "" << 0;
    QTest::newRow("transport abc") << "4"
                                   << "abc" << 0;
    QTest::newRow("transport upper case") << "4"
                                          << "POLLING" << 0;
    QTest::newRow("transport trailing space") << "4"
                                              << "polling " << 0;
    QTest::newRow("transport webtransport") << "4"
                                            << "webtransport" << 0;
    QTest::newRow("transport flashsocket") << "4"
                                           << "flashsocket" << 0;
    QTest::newRow("transport first") << "abc"
                                     << "__proto__" << 0;

    QTest::newRow("EIO missing") << ""
                                 << "polling" << 5;
    QTest::newRow("EIO abc") << "abc"
                             << "polling" << 5;
    QTest::newRow("EIO 3") << "3"
                           << "polling" << 5;
    QTest::newRow("EIO 5") << "5"
                           << "websocket" << 5;
    QTest::newRow("EIO 04") << "04"
                            << "polling" << 5;
    QTest::newRow("EIO 4.0") << "4.0"
                             << "polling" << 5;
    QTest::newRow("EIO space") << "4 "
                               << "polling" << 5;
    QTest::newRow("EIO __proto__") << "__proto__"
                                   << "polling" << 5;
}

void TestEngineIo::checkQuery()
{
    QFETCH(QString, eio);
    QFETCH(QString, transport);
    QFETCH(int, expected);

    const std::optional<ErrorCode> error = depot::engineio::checkQuery(eio, transport);
    QCOMPARE(error ? int(*error) : -1, expected);
}

void TestEngineIo::checkHandshake_data()
{
    QTest::addColumn<QString>("eio");
    QTest::addColumn<QString>("transport");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("upgrade");
    QTest::addColumn<int>("expected"); // -1: accepted

    QTest::newRow("polling GET") << "4"
                                 << "polling" << QByteArray("GET") << false << -1;
    QTest::newRow("websocket upgrade") << "4"
                                       << "websocket" << QByteArray("GET") << true << -1;
    QTest::newRow("POST") << "4"
                          << "polling" << QByteArray("POST") << false << 2;
    QTest::newRow("PUT") << "4"
                         << "polling" << QByteArray("PUT") << false << 2;
    QTest::newRow("lower-case get") << "4"
                                    << "polling" << QByteArray("get") << false << 2;
    QTest::newRow("websocket without upgrade") << "4"
                                               << "websocket" << QByteArray("GET") << false << 3;
    QTest::newRow("polling with upgrade") << "4"
                                          << "polling" << QByteArray("GET") << true << 3;
    QTest::newRow("bad transport before method") << "4"
                                                 << "__proto__" << QByteArray("POST") << false << 0;
    QTest::newRow("bad EIO") << "3"
                             << "polling" << QByteArray("GET") << false << 5;
    QTest::newRow("missing EIO") << ""
                                 << "websocket" << QByteArray("GET") << true << 5;
}

void TestEngineIo::checkHandshake()
{
    QFETCH(QString, eio);
    QFETCH(QString, transport);
    QFETCH(QByteArray, method);
    QFETCH(bool, upgrade);
    QFETCH(int, expected);

    const std::optional<ErrorCode> error =
        depot::engineio::checkHandshake(eio, transport, method, upgrade);
    QCOMPARE(error ? int(*error) : -1, expected);
}

void TestEngineIo::errorBody_data()
{
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    QTest::newRow("0") << ErrorCode::UnknownTransport << QString()
                       << QByteArray(R"({"code":0,"message":"Transport unknown"})") << 400;
    QTest::newRow("1") << ErrorCode::UnknownSid << QString()
                       << QByteArray(R"({"code":1,"message":"Session ID unknown"})") << 400;
    QTest::newRow("2") << ErrorCode::BadHandshakeMethod << QString()
                       << QByteArray(R"({"code":2,"message":"Bad handshake method"})") << 400;
    QTest::newRow("3") << ErrorCode::BadRequest << QString()
                       << QByteArray(R"({"code":3,"message":"Bad request"})") << 400;
    QTest::newRow("4") << ErrorCode::Forbidden << QString()
                       << QByteArray(R"({"code":4,"message":"Forbidden"})") << 403;
    QTest::newRow("5") << ErrorCode::UnsupportedProtocolVersion << QString()
                       << QByteArray(R"({"code":5,"message":"Unsupported protocol version"})")
                       << 400;
    QTest::newRow("custom message") << ErrorCode::Forbidden << QStringLiteral("no \"entry\"")
                                    << QByteArray(R"({"code":4,"message":"no \"entry\""})") << 403;
}

void TestEngineIo::errorBody()
{
    QFETCH(ErrorCode, code);
    QFETCH(QString, message);
    QFETCH(QByteArray, body);
    QFETCH(int, status);

    QCOMPARE(depot::engineio::errorBody(code, message), body);
    QCOMPARE(httpStatus(code), status);
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    QCOMPARE(o.value(u"code").toInt(), int(code));
    if (message.isEmpty())
        QCOMPARE(o.value(u"message").toString(), errorMessage(code));
}

void TestEngineIo::appendJsonString_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("plain") << "abc" << QByteArray(R"("abc")");
    QTest::newRow("empty") << "" << QByteArray(R"("")");
    QTest::newRow("quote and backslash") << R"(a"b\c)" << QByteArray(R"("a\"b\\c")");
    QTest::newRow("short escapes") << "\b\f\n\r\t" << QByteArray(R"("\b\f\n\r\t")");
    QTest::newRow("control") << QString(QChar(1)) + QChar(0x1f) << QByteArray(R"("\u0001\u001f")");
    QTest::newRow("nul") << QString(QChar(0)) << QByteArray(R"("\u0000")");
    QTest::newRow("utf-8") << QStringLiteral("é€😀")
                           << QByteArray("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    QTest::newRow("slash kept") << "/a/b" << QByteArray(R"("/a/b")");
}

void TestEngineIo::appendJsonString()
{
    QFETCH(QString, input);
    QFETCH(QByteArray, expected);

    QByteArray out("x");
    depot::engineio::appendJsonString(out, input);
    QCOMPARE(out, "x" + expected);
    // Whatever the escaping, a JSON parser must read the same string back.
    const QJsonArray back = QJsonDocument::fromJson("[" + expected + "]").array();
    QCOMPARE(back.first().toString(), input);
}

QTEST_APPLESS_MAIN(TestEngineIo)
#include "tst_engineio.moc"
