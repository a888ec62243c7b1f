#pragma once

#include <QByteArrayView>
#include <QLatin1StringView>
#include <QVarLengthArray>

namespace depot::json {

/// One scalar member value, read in place: strings are views into the text they came from.
struct Scalar
{
    enum class Kind { Null, Bool, Number, String };

    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0;     // finite
    QByteArrayView string; // printable ASCII, no escapes
};

/// A JSON object whose members are all scalars, read without building a QJsonObject: for the
/// one payload that arrives thousands of times a second. It reads only the plain form clients
/// send (no whitespace, no escapes, no non-ASCII text, no nesting, no repeated keys) and refuses
/// everything else, valid JSON or not, so that a caller hands those to a full JSON parser.
/// Whatever it accepts is valid JSON that QJsonDocument reads to the same values.
class ScalarObject
{
public:
    static constexpr qsizetype MaxMembers = 32;

    /// Reads one object at the start of text; the bytes it spans, or 0 when it is not plain.
    qsizetype read(QByteArrayView text);

    const Scalar *find(QLatin1StringView key) const;
    qsizetype size() const { return m_members.size(); }

private:
    struct Member
    {
        QByteArrayView key;
        Scalar value;
    };
    QVarLengthArray<Member, 8> m_members;
};

} // namespace depot::json
