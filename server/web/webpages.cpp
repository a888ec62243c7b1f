#include "webpages.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace depot {

namespace {

// Where CMake puts the pages and the files they load, below Options::resourceRoot
// (server/web/CMakeLists.txt).
const QString kPagesFolder = QStringLiteral("pages/");
const QString kAssetsFolder = QStringLiteral("assets/");
const QString kCourierPage = QStringLiteral("courier.html");
const QString kTrackPage = QStringLiteral("track.html");

QByteArray contentTypeFor(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("html"))
        return "text/html; charset=utf-8";
    if (suffix == QLatin1String("js"))
        return "text/javascript; charset=utf-8";
    if (suffix == QLatin1String("css"))
        return "text/css; charset=utf-8";
    if (suffix == QLatin1String("png"))
        return "image/png";
    if (suffix == QLatin1String("svg"))
        return "image/svg+xml";
    if (suffix == QLatin1String("json") || suffix == QLatin1String("webmanifest"))
        return "application/json";
    return "application/octet-stream";
}

QByteArray readResource(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("web page resource %s is missing from the build", qPrintable(path));
    return file.readAll();
}

// Pages load only what the hub serves; tiles come through the hub too, and the socket talks
// to the same origin: 'self' covers ws: and wss: to it (CSP Level 3), and no other host. Photos
// of a delivery are shown from blob: URLs (fetched with the token, or shrunk on the phone).
const QByteArray kPagePolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                               "'unsafe-inline'; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

} // namespace

WebPages::WebPages(Options options)
    : m_built(!options.resourceRoot.isEmpty() &&
              QFileInfo::exists(options.resourceRoot + kPagesFolder + kCourierPage))
{
    if (!m_built)
        return;
    // The version covers every asset, so any change to one gives every URL a new folder.
    const QString assetsRoot = options.resourceRoot + kAssetsFolder;
    QCryptographicHash version(QCryptographicHash::Sha256);
    QDirIterator it(assetsRoot, QDir::Files, QDirIterator::Subdirectories);
    QStringList paths;
    while (it.hasNext())
        paths.append(it.next());
    paths.sort();
    for (const QString &path : paths) {
        const QString name = path.mid(assetsRoot.size());
        File file{contentTypeFor(path), readResource(path), {}};
        version.addData(name.toUtf8());
        version.addData(file.body);
        m_assets.insert(name, std::move(file));
    }
    m_assetBase = QStringLiteral("/web/") + QString::fromLatin1(version.result().toHex().left(12));
    const QString pagesRoot = options.resourceRoot + kPagesFolder;
    m_courierPage = loadPage(pagesRoot + kCourierPage, options);
    m_trackPage = loadPage(pagesRoot + kTrackPage, options);
}

QStringList WebPages::prefixes()
{
    return {QStringLiteral("/courier"), QStringLiteral("/track/"), QStringLiteral("/web/")};
}

WebPages::File WebPages::loadPage(const QString &path, const Options &options) const
{
    QByteArray body = readResource(path);
    body.replace("{{assets}}", m_assetBase.toUtf8());
    body.replace("{{locationIntervalSeconds}}",
                 QByteArray::number(options.locationIntervalSeconds));
    body.replace("{{locationDistanceMetres}}", QByteArray::number(options.locationDistanceMetres));
    body.replace("{{tileAttribution}}", options.tileAttribution.toHtmlEscaped().toUtf8());
    body.replace("{{tileMaximumZoom}}", QByteArray::number(options.tileMaximumZoom));
    body.replace("{{proofPolicy}}", options.proofPolicy.toUtf8());
    body.replace("{{proofPhotosForTrackers}}", options.proofPhotosForTrackers ? "1" : "0");
    const QByteArray etag =
        '"' + QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex().left(16) + '"';
    return File{contentTypeFor(path), body, etag};
}

void WebPages::handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange)
{
    exchange->respond(answer(request));
}

HttpResponse WebPages::answer(const HttpRequest &request) const
{
    // HEAD gets GET's head: `curl -I` and link checkers use it.
    if (request.method != "GET" && request.method != "HEAD")
        return HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                   QStringLiteral("%1 takes GET and HEAD only").arg(request.path))
            .withHeader("Allow", "GET, HEAD");
    if (!m_built)
        return HttpResponse::error(503, QStringLiteral("web_pages_not_built"),
                                   QStringLiteral("this hub was built without its web pages "
                                                  "(DEPOT_BUILD_WEB=OFF)"))
            .forMethod(request.method);
    return answerGet(request).forMethod(request.method);
}

HttpResponse WebPages::answerGet(const HttpRequest &request) const
{
    const File *page = nullptr;
    if (request.path == QLatin1String("/courier")) {
        page = &m_courierPage;
    } else if (request.path.startsWith(QLatin1String("/track/"))) {
        // Any code gets the page; the page itself asks the API and says when a code is unknown.
        const QString code = request.path.mid(int(qstrlen("/track/")));
        if (!code.isEmpty() && !code.contains(QLatin1Char('/')))
            page = &m_trackPage;
    }
    if (page) {
        if (request.header("if-none-match") == page->etag)
            return HttpResponse::empty(304).withHeader("ETag", page->etag);
        HttpResponse response;
        response.contentType = page->contentType;
        response.body = page->body;
        return response.withHeader("Cache-Control", "no-cache")
            .withHeader("ETag", page->etag)
            .withHeader("Content-Security-Policy", kPagePolicy)
            .withHeader("Referrer-Policy", "no-referrer")
            .withHeader("X-Content-Type-Options", "nosniff");
    }

    const QString assetPrefix = m_assetBase + QLatin1Char('/');
    if (request.path.startsWith(assetPrefix)) {
        const auto it = m_assets.constFind(request.path.mid(assetPrefix.size()));
        if (it != m_assets.constEnd()) {
            HttpResponse response;
            response.contentType = it->contentType;
            response.body = it->body;
            return response.withHeader("Cache-Control", "public, max-age=31536000, immutable")
                .withHeader("X-Content-Type-Options", "nosniff");
        }
    }
    return HttpResponse::error(404, QStringLiteral("not_found"),
                               QStringLiteral("there is no page at %1").arg(request.path));
}

} // namespace depot
