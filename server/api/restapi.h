#pragma once

#include "core/result.h"
#include "core/types.h"
#include "transport/httpmessage.h"

#include <memory>
#include <optional>

namespace depot {

class AuthService;
class DispatchService;
class GuessLimiter;
class HttpExchange;
class LocationIngest;

/// The REST half of the contract: routes, authentication, validation and status codes.
/// Every request gets an answer, and a refused one changes nothing.
class RestApi
{
public:
    RestApi(DispatchService &dispatch, AuthService &auth, LocationIngest &locations);

    /// Value of Access-Control-Allow-Origin on every answer; empty sends none.
    void setCorsOrigin(const QByteArray &origin) { m_corsOrigin = origin; }
    /// Counts unknown tracking codes per address and refuses an address past its limit.
    void setTrackingLimiter(GuessLimiter *limiter) { m_trackingLimiter = limiter; }

    /// Answers the request now, or (for a fix) once it is on disk.
    void handle(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange);

private:
    /// The answer, or nothing when the handler answers the exchange itself later.
    std::optional<HttpResponse> route(const HttpRequest &request,
                                      const std::shared_ptr<HttpExchange> &exchange);
    void finish(HttpResponse &response) const;
    std::optional<Principal> principalOf(const HttpRequest &request);

    std::optional<HttpResponse> login(const HttpRequest &request,
                                      const std::shared_ptr<HttpExchange> &exchange);
    HttpResponse me(const Principal &caller);
    std::optional<HttpResponse> createCourier(const Principal &caller, const HttpRequest &request,
                                              const std::shared_ptr<HttpExchange> &exchange);
    std::optional<HttpResponse> patchCourier(const Principal &caller, const QString &id,
                                             const HttpRequest &request,
                                             const std::shared_ptr<HttpExchange> &exchange);
    /// Answers an exchange whose handler returned nothing.
    void answer(const std::shared_ptr<HttpExchange> &exchange, HttpResponse response) const;
    HttpResponse listCouriers(const Principal &caller);
    HttpResponse getCourier(const Principal &caller, const QString &id);
    std::optional<HttpResponse> postLocation(const Principal &caller, const QString &id,
                                             const HttpRequest &request,
                                             const std::shared_ptr<HttpExchange> &exchange);
    HttpResponse createPackage(const Principal &caller, const HttpRequest &request);
    HttpResponse listPackages(const Principal &caller, const HttpRequest &request);
    HttpResponse getPackage(const Principal &caller, const QString &id);
    HttpResponse packageEvents(const Principal &caller, const QString &id);
    HttpResponse packageAction(const Principal &caller, const QString &id, const QString &action,
                               const HttpRequest &request);
    HttpResponse track(const QString &code, const QHostAddress &from);

    DispatchService &m_dispatch;
    AuthService &m_auth;
    LocationIngest &m_locations;
    QByteArray m_corsOrigin = "*";
    GuessLimiter *m_trackingLimiter = nullptr;
};

} // namespace depot
