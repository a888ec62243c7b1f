#include "tilemath.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace depot::tilemath {

namespace {
constexpr double kPi = std::numbers::pi;
} // namespace

double clampLatitude(double latitude)
{
    return std::clamp(latitude, -kMaxLatitude, kMaxLatitude);
}

double wrapLongitude(double longitude)
{
    double wrapped = std::fmod(longitude + 180.0, 360.0);
    if (wrapped < 0)
        wrapped += 360.0;
    return wrapped - 180.0;
}

double worldSize(double zoom)
{
    return kTileSize * std::exp2(zoom);
}

QPointF project(LatLon coordinate)
{
    const double x = (coordinate.longitude + 180.0) / 360.0;
    const double phi = clampLatitude(coordinate.latitude) * kPi / 180.0;
    const double y = (1.0 - std::log(std::tan(phi) + 1.0 / std::cos(phi)) / kPi) / 2.0;
    return {x, std::clamp(y, 0.0, 1.0)};
}

LatLon unproject(QPointF unit)
{
    const double y = std::clamp(unit.y(), 0.0, 1.0);
    const double latitude = std::atan(std::sinh(kPi * (1.0 - 2.0 * y))) * 180.0 / kPi;
    // Keep +180 as +180 rather than folding it to -180: the east edge of the world is a
    // legitimate bound for fitBounds and round trips.
    double longitude = unit.x() * 360.0 - 180.0;
    if (longitude < -180.0 || longitude > 180.0)
        longitude = wrapLongitude(longitude);
    return {clampLatitude(latitude), longitude};
}

QPointF worldPixel(LatLon coordinate, double zoom)
{
    return project(coordinate) * worldSize(zoom);
}

LatLon coordinateAt(QPointF worldPixel, double zoom)
{
    return unproject(worldPixel / worldSize(zoom));
}

int tileCount(int z)
{
    return 1 << std::clamp(z, 0, 30);
}

QPoint tileAt(LatLon coordinate, int z)
{
    const int n = tileCount(z);
    const QPointF unit = project({coordinate.latitude, wrapLongitude(coordinate.longitude)});
    const int x = std::clamp(int(std::floor(unit.x() * n)), 0, n - 1);
    const int y = std::clamp(int(std::floor(unit.y() * n)), 0, n - 1);
    return {x, y};
}

double metersPerPixel(double latitude, double zoom)
{
    const double phi = clampLatitude(latitude) * kPi / 180.0;
    return std::cos(phi) * 2.0 * kPi * kEarthRadius / worldSize(zoom);
}

ScaleBar scaleBar(double metersPerPixel, double maxPixels)
{
    if (!(metersPerPixel > 0) || !(maxPixels > 0))
        return {};
    const double maxMeters = metersPerPixel * maxPixels;
    const double magnitude = std::pow(10.0, std::floor(std::log10(maxMeters)));
    double meters = magnitude;
    for (const double step : {5.0, 2.0, 1.0}) {
        if (step * magnitude <= maxMeters) {
            meters = step * magnitude;
            break;
        }
    }
    return {meters, meters / metersPerPixel};
}

View fitBounds(LatLon southWest, LatLon northEast, QSizeF viewport, double padding, double minZoom,
               double maxZoom)
{
    const QPointF sw = project(southWest);
    const QPointF ne = project(northEast);
    double west = sw.x();
    double east = ne.x();
    if (east < west) // across the antimeridian
        east += 1.0;
    const double spanX = east - west;
    const double spanY = sw.y() - ne.y();
    const double width = std::max(1.0, viewport.width() - 2 * padding);
    const double height = std::max(1.0, viewport.height() - 2 * padding);

    double zoom = maxZoom;
    if (spanX > 0 || spanY > 0) {
        const double zoomX = spanX > 0 ? std::log2(width / (spanX * kTileSize)) : maxZoom;
        const double zoomY = spanY > 0 ? std::log2(height / (spanY * kTileSize)) : maxZoom;
        zoom = std::min(zoomX, zoomY);
    }
    zoom = std::clamp(zoom, minZoom, maxZoom);

    const QPointF middle((west + east) / 2.0, (sw.y() + ne.y()) / 2.0);
    LatLon center = unproject(middle);
    center.longitude = wrapLongitude(center.longitude);
    return {center, zoom};
}

} // namespace depot::tilemath
