// Both fix parsers (api/fixparsing.h): parseFix over whatever QJsonDocument reads from the
// bytes, and parsePlainFix where json::ScalarObject reads the bytes whole. Checks:
// - a fix either parser takes has a finite latitude in [-90, 90] and longitude in [-180, 180],
//   accuracy, speed and heading absent or in their ranges, and a valid timestamp not after now;
// - where the plain parser takes a fix, the general parser takes it too and reads the same fix
//   (every field and the timestamp to the millisecond), as tests/unit/api/tst_fixparsing does.
#include "fuzzcheck.h"

#include "api/fixparsing.h"
#include "protocol/jsonscalars.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdint>

using namespace depot;

namespace {

const QDateTime kNow = QDateTime::fromMSecsSinceEpoch(1795000000000, Qt::UTC);

void checkRange(const std::optional<double> &value, double min, double max)
{
    if (value)
        FUZZ_CHECK(std::isfinite(*value) && *value >= min && *value <= max);
}

void checkFix(const Location &fix)
{
    FUZZ_CHECK(std::isfinite(fix.latitude) && fix.latitude >= -90 && fix.latitude <= 90);
    FUZZ_CHECK(std::isfinite(fix.longitude) && fix.longitude >= -180 && fix.longitude <= 180);
    checkRange(fix.accuracy, 0, 1e7);
    checkRange(fix.speed, 0, 1e4);
    checkRange(fix.heading, 0, 360);
    FUZZ_CHECK(fix.timestamp.isValid() && fix.timestamp <= kNow);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto full = parseFix(QJsonDocument::fromJson(text).object(), kNow);
    if (full)
        checkFix(*full);

    json::ScalarObject plain;
    if (plain.read(text) != text.size())
        return 0;
    const auto fast = parsePlainFix(plain, kNow);
    if (!fast)
        return 0; // the general parser answers these, errors included
    checkFix(*fast);
    FUZZ_CHECK(full);
    FUZZ_CHECK(fast->toJson() == full->toJson());
    FUZZ_CHECK(fast->timestamp == full->timestamp);
    return 0;
}
