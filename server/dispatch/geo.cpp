#include "geo.h"

#include <QGeoCoordinate>

#include <cmath>

namespace depot::geo {

double distanceMetres(double lat1, double lon1, double lat2, double lon2)
{
    return QGeoCoordinate(lat1, lon1).distanceTo(QGeoCoordinate(lat2, lon2));
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
