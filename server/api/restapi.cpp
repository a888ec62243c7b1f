#include "restapi.h"

#include "authservice.h"
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"
#include "errorbody.h"
#include "fixparsing.h"
#include "guesslimiter.h"
#include "jsonfields.h"
#include "proofapi.h"
#include "reportsapi.h"
#include "transport/httpendpoint.h"

#include <QJsonArray>

#include <QJsonObject>
#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcApi, "depot.api")

namespace depot {

using namespace Qt::StringLiterals;

namespace {

// A courier's id as the assign command names it; longer than a UUID is no id.
constexpr TextField kAssigneeField{QLatin1StringView("deliveryPersonId"), 64};

HttpResponse notFound()
{
    return HttpResponse::error(404, QStringLiteral("not_found"),
                               QStringLiteral("no such resource"));
}

HttpResponse methodNotAllowed(const QByteArray &allowed)
{
    return HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                               QStringLiteral("use %1 here").arg(QString::fromLatin1(allowed)))
        .withHeader("Allow", allowed);
}

HttpResponse forbidden()
{
    return HttpResponse::error(403, QStringLiteral("forbidden"),
                               QStringLiteral("your role may not do this"));
}

template <class T> QJsonArray toArray(const std::vector<T> &items, auto &&toJson)
{
    QJsonArray array;
    for (const T &item : items)
        array.append(toJson(item));
    return array;
}

} // namespace

RestApi::RestApi(DispatchService &dispatch, AuthService &auth, LocationIngest &locations)
    : m_dispatch(dispatch)
    , m_auth(auth)
    , m_locations(locations)
{}

void RestApi::handle(const HttpRequest &request, const std::shared_ptr<HttpExchange> &exchange)
{
    std::optional<HttpResponse> response;
    if (request.method == "OPTIONS") {
        // CORS preflight: tokens travel in a header, so any page may ask.
        response = HttpResponse::empty(204);
        response->withHeader("Access-Control-Allow-Methods", preflightMethods())
            .withHeader("Access-Control-Allow-Headers", "Authorization, Content-Type")
            .withHeader("Access-Control-Max-Age", "600");
    } else {
        response = route(request, exchange);
    }
    if (response) {
        finish(*response);
        exchange->respond(*response);
    }
}

void RestApi::finish(HttpResponse &response) const
{
    // Every 429 says when to come back; limits that know no sooner time last a minute at most.
    if (response.status == 429 &&
        std::none_of(response.headers.cbegin(), response.headers.cend(), [](const auto &h) {
            return h.first.compare("Retry-After", Qt::CaseInsensitive) == 0;
        }))
        response.withHeader("Retry-After", "60");
    if (!m_corsOrigin.isEmpty())
        response.withHeader("Access-Control-Allow-Origin", m_corsOrigin);
}

std::optional<Principal> RestApi::principalOf(const HttpRequest &request)
{
    const QByteArray header = request.header("authorization");
    static const QByteArray bearer = "bearer ";
    if (header.size() <= bearer.size() || header.left(bearer.size()).toLower() != bearer)
        return std::nullopt;
    return m_auth.authenticate(QString::fromLatin1(header.mid(bearer.size()).trimmed()));
}

