#include "requesthead.h"

#include <QUrl>

#include <algorithm>

namespace depot {

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
    request->method = requestLine.first(sp1).toByteArray();
    const QByteArrayView target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1);
    if (!target.startsWith('/'))
        return false;
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
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        request->headers.append({line.first(colon).trimmed().toByteArray().toLower(),
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
