#pragma once

#include <QString>
#include <QStringList>

#include <optional>

class QTranslator;

namespace depot {

/// Why a customer is written to.
enum class MailKind { OutForDelivery, Delivered, Failed };

QString mailKindName(MailKind kind); // "out_for_delivery", "delivered", "failed"
std::optional<MailKind> mailKindFromName(const QString &name);

/// What a customer's message says, before it is put in a language.
struct MailFacts
{
    MailKind kind = MailKind::OutForDelivery;
    QString recipientName;
    QString trackingCode;
    QString trackingUrl; // empty: the message has no link
    QString reason;      // why a delivery failed; empty otherwise
};

/// The customer's messages in the console's languages. The English texts are the sources of
/// the translation context kMailContext; a translator for another language gives that one.
namespace mailtexts {

inline constexpr char kMailContext[] = "depot::MailMessages";

/// The languages a package may ask for.
QStringList languages();
QString subject(const MailFacts &facts, const QTranslator *translator);
QString body(const MailFacts &facts, const QTranslator *translator);

} // namespace mailtexts

} // namespace depot
