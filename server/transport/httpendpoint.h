#pragma once

#include "httpmessage.h"
#include "websocketlink.h"

#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>

namespace depot {

/// One request waiting for its answer; it may be answered later (long-polling) or never, if the
/// client goes away first.
class HttpExchange
{
public:
    /// `corsOrigin`, when not empty, is the Access-Control-Allow-Origin of an answer without one.
    explicit HttpExchange(QTcpSocket *socket, QByteArray corsOrigin = {});
    ~HttpExchange();
    bool connected() const;
    /// Writes the response once; later calls and calls after the client left do nothing.
    void respond(const HttpResponse &response);
    bool answered() const { return m_answered; }
    QTcpSocket *socket() const { return m_socket.data(); }

private:
    QPointer<QTcpSocket> m_socket;
    QByteArray m_corsOrigin;
    bool m_answered = false;
};

/// A part of the hub that answers requests under a path prefix and may take WebSocket upgrades.
class HttpEndpoint
{
public:
    virtual ~HttpEndpoint() = default;
    /// Answers now or keeps the exchange to answer later.
    virtual void handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange) = 0;
    /// Whether to accept this upgrade request; then webSocketConnected() follows.
    virtual bool acceptWebSocket(const HttpRequest &) { return false; }
    /// An accepted upgrade, now a WebSocket; `request` is the upgrade request.
    virtual void webSocketConnected(WebSocketLinkPtr link, const HttpRequest &) { link.reset(); }
    /// The 413 for a request whose body is over the server's limit; `request` may carry only
    /// its head. The connection closes after it.
    virtual HttpResponse tooLarge(const HttpRequest &request, qint64 limit);
};

/// An endpoint that answers plain HTTP with a function and refuses WebSocket upgrades.
class FunctionEndpoint final : public HttpEndpoint
{
public:
    using Function =
        std::function<void(const HttpRequest &, const std::shared_ptr<HttpExchange> &)>;
    explicit FunctionEndpoint(Function function)
        : m_function(std::move(function))
    {}
    void handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange) override
    {
        m_function(request, exchange);
    }

private:
    Function m_function;
};

/// The 413 of a body over `limit` bytes, for endpoints that give no answer of their own.
HttpResponse genericTooLarge(qint64 limit);

} // namespace depot
