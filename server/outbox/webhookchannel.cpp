#include "webhookchannel.h"

#include "core/clock.h"
#include "webhookservice.h"

#include <QMessageAuthenticationCode>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace depot {

WebhookChannel::WebhookChannel(WebhookService &webhooks, const Clock &clock, Options options,
                               QObject *parent)
    : QObject(parent)
    , m_webhooks(webhooks)
    , m_clock(clock)
    , m_options(options)
{}

QString WebhookChannel::name() const
{
    return WebhookService::channelName();
}

QByteArray WebhookChannel::signature(const QByteArray &secret, const QByteArray &timestamp,
                                     const QByteArray &body)
{
    return "sha256=" + QMessageAuthenticationCode::hash(timestamp + '.' + body, secret,
                                                        QCryptographicHash::Sha256)
                           .toHex();
}

void WebhookChannel::deliver(const OutboxEntry &entry,
                             std::function<void(const DeliveryOutcome &)> done)
{
    const std::optional<Webhook> webhook = m_webhooks.find(entry.target);
    if (!webhook) {
        // Deleted meanwhile (on another hub, or between the claim and now).
        QMetaObject::invokeMethod(
            this,
            [done] {
                done(DeliveryOutcome{false, true, 0, QStringLiteral("the webhook was deleted")});
            },
            Qt::QueuedConnection);
        return;
    }
    // The time of this attempt, so that a receiver may refuse old (replayed) requests.
    const QByteArray timestamp = QByteArray::number(m_clock.nowMs() / 1000);
    QNetworkRequest request{QUrl(webhook->url)};
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Depot-Webhook/1"));
    request.setRawHeader("X-Depot-Event", entry.event.toUtf8());
    request.setRawHeader("X-Depot-Delivery", entry.deliveryId.toUtf8());
    request.setRawHeader("X-Depot-Timestamp", timestamp);
    request.setRawHeader("X-Depot-Signature",
                         signature(webhook->secret.toUtf8(), timestamp, entry.payload));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(int(m_options.timeoutMs));
    QNetworkReply *reply = m_network.post(request, entry.payload);
    // The receiver's answer is not kept: only its status counts.
    connect(reply, &QNetworkReply::readyRead, reply,
            [reply] { reply->skip(reply->bytesAvailable()); });
    connect(reply, &QNetworkReply::finished, this, [this, reply, done] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        DeliveryOutcome outcome;
        outcome.status = status;
        if (status >= 200 && status < 300) {
            outcome.delivered = true;
            outcome.detail = QStringLiteral("HTTP %1").arg(status);
        } else if (reply->error() == QNetworkReply::OperationCanceledError) {
            outcome.detail = QStringLiteral("no answer within %1 ms").arg(m_options.timeoutMs);
        } else if (status >= 300 && status < 400) {
            outcome.detail =
                QStringLiteral("HTTP %1: redirect to another origin not followed").arg(status);
        } else if (status != 0) {
            outcome.detail = QStringLiteral("HTTP %1").arg(status);
        } else {
            outcome.detail = reply->errorString();
        }
        done(outcome);
    });
}

} // namespace depot
