#pragma once

#include <QObject>
#include <QPointer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace depot {

class WebhookService;

/// Backs the console's Webhooks page: lists, adds and deletes the depot's webhooks and shows
/// each one's recent deliveries. The service lives on the hub's thread (`serviceContext`): the
/// calls run there while this thread waits, as the console's other actions do.
class WebhooksController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(QStringList knownEvents READ knownEvents CONSTANT)
    Q_PROPERTY(QString lastError READ lastError NOTIFY errorOccurred)

public:
    /// `serviceContext`: an object on the service's thread (the hub); null when it is this one.
    WebhooksController(WebhookService &webhooks, QObject *serviceContext = nullptr,
                       QObject *parent = nullptr);

    QStringList knownEvents() const;
    QString lastError() const { return m_lastError; }

    /// Each webhook: {id, url, events, secretHint, createdAt}.
    Q_INVOKABLE QVariantList webhooks();
    /// Adds a webhook and gives its secret (the one made when `secret` is empty), shown once;
    /// empty after errorOccurred.
    Q_INVOKABLE QString add(const QString &url, const QStringList &events,
                            const QString &secret = QString());
    Q_INVOKABLE bool remove(const QString &id);
    /// The webhook's newest deliveries: {id, event, packageId, state, attempts, createdAt,
    /// lastDetail, lastStatus}.
    Q_INVOKABLE QVariantList deliveries(const QString &id);

Q_SIGNALS:
    /// A webhook was added or deleted.
    void changed();
    void errorOccurred(const QString &message);

private:
    template <typename Command> auto onService(Command command) -> decltype(command());
    void report(const QString &message);

    WebhookService &m_webhooks;
    QPointer<QObject> m_serviceContext;
    QString m_lastError;
};

} // namespace depot
