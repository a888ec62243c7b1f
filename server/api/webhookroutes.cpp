// RestApi's /api/webhooks routes (dispatchers only).
#include "core/clock.h"
#include "errorbody.h"
#include "jsonfields.h"
#include "outbox/webhookservice.h"
#include "restapi.h"

#include <QJsonArray>
#include <QJsonObject>

namespace depot {

namespace {

constexpr int kDefaultDeliveries = 50;
constexpr int kMaxDeliveries = 200;

HttpResponse webhooksForbidden()
{
    return HttpResponse::error(403, QStringLiteral("forbidden"),
                               QStringLiteral("your role may not do this"));
}

HttpResponse noWebhooks()
{
    return HttpResponse::error(404, QStringLiteral("not_found"),
                               QStringLiteral("no such resource"));
}

/// A webhook as GET shows it: the secret only by its first characters.
QJsonObject webhookJson(const Webhook &w)
{
    return QJsonObject{{QStringLiteral("id"), w.id},
                       {QStringLiteral("url"), w.url},
                       {QStringLiteral("events"), QJsonArray::fromStringList(w.events)},
                       {QStringLiteral("secretHint"), WebhookService::secretHint(w.secret)},
                       {QStringLiteral("createdAt"), isoTimestamp(w.createdAt)}};
}

QString isoOfMs(qint64 ms)
{
    return isoTimestamp(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
}

QJsonObject deliveryJson(const OutboxRecord &r)
{
    QJsonArray log;
    for (const OutboxAttempt &a : r.attempts)
        log.append(QJsonObject{{QStringLiteral("at"), isoOfMs(a.atMs)},
                               {QStringLiteral("delivered"), a.delivered},
                               {QStringLiteral("status"), a.status},
                               {QStringLiteral("detail"), a.detail}});
    QJsonObject o{
        {QStringLiteral("id"), r.entry.deliveryId},
        {QStringLiteral("event"), r.entry.event},
        {QStringLiteral("packageId"), r.entry.orderKey},
        {QStringLiteral("state"), r.state},
        {QStringLiteral("attempts"), int(r.attempts.size())},
        {QStringLiteral("createdAt"), isoOfMs(r.entry.createdAtMs)},
        {QStringLiteral("nextAttemptAt"), r.state == QLatin1String("pending")
                                              ? QJsonValue(isoOfMs(r.entry.nextAttemptAtMs))
                                              : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("log"), log}};
    return o;
}

} // namespace

HttpResponse RestApi::listWebhooks(const Principal &caller)
{
    if (!m_webhooks)
        return noWebhooks();
    if (!caller.isDispatcher())
        return webhooksForbidden();
    QJsonArray list;
    for (const Webhook &w : m_webhooks->webhooks())
        list.append(webhookJson(w));
    return HttpResponse::json(200, list);
}

HttpResponse RestApi::createWebhook(const Principal &caller, const HttpRequest &request)
{
    if (!m_webhooks)
        return noWebhooks();
    if (!caller.isDispatcher())
        return webhooksForbidden();
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    const auto refuse = [](const QString &message) {
        return errorResponse(makeError(ErrorCode::ValidationFailed, message));
    };
    NewWebhook fields;
    const QJsonValue url = body->value(QStringLiteral("url"));
    if (!url.isString())
        return refuse(QStringLiteral("url is required and must be a string"));
    fields.url = url.toString();
    const QJsonValue events = body->value(QStringLiteral("events"));
    if (!events.isArray())
        return refuse(QStringLiteral("events is required and must be an array of event names"));
    for (const QJsonValue &event : events.toArray()) {
        if (!event.isString())
            return refuse(QStringLiteral("events must be an array of event names"));
        fields.events << event.toString();
    }
    const QJsonValue secret = body->value(QStringLiteral("secret"));
    if (!secret.isUndefined() && !secret.isNull() && !secret.isString())
        return refuse(QStringLiteral("secret must be a string"));
    fields.secret = secret.toString();
    const auto webhook = m_webhooks->create(fields);
    if (!webhook)
        return errorResponse(webhook.error());
    // The one answer that holds the secret in full.
    QJsonObject answer = webhookJson(*webhook);
    answer.insert(QStringLiteral("secret"), webhook->secret);
    return HttpResponse::json(201, answer);
}

HttpResponse RestApi::deleteWebhook(const Principal &caller, const QString &id)
{
    if (!m_webhooks)
        return noWebhooks();
    if (!caller.isDispatcher())
        return webhooksForbidden();
    const auto removed = m_webhooks->remove(id);
    if (!removed)
        return errorResponse(removed.error());
    return HttpResponse::empty(204);
}

HttpResponse RestApi::webhookDeliveries(const Principal &caller, const QString &id,
                                        const HttpRequest &request)
{
    if (!m_webhooks)
        return noWebhooks();
    if (!caller.isDispatcher())
        return webhooksForbidden();
    int limit = kDefaultDeliveries;
    const QString limitText = request.query.queryItemValue(QStringLiteral("limit"));
    if (!limitText.isEmpty()) {
        bool ok = false;
        limit = limitText.toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxDeliveries)
            return errorResponse(makeError(
                ErrorCode::ValidationFailed,
                QStringLiteral("limit must be a whole number from 1 to %1").arg(kMaxDeliveries)));
    }
    const auto records = m_webhooks->deliveries(id, limit);
    if (!records)
        return errorResponse(records.error());
    QJsonArray list;
    for (const OutboxRecord &r : *records)
        list.append(deliveryJson(r));
    return HttpResponse::json(200, list);
}

} // namespace depot
