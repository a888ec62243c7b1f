// The epoll transport's request-head peek (transport/requesthead.h). Input: one byte choosing the
// head limit, then the first bytes of a connection. Checks:
// - anything that does not start like "GET " is handed back at once;
// - an Upgrade spans exactly a head ending at the first blank line, within the limit, and holds
//   a GET with "Upgrade: websocket" and an "upgrade" token in Connection;
// - every header it keeps has a lower-case token for a name and a value without CR, LF or NUL
//   and without surrounding blanks (a head that breaks this is handed back to Qt's server);
// - bytes that arrive in pieces get the same answer: every shorter prefix of an upgrade's head
//   is NeedMore, and the head alone is the same upgrade.
#include "fuzzcheck.h"
#include "transport/requesthead.h"

#include <cstdint>

using namespace depot;
using Verdict = RequestHeadPeek::Verdict;

namespace {

bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

void checkUpgrade(const RequestHeadPeek &peek, QByteArrayView bytes, qsizetype limit)
{
    FUZZ_CHECK(peek.headBytes >= 4 && peek.headBytes <= bytes.size() && peek.headBytes <= limit);
    FUZZ_CHECK(bytes.indexOf("\r\n\r\n") == peek.headBytes - 4);
    const HttpRequest &r = peek.request;
    FUZZ_CHECK(r.method == "GET");
    FUZZ_CHECK(r.header("upgrade").compare("websocket", Qt::CaseInsensitive) == 0);
    FUZZ_CHECK(headerHasToken(r.header("connection"), "upgrade"));
    for (const auto &[name, value] : r.headers) {
        FUZZ_CHECK(!name.isEmpty());
        for (const char c : name)
            FUZZ_CHECK(isTokenChar(c));
        for (const char c : value)
            FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
        FUZZ_CHECK(value == value.trimmed());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype limit = data[0] & 1 ? 8192 : 16 + data[0];
    const QByteArrayView bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const RequestHeadPeek peek = peekRequestHead(bytes, limit);
    if (!QByteArrayView("GET ").startsWith(bytes.first(std::min<qsizetype>(bytes.size(), 4))))
        FUZZ_CHECK(peek.verdict == Verdict::HandBack);
    if (peek.verdict == Verdict::NeedMore)
        FUZZ_CHECK(bytes.size() < limit && !bytes.contains("\r\n\r\n"));
    if (peek.verdict != Verdict::Upgrade)
        return 0;
    checkUpgrade(peek, bytes, limit);

    const RequestHeadPeek alone = peekRequestHead(bytes.first(peek.headBytes), limit);
    FUZZ_CHECK(alone.verdict == Verdict::Upgrade && alone.headBytes == peek.headBytes);
    FUZZ_CHECK(alone.request.method == peek.request.method);
    FUZZ_CHECK(alone.request.path == peek.request.path);
    FUZZ_CHECK(alone.request.query.query() == peek.request.query.query());
    FUZZ_CHECK(alone.request.headers == peek.request.headers);
    for (qsizetype k = 0; k < peek.headBytes; k += 1 + k / 4)
        FUZZ_CHECK(peekRequestHead(bytes.first(k), limit).verdict == Verdict::NeedMore);
    return 0;
}
