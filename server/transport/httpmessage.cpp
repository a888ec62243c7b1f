#include "httpmessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace depot {

HttpResponse HttpResponse::json(int status, const QJsonValue &value)
{
    HttpResponse r;
    r.status = status;
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    r.body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                             : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return json(status, QJsonObject{{QStringLiteral("error"),
                                     QJsonObject{{QStringLiteral("code"), code},
                                                 {QStringLiteral("message"), message}}}});
}

HttpResponse HttpResponse::empty(int status)
{
    HttpResponse r;
    r.status = status;
    return r;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

bool isHttpToken(QByteArrayView value)
{
    if (value.isEmpty())
        return false;
    for (const char c : value) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !QByteArrayView("!#$%&'*+-.^_`|~").contains(c))
            return false;
    }
    return true;
}

namespace {

// A field value as RFC 9110 5.5 allows it: visible characters, spaces and tabs, obs-text.
bool isSafeFieldValue(QByteArrayView value)
{
    for (const char c : value) {
        const auto u = uchar(c);
        if ((u < 0x20 && u != '\t') || u == 0x7F)
            return false;
    }
    return true;
}

} // namespace

bool HttpResponse::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray HttpResponse::serialize() const
{
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    for (const auto &h : headers) {
        if (isHttpToken(h.first) && isSafeFieldValue(h.second))
            out += h.first + ": " + h.second + "\r\n";
    }
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n";
    if (!headOnly)
        out += body;
    return out;
}

} // namespace depot
