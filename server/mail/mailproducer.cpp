#include "mailproducer.h"

#include "mailtexts.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace depot {

namespace {

std::optional<MailKind> kindFor(PackageStatus status)
{
    switch (status) {
    case PackageStatus::InProgress:
        return MailKind::OutForDelivery;
    case PackageStatus::Completed:
        return MailKind::Delivered;
    case PackageStatus::Failed:
        return MailKind::Failed;
    default:
        return std::nullopt;
    }
}

QString eventFor(MailKind kind)
{
    switch (kind) {
    case MailKind::OutForDelivery:
        return QStringLiteral("delivery:started");
    case MailKind::Delivered:
        return QStringLiteral("delivery:completed");
    case MailKind::Failed:
        return QStringLiteral("delivery:failed");
    }
    return {};
}

} // namespace

MailProducer::MailProducer(Options options)
    : m_options(std::move(options))
{}

QString MailProducer::trackingUrl(const QString &publicUrl, const Package &package)
{
    if (publicUrl.isEmpty() || package.trackingCode.isEmpty())
        return {};
    QString base = publicUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base + QStringLiteral("/track/") +
           QString::fromLatin1(QUrl::toPercentEncoding(package.trackingCode));
}

void MailProducer::entriesFor(const Package *before, const Package &after,
                              const std::vector<PackageEvent> & /*events*/,
                              std::vector<OutboxEntry> &out)
{
    if (after.recipientEmail.isEmpty() || (before && before->status == after.status))
        return;
    const auto kind = kindFor(after.status);
    if (!kind)
        return;
    const QString language = after.language.isEmpty() ? m_options.defaultLanguage : after.language;
    QJsonObject payload{{QStringLiteral("kind"), mailKindName(*kind)},
                        {QStringLiteral("language"), language},
                        {QStringLiteral("packageId"), after.id},
                        {QStringLiteral("recipientName"), after.recipientName},
                        {QStringLiteral("trackingCode"), after.trackingCode},
                        {QStringLiteral("trackingUrl"), trackingUrl(m_options.publicUrl, after)}};
    if (*kind == MailKind::Failed)
        payload.insert(QStringLiteral("reason"), after.reason);
    OutboxEntry entry;
    entry.deliveryId = newId();
    entry.channel = QStringLiteral("email");
    entry.target = after.recipientEmail;
    entry.orderKey = after.id;
    entry.event = eventFor(*kind);
    entry.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    entry.createdAtMs = after.updatedAt.toMSecsSinceEpoch();
    entry.nextAttemptAtMs = entry.createdAtMs;
    out.push_back(std::move(entry));
}

} // namespace depot
