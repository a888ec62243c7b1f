#pragma once

#include <QString>

#include <memory>

class QCommandLineParser;

namespace depot {

class TileSource;

/// The console's own flags, beside the hub's: where the map's tiles come from.
struct ConsoleOptions
{
    QString tileUrl;         // XYZ template; empty or "none": no tiles
    QString tilesFile;       // an MBTiles file; wins over tileUrl
    QString tileAttribution; // overrides the source's own
    QString tileCache;       // the XYZ disk cache folder
    bool selfTest = false;   // load the whole UI offscreen on a throwaway hub, then quit
};

/// Adds --tile-url, --tiles, --tile-attribution, --tile-cache and --self-test; call before
/// parsing.
void addConsoleOptions(QCommandLineParser &parser);
/// Reads them after parsing, with defaults filled in (OpenStreetMap, the user cache folder).
ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser);
/// The tile source the options ask for; null for none. A broken MBTiles file sets `error`.
std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, QString *error);

} // namespace depot
