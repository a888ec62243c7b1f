#pragma once

#include "core/result.h"
#include "core/types.h"
#include "transport/httpmessage.h"

#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace depot {

class AuthService;
class DayRecords;
class DispatchService;
class GuessLimiter;
class HttpExchange;
class LocationIngest;
class WebhookService;
class ProofApi;

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
    /// Serves /api/webhooks from these; without them those paths are 404.
    void setWebhooks(WebhookService *webhooks) { m_webhooks = webhooks; }
    /// The day's records behind /api/reports and the couriers' tracks; without them, 404.
    void setDayRecords(const DayRecords *records) { m_dayRecords = records; }
    /// Serves proofs of delivery; without one their routes answer 404.
    void setProofApi(ProofApi *proofs) { m_proofs = proofs; }

    /// Answers the request now, or (for a fix) once it is on disk.
    void handle(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange);

private:
    /// What a route's handler gets: the request, its exchange, who asks (null on a public
    /// route) and the values of the path's {parameters}, in order.
    struct Call
    {
        const HttpRequest &request;
        const std::shared_ptr<HttpExchange> &exchange;
        const Principal *caller;
        QStringList parameters;
    };
    /// The answer, or nothing when the handler answers the exchange itself later.
    using Handler = std::function<std::optional<HttpResponse>(RestApi &api, const Call &call)>;
    /// One line of the route table, in the spirit of QHttpServer::route(path, method, handler).
    struct Route
    {
        /// Literal segments and {parameters}; a parameter named {id} must be a UUID.
        QStringList segments;
        QByteArray method;
        bool needsToken = true;
        Handler handler;

        /// The values of the parameters when `pathSegments` fit the pattern, else nullopt.
        std::optional<QStringList> match(const QStringList &pathSegments) const;
        /// Whether every {id} among these parameter values is a UUID.
        bool idsAreUuids(const QStringList &parameters) const;
    };
    /// Every route: dispatch, the 405 answers' Allow header and the preflight's methods all
    /// come from this one table.
    static const std::vector<Route> &routes();
    /// The methods a CORS preflight allows: every method of the table, then OPTIONS.
    static const QByteArray &preflightMethods();

    std::optional<HttpResponse> route(const HttpRequest &request,
                                      const std::shared_ptr<HttpExchange> &exchange);
    void finish(HttpResponse &response) const;
    std::optional<Principal> principalOf(const HttpRequest &request);

    std::optional<HttpResponse> login(const HttpRequest &request,
                                      const std::shared_ptr<HttpExchange> &exchange);
    HttpResponse healthz(const HttpRequest &request);
    HttpResponse me(const Principal &caller);
    HttpResponse logout(const Principal &caller, const HttpRequest &request);
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
    // Webhooks (webhookroutes.cpp)
    HttpResponse listWebhooks(const Principal &caller);
    HttpResponse createWebhook(const Principal &caller, const HttpRequest &request);
    HttpResponse deleteWebhook(const Principal &caller, const QString &id);
    HttpResponse webhookDeliveries(const Principal &caller, const QString &id,
                                   const HttpRequest &request);
    /// A dispatcher's report: `report` answers it from the day's records.
    HttpResponse dayReport(const Principal &caller,
                           const std::function<HttpResponse(const DayRecords &)> &report);

    DispatchService &m_dispatch;
    AuthService &m_auth;
    LocationIngest &m_locations;
    QByteArray m_corsOrigin = "*";
    GuessLimiter *m_trackingLimiter = nullptr;
    WebhookService *m_webhooks = nullptr;
    const DayRecords *m_dayRecords = nullptr;
    ProofApi *m_proofs = nullptr;
};

} // namespace depot
