#pragma once

#include "core/types.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace depot {

/// A track as a GPX 1.1 file: one trk, a new trkseg after every gap longer than
/// `segmentGapMs`, each fix a trkpt with its time. GPX 1.1 has no speed or course of its own:
/// they go into the point's extensions as Garmin's TrackPointExtension v2 (m/s, degrees), which
/// GPS programs read.
QByteArray gpxTrack(const QString &name, const std::vector<Location> &track, qint64 segmentGapMs);

} // namespace depot
