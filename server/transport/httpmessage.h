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
    /// Every header of that name, joined by ", " as RFC 9110 5.3 allows for list headers
    /// (a proxy adds its own X-Forwarded-For line after the client's).
    QByteArray joinedHeader(const QByteArray &lowerCaseName) const
    {
        QByteArray joined;
        for (const auto &h : headers) {
            if (h.first == lowerCaseName)
                joined += (joined.isEmpty() ? QByteArray() : QByteArrayLiteral(", ")) + h.second;
        }
        return joined;
    }
};

/// Whether `value` is a token (RFC 9110 5.6.2): the only request text a response head may echo.
bool isHttpToken(QByteArrayView value);

/// A complete HTTP response; serialize() gives the bytes for the wire.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    /// An answer to HEAD: the head as GET would have it (Content-Length included), no body.
    bool headOnly = false;

    static HttpResponse json(int status, const QJsonValue &value);
    /// The contract's error body: {"error":{"code","message"}}.
    static HttpResponse error(int status, const QString &code, const QString &message);
    static HttpResponse empty(int status);

    HttpResponse &withHeader(QByteArray name, QByteArray value)
    {
        headers.append({std::move(name), std::move(value)});
        return *this;
    }
    /// The bytes for the wire. A header whose name is not a token or whose value holds a
    /// control character (CR, LF, NUL...) is left out, so no header can split the head.
    QByteArray serialize() const;
    bool hasHeader(QByteArrayView name) const;
    /// This response as the answer to HEAD when `request` is HEAD, else unchanged.
    HttpResponse &forMethod(QByteArrayView requestMethod)
    {
        headOnly = requestMethod == "HEAD";
        return *this;
    }
};

QByteArray reasonPhrase(int status);

} // namespace depot
