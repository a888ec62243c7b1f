#pragma once

#include "connectionlimits.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QObject>

class QTcpSocket;

namespace depot {

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
    /// A request larger than `maxBodyBytes` and a head allowance is answered 413 and closed.
    /// `refused`: a connection cap was reached; its first request is answered 503 and the
    /// connection closed.
    ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits, qint64 maxBodyBytes,
                    ConnectionTicket ticket, bool refused);
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
    void rearm();
    void pause();
    void resume();
    void pollPaused();
    void closeNow(const char *why);

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
    qint64 m_maxRequestBytes;
    ConnectionTicket m_ticket;
    bool m_refused;
    bool m_paused = false;
    Phase m_phase = Phase::Head;
    int m_outstanding = 0;       // requests handed to the hub and not answered yet
    qint64 m_requestBytes = 0;   // of the current request
    qint64 m_headStartMs = 0;    // when the current head began (the connection, for the first)
    qint64 m_lastActivityMs = 0; // last read or answer
    qint64 m_pausedAtMs = 0;
    qint64 m_readBufferSize = 0; // the socket's own, restored on resume
    QByteArray m_headTail;       // the last bytes of a head, to find its end across reads
    QBasicTimer m_deadline;
    QBasicTimer m_pausePoll;
};

} // namespace depot
