#include "qtwebsocketlink.h"

#include "connectionguard.h"

#include <QTimer>
#include <QWebSocket>

#include <algorithm>

namespace depot {

namespace {

// A client that never completes the closing handshake must not keep its socket.
constexpr int kCloseGraceMs = 5000;

// QWebSocket takes text as QString only. A broadcast hands the same bytes to every recipient in
// turn, so they are converted once, not once per recipient.
const QString &asQString(const QByteArray &utf8)
{
    static QByteArray lastBytes; // held, so its buffer cannot be reused while it is cached
    static QString lastText;
    if (utf8.constData() != lastBytes.constData() || utf8.size() != lastBytes.size()) {
        lastBytes = utf8;
        lastText = QString::fromUtf8(utf8);
    }
    return lastText;
}

} // namespace

QtWebSocketLink::QtWebSocketLink(std::unique_ptr<QWebSocket> socket, ConnectionGuard *guard)
    : m_socket(std::move(socket))
    , m_guard(guard)
{
    QWebSocket *ws = m_socket.get();
    connect(ws, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        if (m_listener)
            m_listener->linkText(this, text.toUtf8());
    });
    connect(ws, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &bytes) {
        if (m_listener)
            m_listener->linkBinary(this, bytes);
    });
    connect(ws, &QWebSocket::disconnected, this, [this] {
        if (m_listener)
            m_listener->linkClosed(this);
    });
}

QtWebSocketLink::~QtWebSocketLink()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void QtWebSocketLink::setMaxMessageBytes(qint64 bytes)
{
    m_socket->setMaxAllowedIncomingFrameSize(quint64(bytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(bytes));
}

qint64 QtWebSocketLink::pendingBytes() const
{
    // Read from the socket: its bytesWritten signal is blocked while the guard pauses it.
    return m_socket->bytesToWrite();
}

void QtWebSocketLink::sendText(const QByteArray &utf8)
{
    m_socket->sendTextMessage(asQString(utf8));
    if (m_guard)
        m_guard->checkOutput();
}

void QtWebSocketLink::sendBinary(const QByteArray &bytes)
{
    m_socket->sendBinaryMessage(bytes);
    if (m_guard)
        m_guard->checkOutput();
}

void QtWebSocketLink::dispose()
{
    m_listener = nullptr;
    QWebSocket *ws = m_socket.get();
    ws->disconnect(this);
    if (ws->state() == QAbstractSocket::UnconnectedState) {
        deleteLater();
        return;
    }
    connect(ws, &QWebSocket::disconnected, this, &QObject::deleteLater);
    ws->close();
    QTimer::singleShot(kCloseGraceMs, this, &QObject::deleteLater);
}

} // namespace depot
