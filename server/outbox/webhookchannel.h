#pragma once

#include "core/outbox.h"

#include <QNetworkAccessManager>
#include <QObject>

namespace depot {

class Clock;
class WebhookService;

/// Delivers webhook entries: POSTs the entry's JSON to the webhook's URL with the X-Depot-*
/// headers and its HMAC-SHA256 signature. A 2xx answer is delivered; any other answer, a
/// timeout or an unreachable receiver is tried again later. Redirects are followed only to the
/// same scheme, host and port.
class WebhookChannel final : public QObject, public OutboxChannel
{
    Q_OBJECT

public:
    struct Options
    {
        qint64 timeoutMs = 10'000;
    };

    WebhookChannel(WebhookService &webhooks, const Clock &clock, Options options,
                   QObject *parent = nullptr);

    QString name() const override;
    void deliver(const OutboxEntry &entry,
                 std::function<void(const DeliveryOutcome &)> done) override;

    /// The X-Depot-Signature value of a request: "sha256=" and the hex HMAC-SHA256 of
    /// "TIMESTAMP.BODY" with the webhook's secret.
    static QByteArray signature(const QByteArray &secret, const QByteArray &timestamp,
                                const QByteArray &body);

private:
    WebhookService &m_webhooks;
    const Clock &m_clock;
    const Options m_options;
    QNetworkAccessManager m_network;
};

} // namespace depot
