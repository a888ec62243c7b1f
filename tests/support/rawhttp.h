#pragma once
// HTTP/1.1 as bytes over a QTcpSocket, for tests that need the wire as it is: exact request
// bytes, pipelining, HEAD, a chosen source address, answers that come late (long-polling).
// The hub runs in the test's thread: every wait spins its event loop.

#include <QByteArray>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QTcpSocket>
#include <QTest>

#include <utility>

namespace depot::test {

constexpr int kRawHttpWaitMs = 5000;

/// One response as it came off the wire.
struct RawHttpResponse
{
    int status = 0;  // 0: none arrived
    QByteArray head; // the status line and the header lines, each with its CRLF
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower case, in order
    QByteArray body;

    /// Every value of the header `name` (in any case), in order.
    QList<QByteArray> headerValues(const QByteArray &name) const
    {
        const QByteArray lower = name.toLower();
        QList<QByteArray> values;
        for (const auto &[n, v] : headers) {
            if (n == lower)
                values.append(v);
        }
        return values;
    }
    /// The first value of the header `name` (in any case), or empty.
    QByteArray header(const QByteArray &name) const { return headerValues(name).value(0); }
    QJsonObject object() const { return QJsonDocument::fromJson(body).object(); }
    /// The code of an error body `{"error":{"code","message"}}`, or empty.
    QString errorCode() const
    {
        return object()
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
};

/// Reads the response at the start of `bytes` into `response`: how many bytes it took, or 0
/// while it is incomplete. A response without Content-Length has no body; so has the answer
/// to a HEAD request (`bodiless`), whatever its Content-Length says.
inline qsizetype parseRawHttpResponse(const QByteArray &bytes, RawHttpResponse &response,
                                      bool bodiless = false)
{
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0)
        return 0;
    RawHttpResponse r;
    r.head = bytes.left(end + 2);
    const QList<QByteArray> lines = bytes.left(end).split('\n');
    r.status = lines.first().split(' ').value(1).toInt();
    qsizetype length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        const QByteArray name = lines[i].left(colon).trimmed().toLower();
        const QByteArray value = lines[i].mid(colon + 1).trimmed();
        r.headers.append({name, value});
        if (name == "content-length" && !bodiless)
            length = value.toLongLong();
    }
    if (bytes.size() < end + 4 + length)
        return 0;
    r.body = bytes.mid(end + 4, length);
    response = std::move(r);
    return end + 4 + length;
}

/// A request's bytes: the request line, `Host: 127.0.0.1`, `headers` (lines with their CRLF),
/// Content-Length when there is a body or the method sends one, then the body.
inline QByteArray rawHttpRequest(const QByteArray &method, const QByteArray &target,
                                 const QByteArray &headers = {}, const QByteArray &body = {})
{
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return request + "\r\n" + body;
}

/// A connection of its own to 127.0.0.1:`port`, from `from` when given (any address of
/// 127.0.0.0/8), that collects every response as it arrives.
class RawHttpClient
{
public:
    explicit RawHttpClient(quint16 port, const QHostAddress &from = {})
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, &m_socket, [this] { read(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, &m_socket,
                         [this] { m_closed = true; });
        if (!from.isNull() && !m_socket.bind(from)) {
            m_closed = true;
            return;
        }
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }

    /// Writes `bytes`: one or more requests, or a HEAD request alone with `head` set (its
    /// answer has no body, whatever its Content-Length says).
    void send(const QByteArray &bytes, bool head = false)
    {
        m_headAnswers.append(head);
        m_socket.write(bytes);
    }

    /// Waits until `count` responses have come or the connection closed: true if they came.
    bool waitForResponses(qsizetype count = 1, int timeoutMs = kRawHttpWaitMs)
    {
        (void)QTest::qWaitFor([&] { return m_responses.size() >= count || m_closed; }, timeoutMs);
        read();
        return m_responses.size() >= count;
    }

    const QList<RawHttpResponse> &responses() const { return m_responses; }
    /// What has come after the last whole response.
    const QByteArray &pending() const { return m_buffer; }
    bool closed() const { return m_closed; }
    /// Everything written has left this side.
    bool sent() const
    {
        return m_socket.state() == QAbstractSocket::ConnectedState && m_socket.bytesToWrite() == 0;
    }
    void abort() { m_socket.abort(); }

private:
    void read()
    {
        m_buffer += m_socket.readAll();
        for (;;) {
            const bool head = m_headAnswers.value(m_responses.size(), false);
            RawHttpResponse response;
            const qsizetype used = parseRawHttpResponse(m_buffer, response, head);
            if (used == 0)
                return;
            m_buffer.remove(0, used);
            m_responses.append(std::move(response));
        }
    }

    QByteArray m_buffer;
    QList<RawHttpResponse> m_responses;
    QList<bool> m_headAnswers; // per send(), whether its answer is a HEAD's
    bool m_closed = false;
    // Last, so that it goes first: closing it signals into the members above.
    QTcpSocket m_socket;
};

/// Writes `bytes` on a fresh connection and reads up to `count` responses: those that came
/// before the connection closed or the wait ran out.
inline QList<RawHttpResponse> rawHttpResponses(quint16 port, const QByteArray &bytes,
                                               qsizetype count, int timeoutMs = kRawHttpWaitMs,
                                               const QHostAddress &from = {})
{
    RawHttpClient client(port, from);
    if (client.closed())
        return {};
    client.send(bytes);
    client.waitForResponses(count, timeoutMs);
    return client.responses();
}

/// One request on a fresh connection: its whole response, or status 0 when none came.
inline RawHttpResponse rawHttpExchange(quint16 port, const QByteArray &bytes,
                                       const QHostAddress &from = {},
                                       int timeoutMs = kRawHttpWaitMs)
{
    return rawHttpResponses(port, bytes, 1, timeoutMs, from).value(0);
}

} // namespace depot::test
