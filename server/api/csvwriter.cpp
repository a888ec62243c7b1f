#include "csvwriter.h"

namespace depot {

CsvWriter::CsvWriter()
    : m_bytes("\xEF\xBB\xBF")
{}

void CsvWriter::addRow(const QStringList &cells)
{
    QString line;
    for (qsizetype i = 0; i < cells.size(); ++i) {
        if (i)
            line += QLatin1Char(',');
        line += field(cells[i]);
    }
    line += QLatin1String("\r\n");
    m_bytes += line.toUtf8();
}

QString CsvWriter::field(const QString &cell)
{
    QString text = cell;
    if (!text.isEmpty()) {
        const QChar first = text.front();
        if (first == QLatin1Char('=') || first == QLatin1Char('+') || first == QLatin1Char('-') ||
            first == QLatin1Char('@') || first == QLatin1Char('\t') || first == QLatin1Char('\r'))
            text.prepend(QLatin1Char('\''));
    }
    const bool quoted = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
                        text.contains(QLatin1Char('\r')) || text.contains(QLatin1Char('\n'));
    if (!quoted)
        return text;
    text.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
}

} // namespace depot
