#include "consoleoptions.h"

#include "consolelanguage.h"
#include "hub.h"
#include "tiles/mbtilesreader.h"
#include "tiles/tilefetcher.h"
#include "tilesource.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QThread>

namespace depot {

namespace {
const QString kTileAttribution = QStringLiteral("tile-attribution");
const QString kSelfTest = QStringLiteral("self-test");
const QString kLang = QStringLiteral("lang");
} // namespace

void addConsoleOptions(QCommandLineParser &parser, const ConsoleLanguage &language)
{
    // The help texts are translated before the application exists, so through `language`.
    auto text = [&language](const char *source) { return language.translated("depot", source); };
    parser.addOption(
        {kTileAttribution,
         text(QT_TRANSLATE_NOOP("depot", "The attribution the tiles' licence asks for.")),
         text(QT_TRANSLATE_NOOP("depot", "text"))});
    parser.addOption({kLang,
                      text(QT_TRANSLATE_NOOP("depot", "The console's language: en, de, es or fr. "
                                                      "Default: the system's language.")),
                      text(QT_TRANSLATE_NOOP("depot", "code"))});
    parser.addOption({kSelfTest, text(QT_TRANSLATE_NOOP(
                                     "depot", "Load the whole window offscreen on a throwaway hub "
                                              "(port 0, a temporary data dir) and quit: 0 when "
                                              "it loaded without QML errors."))});
}

ConsoleOptions consoleOptionsFrom(const QCommandLineParser &parser)
{
    ConsoleOptions options;
    options.tileAttribution = parser.value(kTileAttribution);
    options.language = parser.value(kLang);
    options.selfTest = parser.isSet(kSelfTest);
    return options;
}

std::unique_ptr<TileSource> makeTileSource(const ConsoleOptions &options, const Hub &hub)
{
    std::unique_ptr<TileSource> source;
    if (const MbTilesReader *mbtiles = hub.mbtiles())
        source = std::make_unique<MbTilesSource>(mbtiles->path()); // the hub checked the file
    else if (TileFetcher *fetcher = hub.tileFetcher();
             fetcher && fetcher->thread() == QThread::currentThread())
        source = std::make_unique<XyzTileSource>(*fetcher);
    else if (fetcher) {
        // The hub runs on a thread of its own: a fetcher of the console's, over the same disk
        // cache, so tiles fetched by either are there for both.
        auto own = std::make_unique<XyzTileSource>(fetcher->urlTemplate());
        own->setCacheDirectory(fetcher->cacheDirectory());
        source = std::move(own);
    }
    if (source && !options.tileAttribution.isEmpty())
        source->setAttribution(options.tileAttribution);
    return source;
}

} // namespace depot