const std::vector<RestApi::Route> &RestApi::routes()
{
    const auto route = [](QLatin1StringView pattern, QByteArray method, bool needsToken,
                          Handler handler) {
        return Route{QString(pattern).split(QLatin1Char('/'), Qt::SkipEmptyParts),
                     std::move(method), needsToken, std::move(handler)};
    };
    const auto action = [&route](QLatin1StringView pattern, QString name) {
        return route(pattern, "POST", true, [name](RestApi &api, const Call &c) {
            return std::optional(api.packageAction(*c.caller, c.parameters[0], name, c.request));
        });
    };
    constexpr bool kPublic = false;
    constexpr bool kToken = true;
    // GET before other methods of a path: the Allow header lists them in this order.
    static const std::vector<Route> table{
        // HEAD too: health checkers and `curl -I` ask with it.
        route("/healthz"_L1, "GET", kPublic,
              [](RestApi &api, const Call &c) { return std::optional(api.healthz(c.request)); }),
        route("/healthz"_L1, "HEAD", kPublic,
              [](RestApi &api, const Call &c) { return std::optional(api.healthz(c.request)); }),
        route("/api/auth/login"_L1, "POST", kPublic,
              [](RestApi &api, const Call &c) { return api.login(c.request, c.exchange); }),
        route("/api/track/{code}"_L1, "GET", kPublic,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.track(c.parameters[0], c.request.remoteAddress));
              }),
        route("/api/me"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) { return std::optional(api.me(*c.caller)); }),
        route("/api/auth/logout"_L1, "POST", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.logout(*c.caller, c.request));
              }),
        route(
            "/api/couriers"_L1, "GET", kToken,
            [](RestApi &api, const Call &c) { return std::optional(api.listCouriers(*c.caller)); }),
        route("/api/couriers"_L1, "POST", kToken,
              [](RestApi &api, const Call &c) {
                  return api.createCourier(*c.caller, c.request, c.exchange);
              }),
        route("/api/couriers/{id}"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.getCourier(*c.caller, c.parameters[0]));
              }),
        route("/api/couriers/{id}"_L1, "PATCH", kToken,
              [](RestApi &api, const Call &c) {
                  return api.patchCourier(*c.caller, c.parameters[0], c.request, c.exchange);
              }),
        route("/api/couriers/{id}/location"_L1, "POST", kToken,
              [](RestApi &api, const Call &c) {
                  return api.postLocation(*c.caller, c.parameters[0], c.request, c.exchange);
              }),
        route("/api/couriers/{id}/track.gpx"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.dayReport(*c.caller, [&](const DayRecords &records) {
                      const Courier *courier = api.m_dispatch.findCourier(c.parameters[0]);
                      return reports::courierTrack(records, c.parameters[0],
                                                   courier ? courier->name : QString(), c.request);
                  }));
              }),
        route("/api/packages"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.listPackages(*c.caller, c.request));
              }),
        route("/api/packages"_L1, "POST", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.createPackage(*c.caller, c.request));
              }),
        route("/api/packages/{id}"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.getPackage(*c.caller, c.parameters[0]));
              }),
        route("/api/packages/{id}/events"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.packageEvents(*c.caller, c.parameters[0]));
              }),
        route("/api/packages/{id}/proof"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.m_proofs ? api.m_proofs->get(*c.caller, c.parameters[0])
                                                    : notFound());
              }),
        route("/api/packages/{id}/proof"_L1, "PUT", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(
                      api.m_proofs ? api.m_proofs->put(*c.caller, c.parameters[0], c.request)
                                   : notFound());
              }),
        route("/api/proofs/{id}/signature"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.m_proofs
                                           ? api.m_proofs->image(*c.caller, c.parameters[0],
                                                                 QStringLiteral("signature"),
                                                                 QString(), c.request)
                                           : notFound());
              }),
        route("/api/proofs/{id}/photos/{n}"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.m_proofs
                                           ? api.m_proofs->image(*c.caller, c.parameters[0],
                                                                 QStringLiteral("photos"),
                                                                 c.parameters[1], c.request)
                                           : notFound());
              }),
        action("/api/packages/{id}/assign"_L1, QStringLiteral("assign")),
        action("/api/packages/{id}/start"_L1, QStringLiteral("start")),
        action("/api/packages/{id}/complete"_L1, QStringLiteral("complete")),
        action("/api/packages/{id}/fail"_L1, QStringLiteral("fail")),
        action("/api/packages/{id}/cancel"_L1, QStringLiteral("cancel")),
        route(
            "/api/webhooks"_L1, "GET", kToken,
            [](RestApi &api, const Call &c) { return std::optional(api.listWebhooks(*c.caller)); }),
        route("/api/webhooks"_L1, "POST", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.createWebhook(*c.caller, c.request));
              }),
        route("/api/webhooks/{id}"_L1, "DELETE", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.deleteWebhook(*c.caller, c.parameters[0]));
              }),
        route("/api/webhooks/{id}/deliveries"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(
                      api.webhookDeliveries(*c.caller, c.parameters[0], c.request));
              }),
        route("/api/reports/deliveries.csv"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.dayReport(*c.caller, [&](const DayRecords &records) {
                      return reports::deliveriesCsv(records, c.request);
                  }));
              }),
        route("/api/reports/couriers"_L1, "GET", kToken,
              [](RestApi &api, const Call &c) {
                  return std::optional(api.dayReport(*c.caller, [&](const DayRecords &records) {
                      return reports::courierDays(records, c.request);
                  }));
              }),
    };
    return table;
}

