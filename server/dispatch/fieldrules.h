#pragma once

#include "core/result.h"
#include "dispatchservice.h"

#include <QLatin1StringView>
#include <QString>
#include <QStringList>

#include <optional>

namespace depot {

/// A text field of a command: its name as the contract spells it and its longest value.
struct TextField
{
    QLatin1StringView name;
    int maxLength = 0;
};

/// Why a field's value is refused.
enum class FieldFault {
    Empty,
    TooLong,
    ContainsSpace,
    NotAnEmailAddress,
    UnknownLanguage,
};

/// A refused field: which one and why. Front ends word it in their own language; error() is
/// the contract's English sentence that REST answers with.
struct FieldRefusal
{
    TextField field;
    FieldFault fault = FieldFault::Empty;

    Error error() const;
};

/// The rules of every command's fields, whoever sends it (REST or the console). Limits on free
/// text are generous for people and small enough that nobody fills the disk. Text is trimmed;
/// passwords are kept exactly as given, spaces included.
class FieldRules
{
public:
    static constexpr TextField kCourierName{QLatin1StringView("name"), 200};
    static constexpr TextField kUsername{QLatin1StringView("username"), 64};
    static constexpr TextField kPassword{QLatin1StringView("password"), 256};
    static constexpr TextField kPhone{QLatin1StringView("phone"), 40};
    static constexpr TextField kDeviceId{QLatin1StringView("deviceId"), 128};
    static constexpr TextField kRecipientName{QLatin1StringView("recipientName"), 200};
    static constexpr TextField kAddress{QLatin1StringView("address"), 500};
    static constexpr TextField kNotes{QLatin1StringView("notes"), 2000};
    static constexpr TextField kReason{QLatin1StringView("reason"), 500};
    static constexpr TextField kRecipientEmail{QLatin1StringView("recipientEmail"), 254};
    static constexpr TextField kLanguage{QLatin1StringView("language"), 16};

    /// The languages of the customer's e-mails.
    static QStringList languages();

    /// Trims `value`, then refuses it when it is longer than the field allows, or empty and
    /// `required`.
    static std::optional<FieldRefusal> text(const TextField &field, QString &value, bool required);
    /// A password: not empty, not too long, not trimmed.
    static std::optional<FieldRefusal> password(const QString &password);
    /// A login: required text without spaces.
    static std::optional<FieldRefusal> username(QString &username);

    /// A new courier's fields, trimmed in place, in the order REST reads them.
    static std::optional<FieldRefusal> newCourier(NewCourier &fields, const QString &password);
    /// An optional e-mail address: empty, or one @ between a local part and a domain with a dot.
    static std::optional<FieldRefusal> email(QString &address);
    /// An optional language of languages(), lower-cased in place.
    static std::optional<FieldRefusal> language(QString &language);
    /// A new package's text fields, trimmed in place; the destination is the service's to check.
    static std::optional<FieldRefusal> newPackage(NewPackage &fields);
    /// Why a delivery failed (required) or a package was cancelled (optional), trimmed in place.
    static std::optional<FieldRefusal> reason(QString &reason, bool required);
};

} // namespace depot
