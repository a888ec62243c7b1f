// The epoll transport's request-head peek: a well-formed WebSocket upgrade is taken, anything
// else is left to Qt's server, and a head that breaks HTTP's syntax (a control character in a
// header name, a bare CR or LF in a value, a blank before the colon, a folded line) is never
// taken as an upgrade.
#include "transport/requesthead.h"

#include <QTest>

using namespace depot;
using Verdict = RequestHeadPeek::Verdict;

namespace {

const QByteArray kUpgrade = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                            "Host: 127.0.0.1:8080\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: keep-alive, Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n"
                            "\r\n";

// The upgrade head with one header line replaced or added before the blank line.
QByteArray withLine(const QByteArray &line)
{
    QByteArray head = kUpgrade;
    head.insert(head.size() - 2, line + "\r\n");
    return head;
}

} // namespace

class TestRequestHead : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upgradeIsTaken();
    void partialHeadWaits();
    void othersAreHandedBack_data();
    void othersAreHandedBack();
};

void TestRequestHead::upgradeIsTaken()
{
    const QByteArray frame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    const RequestHeadPeek peek = peekRequestHead(QByteArray(kUpgrade + frame), 8192);
    QCOMPARE(peek.verdict, Verdict::Upgrade);
    QCOMPARE(peek.headBytes, kUpgrade.size());
    QCOMPARE(peek.request.method, QByteArray("GET"));
    QCOMPARE(peek.request.path, QStringLiteral("/socket.io/"));
    QCOMPARE(peek.request.query.queryItemValue(QStringLiteral("transport")),
             QStringLiteral("websocket"));
    QCOMPARE(peek.request.header("sec-websocket-key"), QByteArray("dGhlIHNhbXBsZSBub25jZQ=="));
    QCOMPARE(peek.request.header("connection"), QByteArray("keep-alive, Upgrade"));
    // Tabs around a value are blanks, not part of it.
    QCOMPARE(peekRequestHead(withLine("X-Tab:\tvalue\t"), 8192).request.header("x-tab"),
             QByteArray("value"));
}

void TestRequestHead::partialHeadWaits()
{
    for (qsizetype n = 0; n < kUpgrade.size(); ++n)
        QCOMPARE(peekRequestHead(kUpgrade.first(n), 8192).verdict, Verdict::NeedMore);
    // A head that does not end within the limit is Qt's to judge.
    QCOMPARE(peekRequestHead(kUpgrade.first(64), 64).verdict, Verdict::HandBack);
}

void TestRequestHead::othersAreHandedBack_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("POST") << QByteArray("POST /api/auth/login HTTP/1.1\r\n\r\n");
    QTest::newRow("plain GET") << QByteArray("GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("HTTP/1.0") << QByteArray(kUpgrade).replace("HTTP/1.1", "HTTP/1.0");
    QTest::newRow("no upgrade token") << QByteArray(kUpgrade).replace("keep-alive, Upgrade", "x");
    // Found by fuzzing: control characters in a header name were taken as part of it.
    QTest::newRow("control in name") << withLine(QByteArray("Sec-WebSock\x01\x00et: x", 19));
    QTest::newRow("bare CR in value") << withLine("X-Evil: a\rSet-Cookie: x");
    QTest::newRow("bare LF in value") << withLine("X-Evil: a\nSet-Cookie: x");
    QTest::newRow("NUL in value") << withLine(QByteArray("X-Evil: a\0b", 11));
    QTest::newRow("blank before colon") << withLine("Upgrade : websocket");
    QTest::newRow("folded line") << withLine(" folded");
    QTest::newRow("space in target")
        << QByteArray(kUpgrade).replace("/socket.io/?", "/socket.io/ x?");
    QTest::newRow("control in target")
        << QByteArray(kUpgrade).replace("/socket.io/?", "/socket.io/\x01?");
}

void TestRequestHead::othersAreHandedBack()
{
    QFETCH(QByteArray, head);
    QCOMPARE(peekRequestHead(head, 8192).verdict, Verdict::HandBack);
}

QTEST_APPLESS_MAIN(TestRequestHead)
#include "tst_requesthead.moc"
