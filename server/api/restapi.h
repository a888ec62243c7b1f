#pragma once

#include "dispatch/result.h"
#include "dispatch/types.h"
#include "transport/httpmessage.h"

#include <optional>

namespace depot {

class AuthService;
class DispatchService;
class LocationIngest;

/// The REST half of the contract: routes, authentication, validation and status codes.
/// Every request gets an answer, and a refused one changes nothing.
class RestApi
{
public:
    RestApi(DispatchService &dispatch, AuthService &auth);

    /// Where courier fixes go; without one they go straight to the dispatch service.
    void
    setLocationSink(std::function<Result<Done>(const Principal &, const QString &, Location)> sink)
    {
        m_locationSink = std::move(sink);
    }
    /// Value of Access-Control-Allow-Origin on every answer; empty sends none.
    void setCorsOrigin(const QByteArray &origin) { m_corsOrigin = origin; }

    HttpResponse handle(const HttpRequest &request);

    /// Parses the fields of a fix as the contract names them; used by REST and sockets alike.
    static Result<Location> parseFix(const QJsonObject &body, const QDateTime &now);
    static HttpResponse errorResponse(const Error &error);

private:
    HttpResponse route(const HttpRequest &request);
    std::optional<Principal> principalOf(const HttpRequest &request);

    HttpResponse login(const HttpRequest &request);
    HttpResponse me(const Principal &caller);
    HttpResponse createCourier(const Principal &caller, const HttpRequest &request);
    HttpResponse patchCourier(const Principal &caller, const QString &id,
                              const HttpRequest &request);
    HttpResponse listCouriers(const Principal &caller);
    HttpResponse getCourier(const Principal &caller, const QString &id);
    HttpResponse postLocation(const Principal &caller, const QString &id,
                              const HttpRequest &request);
    HttpResponse createPackage(const Principal &caller, const HttpRequest &request);
    HttpResponse listPackages(const Principal &caller, const HttpRequest &request);
    HttpResponse getPackage(const Principal &caller, const QString &id);
    HttpResponse packageEvents(const Principal &caller, const QString &id);
    HttpResponse packageAction(const Principal &caller, const QString &id, const QString &action,
                               const HttpRequest &request);
    HttpResponse track(const QString &code);

    DispatchService &m_dispatch;
    AuthService &m_auth;
    std::function<Result<Done>(const Principal &, const QString &, Location)> m_locationSink;
    QByteArray m_corsOrigin = "*";
};

} // namespace depot