const QByteArray &RestApi::preflightMethods()
{
    static const QByteArray methods = [] {
        QByteArrayList list;
        for (const Route &r : routes()) {
            // HEAD is CORS-safelisted: a preflight never needs to allow it.
            if (r.method != "HEAD" && !list.contains(r.method))
                list << r.method;
        }
        list << "OPTIONS";
        return list.join(", ");
    }();
    return methods;
}

std::optional<QStringList> RestApi::Route::match(const QStringList &pathSegments) const
{
    if (pathSegments.size() != segments.size())
        return std::nullopt;
    QStringList parameters;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (segments[i].startsWith(QLatin1Char('{')))
            parameters << pathSegments[i];
        else if (segments[i] != pathSegments[i])
            return std::nullopt;
    }
    return parameters;
}

bool RestApi::Route::idsAreUuids(const QStringList &parameters) const
{
    qsizetype next = 0;
    for (const QString &segment : segments) {
        if (!segment.startsWith(QLatin1Char('{')))
            continue;
        if (segment == QLatin1String("{id}") && !isUuid(parameters[next]))
            return false;
        ++next;
    }
    return true;
}

std::optional<HttpResponse> RestApi::route(const HttpRequest &request,
                                           const std::shared_ptr<HttpExchange> &exchange)
{
    const QStringList path = request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    // Which routes exist is decided before who asks, so an unknown route is 404 for everyone.
    const Route *chosen = nullptr;
    QStringList parameters;
    QByteArrayList allowed;
    for (const Route &r : routes()) {
        auto matched = r.match(path);
        if (!matched)
            continue;
        allowed << r.method;
        if (!chosen && r.method == request.method) {
            chosen = &r;
            parameters = std::move(*matched);
        }
    }
    if (allowed.isEmpty())
        return notFound();
    if (!chosen)
        return methodNotAllowed(allowed.join(", "));

    std::optional<Principal> caller;
    if (chosen->needsToken) {
        caller = principalOf(request);
        if (!caller)
            return HttpResponse::error(401, QStringLiteral("unauthorized"),
                                       QStringLiteral("a valid bearer token is required"));
        // Ids that are not UUIDs name nothing.
        if (!chosen->idsAreUuids(parameters))
            return notFound();
    }
    return chosen->handler(*this, Call{request, exchange, caller ? &*caller : nullptr, parameters});
}

HttpResponse RestApi::healthz(const HttpRequest &request)
{
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}})
        .forMethod(request.method);
}

HttpResponse RestApi::logout(const Principal &caller, const HttpRequest &request)
{
    if (caller.isTracker())
        return forbidden();
    const QByteArray header = request.header("authorization");
    m_auth.logout(QString::fromLatin1(header.mid(7).trimmed()));
    return HttpResponse::empty(204);
}

std::optional<HttpResponse> RestApi::login(const HttpRequest &request,
                                           const std::shared_ptr<HttpExchange> &exchange)
{
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    const QString username = f.requiredString(FieldRules::kUsername);
    const QString password = f.requiredSecret(FieldRules::kPassword);
    if (!f.ok())
        return errorResponse(f.error());
    // The password check takes tens of milliseconds: the loop serves others meanwhile.
    m_auth.loginInBackground(
        username, password, request.remoteAddress,
        [this, exchange](const Result<Session> &session) {
            answer(exchange,
                   session ? HttpResponse::json(
                                 200, QJsonObject{{QStringLiteral("token"), session->token},
                                                  {QStringLiteral("user"), session->user.toJson()}})
                           : errorResponse(session.error()));
        });
    return std::nullopt;
}

