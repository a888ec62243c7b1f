#include "webhookscontroller.h"

#include "core/clock.h"
#include "core/result.h"
#include "outbox/webhookservice.h"

#include <QThread>

#include <optional>

namespace depot {

namespace {

constexpr int kShownDeliveries = 50;

} // namespace

WebhooksController::WebhooksController(WebhookService &webhooks, QObject *serviceContext,
                                       QObject *parent)
    : QObject(parent)
    , m_webhooks(webhooks)
    , m_serviceContext(serviceContext)
{}

template <typename Command>
auto WebhooksController::onService(Command command) -> decltype(command())
{
    if (!m_serviceContext || m_serviceContext->thread() == QThread::currentThread())
        return command();
    std::optional<decltype(command())> result;
    QMetaObject::invokeMethod(
        m_serviceContext.data(), [&command, &result] { result.emplace(command()); },
        Qt::BlockingQueuedConnection);
    return std::move(*result);
}

void WebhooksController::report(const QString &message)
{
    m_lastError = message;
    Q_EMIT errorOccurred(message);
}

QStringList WebhooksController::knownEvents() const
{
    return WebhookService::knownEvents();
}

QVariantList WebhooksController::webhooks()
{
    const auto list = onService([this] { return m_webhooks.webhooks(); });
    QVariantList out;
    for (const Webhook &w : list)
        out.append(QVariantMap{{QStringLiteral("id"), w.id},
                               {QStringLiteral("url"), w.url},
                               {QStringLiteral("events"), w.events},
                               {QStringLiteral("secretHint"), WebhookService::secretHint(w.secret)},
                               {QStringLiteral("createdAt"), w.createdAt.toLocalTime()}});
    return out;
}

QString WebhooksController::add(const QString &url, const QStringList &events,
                                const QString &secret)
{
    const auto made = onService([&] {
        return m_webhooks.create(NewWebhook{url.trimmed(), events, secret});
    });
    if (!made) {
        report(tr("The webhook was not added: %1").arg(made.error().message));
        return QString();
    }
    Q_EMIT changed();
    return made->secret;
}

bool WebhooksController::remove(const QString &id)
{
    const auto removed = onService([&] { return m_webhooks.remove(id); });
    if (!removed) {
        report(tr("The webhook was not deleted: %1").arg(removed.error().message));
        return false;
    }
    Q_EMIT changed();
    return true;
}

QVariantList WebhooksController::deliveries(const QString &id)
{
    const auto records = onService([&] { return m_webhooks.deliveries(id, kShownDeliveries); });
    QVariantList out;
    if (!records)
        return out;
    for (const OutboxRecord &r : *records) {
        const OutboxAttempt last = r.attempts.empty() ? OutboxAttempt{} : r.attempts.back();
        out.append(QVariantMap{
            {QStringLiteral("id"), r.entry.deliveryId},
            {QStringLiteral("event"), r.entry.event},
            {QStringLiteral("packageId"), r.entry.orderKey},
            {QStringLiteral("state"), r.state},
            {QStringLiteral("attempts"), int(r.attempts.size())},
            {QStringLiteral("createdAt"),
             QDateTime::fromMSecsSinceEpoch(r.entry.createdAtMs, Qt::UTC).toLocalTime()},
            {QStringLiteral("lastStatus"), last.status},
            {QStringLiteral("lastDetail"), last.detail}});
    }
    return out;
}

} // namespace depot
