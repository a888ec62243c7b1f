#pragma once

#include "connectionlimits.h"
#include "httpmessage.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QObject>

#include <memory>
#include <optional>

class QTcpSocket;

namespace depot {

class HttpServer;

/// Watches one connection of Qt's HTTP server (and, after an upgrade, of QWebSocket): the size of
/// each request, the time its head may take, keep-alive idleness, and the output the client
/// leaves unread. A child of its socket, so it goes with it.
///
/// Qt 6.4's HTTP server and QWebSocket read their socket on its readyRead signal and handle
/// every request or frame already buffered. To stop reading, the guard blocks the socket's
/// signals and caps its read buffer so that the kernel pushes back on the client; while paused
/// it looks at the socket every few milliseconds, and resumes once half the output has drained.
class ConnectionGuard final : public QObject
{
    Q_OBJECT

public:
    /// A request larger than the server's body limit and a head allowance is answered 413 (by
    /// its endpoint, so a long-polling session ends with it) and closed. `refused`: a connection
    /// cap was reached; its first request is answered 503 and the connection closed.
    ConnectionGuard(QTcpSocket *socket, const HttpServer *server, ConnectionTicket ticket,
                    bool refused);
    ~ConnectionGuard() override;

    /// The guard of `socket`, or null.
    static ConnectionGuard *of(const QTcpSocket *socket);

    /// The HTTP server has a whole request; until it is answered the connection is not idle.
    void requestStarted();
    /// A request was answered.
    void responseWritten();
    /// Pauses reading when the output the client has not read passes the bound.
    void checkOutput();
    /// The connection is a WebSocket now: no head or idle time, only backpressure.
    void becomeWebSocket(qint64 maxFrameBytes);
    bool isPaused() const { return m_paused; }

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class Phase : quint8 { Head, Body, Idle, WebSocket };

    void onReadyRead();
    void scanHead();
    void refuseTooLarge(qint64 requestBytes);
    void drainRefused();
    void rearm();
    void pause();
    void resume();
    void pollPaused();
    void closeNow(const char *why);
    // Gives back the server's large-body slot this request held.
    void releaseLargeBody();

    QTcpSocket *m_socket;
    const HttpServer *m_server;
    ConnectionLimits m_limits;
    qint64 m_maxRequestBytes;
    ConnectionTicket m_ticket;
    bool m_refused;
    bool m_tooLarge = false; // answered 413: what still comes is read and dropped
    qint64 m_drainUntil = 0; // bytes of the refused request to read before closing
    bool m_paused = false;
    Phase m_phase = Phase::Head;
    int m_outstanding = 0;       // requests handed to the hub and not answered yet
    qint64 m_requestBytes = 0;   // of the current request
    qint64 m_headStartMs = 0;    // when the current head began (the connection, for the first)
    qint64 m_lastActivityMs = 0; // last read or answer
    qint64 m_pausedAtMs = 0;
    qint64 m_readBufferSize = 0;          // the socket's own, restored on resume
    QByteArray m_head;                    // the current request's head as it arrives (bounded)
    std::optional<HttpRequest> m_request; // its head, once complete and well-formed
    qint64 m_headBytes = 0;               // the size of that head, blank line included
    std::shared_ptr<int> m_largeBodySlot; // the server's slots, while this request holds one
    QBasicTimer m_deadline;
    QBasicTimer m_pausePoll;
};

} // namespace depot
