#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace depot {

/// An HTTP request as the hub's handlers see it, free of any server library's types.
struct HttpRequest
{
    QByteArray method; // upper case: GET, POST, ...
    QString path;      // decoded, without the query
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower case
    QByteArray body;
    QHostAddress remoteAddress;
    bool secure = false;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        for (const auto &h : headers) {
            if (h.first == lowerCaseName)
                return h.second;
        }
        return {};
    }
};

/// A complete HTTP response; serialize() gives the bytes for the wire.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    static HttpResponse json(int status, const QJsonValue &value);
    /// The contract's error body: {"error":{"code","message"}}.
    static HttpResponse error(int status, const QString &code, const QString &message);
    static HttpResponse empty(int status);

    HttpResponse &withHeader(QByteArray name, QByteArray value)
    {
        headers.append({std::move(name), std::move(value)});
        return *this;
    }
    QByteArray serialize() const;
};

QByteArray reasonPhrase(int status);

} // namespace depot
