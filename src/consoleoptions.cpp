#include "consoleoptions.h"

#include "tilesource.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

namespace depot {

namespace {
const QString kTileUrl = QStringLiteral("tile-url");
const QString kTiles = QStringLiteral("tiles");
const QString kTileAttribution = QStringLiteral("tile-attribution");
const QString kTileCache = QStringLiteral("tile-cache");
const QString kSelfTest = QStringLiteral("self-test");
} // namespace

void addConsoleOptions(QCommandLineParser &parser)
{
    parser.addOption({kTileUrl,
                      QCoreApplication::translate(
                          "depot", "Map tiles from this XYZ URL template ({z} {x} {y}, optional "
                                   "{s}); \"none\" for no tiles. Default: OpenStreetMap."),
                      QStringLiteral("url")});
    parser.addOption(
        {kTiles,
         QCoreApplication::translate("depot", "Map tiles from this MBTiles file (offline)."),
         QStringLiteral("file")});
    parser.addOption(
        {kTileAttribution,
         QCoreApplication::translate("depot", "The attribution the tiles' licence asks for."),
         QStringLiteral("text")});
    parser.addOption({kTileCache,
                      QCoreApplication::translate("depot", "Where downloaded tiles are kept."),
                      QStringLiteral("dir")});
    parser.addOption({kSelfTest, QCoreApplication::translate(
                                     "depot", "Load the whole window offscreen on a throwaway hub "
                                              "(port 0, a temporary data dir) and quit: 0 when "
                                              "it loaded without QML errors.")});
}

ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser)
{
    ConsoleOptions options;
    options.tileUrl =
        parser.isSet(kTileUrl) ? parser.value(kTileUrl) : XyzTileSource::defaultUrlTemplate();
    options.tilesFile = parser.value(kTiles);
    options.tileAttribution = parser.value(kTileAttribution);
    options.tileCache = parser.isSet(kTileCache)
                            ? parser.value(kTileCache)
                            : QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                                  QStringLiteral("/tiles");
    options.selfTest = parser.isSet(kSelfTest);
    return options;
}

std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, QString *error)
{
    std::unique_ptr<TileSource> source;
    if (!options.tilesFile.isEmpty()) {
        auto mbtiles = std::make_unique<MbTilesSource>(options.tilesFile);
        if (!mbtiles->isValid()) {
            if (error)
                *error = mbtiles->errorString();
            return nullptr;
        }
        source = std::move(mbtiles);
    } else if (!options.tileUrl.isEmpty() && options.tileUrl != QLatin1String("none")) {
        auto xyz = std::make_unique<XyzTileSource>(options.tileUrl);
        xyz->setCacheDirectory(options.tileCache);
        source = std::move(xyz);
    }
    if (source && !options.tileAttribution.isEmpty())
        source->setAttribution(options.tileAttribution);
    return source;
}

} // namespace depot
