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

std::optional<int> etaSeconds(double metres, std::optional<double> speedMps)
{
    // Below walking pace a courier is waiting, not travelling: no honest estimate.
    constexpr double kMinSpeed = 0.5;
    if (!speedMps || !std::isfinite(*speedMps) || *speedMps < kMinSpeed || !std::isfinite(metres))
        return std::nullopt;
    return int(std::lround(metres / *speedMps));
}

} // namespace depot::geo
