#include "protocol/websocket.h"

#include <QTest>

using namespace depot::websocket;

namespace {

// Feeds bytes to a reader and collects what it yields, stopping at an error.
struct ReadAll
{
    QList<Message> messages;
    bool error = false;
    quint16 closeCode = 0;
    qsizetype left = 0;
};

ReadAll readAll(MessageReader &reader, const QByteArray &bytes)
{
    ReadAll out;
    QByteArrayView rest(bytes);
    for (;;) {
        qsizetype used = 0;
        Message m;
        const auto result = reader.read(rest, &used, &m);
        rest = rest.sliced(used);
        if (result == MessageReader::Result::NeedMore)
            break;
        if (result == MessageReader::Result::Error) {
            out.error = true;
            out.closeCode = reader.closeCode();
            break;
        }
        if (result == MessageReader::Result::Message)
            out.messages.append(m);
    }
    out.left = rest.size();
    return out;
}

QByteArray frame(Opcode op, const QByteArray &payload, bool masked, bool fin = true)
{
    QByteArray out;
    appendFrame(out, op, payload, masked ? std::optional<quint32>(0x37fa213d) : std::nullopt);
    if (!fin)
        out[0] = char(out[0] & 0x7F);
    return out;
}

} // namespace

class TestWebSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptKeyMatchesTheRfcExample()
    {
        // RFC 6455 section 1.3.
        QCOMPARE(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    void maskedFrameMatchesTheRfcExample()
    {
        // RFC 6455 section 5.7: a masked "Hello" with key 37 fa 21 3d.
        const QByteArray expected = QByteArray::fromHex("818537fa213d7f9f4d5158");
        QCOMPARE(frame(Opcode::Text, "Hello", true), expected);
        QCOMPARE(frame(Opcode::Text, "Hello", false), QByteArray::fromHex("810548656c6c6f"));
    }

    void lengthForms_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("headerSize");
        QTest::newRow("0") << 0 << 2;
        QTest::newRow("125") << 125 << 2;
        QTest::newRow("126") << 126 << 4;
        QTest::newRow("65535") << 65535 << 4;
        QTest::newRow("65536") << 65536 << 10;
        QTest::newRow("100000") << 100000 << 10;
    }
    void lengthForms()
    {
        QFETCH(int, size);
        QFETCH(int, headerSize);
        QByteArray payload(size, 'x');
        for (int i = 0; i < size; ++i)
            payload[i] = char('a' + i % 26);
        QCOMPARE(serverHeaderSize(size), headerSize);
        const QByteArray unmasked = frame(Opcode::Binary, payload, false);
        QCOMPARE(unmasked.size(), headerSize + size);

        MessageReader server(MessageReader::Role::Server, 1 << 20);
        const ReadAll s = readAll(server, frame(Opcode::Binary, payload, true));
        QVERIFY(!s.error);
        QCOMPARE(s.messages.size(), 1);
        QCOMPARE(s.messages[0].opcode, Opcode::Binary);
        QCOMPARE(s.messages[0].payload, payload);

        MessageReader client(MessageReader::Role::Client, 1 << 20);
        const ReadAll c = readAll(client, unmasked);
        QCOMPARE(c.messages.size(), 1);
        QCOMPARE(c.messages[0].payload, payload);
    }

    void byteByByteAndBackToBack()
    {
        const QByteArray bytes = frame(Opcode::Text, "42[\"a\",1]", true) +
                                 frame(Opcode::Ping, "p", true) +
                                 frame(Opcode::Text, QByteArray(300, 'z'), true);
        MessageReader reader(MessageReader::Role::Server, 1000);
        QByteArray buffer;
        QList<Message> got;
        for (char c : bytes) {
            buffer.append(c);
            const ReadAll r = readAll(reader, buffer);
            QVERIFY(!r.error);
            buffer = buffer.right(r.left);
            got += r.messages;
        }
        QCOMPARE(got.size(), 3);
        QCOMPARE(got[0].payload, QByteArray("42[\"a\",1]"));
        QCOMPARE(got[1].opcode, Opcode::Ping);
        QCOMPARE(got[1].payload, QByteArray("p"));
        QCOMPARE(got[2].payload, QByteArray(300, 'z'));
        QVERIFY(buffer.isEmpty());
    }

    void fragmentsAreJoinedAroundControlFrames()
    {
        const QByteArray bytes = frame(Opcode::Text, "4he", true, false) +
                                 frame(Opcode::Ping, "", true) +
                                 frame(Opcode::Continuation, "llo", true);
        MessageReader reader(MessageReader::Role::Server, 1000);
        const ReadAll r = readAll(reader, bytes);
        QVERIFY(!r.error);
        QCOMPARE(r.messages.size(), 2);
        QCOMPARE(r.messages[0].opcode, Opcode::Ping);
        QCOMPARE(r.messages[1].opcode, Opcode::Text);
        QCOMPARE(r.messages[1].payload, QByteArray("4hello"));
        QCOMPARE(reader.pendingBytes(), 0);
    }

    void protocolErrors_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("role"); // 0 server, 1 client
        QTest::addColumn<int>("closeCode");
        QTest::newRow("unmasked client frame") << frame(Opcode::Text, "x", false) << 0 << 1002;
        QTest::newRow("masked server frame") << frame(Opcode::Text, "x", true) << 1 << 1002;
        QByteArray rsv = frame(Opcode::Text, "x", true);
        rsv[0] = char(rsv[0] | 0x40);
        QTest::newRow("rsv1 without extension") << rsv << 0 << 1002;
        QByteArray unknown = frame(Opcode::Text, "x", true);
        unknown[0] = char(0x83);
        QTest::newRow("reserved opcode") << unknown << 0 << 1002;
        QTest::newRow("fragmented ping") << frame(Opcode::Ping, "x", true, false) << 0 << 1002;
        QTest::newRow("long ping") << frame(Opcode::Ping, QByteArray(126, 'x'), true) << 0 << 1002;
        QTest::newRow("continuation first") << frame(Opcode::Continuation, "x", true) << 0 << 1002;
        QTest::newRow("text inside fragments")
            << frame(Opcode::Text, "a", true, false) + frame(Opcode::Text, "b", true) << 0 << 1002;
        QTest::newRow("too big") << frame(Opcode::Binary, QByteArray(101, 'x'), true) << 0 << 1009;
        QTest::newRow("too big in fragments")
            << frame(Opcode::Binary, QByteArray(60, 'x'), true, false) +
                   frame(Opcode::Continuation, QByteArray(60, 'x'), true)
            << 0 << 1009;
        QTest::newRow("invalid utf-8") << frame(Opcode::Text, "\xc3\x28", true) << 0 << 1007;
        QTest::newRow("surrogate") << frame(Opcode::Text, "\xed\xa0\x80", true) << 0 << 1007;
        QTest::newRow("overlong") << frame(Opcode::Text, "\xc0\xaf", true) << 0 << 1007;
        QTest::newRow("one-byte close") << frame(Opcode::Close, "x", true) << 0 << 1002;
        QTest::newRow("reserved close code")
            << frame(Opcode::Close, closePayload(1005), true) << 0 << 1002;
        QByteArray nonMinimal = QByteArray::fromHex("81fe0005") + QByteArray(4, '\0') + "hello";
        QTest::newRow("non-minimal length") << nonMinimal << 0 << 1002;
    }
    void protocolErrors()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, role);
        QFETCH(int, closeCode);
        MessageReader reader(role == 0 ? MessageReader::Role::Server : MessageReader::Role::Client,
                             100);
        const ReadAll r = readAll(reader, bytes);
        QVERIFY(r.error);
        QCOMPARE(int(r.closeCode), closeCode);
        // Once broken, the reader stays broken.
        qsizetype used = 0;
        Message m;
        QCOMPARE(reader.read(frame(Opcode::Text, "ok", role == 0), &used, &m),
                 MessageReader::Result::Error);
    }

    void announcedGiantIsRefusedBeforeItsPayload()
    {
        // Only the header of a 2^40-byte frame: refused at once, nothing buffered.
        QByteArray header = QByteArray::fromHex("82ff0000010000000000") + QByteArray(4, '\0');
        MessageReader reader(MessageReader::Role::Server, 1000000);
        const ReadAll r = readAll(reader, header);
        QVERIFY(r.error);
        QCOMPARE(int(r.closeCode), 1009);
    }

    void utf8Validation()
    {
        QVERIFY(isValidUtf8(""));
        QVERIFY(isValidUtf8("plain ascii text, long enough for the wide path"));
        QVERIFY(isValidUtf8("Stra\xc3\x9f"
                            "e \xe2\x82\xac \xf0\x9f\x9a\x9a"));
        QVERIFY(!isValidUtf8("\xf4\x90\x80\x80")); // past U+10FFFF
        QVERIFY(!isValidUtf8("abc\xe2\x82"));      // cut short
        QVERIFY(!isValidUtf8("\xff"));
    }

    void utf8PrefixOfAFragment_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("prefix");
        QTest::addColumn<bool>("invalid");
        QTest::newRow("whole") << QByteArray("a\xc3\xa9") << 3 << false;
        QTest::newRow("cut after a lead byte") << QByteArray("ab\xe2") << 2 << false;
        QTest::newRow("cut inside") << QByteArray("ab\xe2\x82") << 2 << false;
        QTest::newRow("F4 then 90: past U+10FFFF already") << QByteArray("\xf4\x90") << 0 << true;
        QTest::newRow("ED then A0: a surrogate already") << QByteArray("x\xed\xa0") << 1 << true;
        QTest::newRow("E0 then 80: overlong already") << QByteArray("\xe0\x80") << 0 << true;
        QTest::newRow("stray continuation") << QByteArray("ok\x80") << 2 << true;
    }
    void utf8PrefixOfAFragment()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, prefix);
        QFETCH(bool, invalid);
        bool isInvalid = false;
        QCOMPARE(int(validUtf8Prefix(bytes, &isInvalid)), prefix);
        QCOMPARE(isInvalid, invalid);
    }

    void invalidTextFailsWithItsFragment()
    {
        // The message never ends, yet the fragment that makes it invalid is refused at once.
        const QByteArray bytes = frame(Opcode::Text, "4\xce\xba", true, false) +
                                 frame(Opcode::Continuation, "\xf4", true, false) +
                                 frame(Opcode::Continuation, "\x90\x80\x80", true, false);
        MessageReader reader(MessageReader::Role::Server, 1000);
        const ReadAll r = readAll(reader, bytes);
        QVERIFY(r.error);
        QCOMPARE(int(r.closeCode), 1007);
    }

    void closePayloads()
    {
        const ClosePayload normal = parseClosePayload(closePayload(1000, "bye"));
        QVERIFY(normal.valid);
        QCOMPARE(normal.code, quint16(1000));
        QCOMPARE(normal.reason, QByteArray("bye"));
        QCOMPARE(parseClosePayload("").code, quint16(1005));
        QVERIFY(parseClosePayload(closePayload(4000)).valid);
        QVERIFY(!parseClosePayload(closePayload(999)).valid);
        QVERIFY(!parseClosePayload(closePayload(1000, "\xff")).valid);
    }
};

QTEST_APPLESS_MAIN(TestWebSocket)
#include "tst_websocket.moc"
