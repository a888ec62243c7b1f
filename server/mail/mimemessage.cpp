#include "mimemessage.h"

#include <QLocale>
#include <QRegularExpression>

#include <algorithm>

namespace depot::mime {

namespace {

constexpr int kLineLimit = 78;
// "=?UTF-8?B?" and "?=" around each encoded word.
constexpr int kWordOverhead = 12;
// An encoded word is at most 75 characters: 60 of Base64, 45 bytes of UTF-8.
constexpr int kWordBytes = 45;

bool isPrintableAscii(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

/// RFC 5322 atext and spaces: a display name that needs no quotes.
bool isAtomPhrase(const QString &text)
{
    static const QRegularExpression phrase(QStringLiteral("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$"));
    return phrase.match(text).hasMatch() && !text.contains(QLatin1String("=?"));
}

/// Encoded words of `text`, each whole UTF-8 characters; the first fits after `firstLineUsed`.
QByteArray encodedWords(const QString &text, int firstLineUsed)
{
    QByteArray out;
    int lineUsed = firstLineUsed;
    QByteArray chunk;
    auto flush = [&] {
        if (chunk.isEmpty())
            return;
        const QByteArray word = "=?UTF-8?B?" + chunk.toBase64() + "?=";
        if (!out.isEmpty()) {
            out += "\r\n ";
            lineUsed = 1;
        }
        out += word;
        lineUsed += int(word.size());
        chunk.clear();
    };
    // Bytes that fit on the current line, whole groups of three, at most one word's worth.
    auto room = [&] {
        const int used = out.isEmpty() ? lineUsed : 1;
        return std::clamp((kLineLimit - used - kWordOverhead) / 4 * 3, 3, kWordBytes);
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        qsizetype length = 1;
        if (text.at(i).isHighSurrogate() && i + 1 < text.size())
            length = 2;
        const QByteArray bytes = text.mid(i, length).toUtf8();
        i += length - 1;
        if (chunk.size() + bytes.size() > room())
            flush();
        chunk += bytes;
    }
    flush();
    return out;
}

QString withoutAngles(const QString &address)
{
    QString a = headerSafe(address);
    a.remove(QLatin1Char('<'));
    a.remove(QLatin1Char('>'));
    a.remove(QLatin1Char(' '));
    return a;
}

} // namespace

QString headerSafe(const QString &text)
{
    QString out;
    out.reserve(text.size());
    bool space = false;
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.isSpace()) {
            space = !out.isEmpty();
            continue;
        }
        if (space)
            out += QLatin1Char(' ');
        space = false;
        out += c;
    }
    return out;
}

QByteArray encodeHeaderText(const QString &text, int firstLineUsed)
{
    const QString safe = headerSafe(text);
    if (isPrintableAscii(safe) && !safe.contains(QLatin1String("=?")) &&
        firstLineUsed + safe.size() <= kLineLimit)
        return safe.toLatin1();
    return encodedWords(safe, firstLineUsed);
}

QByteArray mailbox(const QString &name, const QString &address, int firstLineUsed)
{
    const QByteArray angle = "<" + withoutAngles(address).toUtf8() + ">";
    const QString safeName = headerSafe(name);
    if (safeName.isEmpty())
        return angle;
    QByteArray phrase;
    if (isAtomPhrase(safeName) && firstLineUsed + safeName.size() <= kLineLimit) {
        phrase = safeName.toLatin1();
    } else if (isPrintableAscii(safeName) && firstLineUsed + safeName.size() + 2 <= kLineLimit) {
        QString quoted = safeName;
        quoted.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
        quoted.replace(QLatin1Char('"'), QLatin1String("\\\""));
        phrase = '"' + quoted.toLatin1() + '"';
    } else {
        phrase = encodedWords(safeName, firstLineUsed);
    }
    const qsizetype lastBreak = phrase.lastIndexOf("\r\n");
    const qsizetype lastLine =
        lastBreak < 0 ? firstLineUsed + phrase.size() : phrase.size() - lastBreak - 2;
    return phrase + (lastLine + 1 + angle.size() > kLineLimit ? "\r\n " : " ") + angle;
}

QByteArray quotedPrintable(const QString &text)
{
    constexpr int kQpLine = 76;
    QString normalized = text;
    normalized.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalized.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    QByteArray out;
    const QStringList lines = normalized.split(QLatin1Char('\n'));
    for (qsizetype l = 0; l < lines.size(); ++l) {
        const QByteArray bytes = lines.at(l).toUtf8();
        QByteArray line;
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            const auto c = static_cast<unsigned char>(bytes.at(i));
            const bool last = i + 1 == bytes.size();
            QByteArray token;
            if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
                token = QByteArray(1, char(c));
            else
                token = '=' + QByteArray::number(c, 16).toUpper().rightJustified(2, '0');
            // Room for the token and a soft break's "=", unless this is the line's last token.
            if (line.size() + token.size() + (last ? 0 : 1) > kQpLine) {
                out += line + "=\r\n";
                line.clear();
            }
            line += token;
        }
        out += line;
        if (l + 1 < lines.size())
            out += "\r\n";
    }
    return out;
}

QByteArray rfc5322Date(const QDateTime &date)
{
    const int offsetMinutes = date.offsetFromUtc() / 60;
    const QString zone = QStringLiteral("%1%2%3")
                             .arg(offsetMinutes < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                             .arg(qAbs(offsetMinutes) / 60, 2, 10, QLatin1Char('0'))
                             .arg(qAbs(offsetMinutes) % 60, 2, 10, QLatin1Char('0'));
    return (QLocale::c().toString(date, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss ")) + zone)
        .toLatin1();
}

bool isPlausibleAddress(const QString &address)
{
    // Local part of printable ASCII without specials that break a header or an SMTP command;
    // a domain of labels with at least one dot, or an internationalised one.
    static const QRegularExpression pattern(
        QStringLiteral("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                       "(?=.{1,253}\\z)[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?"
                       "(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?)+\\z"));
    return address.size() <= 254 && pattern.match(address).hasMatch() &&
           !address.startsWith(QLatin1Char('.')) && !address.contains(QLatin1String("..")) &&
           !address.section(QLatin1Char('@'), 0, 0).endsWith(QLatin1Char('.'));
}

QByteArray compose(const MailMessage &m)
{
    QByteArray out;
    out += "From: " + mailbox(m.fromName, m.fromAddress, 6) + "\r\n";
    out += "To: " + mailbox(m.toName, m.toAddress, 4) + "\r\n";
    out += "Subject: " + encodeHeaderText(m.subject, 9) + "\r\n";
    out += "Date: " + rfc5322Date(m.date) + "\r\n";
    out += "Message-ID: <" + withoutAngles(m.messageId).toUtf8() + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
    if (!m.language.isEmpty())
        out += "Content-Language: " + headerSafe(m.language).toLatin1() + "\r\n";
    out += "\r\n";
    out += quotedPrintable(m.body);
    out += "\r\n";
    return out;
}

} // namespace depot::mime
