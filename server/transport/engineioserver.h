#pragma once

#include "connectionlimits.h"
#include "engineiosession.h"
#include "httpendpoint.h"

#include <QHash>
#include <QObject>

namespace depot {

/// The Engine.IO v4 server: long-polling and WebSocket under one HTTP path, as engine.io 6 does.
class EngineIoServer : public QObject, public HttpEndpoint
{
    Q_OBJECT

public:
    struct Options
    {
        int pingIntervalMs = 25000;
        int pingTimeoutMs = 20000;
        qint64 maxPayload = 1000000;
        int upgradeTimeoutMs = 10000;
        /// What one session may have waiting for a slow client before it is dropped.
        qint64 maxBufferedBytes = 4 * 1024 * 1024;
        /// Sessions per client address that have not completed an accepted Socket.IO CONNECT
        /// (see EngineIoSession::markAuthenticated()); past it a handshake is answered 503 or
        /// its upgrade refused. 0: no limit.
        int maxUnauthenticatedPerAddress = 0;
        /// Access-Control-Allow-Origin on every polling response; empty sends no CORS headers.
        QByteArray corsOrigin = "*";
    };

    explicit EngineIoServer(Options options, QObject *parent = nullptr);
    ~EngineIoServer() override;

    const Options &options() const { return m_options; }
    /// Open sessions.
    int sessionCount() const { return m_openCount; }
    /// Open sessions from `address` not marked authenticated yet.
    int unauthenticatedCount(const QHostAddress &address) const;
    EngineIoSession *session(const QString &sid) const;

    void handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange) override;
    bool acceptWebSocket(const HttpRequest &request) override;
    void webSocketConnected(WebSocketLinkPtr link, const HttpRequest &request) override;
    /// A polling POST over the server's body limit ends its session, as one over maxPayload.
    HttpResponse tooLarge(const HttpRequest &request, qint64 limit) override;

    /// The request headers a cross-origin page may send (a preflight's answer): fixed, never
    /// the headers the preflight asked for.
    static constexpr char kAllowedHeaders[] = "Authorization, Content-Type";

Q_SIGNALS:
    /// A new session is open: its Open packet has been sent.
    void connection(depot::EngineIoSession *session);

private:
    friend class EngineIoSession;

    EngineIoSession *createSession(engineio::Transport transport, const QHostAddress &address);
    bool admitsNewSession(const QHostAddress &address) const;
    void sessionAuthenticated(EngineIoSession *session);
    QString newSessionId() const;
    // Called by a session that has just closed; `reachable` keeps it findable for a last poll.
    void sessionClosed(EngineIoSession *session, bool reachable);
    void forget(EngineIoSession *session);

    HttpResponse corsResponse(int status) const;
    HttpResponse payloadResponse(const QByteArray &payload) const;
    HttpResponse okResponse() const;
    HttpResponse errorResponse(engineio::ErrorCode code) const;

    Options m_options;
    QHash<QString, EngineIoSession *> m_sessions;
    QHash<QHostAddress, int> m_unauthenticated;
    int m_openCount = 0;
};

} // namespace depot