void RestApi::answer(const std::shared_ptr<HttpExchange> &exchange, HttpResponse response) const
{
    finish(response);
    exchange->respond(response);
}

HttpResponse RestApi::me(const Principal &caller)
{
    if (caller.isTracker())
        return HttpResponse::json(200,
                                  QJsonObject{{QStringLiteral("role"), roleName(caller.role)},
                                              {QStringLiteral("packageId"), caller.packageId}});
    User u;
    u.id = caller.userId;
    u.username = caller.username;
    u.name = caller.name;
    u.role = caller.role;
    if (caller.isCourier()) {
        if (const Courier *c = m_dispatch.findCourier(caller.userId))
            u.name = c->name;
    }
    return HttpResponse::json(200, u.toJson());
}

std::optional<HttpResponse> RestApi::createCourier(const Principal &caller,
                                                   const HttpRequest &request,
                                                   const std::shared_ptr<HttpExchange> &exchange)
{
    if (!caller.isDispatcher())
        return forbidden();
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    NewCourier fields;
    fields.name = f.requiredString(FieldRules::kCourierName);
    fields.username = f.requiredString(FieldRules::kUsername);
    const QString password = f.requiredSecret(FieldRules::kPassword);
    fields.phone = f.optionalString(FieldRules::kPhone).value_or(QString());
    fields.deviceId = f.optionalString(FieldRules::kDeviceId).value_or(QString());
    if (!f.ok())
        return errorResponse(f.error());
    if (const auto refusal = FieldRules::newCourier(fields, password))
        return errorResponse(refusal->error());
    // Hashed on a worker; the courier is created back on the loop, where the store is used.
    m_auth.hashInBackground(password, [this, exchange, fields](const QString &hash) mutable {
        fields.passwordHash = hash;
        const auto courier = m_dispatch.createCourier(fields);
        answer(exchange, courier ? HttpResponse::json(201, courier->toJson())
                                 : errorResponse(courier.error()));
    });
    return std::nullopt;
}

std::optional<HttpResponse> RestApi::patchCourier(const Principal &caller, const QString &id,
                                                  const HttpRequest &request,
                                                  const std::shared_ptr<HttpExchange> &exchange)
{
    if (!caller.isDispatcher())
        return forbidden();
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    CourierPatch patch;
    if (body->contains(QStringLiteral("name")))
        patch.name = f.requiredString(FieldRules::kCourierName);
    if (body->contains(QStringLiteral("phone")))
        patch.phone = f.optionalString(FieldRules::kPhone).value_or(QString());
    if (body->contains(QStringLiteral("deviceId")))
        patch.deviceId = f.optionalString(FieldRules::kDeviceId).value_or(QString());
    const QString password = body->contains(QStringLiteral("password"))
                                 ? f.requiredSecret(FieldRules::kPassword)
                                 : QString();
    if (!f.ok())
        return errorResponse(f.error());
    if (const QJsonValue active = body->value(QStringLiteral("active")); !active.isUndefined()) {
        if (!active.isBool())
            return errorResponse(makeError(ErrorCode::ValidationFailed,
                                           QStringLiteral("active must be true or false")));
        patch.active = active.toBool();
    }
    auto apply = [this, id](CourierPatch &patch) {
        const auto courier = m_dispatch.updateCourier(id, patch);
        return courier ? HttpResponse::json(200, courier->toJson())
                       : errorResponse(courier.error());
    };
    if (password.isEmpty())
        return apply(patch);
    m_auth.hashInBackground(password, [this, exchange, patch, apply](const QString &hash) mutable {
        patch.passwordHash = hash;
        answer(exchange, apply(patch));
    });
    return std::nullopt;
}

