#include "httpendpoint.h"

#include "connectionguard.h"

#include <QTcpSocket>

namespace depot {

HttpExchange::HttpExchange(QTcpSocket *socket, QByteArray corsOrigin)
    : m_socket(socket)
    , m_corsOrigin(std::move(corsOrigin))
{}

HttpExchange::~HttpExchange()
{
    // Dropped unanswered: the connection waits for nothing any more.
    if (!m_answered && m_socket) {
        if (ConnectionGuard *guard = ConnectionGuard::of(m_socket))
            guard->responseWritten();
    }
}

bool HttpExchange::connected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::respond(const HttpResponse &response)
{
    if (m_answered)
        return;
    m_answered = true;
    if (!connected())
        return;
    if (m_corsOrigin.isEmpty() || response.hasHeader("Access-Control-Allow-Origin")) {
        m_socket->write(response.serialize());
    } else {
        HttpResponse withOrigin = response;
        m_socket->write(
            withOrigin.withHeader("Access-Control-Allow-Origin", m_corsOrigin).serialize());
    }
    if (ConnectionGuard *guard = ConnectionGuard::of(m_socket))
        guard->responseWritten();
}

HttpResponse HttpEndpoint::tooLarge(const HttpRequest &, qint64 limit)
{
    return genericTooLarge(limit);
}

HttpResponse genericTooLarge(qint64 limit)
{
    return HttpResponse::error(413, QStringLiteral("payload_too_large"),
                               QStringLiteral("the body is larger than %1 bytes").arg(limit));
}

} // namespace depot
