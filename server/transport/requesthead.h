#pragma once

#include "httpmessage.h"

#include <QByteArrayView>

namespace depot {

/// What the bytes at the front of a new connection say, read without consuming them: whether
/// they are a WebSocket upgrade the lean transport takes, or a request for Qt's server.
struct RequestHeadPeek
{
    enum class Verdict {
        NeedMore, // a GET whose head is not complete yet
        HandBack, // anything but a well-formed WebSocket upgrade: Qt's server answers it
        Upgrade,  // a WebSocket upgrade; request holds its head
    };

    Verdict verdict = Verdict::NeedMore;
    HttpRequest request;
    qsizetype headBytes = 0; // with Upgrade: the bytes of the head, its blank line included
};

/// Classifies the first bytes of a connection; a head that is not complete within
/// maxHeadBytes is handed back.
RequestHeadPeek peekRequestHead(QByteArrayView bytes, qsizetype maxHeadBytes);

/// Splits a request head (request line and header lines, each ending in CRLF) into the hub's
/// request type; false when it is not an HTTP/1.1 request.
bool parseRequestHead(QByteArrayView head, HttpRequest *request);

/// Whether a comma-separated header value holds token, compared without regard to case.
bool headerHasToken(const QByteArray &value, QByteArrayView token);

} // namespace depot
