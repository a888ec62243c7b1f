#include "clock.h"

namespace depot {

QString isoTimestamp(const QDateTime &t)
{
    // Every fix is stamped twice on disk and once per broadcast; QDateTime::toString goes through
    // QString::asprintf and was a tenth of a fix's cost, so the digits are written here.
    if (!t.isValid())
        return QString();
    constexpr qint64 kMsPerDay = 86'400'000;
    const qint64 ms = t.toMSecsSinceEpoch();
    const qint64 dayNumber = ms >= 0 ? ms / kMsPerDay : (ms - kMsPerDay + 1) / kMsPerDay;
    const qint64 msOfDay = ms - dayNumber * kMsPerDay;
    // Days to civil date in the proleptic Gregorian calendar (H. Hinnant, "chrono-Compatible
    // Low-Level Date Algorithms").
    const qint64 z = dayNumber + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 1 || year > 9999)
        return t.toUTC().toString(Qt::ISODateWithMs);

    char16_t text[24];
    auto put = [&text](int at, qint64 value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            text[at + i] = char16_t(u'0' + value % 10);
    };
    put(0, year, 4);
    text[4] = u'-';
    put(5, month, 2);
    text[7] = u'-';
    put(8, day, 2);
    text[10] = u'T';
    put(11, msOfDay / 3'600'000, 2);
    text[13] = u':';
    put(14, msOfDay / 60'000 % 60, 2);
    text[16] = u':';
    put(17, msOfDay / 1000 % 60, 2);
    text[19] = u'.';
    put(20, msOfDay % 1000, 3);
    text[23] = u'Z';
    return QString(reinterpret_cast<const QChar *>(text), 24);
}

std::optional<qint64> parseUtcTimestampMs(QByteArrayView text)
{
    // Positions of the fixed characters in 2026-11-27T04:05:06.789Z.
    const bool withMs = text.size() == 24;
    if ((!withMs && text.size() != 20) || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || (withMs && text[19] != '.') || text.back() != 'Z')
        return std::nullopt;
    bool ok = true;
    auto digits = [&](int at, int count) {
        int value = 0;
        for (int i = at; i < at + count; ++i) {
            if (text[i] < '0' || text[i] > '9')
                ok = false;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const QDate date(digits(0, 4), digits(5, 2), digits(8, 2));
    const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    const int ms = withMs ? digits(20, 3) : 0;
    if (!ok || !date.isValid() || date.year() < 1 || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    constexpr qint64 kUnixEpochJulianDay = 2440588;
    return (date.toJulianDay() - kUnixEpochJulianDay) * 86'400'000 +
           ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

} // namespace depot
