// RFC 6455 conformance of the hub's server side, after the cases of Autobahn|Testsuite's sections
// 1-7 and 9 (framing, pings and pongs, reserved bits, opcodes, fragmentation, UTF-8, closing,
// limits). A raw client sends hand-made masked frames over a real socket, through the epoll
// transport and through the QWebSocket one, to an Engine.IO server that echoes every message.
// Each row is one case of docs/websocket-conformance.md: what is sent, and the frames the
// server must answer with, ending with its Close frame and the end of the connection.
#include "protocol/engineio.h"
#include "protocol/websocket.h"
#include "transport/engineioserver.h"
#include "transport/httpserver.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QtEndian>

using namespace depot;

namespace {

constexpr int kWait = 10000;
constexpr qint64 kLargeLimit = 16 * 1024 * 1024; // section 9 sends messages up to 16 MiB
constexpr quint8 kText = 0x1, kBinary = 0x2, kContinuation = 0x0, kClose = 0x8, kPing = 0x9,
                 kPong = 0xA;

/// One frame the server sends: its opcode and payload (a Close frame: its code alone).
struct Frame
{
    quint8 opcode = 0;
    QByteArray payload;
    bool operator==(const Frame &o) const { return opcode == o.opcode && payload == o.payload; }
};

/// Bytes the client writes at once (or in chops), then how many frames to await before going on.
struct Write
{
    QByteArray bytes;
    int awaitFrames = 0;
};

/// A case: what the client sends, what the server answers.
struct Case
{
    QList<Write> writes;
    int chop = 0;             // 0: each write at once; n: in writes of n bytes
    QList<Frame> expected;    // the server's frames before its Close
    quint16 closeCode = 1000; // the code of the server's Close frame
    quint16 qtCloseCode = 0;  // when the QWebSocket transport's differs (both are allowed)
    QString qtDeviation;      // why the QWebSocket transport fails the case, if it does
    bool clientCloses = true; // after the expected frames the client sends Close 1000
    qint64 maxPayload = kLargeLimit;
};

} // namespace

Q_DECLARE_METATYPE(Case)

namespace {

QByteArray closePayload(quint16 code, const QByteArray &reason = {})
{
    QByteArray p(2, Qt::Uninitialized);
    qToBigEndian(code, p.data());
    return p + reason;
}

/// A masked client frame; `rsv` goes into bits 4-6 of the first byte.
QByteArray frame(quint8 opcode, const QByteArray &payload, bool fin = true, quint8 rsv = 0)
{
    QByteArray out;
    websocket::appendFrame(out, websocket::Opcode(opcode & 0x0F), payload, 0x37fa213du);
    out[0] = char((fin ? 0x80 : 0x00) | ((rsv & 0x7) << 4) | (opcode & 0x0F));
    return out;
}

// An Engine.IO message in a text frame: '4' and the payload.
QByteArray text(const QByteArray &payload, bool fin = true, quint8 rsv = 0)
{
    return frame(kText, "4" + payload, fin, rsv);
}

QByteArray ping(const QByteArray &payload = {}, bool fin = true, quint8 rsv = 0)
{
    return frame(kPing, payload, fin, rsv);
}

QByteArray closeFrame(quint16 code, const QByteArray &reason = {})
{
    return frame(kClose, closePayload(code, reason));
}

Frame echoText(const QByteArray &payload)
{
    return {kText, "4" + payload};
}

Frame pong(const QByteArray &payload = {})
{
    return {kPong, payload};
}

// A text message of exactly n bytes on the wire: '4' and n - 1 bytes.
QByteArray textOfSize(qsizetype n)
{
    return QByteArray(n - 1, '*');
}

QByteArray binaryOfSize(qsizetype n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char(i * 7 + 3);
    return b;
}

// A message in fragments of `size` payload bytes.
QByteArray fragmented(quint8 opcode, const QByteArray &payload, qsizetype size)
{
    QByteArray out;
    for (qsizetype at = 0; at < payload.size() || at == 0; at += size) {
        const bool last = at + size >= payload.size();
        out += frame(at == 0 ? opcode : kContinuation, payload.mid(at, size), last);
        if (last)
            break;
    }
    return out;
}

Case echo(const QByteArray &wire, const QList<Frame> &expected, int chop = 0)
{
    Case c;
    c.writes = {{wire}};
    c.expected = expected;
    c.chop = chop;
    return c;
}

Case failure(const QByteArray &wire, quint16 code, const QList<Frame> &before = {}, int chop = 0)
{
    Case c = echo(wire, before, chop);
    c.closeCode = code;
    c.clientCloses = false;
    return c;
}

// The wire ends with the client's Close; the server answers with `code`.
Case closing(const QByteArray &wire, quint16 code, const QList<Frame> &before = {})
{
    return failure(wire, code, before);
}

/// An HttpServer on 127.0.0.1 with an Engine.IO server that echoes every message as it came.
struct Harness
{
    HttpServer http;
    EngineIoServer eio;
    quint16 port = 0;

