#pragma once

#include "core/result.h"
#include "dispatch/fieldrules.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace depot::json {

/// Reads typed fields out of a request body and says which one is wrong, and why.
class FieldReader
{
public:
    explicit FieldReader(const QJsonObject &object)
        : m_object(object)
    {}

    /// A string the field's rule accepts as required: trimmed, not empty, not too long.
    QString requiredString(const TextField &field);
    /// A password, kept exactly as given (FieldRules::password).
    QString requiredSecret(const TextField &field);
    /// Absent or null gives std::nullopt; an empty string is allowed.
    std::optional<QString> optionalString(const TextField &field);
    double requiredNumber(const QString &key, double min, double max);
    std::optional<double> optionalNumber(const QString &key, double min, double max);
    QJsonObject requiredObject(const QString &key);

    bool ok() const { return !m_error; }
    const Error &error() const { return *m_error; }

private:
    void fail(const QString &message);
    void refuse(const std::optional<FieldRefusal> &refusal);

    QJsonObject m_object;
    std::optional<Error> m_error;
};

/// Parses a body that must be one JSON object; an empty body counts as {} when allowed.
Result<QJsonObject> parseObject(const QByteArray &body, bool emptyAllowed);

} // namespace depot::json
