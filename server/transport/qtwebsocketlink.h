#pragma once

#include "websocketlink.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QWebSocket;

namespace depot {

class ConnectionGuard;

/// A WebSocketLink over QWebSocket: carries TLS connections and upgrades that arrive on a
/// keep-alive connection Qt's HTTP server already holds.
class QtWebSocketLink final : public QObject, public WebSocketLink
{
    Q_OBJECT

public:
    /// `guard`, if any, pauses reading while the client leaves too much output unread.
    explicit QtWebSocketLink(std::unique_ptr<QWebSocket> socket, ConnectionGuard *guard = nullptr);
    ~QtWebSocketLink() override;

    void setMaxMessageBytes(qint64 bytes) override;
    void sendText(const QByteArray &utf8) override;
    void sendBinary(const QByteArray &bytes) override;
    qint64 pendingBytes() const override;

private:
    void dispose() override;

    std::unique_ptr<QWebSocket> m_socket;
    QPointer<ConnectionGuard> m_guard;
};

} // namespace depot