    Harness(bool epoll, qint64 maxPayload)
        : eio(options(maxPayload))
    {
        http.setEpollTransport(epoll);
        http.setMaxBodyBytes(maxPayload);
        http.addEndpoint(QStringLiteral("/engine.io/"), &eio);
        QString error;
        port = http.listenOn(QHostAddress::LocalHost, 0, &error);
        QObject::connect(&eio, &EngineIoServer::connection, &eio, [](EngineIoSession *s) {
            QObject::connect(
                s, &EngineIoSession::message, s, [s](const QByteArray &data, bool binary) {
                    s->send(binary ? engineio::Frame{data, true}
                                   : engineio::Frame{engineio::encodeMessage(data), false});
                });
        });
    }

    static EngineIoServer::Options options(qint64 maxPayload)
    {
        EngineIoServer::Options o;
        o.pingIntervalMs = 600000; // no Engine.IO ping may interleave with a case's frames
        o.pingTimeoutMs = 600000;
        o.maxPayload = maxPayload;
        o.maxBufferedBytes = 4 * kLargeLimit;
        return o;
    }
};

/// The client: RFC 6455 from the project's codec, reading the server's frames strictly.
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { onReadyRead(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket, [this] {
            ended = true;
            if (m_check)
                m_check();
        });
        // Small frames leave at once, each chop as its own segment.
        QObject::connect(&m_socket, &QTcpSocket::connected, &m_socket,
                         [this] { m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1); });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }

    /// Waits for `done`, woken by what arrives rather than by polling: the round-trip cases
    /// send a thousand messages one after another.
    bool waitUntil(const std::function<bool()> &done, int timeout = kWait)
    {
        if (done())
            return true;
        QEventLoop loop;
        QTimer timer;
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        m_check = [&] {
            if (done())
                loop.quit();
        };
        timer.start(timeout);
        loop.exec();
        m_check = nullptr;
        return done();
    }

    bool open()
    {
        m_socket.write("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        if (!waitUntil([this] { return !frames.isEmpty() || ended; }))
            return false;
        // The Engine.IO Open packet is not part of a case.
        if (frames.isEmpty() || !frames.first().payload.startsWith("0{"))
            return false;
        frames.removeFirst();
        return true;
    }

    void write(const QByteArray &bytes, int chop)
    {
        if (chop <= 0) {
            m_socket.write(bytes);
            m_socket.flush();
            return;
        }
        for (qsizetype at = 0; at < bytes.size(); at += chop) {
            m_socket.write(bytes.mid(at, chop));
            m_socket.flush(); // one send() per chop
        }
    }

    QList<Frame> frames;
    bool ended = false;
    QString violation; // what the server got wrong, if anything

private:
    void onReadyRead()
    {
        m_buffer += m_socket.readAll();
        if (!m_upgraded) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            if (!m_buffer.startsWith("HTTP/1.1 101")) {
                violation = QStringLiteral("no upgrade: ") + QString::fromLatin1(m_buffer.left(40));
                m_socket.abort();
                return;
            }
            m_buffer.remove(0, end + 4);
            m_upgraded = true;
        }
        qsizetype offset = 0;
        for (;;) {
            qsizetype used = 0;
            websocket::Message m;
            const auto r = m_reader.read(QByteArrayView(m_buffer).sliced(offset), &used, &m);
            offset += used;
            if (r == websocket::MessageReader::Result::Message) {
                Frame f{quint8(m.opcode), m.payload};
                if (f.opcode == kClose) // the code alone; a reason is the server's choice
                    f.payload = m.payload.left(2);
                frames.append(f);
            } else if (r == websocket::MessageReader::Result::Error) {
                violation = QStringLiteral("the server's frames break RFC 6455 (%1)")
                                .arg(m_reader.closeCode());
                m_socket.abort();
                break;
            } else if (r == websocket::MessageReader::Result::NeedMore) {
                break;
            }
        }
        m_buffer.remove(0, offset);
        if (m_check)
            m_check();
    }

    QTcpSocket m_socket;
    std::function<void()> m_check;
    QByteArray m_buffer;
    bool m_upgraded = false;
    websocket::MessageReader m_reader{websocket::MessageReader::Role::Client, 4 * kLargeLimit};
};

