#include "mailtexts.h"

#include <QCoreApplication>
#include <QTranslator>

namespace depot {

QString mailKindName(MailKind kind)
{
    switch (kind) {
    case MailKind::OutForDelivery:
        return QStringLiteral("out_for_delivery");
    case MailKind::Delivered:
        return QStringLiteral("delivered");
    case MailKind::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

std::optional<MailKind> mailKindFromName(const QString &name)
{
    for (MailKind kind : {MailKind::OutForDelivery, MailKind::Delivered, MailKind::Failed}) {
        if (mailKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

namespace mailtexts {

namespace {

QString text(const QTranslator *translator, const char *source)
{
    if (translator) {
        const QString translated = translator->translate(kMailContext, source);
        if (!translated.isEmpty())
            return translated;
    }
    return QString::fromUtf8(source);
}

} // namespace

QStringList languages()
{
    return {QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("es"), QStringLiteral("fr")};
}

QString subject(const MailFacts &facts, const QTranslator *translator)
{
    switch (facts.kind) {
    case MailKind::OutForDelivery:
        return text(translator,
                    QT_TRANSLATE_NOOP("depot::MailMessages", "Your parcel %1 is on its way"))
            .arg(facts.trackingCode);
    case MailKind::Delivered:
        return text(translator,
                    QT_TRANSLATE_NOOP("depot::MailMessages", "Your parcel %1 has been delivered"))
            .arg(facts.trackingCode);
    case MailKind::Failed:
        return text(translator,
                    QT_TRANSLATE_NOOP("depot::MailMessages", "We could not deliver your parcel %1"))
            .arg(facts.trackingCode);
    }
    return {};
}

QString body(const MailFacts &facts, const QTranslator *translator)
{
    QStringList paragraphs;
    paragraphs << text(translator, QT_TRANSLATE_NOOP("depot::MailMessages", "Hello %1,"))
                      .arg(facts.recipientName);
    switch (facts.kind) {
    case MailKind::OutForDelivery:
        paragraphs << text(translator,
                           QT_TRANSLATE_NOOP("depot::MailMessages",
                                             "your parcel %1 is out for delivery and will reach "
                                             "you soon."))
                          .arg(facts.trackingCode);
        break;
    case MailKind::Delivered:
        paragraphs << text(translator, QT_TRANSLATE_NOOP("depot::MailMessages",
                                                         "your parcel %1 has been delivered."))
                          .arg(facts.trackingCode);
        break;
    case MailKind::Failed:
        paragraphs << text(translator, QT_TRANSLATE_NOOP("depot::MailMessages",
                                                         "we could not deliver your parcel %1."))
                          .arg(facts.trackingCode);
        if (!facts.reason.isEmpty())
            paragraphs << text(translator, QT_TRANSLATE_NOOP("depot::MailMessages", "Reason: %1"))
                              .arg(facts.reason);
        break;
    }
    if (!facts.trackingUrl.isEmpty() && facts.kind != MailKind::Delivered)
        paragraphs << text(translator,
                           QT_TRANSLATE_NOOP("depot::MailMessages", "Follow your parcel here: %1"))
                          .arg(facts.trackingUrl);
    paragraphs << text(translator,
                       QT_TRANSLATE_NOOP("depot::MailMessages",
                                         "This message was sent automatically; please do not "
                                         "reply to it."));
    return paragraphs.join(QStringLiteral("\n\n")) + QLatin1Char('\n');
}

} // namespace mailtexts

} // namespace depot
