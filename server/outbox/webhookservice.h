#pragma once

#include "core/outbox.h"
#include "core/result.h"

#include <optional>

namespace depot {

class Clock;
class Store;

/// What a dispatcher asks for when adding a webhook.
struct NewWebhook
{
    QString url;
    QStringList events;
    QString secret; // empty: one is made
};

/// The webhooks, kept in the store, and the outbox producer that makes one entry per event a
/// webhook chose: the body the webhook channel POSTs, {"id","event","timestamp","data"}, where
/// data is the socket event's payload.
class WebhookService final : public OutboxProducer
{
public:
    /// The outbox channel of webhook entries.
    static QString channelName() { return QStringLiteral("webhook"); }
    /// The events a webhook may choose: the package events of the socket API.
    static const QStringList &knownEvents();
    static constexpr int kMaxWebhooks = 100;
    static constexpr int kMaxUrlLength = 2048;
    static constexpr int kMinSecretLength = 16;
    static constexpr int kMaxSecretLength = 256;

    WebhookService(Store &store, const Clock &clock);

    Result<Webhook> create(const NewWebhook &fields);
    std::vector<Webhook> webhooks();
    std::optional<Webhook> find(const QString &id);
    /// Deletes the webhook and gives up on what it has not received yet.
    Result<Done> remove(const QString &id);
    /// The webhook's newest `limit` deliveries with their attempts, newest first.
    Result<std::vector<OutboxRecord>> deliveries(const QString &id, int limit);

    /// How a secret is shown once it was made: its first four characters.
    static QString secretHint(const QString &secret);

    void entriesFor(const Package *before, const Package &after,
                    const std::vector<PackageEvent> &events,
                    std::vector<OutboxEntry> &out) override;

private:
    /// The webhooks as stored: read again on every use when other hubs share the store.
    const std::vector<Webhook> &current();

    Store &m_store;
    const Clock &m_clock;
    std::vector<Webhook> m_webhooks;
    bool m_loaded = false;
};

} // namespace depot