QString describe(const QList<Frame> &frames)
{
    QStringList out;
    for (const Frame &f : frames) {
        const QByteArray shown = f.opcode == kClose && f.payload.size() == 2
                                     ? QByteArray::number(qFromBigEndian<quint16>(f.payload.data()))
                                 : f.payload.size() > 24
                                     ? QByteArray::number(f.payload.size()) + " bytes"
                                     : f.payload.toHex();
        out << QStringLiteral("%1:%2").arg(f.opcode).arg(QString::fromLatin1(shown));
    }
    return out.join(QLatin1String(", "));
}

// The UTF-8 sequences of the text cases 6.5 to 6.23, after Markus Kuhn's decoder test.
struct Utf8Group
{
    int section;
    QList<QPair<bool, QByteArray>> sequences; // valid?, bytes
};

QList<Utf8Group> utf8Groups()
{
    const QByteArray kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
    QList<QPair<bool, QByteArray>> prefixes;
    for (int i = 1; i <= kosme.size(); ++i)
        prefixes.append({i == 2 || i == 5 || i == 7 || i == 9 || i == 11, kosme.left(i)});
    QByteArray continuations;
    for (int c = 0x80; c < 0xbf; ++c)
        continuations += char(c);
    auto lonely = [](int from, int to) {
        QByteArray s;
        for (int c = from; c < to; ++c)
            s += QByteArray(1, char(c)) + ' ';
        return s;
    };
    const QList<QByteArray> truncated = {
        "\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
        "\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"};
    QList<QPair<bool, QByteArray>> missing;
    for (const QByteArray &t : truncated)
        missing.append({false, t});
    return {
        {5,
         {{true, "hello$world"},
          {true, "hello\xc2\xa2world"},
          {true, "hello\xe2\x82\xacworld"},
          {true, "hello\xf0\xa4\xad\xa2world"},
          {true, kosme}}},
        {6, prefixes},
        {7,
         {{true, QByteArray(1, '\0')},
          {true, "\xc2\x80"},
          {true, "\xe0\xa0\x80"},
          {true, "\xf0\x90\x80\x80"}}},
        {8, {{false, "\xf8\x88\x80\x80\x80"}, {false, "\xfc\x84\x80\x80\x80\x80"}}},
        {9,
         {{true, "\x7f"}, {true, "\xdf\xbf"}, {true, "\xef\xbf\xbf"}, {true, "\xf4\x8f\xbf\xbf"}}},
        {10,
         {{false, "\xf7\xbf\xbf\xbf"},
          {false, "\xfb\xbf\xbf\xbf\xbf"},
          {false, "\xfd\xbf\xbf\xbf\xbf\xbf"}}},
        {11,
         {{true, "\xed\x9f\xbf"},
          {true, "\xee\x80\x80"},
          {true, "\xef\xbf\xbd"},
          {true, "\xf4\x8f\xbf\xbf"},
          {false, "\xf4\x90\x80\x80"}}},
        {12,
         {{false, "\x80"},
          {false, "\xbf"},
          {false, "\x80\xbf"},
          {false, "\x80\xbf\x80"},
          {false, "\x80\xbf\x80\xbf"},
          {false, "\x80\xbf\x80\xbf\x80"},
          {false, "\x80\xbf\x80\xbf\x80\xbf"},
          {false, continuations}}},
        {13,
         {{false, lonely(0xc0, 0xdf)},
          {false, lonely(0xe0, 0xef)},
          {false, lonely(0xf0, 0xf7)},
          {false, lonely(0xf8, 0xfb)},
          {false, lonely(0xfc, 0xfd)}}},
        {14, missing},
        {15, {{false, truncated.join()}}},
        {16, {{false, "\xfe"}, {false, "\xff"}, {false, "\xfe\xfe\xff\xff"}}},
        {17,
         {{false, "\xc0\xaf"},
          {false, "\xe0\x80\xaf"},
          {false, "\xf0\x80\x80\xaf"},
          {false, "\xf8\x80\x80\x80\xaf"},
          {false, "\xfc\x80\x80\x80\x80\xaf"}}},
        {18,
         {{false, "\xc1\xbf"},
          {false, "\xe0\x9f\xbf"},
          {false, "\xf0\x8f\xbf\xbf"},
          {false, "\xf8\x87\xbf\xbf\xbf"},
          {false, "\xfc\x83\xbf\xbf\xbf\xbf"}}},
        {19,
         {{false, "\xc0\x80"},
          {false, "\xe0\x80\x80"},
          {false, "\xf0\x80\x80\x80"},
          {false, "\xf8\x80\x80\x80\x80"},
          {false, "\xfc\x80\x80\x80\x80\x80"}}},
        {20,
         {{false, "\xed\xa0\x80"},
          {false, "\xed\xad\xbf"},
          {false, "\xed\xae\x80"},
          {false, "\xed\xaf\xbf"},
          {false, "\xed\xb0\x80"},
          {false, "\xed\xbe\x80"},
          {false, "\xed\xbf\xbf"}}},
        {21,
         {{false, "\xed\xa0\x80\xed\xb0\x80"},
          {false, "\xed\xa0\x80\xed\xbf\xbf"},
          {false, "\xed\xad\xbf\xed\xb0\x80"},
          {false, "\xed\xad\xbf\xed\xbf\xbf"},
          {false, "\xed\xae\x80\xed\xb0\x80"},
          {false, "\xed\xae\x80\xed\xbf\xbf"},
          {false, "\xed\xaf\xbf\xed\xb0\x80"},
          {false, "\xed\xaf\xbf\xed\xbf\xbf"}}},
        // Noncharacters are valid UTF-8 and must pass.
        {22,
         {{true, "\xef\xbf\xbe"},
          {true, "\xef\xbf\xbf"},
          {true, "\xf0\x9f\xbf\xbe"},
          {true, "\xf0\x9f\xbf\xbf"},
          {true, "\xf0\xaf\xbf\xbe"},
          {true, "\xf0\xbf\xbf\xbf"},
          {true, "\xf1\x8f\xbf\xbe"},
          {true, "\xf3\xbf\xbf\xbf"},
          {true, "\xf4\x8f\xbf\xbe"},
          {true, "\xf4\x8f\xbf\xbf"},
          {true, "\xef\xb7\x90"},
          {true, "\xef\xb7\xaf"}}},
        {23, {{true, "\xef\xbf\xb9"}, {true, "\xef\xbf\xbc"}, {true, "\xef\xbf\xbd"}}},
    };
}

