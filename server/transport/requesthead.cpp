#include "requesthead.h"

#include <QUrl>

#include <algorithm>

namespace depot {

namespace {

// RFC 9110 5.6.2: the characters of a token (a method, a field name).
bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView bytes)
{
    return !bytes.isEmpty() && std::all_of(bytes.begin(), bytes.end(), isTokenChar);
}

// RFC 9110 5.5: a field value holds no control character but HTAB (so no bare CR, LF or NUL).
bool isFieldValue(QByteArrayView bytes)
{
    return std::none_of(bytes.begin(), bytes.end(),
                        [](char c) { return (uchar(c) < 0x20 && c != '\t') || c == 0x7f; });
}

// A request target: visible ASCII only (RFC 9112 3.2; anything else arrives percent-encoded).
bool isTarget(QByteArrayView bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

} // namespace

RequestHeadPeek peekRequestHead(QByteArrayView bytes, qsizetype maxHeadBytes)
{
    RequestHeadPeek peek;
    // Only a GET can be an upgrade; everything else goes to Qt at once.
    if (!QByteArrayView("GET ").startsWith(bytes.first(std::min<qsizetype>(bytes.size(), 4)))) {
        peek.verdict = RequestHeadPeek::Verdict::HandBack;
        return peek;
    }
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0 || end + 4 > maxHeadBytes) {
        if (bytes.size() >= maxHeadBytes)
            peek.verdict = RequestHeadPeek::Verdict::HandBack;
        return peek; // the rest of the head is on its way
    }
    if (!parseRequestHead(bytes.first(end + 2), &peek.request) ||
        peek.request.header("upgrade").compare("websocket", Qt::CaseInsensitive) != 0 ||
        !headerHasToken(peek.request.header("connection"), "upgrade")) {
        peek.verdict = RequestHeadPeek::Verdict::HandBack;
        peek.request = {};
        return peek;
    }
    peek.verdict = RequestHeadPeek::Verdict::Upgrade;
    peek.headBytes = end + 4;
    return peek;
}

bool parseRequestHead(QByteArrayView head, HttpRequest *request)
{
    qsizetype lineEnd = head.indexOf("\r\n");
    if (lineEnd < 0)
        return false;
    const QByteArrayView requestLine = head.first(lineEnd);
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = requestLine.lastIndexOf(' ');
    if (sp1 <= 0 || sp2 <= sp1 || requestLine.sliced(sp2 + 1) != "HTTP/1.1")
        return false;
    const QByteArrayView method = requestLine.first(sp1);
    const QByteArrayView target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1);
    if (!isToken(method) || !target.startsWith('/') || !isTarget(target))
        return false;
    request->method = method.toByteArray();
    const QUrl url = QUrl::fromEncoded(target.toByteArray());
    request->path = url.path();
    request->query = QUrlQuery(url);

    qsizetype pos = lineEnd + 2;
    while (pos < head.size()) {
        lineEnd = head.indexOf("\r\n", pos);
        if (lineEnd < 0)
            lineEnd = head.size();
        const QByteArrayView line = head.sliced(pos, lineEnd - pos);
        pos = lineEnd + 2;
        if (line.isEmpty())
            break;
        // No blank may precede the colon (RFC 9112 5.1), nor start a folded line.
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)) || !isFieldValue(line.sliced(colon + 1)))
            return false;
        request->headers.append({line.first(colon).toByteArray().toLower(),
                                 line.sliced(colon + 1).trimmed().toByteArray()});
    }
    return true;
}

bool headerHasToken(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace depot
