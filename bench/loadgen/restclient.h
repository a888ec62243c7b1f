#pragma once

#include <QJsonValue>
#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <functional>

namespace depot::bench {

/// JSON over HTTP against the contract's REST API; Qt queues what is beyond six connections.
class RestClient : public QObject
{
    Q_OBJECT

public:
    /// status is 0 when the request failed below HTTP.
    using Done = std::function<void(int status, const QJsonValue &body)>;

    explicit RestClient(const QUrl &base, QObject *parent = nullptr);

    void call(const QByteArray &verb, const QString &path, const QString &token,
              const QJsonValue &body, Done done);

private:
    QUrl m_base;
    QNetworkAccessManager m_network;
};

} // namespace depot::bench
