#include "jsonwriter.h"

#include "engineio.h"

#include <QLocale>

#include <cmath>

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
    separate();
    m_out.append('"').append(name.data(), name.size()).append("\":");
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
        m_out.append(QByteArray::number(qint64(value)));
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
