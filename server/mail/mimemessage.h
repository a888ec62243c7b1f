#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace depot {

/// One plain-text e-mail, ready to be put into RFC 5322 form.
struct MailMessage
{
    QString fromAddress;
    QString fromName; // empty: the address alone
    QString toAddress;
    QString toName;
    QString subject;
    QString body;
    QString language; // the body's, as Content-Language: "en", "de", ...; empty: none
    QDateTime date;
    QString messageId; // without the angle brackets: "id@domain"
};

/// Puts messages into RFC 5322 and MIME form: UTF-8 headers as RFC 2047 encoded words, the body
/// as text/plain in UTF-8, quoted-printable. Pure: no sockets, no clock.
namespace mime {

/// The message with CRLF line ends, headers first; no line is longer than 78 characters.
/// Line breaks in header fields (names, the subject) become spaces, so no field can add a
/// header of its own.
QByteArray compose(const MailMessage &message);

/// `text` without CR, LF and other control characters, runs of white space made one space.
QString headerSafe(const QString &text);
/// `text` as it may stand in a header: as is when it is printable ASCII, else as RFC 2047
/// encoded words ("=?UTF-8?B?...?="), folded so that no line passes 78 characters.
/// `firstLineUsed` is how much of the first line the header's name already takes.
QByteArray encodeHeaderText(const QString &text, int firstLineUsed);
/// An address with an optional display name: "Name <a@b>", the name encoded where it must be.
QByteArray mailbox(const QString &name, const QString &address, int firstLineUsed);
/// Quoted-printable (RFC 2045) of UTF-8 text with CRLF line ends and soft breaks at 76.
QByteArray quotedPrintable(const QString &text);
/// The RFC 5322 date: "Thu, 03 Dec 2026 18:23:22 +0000".
QByteArray rfc5322Date(const QDateTime &date);
/// A plausible address: one @, a local part and a domain with a dot, no spaces or controls.
bool isPlausibleAddress(const QString &address);

} // namespace mime

} // namespace depot
