// The OsmAnd report reader (OsmAndApi::parse in api/osmandapi.h): query parameters, a form body
// or the JSON body of newer apps. Input: one byte choosing the method and Content-Type, then the
// query string, a newline, and the body. Checks that every report it takes has a device id, a
// finite latitude in [-90, 90] and longitude in [-180, 180], extras that are absent or finite and
// in range (speed and accuracy not negative, heading in [0, 360]), and a valid timestamp not
// after now; and that reading the same request twice gives the same report.
#include "fuzzcheck.h"

#include "api/osmandapi.h"

#include <QUrl>

#include <cmath>
#include <cstdint>

using namespace depot;

namespace {

const QDateTime kNow = QDateTime::fromMSecsSinceEpoch(1795000000000, Qt::UTC);

void checkExtra(const std::optional<double> &value, double min, double max)
{
    if (value)
        FUZZ_CHECK(std::isfinite(*value) && *value >= min && *value <= max);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const QByteArray kContentTypes[] = {"", "application/json",
                                               "application/x-www-form-urlencoded", "text/plain"};
    HttpRequest request;
    request.method = data[0] & 1 ? "POST" : "GET";
    if (const QByteArray &type = kContentTypes[(data[0] >> 1) & 3]; !type.isEmpty())
        request.headers.append({"content-type", type});
    const QByteArray rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const qsizetype newline = rest.indexOf('\n');
    const QByteArray query = newline < 0 ? rest : rest.first(newline);
    request.body = newline < 0 ? QByteArray() : rest.sliced(newline + 1);
    const QUrl url = QUrl::fromEncoded("/?" + query);
    request.path = url.path();
    request.query = QUrlQuery(url);

    const auto report = OsmAndApi::parse(request, kNow);
    const auto again = OsmAndApi::parse(request, kNow);
    FUZZ_CHECK(bool(report) == bool(again));
    if (!report)
        return 0;
    FUZZ_CHECK(!report->deviceId.isEmpty());
    FUZZ_CHECK(report->deviceId == again->deviceId);
    const Location &fix = report->fix;
    FUZZ_CHECK(std::isfinite(fix.latitude) && fix.latitude >= -90 && fix.latitude <= 90);
    FUZZ_CHECK(std::isfinite(fix.longitude) && fix.longitude >= -180 && fix.longitude <= 180);
    checkExtra(fix.speed, 0, HUGE_VAL);
    checkExtra(fix.accuracy, 0, HUGE_VAL);
    checkExtra(fix.heading, 0, 360);
    FUZZ_CHECK(fix.timestamp.isValid() && fix.timestamp <= kNow);
    FUZZ_CHECK(fix.toJson() == again->fix.toJson());
    return 0;
}
