#include "fieldrules.h"

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

std::optional<FieldRefusal> FieldRules::newPackage(NewPackage &fields)
{
    for (auto refusal : {text(kRecipientName, fields.recipientName, true),
                         text(kAddress, fields.address, true), text(kNotes, fields.notes, false)}) {
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
