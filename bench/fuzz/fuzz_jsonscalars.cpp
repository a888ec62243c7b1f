// json::ScalarObject (protocol/jsonscalars.h), differentially against QJsonDocument. The reader
// may refuse anything (it takes only the plain form and leaves the rest to a full parser); what
// it accepts must be what QJsonDocument reads. A disagreement is any of:
// - it accepts bytes that do not end in '}' or that QJsonDocument refuses or reads as no object;
// - a different number of members, a member Qt lacks, or a member of another kind;
// - a string, boolean or number that differs (numbers as doubles, exactly; 0 and -0 are equal,
//   as they are to every caller);
// - a string that is not printable ASCII, or an accepted object of more than MaxMembers members.
// It must also read the same bytes the same way when they are followed by anything.
#include "fuzzcheck.h"
#include "protocol/jsonscalars.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdint>

using namespace depot::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    ScalarObject object;
    const qsizetype n = object.read(text);
    FUZZ_CHECK(n >= 0 && n <= text.size());
    if (n == 0)
        return 0;
    FUZZ_CHECK(text[n - 1] == '}');
    FUZZ_CHECK(object.size() <= ScalarObject::MaxMembers);

    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.first(n), &error);
    FUZZ_CHECK(error.error == QJsonParseError::NoError);
    FUZZ_CHECK(doc.isObject());
    const QJsonObject qt = doc.object();
    FUZZ_CHECK(qt.size() == object.size());
    for (auto it = qt.begin(); it != qt.end(); ++it) {
        const QByteArray key = it.key().toLatin1();
        FUZZ_CHECK(QString::fromLatin1(key) == it.key());
        const Scalar *mine = object.find(QLatin1StringView(key));
        FUZZ_CHECK(mine);
        const QJsonValue v = it.value();
        switch (mine->kind) {
        case Scalar::Kind::Null:
            FUZZ_CHECK(v.isNull());
            break;
        case Scalar::Kind::Bool:
            FUZZ_CHECK(v.isBool() && v.toBool() == mine->boolean);
            break;
        case Scalar::Kind::Number:
            FUZZ_CHECK(v.isDouble() && v.toDouble() == mine->number);
            break;
        case Scalar::Kind::String:
            for (const char c : mine->string)
                FUZZ_CHECK(c >= 0x20 && c <= 0x7e && c != '"' && c != '\\');
            FUZZ_CHECK(v.isString() && v.toString() == QLatin1StringView(mine->string));
            break;
        }
    }

    // The object alone reads exactly as it did with whatever followed it.
    ScalarObject alone;
    FUZZ_CHECK(alone.read(text.first(n)) == n);
    FUZZ_CHECK(alone.size() == object.size());
    return 0;
}
