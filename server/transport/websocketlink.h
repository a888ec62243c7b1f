#pragma once

#include <QByteArray>

#include <memory>

namespace depot {

/// One WebSocket connection as an Engine.IO session sees it, whichever code carries it: the
/// hub's own epoll transport for plain connections, QWebSocket for TLS and the rest.
class WebSocketLink
{
public:
    /// Gets what arrives on a link; called on the hub's thread.
    class Listener
    {
    public:
        virtual void linkText(WebSocketLink *link, const QByteArray &utf8) = 0;
        virtual void linkBinary(WebSocketLink *link, const QByteArray &bytes) = 0;
        /// The peer closed or the connection broke; nothing more arrives.
        virtual void linkClosed(WebSocketLink *link) = 0;

    protected:
        ~Listener() = default;
    };

    /// Lets go of a link the one way a link may go: dispose().
    struct Disposer
    {
        void operator()(WebSocketLink *link) const { link->dispose(); }
    };

    void setListener(Listener *listener) { m_listener = listener; }
    /// The largest message the peer may send; a larger one closes the link with 1009.
    virtual void setMaxMessageBytes(qint64 bytes) = 0;
    /// Sends one text message; its bytes must be UTF-8.
    virtual void sendText(const QByteArray &utf8) = 0;
    virtual void sendBinary(const QByteArray &bytes) = 0;
    /// Bytes accepted by sendText/sendBinary and not yet handed to the network.
    virtual qint64 pendingBytes() const = 0;

protected:
    // Only a WebSocketLinkPtr lets a link go, so none is deleted while its socket is open.
    virtual ~WebSocketLink() = default;
    /// Closes the link gracefully (a Close frame, then the socket once the peer answers or a
    /// grace period passes) and deletes it afterwards. The owner gives up the link: no
    /// listener call follows.
    virtual void dispose() = 0;

    Listener *m_listener = nullptr;
};

/// An owned link: letting go of it (reset, destruction) disposes of it.
using WebSocketLinkPtr = std::unique_ptr<WebSocketLink, WebSocketLink::Disposer>;

} // namespace depot
