#include "geo.h"

#include <cmath>
#include <numbers>

namespace depot::geo {

namespace {

bool isValid(double lat, double lon)
{
    return std::isfinite(lat) && std::isfinite(lon) && std::abs(lat) <= 90 && std::abs(lon) <= 180;
}

} // namespace

double distanceMetres(double lat1, double lon1, double lat2, double lon2)
{
    // The haversine formula with QGeoCoordinate::distanceTo's mean earth radius, computed here:
    // QGeoCoordinate allocates for every value, and this runs several times per fix.
    constexpr double kEarthMeanRadiusMetres = 6371007.2;
    if (!isValid(lat1, lon1) || !isValid(lat2, lon2))
        return 0;
    constexpr double kRadians = std::numbers::pi / 180;
    const double dlat = std::sin((lat2 - lat1) * kRadians / 2);
    const double dlon = std::sin((lon2 - lon1) * kRadians / 2);
    const double y =
        dlat * dlat + std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) * dlon * dlon;
    return 2 * std::asin(std::sqrt(y)) * kEarthMeanRadiusMetres;
}

bool withinMetres(double lat1, double lon1, double lat2, double lon2, double metres)
{
    constexpr double kEarthMeanRadiusMetres = 6371007.2;
    constexpr double kRadians = std::numbers::pi / 180;
    // Below 100 km and 80 degrees of latitude, the equirectangular estimate is within a few
    // parts in ten thousand of the haversine; a 1 % margin leaves the close calls to it.
    constexpr double kMaxEstimateMetres = 100'000;
    constexpr double kMaxLatitude = 80;
    constexpr double kMargin = 0.01;
    if (isValid(lat1, lon1) && isValid(lat2, lon2) && std::abs(lat1) < kMaxLatitude &&
        std::abs(lat2) < kMaxLatitude) {
        const double dlat = (lat2 - lat1) * kRadians;
        double dlon = std::abs(lon2 - lon1);
        if (dlon > 180)
            dlon = 360 - dlon;
        dlon *= kRadians * std::cos((lat1 + lat2) / 2 * kRadians);
        const double estimate = std::sqrt(dlat * dlat + dlon * dlon) * kEarthMeanRadiusMetres;
        if (estimate < kMaxEstimateMetres) {
            if (estimate < metres * (1 - kMargin))
                return true;
            if (estimate > metres * (1 + kMargin))
                return false;
        }
    }
    return distanceMetres(lat1, lon1, lat2, lon2) <= metres;
}

std::optional<int> etaSeconds(double metres, std::optional<double> speedMps)
{
    // Below walking pace a courier is waiting, not travelling: no honest estimate.
    constexpr double kMinSpeed = 0.5;
    if (!speedMps || !std::isfinite(*speedMps) || *speedMps < kMinSpeed || !std::isfinite(metres))
        return std::nullopt;
    return int(std::lround(metres / *speedMps));
}

} // namespace depot::geo
