#include "jsonfields.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace depot::json {

void FieldReader::fail(const QString &message)
{
    if (!m_error)
        m_error = makeError(ErrorCode::ValidationFailed, message);
}

QString FieldReader::requiredSecret(const QString &key, int maxLength)
{
    const QJsonValue v = m_object.value(key);
    if (!v.isString() || v.toString().isEmpty()) {
        fail(QStringLiteral("%1 must be a non-empty string").arg(key));
        return {};
    }
    if (v.toString().size() > maxLength)
        fail(QStringLiteral("%1 is longer than %2 characters").arg(key).arg(maxLength));
    return v.toString();
}

QString FieldReader::requiredString(const QString &key, int maxLength)
{
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull()) {
        fail(QStringLiteral("%1 is required").arg(key));
        return {};
    }
    if (!v.isString()) {
        fail(QStringLiteral("%1 must be a string").arg(key));
        return {};
    }
    const QString s = v.toString().trimmed();
    if (s.isEmpty())
        fail(QStringLiteral("%1 must not be empty").arg(key));
    else if (s.size() > maxLength)
        fail(QStringLiteral("%1 is longer than %2 characters").arg(key).arg(maxLength));
    return s;
}

std::optional<QString> FieldReader::optionalString(const QString &key, int maxLength)
{
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString()) {
        fail(QStringLiteral("%1 must be a string").arg(key));
        return std::nullopt;
    }
    const QString s = v.toString().trimmed();
    if (s.size() > maxLength)
        fail(QStringLiteral("%1 is longer than %2 characters").arg(key).arg(maxLength));
    return s;
}

double FieldReader::requiredNumber(const QString &key, double min, double max)
{
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull()) {
        fail(QStringLiteral("%1 is required").arg(key));
        return 0;
    }
    if (!v.isDouble() || !std::isfinite(v.toDouble())) {
        fail(QStringLiteral("%1 must be a number").arg(key));
        return 0;
    }
    const double d = v.toDouble();
    if (d < min || d > max)
        fail(QStringLiteral("%1 must be in [%2, %3]").arg(key).arg(min).arg(max));
    return d;
}

std::optional<double> FieldReader::optionalNumber(const QString &key, double min, double max)
{
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    return requiredNumber(key, min, max);
}

QJsonObject FieldReader::requiredObject(const QString &key)
{
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull()) {
        fail(QStringLiteral("%1 is required").arg(key));
        return {};
    }
    if (!v.isObject()) {
        fail(QStringLiteral("%1 must be an object").arg(key));
        return {};
    }
    return v.toObject();
}

Result<QJsonObject> parseObject(const QByteArray &body, bool emptyAllowed)
{
    if (body.trimmed().isEmpty()) {
        if (emptyAllowed)
            return QJsonObject();
        return makeError(ErrorCode::BadRequest, QStringLiteral("a JSON object body is required"));
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return makeError(ErrorCode::BadRequest,
                         QStringLiteral("malformed JSON: %1").arg(error.errorString()));
    if (!doc.isObject())
        return makeError(ErrorCode::BadRequest, QStringLiteral("the body must be a JSON object"));
    return doc.object();
}

} // namespace depot::json