HttpResponse RestApi::listCouriers(const Principal &caller)
{
    if (!caller.isDispatcher())
        return forbidden();
    return HttpResponse::json(
        200, toArray(m_dispatch.couriers(), [](const Courier &c) { return c.toJson(); }));
}

HttpResponse RestApi::getCourier(const Principal &caller, const QString &id)
{
    const auto courier = m_dispatch.courier(caller, id);
    if (!courier)
        return errorResponse(courier.error());
    return HttpResponse::json(200, courier->toJson());
}

std::optional<HttpResponse> RestApi::postLocation(const Principal &caller, const QString &id,
                                                  const HttpRequest &request,
                                                  const std::shared_ptr<HttpExchange> &exchange)
{
    if (caller.isTracker())
        return forbidden();
    if ((caller.isCourier() && caller.userId != id) || !m_dispatch.findCourier(id))
        return notFound();
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    const auto fix = parseFix(*body, m_dispatch.clock().now());
    if (!fix)
        return errorResponse(fix.error());
    // 202 only once the fix is on disk: an answered write is never lost.
    m_locations.submit(
        caller, id, *fix, [this, exchange](const Result<LocationIngest::Outcome> &r) {
            HttpResponse response =
                r ? HttpResponse::json(202, QJsonObject{{QStringLiteral("accepted"), true}})
                  : errorResponse(r.error());
            answer(exchange, response);
        });
    return std::nullopt;
}

HttpResponse RestApi::createPackage(const Principal &caller, const HttpRequest &request)
{
    if (!caller.isDispatcher())
        return forbidden();
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    NewPackage fields;
    fields.recipientName = f.requiredString(FieldRules::kRecipientName);
    fields.address = f.requiredString(FieldRules::kAddress);
    const QJsonObject destination = f.requiredObject(QStringLiteral("destination"));
    if (f.ok()) {
        json::FieldReader d(destination);
        fields.latitude = d.requiredNumber(QStringLiteral("latitude"), -90, 90);
        fields.longitude = d.requiredNumber(QStringLiteral("longitude"), -180, 180);
        if (!d.ok())
            return errorResponse(makeError(ErrorCode::ValidationFailed,
                                           QStringLiteral("destination.") + d.error().message));
    }
    fields.notes = f.optionalString(FieldRules::kNotes).value_or(QString());
    fields.recipientEmail = f.optionalString(FieldRules::kRecipientEmail).value_or(QString());
    fields.language = f.optionalString(FieldRules::kLanguage).value_or(QString());
    if (!f.ok())
        return errorResponse(f.error());
    if (const auto refusal = FieldRules::newPackage(fields))
        return errorResponse(refusal->error());
    const auto package = m_dispatch.createPackage(fields);
    if (!package)
        return errorResponse(package.error());
    return HttpResponse::json(201, package->toJson(true));
}

HttpResponse RestApi::listPackages(const Principal &caller, const HttpRequest &request)
{
    PackageFilter filter;
    const QString status = request.query.queryItemValue(QStringLiteral("status"));
    if (!status.isEmpty()) {
        filter.status = statusFromName(status.toUpper());
        if (!filter.status)
            return errorResponse(makeError(ErrorCode::ValidationFailed,
                                           QStringLiteral("status must be one of PENDING, "
                                                          "ASSIGNED, IN_PROGRESS, COMPLETED, "
                                                          "FAILED, CANCELLED")));
    }
    filter.deliveryPersonId = request.query.queryItemValue(QStringLiteral("deliveryPersonId"));
    if (!filter.deliveryPersonId.isEmpty() && !isUuid(filter.deliveryPersonId))
        return errorResponse(makeError(ErrorCode::ValidationFailed,
                                       QStringLiteral("deliveryPersonId must be a UUID")));
    const bool withToken = caller.isDispatcher();
    return HttpResponse::json(
        200, toArray(m_dispatch.packages(caller, filter),
                     [withToken](const Package &p) { return p.toJson(withToken); }));
}

