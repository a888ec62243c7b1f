#include "jsonwriter.h"

#include "engineio.h"

#include <QLocale>

#include <charconv>
#include <cmath>
#include <cstring>

namespace depot::json {

void Writer::separate()
{
    if (!m_first)
        m_out.append(',');
    m_first = false;
}

Writer &Writer::beginObject()
{
    separate();
    m_out.append('{');
    m_first = true;
    return *this;
}

Writer &Writer::endObject()
{
    m_out.append('}');
    m_first = false;
    return *this;
}

Writer &Writer::key(QLatin1StringView name)
{
    // One resize and a copy: a payload has a key for every value.
    const qsizetype at = m_out.size();
    const bool comma = !m_first;
    m_out.resize(at + (comma ? 1 : 0) + name.size() + 3);
    char *p = m_out.data() + at;
    if (comma)
        *p++ = ',';
    *p++ = '"';
    std::memcpy(p, name.data(), size_t(name.size()));
    p += name.size();
    *p++ = '"';
    *p = ':';
    m_first = true; // the value that follows takes no comma
    return *this;
}

Writer &Writer::string(QStringView value)
{
    separate();
    engineio::appendJsonString(m_out, value);
    return *this;
}

Writer &Writer::number(double value)
{
    separate();
    if (!std::isfinite(value)) {
        m_out.append("null");
    } else if (value == std::trunc(value) && std::abs(value) < 1e15) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, qint64(value)).ptr;
        m_out.append(digits, end - digits);
    } else if (std::abs(value) >= 1e-4 && std::abs(value) < 1e15) {
        // Where Qt's shortest form is plain decimal, to_chars writes the same digits faster.
        char digits[40];
        const auto end =
            std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed).ptr;
        m_out.append(digits, end - digits);
    } else {
        m_out.append(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
    }
    return *this;
}

Writer &Writer::null()
{
    separate();
    m_out.append("null");
    return *this;
}

} // namespace depot::json
