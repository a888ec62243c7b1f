#pragma once

#include <QString>

#include <memory>

class QCommandLineParser;

namespace depot {

class ConsoleLanguage;
class Hub;
class TileSource;

/// The console's own flags, beside the hub's (which include the map's tile source).
struct ConsoleOptions
{
    QString tileAttribution; // overrides the source's own
    QString language;        // --lang: "en", "de", "es", "fr"; empty: the system's
    bool selfTest = false;   // load the whole UI offscreen on a throwaway hub, then quit
};

/// Adds --tile-attribution, --lang and --self-test, with
/// their help in `language`; call before parsing.
void addConsoleOptions(QCommandLineParser &parser, const ConsoleLanguage &language);
/// Reads them after parsing.
ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser);
/// The map's tile source on the started hub's tiles (its MBTiles file, or its downloader, or with
/// the hub on another thread a downloader of the console's over the same cache); null for none.
std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, const Hub &hub);

} // namespace depot
