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

void FieldReader::refuse(const std::optional<FieldRefusal> &refusal)
{
    if (refusal && !m_error)
        m_error = refusal->error();
}

QString FieldReader::requiredSecret(const TextField &field)
{
    const QJsonValue v = m_object.value(QString(field.name));
    if (!v.isString()) {
        refuse(FieldRefusal{field, FieldFault::Empty});
        return {};
    }
    const QString secret = v.toString();
    refuse(FieldRules::password(secret));
    return secret;
}

QString FieldReader::requiredString(const TextField &field)
{
    const QString key(field.name);
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull()) {
        fail(QStringLiteral("%1 is required").arg(key));
        return {};
    }
    if (!v.isString()) {
        fail(QStringLiteral("%1 must be a string").arg(key));
        return {};
    }
    QString s = v.toString();
    refuse(FieldRules::text(field, s, true));
    return s;
}

std::optional<QString> FieldReader::optionalString(const TextField &field)
{
    const QString key(field.name);
    const QJsonValue v = m_object.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString()) {
        fail(QStringLiteral("%1 must be a string").arg(key));
        return std::nullopt;
    }
    QString s = v.toString();
    refuse(FieldRules::text(field, s, false));
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
