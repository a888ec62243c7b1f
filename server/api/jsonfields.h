#pragma once

#include "core/result.h"

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

    /// A non-empty string of at most maxLength characters (after trimming).
    QString requiredString(const QString &key, int maxLength);
    /// As requiredString but kept exactly as given, as passwords must be.
    QString requiredSecret(const QString &key, int maxLength);
    /// Absent or null gives std::nullopt; an empty string is allowed.
    std::optional<QString> optionalString(const QString &key, int maxLength);
    double requiredNumber(const QString &key, double min, double max);
    std::optional<double> optionalNumber(const QString &key, double min, double max);
    QJsonObject requiredObject(const QString &key);

    bool ok() const { return !m_error; }
    const Error &error() const { return *m_error; }

private:
    void fail(const QString &message);

    QJsonObject m_object;
    std::optional<Error> m_error;
};

/// Parses a body that must be one JSON object; an empty body counts as {} when allowed.
Result<QJsonObject> parseObject(const QByteArray &body, bool emptyAllowed);

} // namespace depot::json
