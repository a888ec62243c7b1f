#pragma once

#include <QByteArray>
#include <QStringView>

#include <optional>

namespace depot::json {

/// Writes compact JSON straight into bytes, as QJsonDocument::Compact would write the same
/// values, without building a QJsonObject first: for payloads sent thousands of times a second.
/// The caller keeps the nesting right; the writer places the commas.
class Writer
{
public:
    /// reserve: the bytes expected, so that small payloads are written without reallocating.
    explicit Writer(qsizetype reserve = 256) { m_out.reserve(reserve); }

    Writer &beginObject();
    Writer &endObject();
    /// Starts a member of the current object.
    Writer &key(QLatin1StringView name);
    Writer &string(QStringView value);
    /// A number as JavaScript writes it: integers without a fraction, others in the shortest
    /// form that reads back exactly. Not finite: null, as JSON.stringify does.
    Writer &number(double value);
    Writer &null();
    Writer &numberOrNull(const std::optional<double> &value)
    {
        return value ? number(*value) : null();
    }

    const QByteArray &bytes() const { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    void separate();

    QByteArray m_out;
    bool m_first = true; // no value yet in the current container
};

} // namespace depot::json
