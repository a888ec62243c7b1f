#include "restclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace depot::bench {

RestClient::RestClient(const QUrl &base, QObject *parent)
    : QObject(parent)
    , m_base(base)
{
    // Setup makes thousands of requests, some of them password hashes; none should hang forever.
    m_network.setTransferTimeout(180000);
}

void RestClient::call(const QByteArray &verb, const QString &path, const QString &token,
                      const QJsonValue &body, Done done)
{
    QUrl url = m_base;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QByteArray data;
    if (body.isObject())
        data = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    else if (body.isArray())
        data = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
    else if (verb == "POST")
        data = QByteArrayLiteral("{}");
    QNetworkReply *reply = m_network.sendCustomRequest(request, verb, data);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
        done(status, doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()));
    });
}

} // namespace depot::bench
