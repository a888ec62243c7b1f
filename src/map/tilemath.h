#pragma once

#include <QPoint>
#include <QPointF>
#include <QSizeF>

/// Web-Mercator math for 256-pixel XYZ tiles: pure functions, no Qt Quick, no network.
namespace depot::tilemath {

/// The latitude where the square Web-Mercator world ends (atan(sinh(pi))).
inline constexpr double kMaxLatitude = 85.0511287798066;
inline constexpr int kTileSize = 256;
/// WGS-84 equatorial radius, the sphere Web-Mercator projects from.
inline constexpr double kEarthRadius = 6378137.0;

struct LatLon
{
    double latitude = 0;
    double longitude = 0;
};

/// A view of the map: what sits in the middle and how far in.
struct View
{
    LatLon center;
    double zoom = 0;
};

/// A scale bar: a round length and how many pixels it spans.
struct ScaleBar
{
    double meters = 0;
    double pixels = 0;
};

double clampLatitude(double latitude);
/// Longitude folded into [-180, 180).
double wrapLongitude(double longitude);
/// The world size in pixels at a (fractional) zoom: 256 * 2^zoom.
double worldSize(double zoom);

/// Lat/lon to the unit square: x east from -180, y south from +85.05; latitude is clamped.
QPointF project(LatLon coordinate);
/// The unit square back to lat/lon; x wraps, y is clamped to the square.
LatLon unproject(QPointF unit);

/// Lat/lon to pixels in the world at `zoom`.
QPointF worldPixel(LatLon coordinate, double zoom);
LatLon coordinateAt(QPointF worldPixel, double zoom);

/// The tile at integer zoom `z` that holds the coordinate.
QPoint tileAt(LatLon coordinate, int z);
/// The number of tiles along one side at zoom `z`.
int tileCount(int z);

/// Ground metres one screen pixel spans at `latitude`.
double metersPerPixel(double latitude, double zoom);
/// The longest 1-2-5 length that fits in `maxPixels` at `metersPerPixel`.
ScaleBar scaleBar(double metersPerPixel, double maxPixels);

/// The view that shows the box (south-west, north-east) inside `viewport` with `padding`
/// pixels on every side, the zoom clamped to [minZoom, maxZoom]. A box across the
/// antimeridian has southWest.longitude > northEast.longitude.
View fitBounds(LatLon southWest, LatLon northEast, QSizeF viewport, double padding = 0,
               double minZoom = 0, double maxZoom = 19);

} // namespace depot::tilemath
