#pragma once

#include "websocketlink.h"

#include <QObject>

#include <memory>

class QWebSocket;

namespace depot {

/// A WebSocketLink over QWebSocket: carries TLS connections and upgrades that arrive on a
/// keep-alive connection Qt's HTTP server already holds.
class QtWebSocketLink final : public QObject, public WebSocketLink
{
    Q_OBJECT

public:
    explicit QtWebSocketLink(std::unique_ptr<QWebSocket> socket);
    ~QtWebSocketLink() override;

    void setMaxMessageBytes(qint64 bytes) override;
    void sendText(const QByteArray &utf8) override;
    void sendBinary(const QByteArray &bytes) override;
    qint64 pendingBytes() const override { return m_pendingBytes; }
    void dispose() override;

private:
    std::unique_ptr<QWebSocket> m_socket;
    qint64 m_pendingBytes = 0; // handed to QWebSocket and not yet written to the network
};

} // namespace depot
