#pragma once

#include <optional>

namespace depot::geo {

/// Great-circle distance in metres between two WGS 84 points.
double distanceMetres(double lat1, double lon1, double lat2, double lon2);

/// distanceMetres(...) <= metres, answered from a flat-earth estimate (one cosine instead of
/// the haversine's five trigonometric calls) unless the points lie near that distance, far
/// apart or near a pole: for thresholds checked on every fix.
bool withinMetres(double lat1, double lon1, double lat2, double lon2, double metres);

/// Seconds to cover `metres` at `speedMps`; nothing when the speed is too low to tell.
std::optional<int> etaSeconds(double metres, std::optional<double> speedMps);

} // namespace depot::geo