void addCase(const char *id, const Case &c)
{
    for (const bool epoll : {true, false}) {
        if (epoll && !HttpServer::epollTransportBuilt())
            continue; // a build without DEPOT_EPOLL has the Qt transport alone
        QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(
            QLatin1String(id), epoll ? QLatin1String("epoll") : QLatin1String("qt"))))
            << epoll << c;
    }
}

void addCase(const QString &id, const Case &c)
{
    addCase(qPrintable(id), c);
}

} // namespace

class tst_WebSocketConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void conformance_data();
    void conformance();
};

void tst_WebSocketConformance::initTestCase()
{
    // Every refused frame is logged; the cases refuse hundreds.
    QLoggingCategory::setFilterRules(QStringLiteral("depot.transport.debug=false\n"
                                                    "depot.transport.info=false\n"
                                                    "qt.websockets*=false"));
}

void tst_WebSocketConformance::conformance_data()
{
    QTest::addColumn<bool>("epoll");
    QTest::addColumn<Case>("spec");

    // 1 Framing: text and binary messages of the lengths around each length encoding.
    const QList<qsizetype> lengths = {0, 125, 126, 127, 128, 65535, 65536};
    for (int i = 0; i < lengths.size(); ++i) {
        const qsizetype n = lengths[i];
        // An empty text frame is no Engine.IO packet: the session ends, cleanly.
        addCase(QStringLiteral("1.1.%1").arg(i + 1),
                n == 0 ? failure(frame(kText, {}), 1000)
                       : echo(text(textOfSize(n)), {echoText(textOfSize(n))}));
        addCase(QStringLiteral("1.2.%1").arg(i + 1),
                echo(frame(kBinary, binaryOfSize(n)), {{kBinary, binaryOfSize(n)}}));
    }
    addCase("1.1.8", echo(text(textOfSize(65536)), {echoText(textOfSize(65536))}, 997));
    addCase("1.2.8",
            echo(frame(kBinary, binaryOfSize(65536)), {{kBinary, binaryOfSize(65536)}}, 997));

    // 2 Pings and pongs.
    const QByteArray binaryPing("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8);
    addCase("2.1", echo(ping(), {pong()}));
    addCase("2.2", echo(ping("Hello, world!"), {pong("Hello, world!")}));
    addCase("2.3", echo(ping(binaryPing), {pong(binaryPing)}));
    addCase("2.4", echo(ping(QByteArray(125, '\xfe')), {pong(QByteArray(125, '\xfe'))}));
    addCase("2.5", failure(ping(QByteArray(126, '\xfe')), 1002));
    addCase("2.6", echo(ping(QByteArray(125, '\xfe')), {pong(QByteArray(125, '\xfe'))}, 1));
    addCase("2.7", echo(frame(kPong, {}), {}));
    addCase("2.8", echo(frame(kPong, "unsolicited pong payload"), {}));
    addCase("2.9", echo(frame(kPong, "unsolicited pong payload") + ping("ping payload"),
                        {pong("ping payload")}));
    QByteArray tenPings;
    QList<Frame> tenPongs;
    for (int i = 0; i < 10; ++i) {
        tenPings += ping("payload-" + QByteArray::number(i));
        tenPongs.append(pong("payload-" + QByteArray::number(i)));
    }
    addCase("2.10", echo(tenPings, tenPongs));
    addCase("2.11", echo(tenPings, tenPongs, 1));

    // 3 Reserved bits: no extension is negotiated, so any set RSV bit fails the connection.
    addCase("3.1", failure(text("Hello, world!", true, 1), 1002));
    addCase("3.2", failure(text("Hello, world!") + text("Hello, world!", true, 2) + ping(), 1002,
                           {echoText("Hello, world!")}));
    addCase("3.3", failure(text("Hello, world!") + text("Hello, world!", true, 3) + ping(), 1002,
                           {echoText("Hello, world!")}, 1));
    addCase("3.4", failure(text("Hello, world!") + text("Hello, world!", true, 4) + ping(), 1002,
                           {echoText("Hello, world!")}, 1));
    addCase("3.5", failure(frame(kBinary, binaryOfSize(8), true, 5), 1002));
    addCase("3.6", failure(ping("Hello, world!", true, 6), 1002));
    addCase("3.7", failure(frame(kClose, closePayload(1000), true, 7), 1002));

    // 4 Opcodes: reserved data (3-7) and control (B-F) opcodes fail the connection.
    for (int i = 0; i < 5; ++i) {
        const quint8 data = quint8(3 + i), control = quint8(0xB + i);
        const QByteArray reserved[2] = {frame(data, i % 2 ? "reserved opcode payload" : ""),
                                        frame(control, i % 2 ? "reserved opcode payload" : "")};
        for (int k = 0; k < 2; ++k) {
            const QString id = QStringLiteral("4.%1.%2").arg(k + 1).arg(i + 1);
            // From 4.x.3 on, a valid message comes first and a Ping after: echo, no pong.
            addCase(id, i < 2 ? failure(reserved[k], 1002)
                              : failure(text("Hello, world!") + reserved[k] + ping(), 1002,
                                        {echoText("Hello, world!")}));
        }
    }

    // 5 Fragmentation.
    const QByteArray frag1 = text("fragment1", false);
    const QByteArray frag2 = frame(kContinuation, "fragment2");
    addCase("5.1", failure(ping("fragment1", false) + frame(kContinuation, "fragment2"), 1002));
    addCase("5.2",
            failure(frame(kPong, "fragment1", false) + frame(kContinuation, "fragment2"), 1002));
    addCase("5.3", echo(frag1 + frag2, {echoText("fragment1fragment2")}));
    addCase("5.4", echo(frag1 + frag2, {echoText("fragment1fragment2")}, 7));
    addCase("5.5", echo(frag1 + frag2, {echoText("fragment1fragment2")}, 1));
    addCase("5.6", echo(frag1 + ping("pongme!") + frag2,
                        {pong("pongme!"), echoText("fragment1fragment2")}));
    addCase("5.7", echo(frag1 + ping("pongme!") + frag2,
                        {pong("pongme!"), echoText("fragment1fragment2")}, 7));
    addCase("5.8", echo(frag1 + ping("pongme!") + frag2,
                        {pong("pongme!"), echoText("fragment1fragment2")}, 1));
    const QByteArray orphanFin = frame(kContinuation, "non-continuation payload");
    const QByteArray orphan = frame(kContinuation, "non-continuation payload", false);
    const QByteArray hello = text("Hello, world!");
    addCase("5.9", failure(orphanFin + hello, 1002));
    addCase("5.10", failure(orphanFin + hello, 1002, {}, 7));
    addCase("5.11", failure(orphanFin + hello, 1002, {}, 1));
    addCase("5.12", failure(orphan + hello, 1002));
    addCase("5.13", failure(orphan + hello, 1002, {}, 7));
    addCase("5.14", failure(orphan + hello, 1002, {}, 1));
    addCase("5.15",
            failure(frag1 + frag2 + orphan + hello, 1002, {echoText("fragment1fragment2")}));
    addCase("5.16", failure(QByteArray(orphan + frag1 + frag2).repeated(2), 1002));
    addCase("5.17", failure(QByteArray(orphanFin + frag1 + frag2).repeated(2), 1002));
    addCase("5.18", failure(frag1 + text("fragment2"), 1002));
    for (const int chop : {0, 1}) {
        // The first Ping is answered before the message's last fragment is sent.
        Case c;
        c.writes = {
            {text("frag1 ", false) + frame(kContinuation, "frag2 ", false) + ping("pongme 1!"), 1},
            {frame(kContinuation, "frag3 ", false) + frame(kContinuation, "frag4 ", false) +
             ping("pongme 2!") + frame(kContinuation, "frag5")}};
        c.chop = chop;
        c.expected = {pong("pongme 1!"), pong("pongme 2!"),
                      echoText("frag1 frag2 frag3 frag4 frag5")};
        addCase(chop ? "5.20" : "5.19", c);
    }

    // 6 UTF-8. Engine.IO carries text as "4" + payload, so each message starts with '4'.
    addCase("6.1.1", failure(frame(kText, {}), 1000)); // no Engine.IO packet: the session ends
    addCase("6.1.2", failure(frame(kText, {}, false) + frame(kContinuation, {}, false) +
                                 frame(kContinuation, {}),
                             1000));
    addCase("6.1.3",
            echo(frame(kText, {}, false) + frame(kContinuation, "4middle frame payload", false) +
                     frame(kContinuation, {}),
                 {echoText("middle frame payload")}));
    const QByteArray helloUtf8 =
        "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!";
    const QByteArray kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
    addCase("6.2.1", echo(text(helloUtf8), {echoText(helloUtf8)}));
    addCase("6.2.2", echo(text(helloUtf8.left(8), false) + frame(kContinuation, helloUtf8.mid(8)),
                          {echoText(helloUtf8)}));
    // Qt 6.4's QWebSocket decodes each fragment on its own: a code point split between
    // fragments is refused with 1007 there.
    const QString splitCodePoint =
        QStringLiteral("QWebSocket (Qt 6.4) refuses a code point split across fragments");
    Case oneByteFragments = echo(fragmented(kText, "4" + helloUtf8, 1), {echoText(helloUtf8)});
    oneByteFragments.qtDeviation = splitCodePoint;
    addCase("6.2.3", oneByteFragments);
    oneByteFragments = echo(fragmented(kText, "4" + kosme, 1), {echoText(kosme)});
    oneByteFragments.qtDeviation = splitCodePoint;
    addCase("6.2.4", oneByteFragments);
    const QByteArray invalid = kosme + "\xed\xa0\x80" + "edited";
    addCase("6.3.1", failure(text(invalid), 1007));
    addCase("6.3.2", failure(fragmented(kText, "4" + invalid, 1), 1007));
    // Fail fast: the fragment that makes the text invalid closes the connection at once,
    // before the message's last fragment (never sent here).
    addCase("6.4.1",
            failure(text(kosme, false) + frame(kContinuation, "\xf4\x90\x80\x80", false), 1007));
    addCase("6.4.2", failure(text(kosme, false) + frame(kContinuation, "\xf4", false) +
                                 frame(kContinuation, "\x90\x80\x80", false),
                             1007));
    addCase("6.4.3", failure(text(kosme, false) + frame(kContinuation,
                                                        "\xf4\x90\x80\x80"
                                                        "edited",
                                                        false),
                             1007, {}, 1));
    addCase("6.4.4", failure(text(kosme, false) + frame(kContinuation, "\xf4\x90\x80\x80", false),
                             1007, {}, 1));
    for (const Utf8Group &group : utf8Groups()) {
        for (int i = 0; i < group.sequences.size(); ++i) {
            const auto &[valid, bytes] = group.sequences[i];
            addCase(QStringLiteral("6.%1.%2").arg(group.section).arg(i + 1),
                    valid ? echo(text(bytes), {echoText(bytes)}) : failure(text(bytes), 1007));
        }
    }

    // 7 Closing.
    addCase("7.1.1", closing(hello + closeFrame(1000), 1000, {echoText("Hello, world!")}));
    addCase("7.1.2", closing(closeFrame(1000) + closeFrame(1000), 1000));
    addCase("7.1.3", closing(closeFrame(1000) + ping("Hello, world!"), 1000));
    addCase("7.1.4", closing(closeFrame(1000) + hello, 1000));
    addCase("7.1.5", closing(frag1 + closeFrame(1000) + frag2, 1000));
    addCase("7.1.6",
            closing(text(textOfSize(256 * 1024)) + closeFrame(1000) + ping("Hello, world!"), 1000,
                    {echoText(textOfSize(256 * 1024))}));
    addCase("7.3.1", closing(frame(kClose, {}), 1000));
    addCase("7.3.2", closing(frame(kClose, "a"), 1002));
    addCase("7.3.3", closing(closeFrame(1000), 1000));
    addCase("7.3.4", closing(closeFrame(1000, "Hello World!"), 1000));
    addCase("7.3.5", closing(closeFrame(1000, QByteArray(123, '*')), 1000));
    addCase("7.3.6", closing(closeFrame(1000, QByteArray(124, '*')), 1002));
    Case invalidReason = closing(closeFrame(1000, invalid), 1002);
    invalidReason.qtCloseCode = 1007; // QWebSocket calls it invalid data; Autobahn takes both
    addCase("7.5.1", invalidReason);
    const QList<quint16> valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                  1010, 1011, 3000, 3999, 4000, 4999};
    for (int i = 0; i < valid.size(); ++i)
        addCase(QStringLiteral("7.7.%1").arg(i + 1), closing(closeFrame(valid[i]), valid[i]));
    const QList<quint16> invalidCodes = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
    for (int i = 0; i < invalidCodes.size(); ++i)
        addCase(QStringLiteral("7.9.%1").arg(i + 1), closing(closeFrame(invalidCodes[i]), 1002));
    addCase("7.13.1", closing(closeFrame(5000), 1002));
    addCase("7.13.2", closing(closeFrame(65535), 1002));

    // 9 Limits: large messages, fragments and chops, within a 16 MiB maxPayload.
    const QList<qsizetype> sizes = {64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20};
    for (int i = 0; i < sizes.size(); ++i) {
        addCase(QStringLiteral("9.1.%1").arg(i + 1),
                echo(text(textOfSize(sizes[i])), {echoText(textOfSize(sizes[i]))}));
        addCase(QStringLiteral("9.2.%1").arg(i + 1),
                echo(frame(kBinary, binaryOfSize(sizes[i])), {{kBinary, binaryOfSize(sizes[i])}}));
    }
    const QList<qsizetype> fragments = {64,       256,       1 << 10, 4 << 10, 16 << 10,
                                        64 << 10, 256 << 10, 1 << 20, 4 << 20};
    const QByteArray fourMegText = "4" + textOfSize(4 << 20);
    const QByteArray fourMegBinary = binaryOfSize(4 << 20);
    for (int i = 0; i < fragments.size(); ++i) {
        addCase(QStringLiteral("9.3.%1").arg(i + 1),
                echo(fragmented(kText, fourMegText, fragments[i]), {{kText, fourMegText}}));
        addCase(QStringLiteral("9.4.%1").arg(i + 1),
                echo(fragmented(kBinary, fourMegBinary, fragments[i]), {{kBinary, fourMegBinary}}));
    }
    const QList<int> chops = {64, 128, 256, 512, 1024, 2048};
    for (int i = 0; i < chops.size(); ++i) {
        addCase(QStringLiteral("9.5.%1").arg(i + 1),
                echo(text(textOfSize(1 << 20)), {echoText(textOfSize(1 << 20))}, chops[i]));
        addCase(QStringLiteral("9.6.%1").arg(i + 1),
                echo(frame(kBinary, binaryOfSize(1 << 20)), {{kBinary, binaryOfSize(1 << 20)}},
                     chops[i]));
    }
    // 1000 messages each, back to back (Autobahn times them one round trip at a time).
    const QList<qsizetype> small = {1, 16, 64, 256, 1024, 4096};
    for (int i = 0; i < small.size(); ++i) {
        Case texts = echo({}, {}), binaries = echo({}, {});
        for (int k = 0; k < 1000; ++k) {
            texts.writes[0].bytes += text(textOfSize(small[i]));
            texts.expected.append(echoText(textOfSize(small[i])));
            binaries.writes[0].bytes += frame(kBinary, binaryOfSize(small[i]));
            binaries.expected.append({kBinary, binaryOfSize(small[i])});
        }
        addCase(QStringLiteral("9.7.%1").arg(i + 1), texts);
        addCase(QStringLiteral("9.8.%1").arg(i + 1), binaries);
    }

    // Depot's own limit: a message over maxPayload closes with 1009, whatever its framing.
    Case overText = failure(text(textOfSize(1'000'001)), 1009);
    overText.maxPayload = 1'000'000;
    addCase("D.1", overText);
    Case overBinary = failure(frame(kBinary, binaryOfSize(1'000'001)), 1009);
    overBinary.maxPayload = 1'000'000;
    addCase("D.2", overBinary);
    Case overFragmented = failure(fragmented(kText, "4" + textOfSize(1'000'001), 4096), 1009);
    overFragmented.maxPayload = 1'000'000;
    addCase("D.3", overFragmented);
}

