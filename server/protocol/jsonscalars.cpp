#include "jsonscalars.h"

#include <charconv>
#include <cmath>

namespace depot::json {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A string of printable ASCII without escapes, from the opening quote at text[i]; the index
// after the closing quote, or 0.
qsizetype readPlainString(QByteArrayView text, qsizetype i, QByteArrayView *out)
{
    if (i >= text.size() || text[i] != '"')
        return 0;
    const qsizetype start = ++i;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            *out = text.sliced(start, i - start);
            return i + 1;
        }
        if (c == '\\' || c < 0x20 || c > 0x7e)
            return 0;
    }
    return 0;
}

// A number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; the index after
// it, or 0.
qsizetype readNumber(QByteArrayView text, qsizetype i, double *out)
{
    const qsizetype n = text.size();
    const qsizetype start = i;
    if (i < n && text[i] == '-')
        ++i;
    if (i >= n || !isDigit(text[i]))
        return 0;
    if (text[i] == '0')
        ++i;
    else
        while (i < n && isDigit(text[i]))
            ++i;
    if (i < n && text[i] == '.') {
        ++i;
        if (i >= n || !isDigit(text[i]))
            return 0;
        while (i < n && isDigit(text[i]))
            ++i;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-'))
            ++i;
        if (i >= n || !isDigit(text[i]))
            return 0;
        while (i < n && isDigit(text[i]))
            ++i;
    }
    // from_chars rounds correctly, as QJsonDocument's parser does.
    const auto [end, ec] = std::from_chars(text.data() + start, text.data() + i, *out);
    if (ec != std::errc() || end != text.data() + i || !std::isfinite(*out))
        return 0;
    return i;
}

qsizetype readLiteral(QByteArrayView text, qsizetype i, QByteArrayView literal)
{
    return text.sliced(i).startsWith(literal) ? i + literal.size() : 0;
}

} // namespace

qsizetype ScalarObject::read(QByteArrayView text)
{
    m_members.clear();
    const qsizetype n = text.size();
    qsizetype i = 0;
    if (n < 2 || text[i++] != '{')
        return 0;
    if (text[i] == '}')
        return i + 1;
    for (;;) {
        if (m_members.size() == MaxMembers)
            return 0;
        Member m;
        if (!(i = readPlainString(text, i, &m.key)) || i >= n || text[i++] != ':' || i >= n)
            return 0;
        for (const Member &seen : std::as_const(m_members)) {
            if (seen.key == m.key)
                return 0; // which one wins differs between parsers: leave it to the full one
        }
        switch (text[i]) {
        case '"':
            m.value.kind = Scalar::Kind::String;
            i = readPlainString(text, i, &m.value.string);
            break;
        case 't':
            m.value.kind = Scalar::Kind::Bool;
            m.value.boolean = true;
            i = readLiteral(text, i, "true");
            break;
        case 'f':
            m.value.kind = Scalar::Kind::Bool;
            i = readLiteral(text, i, "false");
            break;
        case 'n':
            i = readLiteral(text, i, "null");
            break;
        default:
            m.value.kind = Scalar::Kind::Number;
            i = readNumber(text, i, &m.value.number);
            break;
        }
        if (!i || i >= n)
            return 0;
        m_members.append(m);
        const char next = text[i++];
        if (next == '}')
            return i;
        if (next != ',')
            return 0;
    }
}

const Scalar *ScalarObject::find(QLatin1StringView key) const
{
    for (const Member &m : m_members) {
        if (m.key == QByteArrayView(key.data(), key.size()))
            return &m.value;
    }
    return nullptr;
}

} // namespace depot::json
