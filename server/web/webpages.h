#pragma once

#include "transport/httpendpoint.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

namespace depot {

/// The hub's web pages (the courier page and the public tracking page) and the files they load,
/// served from the binary's resources.
///
/// Pages are answered with `Cache-Control: no-cache` and an ETag; the files they load live under
/// `/web/<version>/`, where the version is a hash of their contents, so browsers may keep them
/// forever (`immutable`) and a new build is fetched at once. A hub built without its pages
/// answers them with 503 and a JSON error body instead.
class WebPages final : public HttpEndpoint
{
public:
    struct Options
    {
        /// What the courier page needs to send no more fixes than the hub uses.
        int locationIntervalSeconds = 30;
        double locationDistanceMetres = 50;
        /// The tracking page's map: the credit the tiles' licence asks for, and the deepest zoom.
        QString tileAttribution;
        int tileMaximumZoom = 19;
        /// The depot's proof of delivery policy (none, optional, required) for the courier page,
        /// and whether the tracking page shows the proof's photos.
        QString proofPolicy = QStringLiteral("optional");
        bool proofPhotosForTrackers = false;
        /// Where the pages and the files they load are in the resources. When they are not there
        /// (a build with DEPOT_BUILD_WEB=OFF), or this is empty, every page and file is answered
        /// 503 `web_pages_not_built`.
        QString resourceRoot = QStringLiteral(":/depot/web/");
    };

    explicit WebPages(Options options);

    /// The path prefixes to register with HttpServer::addEndpoint().
    static QStringList prefixes();
    /// The folder the page assets are served from, e.g. "/web/3f2a9c01b7de".
    QString assetBase() const { return m_assetBase; }
    /// False when the build left the pages out.
    bool isBuilt() const { return m_built; }

    void handleHttp(const HttpRequest &request, std::shared_ptr<HttpExchange> exchange) override;

private:
    struct File
    {
        QByteArray contentType;
        QByteArray body;
        QByteArray etag; // pages only
    };

    HttpResponse answer(const HttpRequest &request) const;
    HttpResponse answerGet(const HttpRequest &request) const;
    File loadPage(const QString &path, const Options &options) const;

    QHash<QString, File> m_assets; // by path below the asset base, e.g. "leaflet/leaflet.js"
    File m_courierPage;
    File m_trackPage;
    QString m_assetBase;
    bool m_built = false;
};

} // namespace depot