void tst_WebSocketConformance::conformance()
{
    QFETCH(bool, epoll);
    QFETCH(Case, spec);
    Harness h(epoll, spec.maxPayload);
    QVERIFY(h.port != 0);
    RawClient client(h.port);
    QVERIFY(client.open());

    for (const Write &w : spec.writes) {
        client.write(w.bytes, spec.chop);
        if (w.awaitFrames > 0)
            QVERIFY2(
                QTest::qWaitFor(
                    [&] { return client.frames.size() >= w.awaitFrames || client.ended; }, kWait),
                qPrintable(describe(client.frames)));
    }
    if (spec.clientCloses) {
        QVERIFY2(QTest::qWaitFor(
                     [&] { return client.frames.size() >= spec.expected.size() || client.ended; },
                     kWait),
                 qPrintable(describe(client.frames)));
        client.write(closeFrame(1000), 0);
    }
    // The server ends the connection after its Close frame.
    QVERIFY2(client.waitUntil([&] { return client.ended; }),
             qPrintable(QStringLiteral("still open after: ") + describe(client.frames)));
    QVERIFY2(client.violation.isEmpty(), qPrintable(client.violation));

    QList<Frame> expected = spec.expected;
    expected.append(
        {kClose, closePayload(!epoll && spec.qtCloseCode ? spec.qtCloseCode : spec.closeCode)});
    if (!epoll && !spec.qtDeviation.isEmpty())
        QEXPECT_FAIL("", qPrintable(spec.qtDeviation), Continue);
    QVERIFY2(client.frames == expected,
             qPrintable(QStringLiteral("got %1; expected %2")
                            .arg(describe(client.frames), describe(expected))));
}

QTEST_GUILESS_MAIN(tst_WebSocketConformance)
#include "tst_websocketconformance.moc"
