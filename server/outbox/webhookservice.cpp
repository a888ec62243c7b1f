#include "webhookservice.h"

#include "core/clock.h"
#include "core/store.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QUrl>

#include <algorithm>

namespace depot {

namespace {

Error invalid(const QString &message)
{
    return makeError(ErrorCode::ValidationFailed, message);
}

QString randomSecret()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / int(sizeof(quint32)));
    return QString::fromLatin1(bytes.toHex());
}

Error storeError(const Store &store)
{
    return store.available()
               ? makeError(ErrorCode::Internal, QStringLiteral("the database refused the change"))
               : makeError(ErrorCode::StoreUnavailable,
                           QStringLiteral("the database cannot be reached; nothing was changed"));
}

} // namespace

const QStringList &WebhookService::knownEvents()
{
    static const QStringList events{
        QStringLiteral("package:update"),   QStringLiteral("delivery:assigned"),
        QStringLiteral("delivery:started"), QStringLiteral("delivery:completed"),
        QStringLiteral("delivery:failed"),  QStringLiteral("package:cancelled"),
    };
    return events;
}

WebhookService::WebhookService(Store &store, const Clock &clock)
    : m_store(store)
    , m_clock(clock)
{}

QString WebhookService::secretHint(const QString &secret)
{
    return secret.left(4) + QStringLiteral("…");
}

const std::vector<Webhook> &WebhookService::current()
{
    if (!m_loaded || m_store.shared()) {
        if (m_store.available())
            m_webhooks = m_store.loadWebhooks();
        m_loaded = true;
    }
    return m_webhooks;
}

Result<Webhook> WebhookService::create(const NewWebhook &fields)
{
    const QUrl url(fields.url, QUrl::StrictMode);
    if (fields.url.size() > kMaxUrlLength || !url.isValid() || url.host().isEmpty() ||
        !(url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")))
        return invalid(QStringLiteral("url must be an http:// or https:// URL of at most %1 "
                                      "characters")
                           .arg(kMaxUrlLength));
    if (fields.events.isEmpty())
        return invalid(QStringLiteral("events must name at least one of: %1")
                           .arg(knownEvents().join(QStringLiteral(", "))));
    QStringList events;
    for (const QString &event : fields.events) {
        if (!knownEvents().contains(event))
            return invalid(QStringLiteral("unknown event '%1'; known: %2")
                               .arg(event.left(64), knownEvents().join(QStringLiteral(", "))));
        if (!events.contains(event))
            events << event;
    }
    if (!fields.secret.isEmpty() &&
        (fields.secret.size() < kMinSecretLength || fields.secret.size() > kMaxSecretLength))
        return invalid(QStringLiteral("secret must have %1 to %2 characters (or be left out to "
                                      "have one made)")
                           .arg(kMinSecretLength)
                           .arg(kMaxSecretLength));
    if (int(current().size()) >= kMaxWebhooks)
        return invalid(QStringLiteral("there are %1 webhooks already, the most a depot may have")
                           .arg(kMaxWebhooks));
    Webhook w;
    w.id = newId();
    w.url = url.toString(QUrl::FullyEncoded);
    w.events = events;
    w.secret = fields.secret.isEmpty() ? randomSecret() : fields.secret;
    w.createdAt = m_clock.now();
    if (!m_store.insertWebhook(w))
        return storeError(m_store);
    m_webhooks.push_back(w);
    return w;
}

std::vector<Webhook> WebhookService::webhooks()
{
    return current();
}

std::optional<Webhook> WebhookService::find(const QString &id)
{
    for (const Webhook &w : current()) {
        if (w.id == id)
            return w;
    }
    // Made on another hub since this one last looked.
    if (m_store.shared())
        m_loaded = false;
    return std::nullopt;
}

Result<Done> WebhookService::remove(const QString &id)
{
    if (!find(id))
        return makeError(ErrorCode::NotFound, QStringLiteral("no such webhook"));
    if (!m_store.deleteWebhook(id, m_clock.nowMs(),
                               QStringLiteral("the webhook was deleted before delivery")))
        return m_store.available()
                   ? makeError(ErrorCode::NotFound, QStringLiteral("no such webhook"))
                   : storeError(m_store);
    m_webhooks.erase(std::remove_if(m_webhooks.begin(), m_webhooks.end(),
                                    [&](const Webhook &w) { return w.id == id; }),
                     m_webhooks.end());
    return Done{};
}

Result<std::vector<OutboxRecord>> WebhookService::deliveries(const QString &id, int limit)
{
    if (!find(id))
        return makeError(ErrorCode::NotFound, QStringLiteral("no such webhook"));
    return m_store.recentOutboxEntries(channelName(), id, limit);
}

void WebhookService::entriesFor(const Package *before, const Package &after,
                                const std::vector<PackageEvent> &events,
                                std::vector<OutboxEntry> &out)
{
    (void)before;
    const std::vector<Webhook> &webhooks = current();
    if (webhooks.empty())
        return;
    for (const PackageEvent &event : events) {
        for (const Webhook &w : webhooks) {
            if (!w.events.contains(event.event))
                continue;
            OutboxEntry e;
            e.deliveryId = newId();
            e.channel = channelName();
            e.target = w.id;
            e.orderKey = after.id;
            e.event = event.event;
            e.payload = QJsonDocument(QJsonObject{{QStringLiteral("id"), e.deliveryId},
                                                  {QStringLiteral("event"), event.event},
                                                  {QStringLiteral("timestamp"),
                                                   isoTimestamp(event.timestamp)},
                                                  {QStringLiteral("data"), event.payload}})
                            .toJson(QJsonDocument::Compact);
            out.push_back(std::move(e));
        }
    }
}

} // namespace depot
