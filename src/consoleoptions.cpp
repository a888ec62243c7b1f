#include "consoleoptions.h"

#include "hub.h"
#include "tiles/mbtilesreader.h"
#include "tiles/tilefetcher.h"
#include "tilesource.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace depot {

namespace {
const QString kTileAttribution = QStringLiteral("tile-attribution");
const QString kSelfTest = QStringLiteral("self-test");
} // namespace

void addConsoleOptions(QCommandLineParser &parser)
{
    parser.addOption(
        {kTileAttribution,
         QCoreApplication::translate("depot", "The attribution the tiles' licence asks for."),
         QStringLiteral("text")});
    parser.addOption({kSelfTest, QCoreApplication::translate(
                                     "depot", "Load the whole window offscreen on a throwaway hub "
                                              "(port 0, a temporary data dir) and quit: 0 when "
                                              "it loaded without QML errors.")});
}

ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser)
{
    ConsoleOptions options;
    options.tileAttribution = parser.value(kTileAttribution);
    options.selfTest = parser.isSet(kSelfTest);
    return options;
}

std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, const Hub &hub)
{
    std::unique_ptr<TileSource> source;
    if (const MbTilesReader *mbtiles = hub.mbtiles())
        source = std::make_unique<MbTilesSource>(mbtiles->path()); // the hub checked the file
    else if (TileFetcher *fetcher = hub.tileFetcher())
        source = std::make_unique<XyzTileSource>(*fetcher);
    if (source && !options.tileAttribution.isEmpty())
        source->setAttribution(options.tileAttribution);
    return source;
}

} // namespace depot
