#include "mailchannel.h"

#include "core/clock.h"
#include "mailtexts.h"
#include "mimemessage.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrl>

namespace depot {

MailChannel::MailChannel(Options options, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock)
{}

MailChannel::~MailChannel() = default;

QString MailChannel::asciiAddress(const QString &address)
{
    const qsizetype at = address.lastIndexOf(QLatin1Char('@'));
    if (at < 0)
        return address;
    const QByteArray domain = QUrl::toAce(address.mid(at + 1));
    return address.left(at + 1) + QString::fromLatin1(domain);
}

const QTranslator *MailChannel::translatorFor(const QString &language)
{
    if (language.isEmpty() || language == QLatin1String("en"))
        return nullptr;
    auto it = m_translators.find(language);
    if (it == m_translators.end()) {
        auto translator = std::make_unique<QTranslator>();
        if (!translator->load(QStringLiteral("depot_") + language, m_options.translationFolder))
            translator.reset();
        it = m_translators.emplace(language, std::move(translator)).first;
    }
    return it->second.get();
}

std::optional<QByteArray> MailChannel::compose(const OutboxEntry &entry, QString *why)
{
    auto fail = [why](const QString &reason) -> std::optional<QByteArray> {
        if (why)
            *why = reason;
        return std::nullopt;
    };
    if (!mime::isPlausibleAddress(entry.target))
        return fail(
            QStringLiteral("not an e-mail address: %1").arg(mime::headerSafe(entry.target)));
    QJsonParseError parseError;
    const QJsonObject payload = QJsonDocument::fromJson(entry.payload, &parseError).object();
    const auto kind = mailKindFromName(payload.value(QStringLiteral("kind")).toString());
    if (parseError.error != QJsonParseError::NoError || !kind)
        return fail(QStringLiteral("the entry is not a customer message"));
    MailFacts facts;
    facts.kind = *kind;
    facts.recipientName = payload.value(QStringLiteral("recipientName")).toString();
    facts.trackingCode = payload.value(QStringLiteral("trackingCode")).toString();
    facts.trackingUrl = payload.value(QStringLiteral("trackingUrl")).toString();
    facts.reason = payload.value(QStringLiteral("reason")).toString();
    const QString language = payload.value(QStringLiteral("language")).toString();
    const QTranslator *translator = translatorFor(language);

    MailMessage message;
    message.fromAddress = m_options.fromAddress;
    message.fromName = m_options.fromName;
    message.toAddress = asciiAddress(entry.target);
    message.toName = facts.recipientName;
    message.subject = mailtexts::subject(facts, translator);
    message.body = mailtexts::body(facts, translator);
    message.language = language.isEmpty() ? QStringLiteral("en") : language;
    message.date = m_clock.now();
    // The delivery id stays the same across retries, so a receiver sees a repeat as one message.
    const QString domain = m_options.fromAddress.section(QLatin1Char('@'), -1);
    message.messageId =
        entry.deliveryId + QLatin1Char('@') + (domain.isEmpty() ? QStringLiteral("depot") : domain);
    return mime::compose(message);
}

void MailChannel::deliver(const OutboxEntry &entry,
                          std::function<void(const DeliveryOutcome &)> done)
{
    QString why;
    const auto message = compose(entry, &why);
    if (!message) {
        QTimer::singleShot(0, this, [why, done = std::move(done)] {
            done(DeliveryOutcome{false, true, 0, why});
        });
        return;
    }
    auto *client = new SmtpClient(m_options.smtp, this);
    client->send(asciiAddress(m_options.fromAddress), asciiAddress(entry.target), *message,
                 [client, done = std::move(done)](const SmtpResult &result) {
                     client->deleteLater();
                     done(DeliveryOutcome{result.sent, !result.sent && result.permanent,
                                          result.code, result.detail});
                 });
}

} // namespace depot
