#include "fieldrules.h"

#include <QRegularExpression>

namespace depot {

Error FieldRefusal::error() const
{
    switch (fault) {
    case FieldFault::Empty:
        // A password is read as it is given, so nothing but the empty string is empty.
        if (field.name == FieldRules::kPassword.name)
            return makeError(ErrorCode::ValidationFailed,
                             QStringLiteral("%1 must be a non-empty string").arg(field.name));
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("%1 must not be empty").arg(field.name));
    case FieldFault::TooLong:
        return makeError(
            ErrorCode::ValidationFailed,
            QStringLiteral("%1 is longer than %2 characters").arg(field.name).arg(field.maxLength));
    case FieldFault::ContainsSpace:
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("%1 must not contain spaces").arg(field.name));
    case FieldFault::NotAnEmailAddress:
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("%1 is not an e-mail address").arg(field.name));
    case FieldFault::UnknownLanguage:
        return makeError(ErrorCode::ValidationFailed,
                         QStringLiteral("%1 must be one of %2")
                             .arg(field.name, FieldRules::languages().join(QStringLiteral(", "))));
    }
    return makeError(ErrorCode::ValidationFailed, QStringLiteral("%1 is invalid").arg(field.name));
}

std::optional<FieldRefusal> FieldRules::text(const TextField &field, QString &value, bool required)
{
    value = value.trimmed();
    if (required && value.isEmpty())
        return FieldRefusal{field, FieldFault::Empty};
    if (value.size() > field.maxLength)
        return FieldRefusal{field, FieldFault::TooLong};
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::password(const QString &password)
{
    if (password.isEmpty())
        return FieldRefusal{kPassword, FieldFault::Empty};
    if (password.size() > kPassword.maxLength)
        return FieldRefusal{kPassword, FieldFault::TooLong};
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::username(QString &username)
{
    if (auto refusal = text(kUsername, username, true))
        return refusal;
    if (username.contains(QLatin1Char(' ')))
        return FieldRefusal{kUsername, FieldFault::ContainsSpace};
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::newCourier(NewCourier &fields, const QString &password)
{
    // Lengths first, field by field, then the form of the login.
    for (auto refusal :
         {text(kCourierName, fields.name, true), text(kUsername, fields.username, true),
          FieldRules::password(password), text(kPhone, fields.phone, false),
          text(kDeviceId, fields.deviceId, false), username(fields.username)}) {
        if (refusal)
            return refusal;
    }
    return std::nullopt;
}

QStringList FieldRules::languages()
{
    return {QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("es"), QStringLiteral("fr")};
}

std::optional<FieldRefusal> FieldRules::email(QString &address)
{
    if (auto refusal = text(kRecipientEmail, address, false))
        return refusal;
    // A local part without spaces, quotes or brackets, and a domain with a dot: what a
    // customer's address looks like, and nothing that could break a mail header or command.
    static const QRegularExpression pattern(
        QStringLiteral("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                       "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?"
                       "(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?)+\\z"));
    if (!address.isEmpty() &&
        (!pattern.match(address).hasMatch() || address.startsWith(QLatin1Char('.')) ||
         address.contains(QLatin1String("..")) || address.contains(QLatin1String(".@"))))
        return FieldRefusal{kRecipientEmail, FieldFault::NotAnEmailAddress};
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::language(QString &language)
{
    language = language.trimmed().toLower();
    if (!language.isEmpty() && !languages().contains(language))
        return FieldRefusal{kLanguage, FieldFault::UnknownLanguage};
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::newPackage(NewPackage &fields)
{
    for (auto refusal : {text(kRecipientName, fields.recipientName, true),
                         text(kAddress, fields.address, true), text(kNotes, fields.notes, false),
                         email(fields.recipientEmail), language(fields.language)}) {
        if (refusal)
            return refusal;
    }
    return std::nullopt;
}

std::optional<FieldRefusal> FieldRules::reason(QString &reason, bool required)
{
    return text(kReason, reason, required);
}

} // namespace depot