HttpResponse RestApi::getPackage(const Principal &caller, const QString &id)
{
    const auto package = m_dispatch.package(caller, id);
    if (!package)
        return errorResponse(package.error());
    return HttpResponse::json(200, package->toJson(caller.isDispatcher()));
}

HttpResponse RestApi::packageEvents(const Principal &caller, const QString &id)
{
    const auto events = m_dispatch.events(caller, id);
    if (!events)
        return errorResponse(events.error());
    QJsonArray array;
    for (const PackageEvent &e : *events) {
        QJsonObject o = e.payload;
        o.insert(QStringLiteral("event"), e.event);
        o.insert(QStringLiteral("timestamp"), isoTimestamp(e.timestamp));
        array.append(o);
    }
    return HttpResponse::json(200, array);
}

HttpResponse RestApi::packageAction(const Principal &caller, const QString &id,
                                    const QString &action, const HttpRequest &request)
{
    const bool dispatcherOnly =
        action == QLatin1String("assign") || action == QLatin1String("cancel");
    if (caller.isTracker() || (dispatcherOnly && !caller.isDispatcher()))
        return forbidden();
    const bool needsBody = action == QLatin1String("assign") || action == QLatin1String("fail");
    const auto body = json::parseObject(request.body, !needsBody);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    Result<Package> result = makeError(ErrorCode::Internal, QString());
    if (action == QLatin1String("assign")) {
        const QString courierId = f.requiredString(kAssigneeField);
        if (!f.ok())
            return errorResponse(f.error());
        if (!isUuid(courierId))
            return errorResponse(makeError(ErrorCode::ValidationFailed,
                                           QStringLiteral("deliveryPersonId must be a UUID")));
        result = m_dispatch.assign(caller, id, courierId);
    } else if (action == QLatin1String("start")) {
        result = m_dispatch.start(caller, id);
    } else if (action == QLatin1String("complete")) {
        result = m_dispatch.complete(caller, id);
    } else if (action == QLatin1String("fail")) {
        const QString reason = f.requiredString(FieldRules::kReason);
        if (!f.ok())
            return errorResponse(f.error());
        result = m_dispatch.fail(caller, id, reason);
    } else {
        const QString reason = f.optionalString(FieldRules::kReason).value_or(QString());
        if (!f.ok())
            return errorResponse(f.error());
        result = m_dispatch.cancel(caller, id, reason);
    }
    if (!result)
        return errorResponse(result.error());
    return HttpResponse::json(200, result->toJson(caller.isDispatcher()));
}

HttpResponse RestApi::dayReport(const Principal &caller,
                                const std::function<HttpResponse(const DayRecords &)> &report)
{
    if (!caller.isDispatcher())
        return forbidden();
    if (!m_dayRecords)
        return notFound();
    return report(*m_dayRecords);
}

HttpResponse RestApi::track(const QString &code, const QHostAddress &from)
{
    // An address past its limit learns nothing more, right codes included.
    if (m_trackingLimiter) {
        if (const auto seconds = m_trackingLimiter->retryAfterSeconds(from))
            return GuessLimiter::refusal(*seconds);
    }
    const Package *p = m_dispatch.findPackageByTrackingCode(code);
    if (!p) {
        if (m_trackingLimiter)
            m_trackingLimiter->recordMiss(from);
        return errorResponse(
            makeError(ErrorCode::NotFound, QStringLiteral("no such tracking code")));
    }
    return HttpResponse::json(
        200, QJsonObject{{QStringLiteral("package"),
                          QJsonObject{{QStringLiteral("id"), p->id},
                                      {QStringLiteral("trackingCode"), p->trackingCode},
                                      {QStringLiteral("status"), statusName(p->status)},
                                      {QStringLiteral("recipientName"), p->recipientName},
                                      {QStringLiteral("destination"),
                                       QJsonObject{{QStringLiteral("latitude"), p->latitude},
                                                   {QStringLiteral("longitude"), p->longitude}}},
                                      {QStringLiteral("updatedAt"), isoTimestamp(p->updatedAt)}}},
                         {QStringLiteral("token"), p->trackingToken}});
}

} // namespace depot
