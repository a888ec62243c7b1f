#pragma once

#include <QString>

#include <memory>

class QCommandLineParser;

namespace depot {

class Hub;
class TileSource;

/// The console's own flags, beside the hub's (which include the map's tile source).
struct ConsoleOptions
{
    QString tileAttribution; // overrides the source's own
    bool selfTest = false;   // load the whole UI offscreen on a throwaway hub, then quit
};

/// Adds --tile-attribution and --self-test; call before parsing.
void addConsoleOptions(QCommandLineParser &parser);
/// Reads them after parsing.
ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser);
/// The map's tile source on the started hub's tiles (its MBTiles file or its downloader, whose
/// cache the hub's /tiles shares); null for none.
std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, const Hub &hub);

} // namespace depot
