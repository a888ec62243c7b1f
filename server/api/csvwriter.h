#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace depot {

/// A CSV file as RFC 4180 writes it, for spreadsheet programs: UTF-8 with a byte order mark,
/// CRLF after every record, fields with a comma, quote, CR or LF quoted and their quotes
/// doubled. A cell that a spreadsheet would take for a formula (it starts with = + - @, a tab
/// or a CR) gets a leading apostrophe, so that opening the file runs nothing.
class CsvWriter
{
public:
    CsvWriter();

    void addRow(const QStringList &cells);
    /// The file so far.
    const QByteArray &bytes() const { return m_bytes; }

    /// One cell as it is written: guarded, then quoted when it needs to be.
    static QString field(const QString &cell);

private:
    QByteArray m_bytes;
};

} // namespace depot
