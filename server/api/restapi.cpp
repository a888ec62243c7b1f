#include "restapi.h"

#include "authservice.h"
#include "core/clock.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/locationingest.h"
#include "errorbody.h"
#include "fixparsing.h"
#include "guesslimiter.h"
#include "jsonfields.h"
#include "transport/httpendpoint.h"

#include <QJsonArray>

#include <QJsonObject>
#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcApi, "depot.api")

namespace depot {

namespace {

// Limits on free text, generous for people and small enough that nobody fills the disk.
constexpr int kNameMax = 200;
constexpr int kUsernameMax = 64;
constexpr int kPasswordMax = 256;
constexpr int kPhoneMax = 40;
constexpr int kDeviceIdMax = 128;
constexpr int kAddressMax = 500;
constexpr int kNotesMax = 2000;
constexpr int kReasonMax = 500;

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
        response->withHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS")
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

std::optional<HttpResponse> RestApi::route(const HttpRequest &request,
                                           const std::shared_ptr<HttpExchange> &exchange)
{
    const QStringList parts = request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QByteArray &method = request.method;
    const qsizetype n = parts.size();

    if (n == 1 && parts[0] == QLatin1String("healthz")) {
        // HEAD too: health checkers and `curl -I` ask with it.
        if (method != "GET" && method != "HEAD")
            return methodNotAllowed("GET, HEAD");
        return HttpResponse::json(200,
                                  QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}})
            .forMethod(method);
    }
    if (n == 0 || parts[0] != QLatin1String("api"))
        return notFound();

    if (n == 3 && parts[1] == QLatin1String("auth") && parts[2] == QLatin1String("login")) {
        if (method != "POST")
            return methodNotAllowed("POST");
        return login(request, exchange);
    }
    if (n == 3 && parts[1] == QLatin1String("track")) {
        if (method != "GET")
            return methodNotAllowed("GET");
        return track(parts[2], request.remoteAddress);
    }

    // Which routes exist is decided before who asks, so an unknown route is 404 for everyone.
    enum class Route {
        None,
        Me,
        Logout,
        Couriers,
        Courier,
        CourierLocation,
        Packages,
        Package,
        PackageEvents,
        PackageAction
    };
    Route r = Route::None;
    QByteArray allowed;
    if (n == 2 && parts[1] == QLatin1String("me")) {
        r = Route::Me, allowed = "GET";
    } else if (n == 3 && parts[1] == QLatin1String("auth") && parts[2] == QLatin1String("logout")) {
        r = Route::Logout, allowed = "POST";
    } else if (n == 2 && parts[1] == QLatin1String("couriers")) {
        r = Route::Couriers, allowed = "GET, POST";
    } else if (n == 3 && parts[1] == QLatin1String("couriers")) {
        r = Route::Courier, allowed = "GET, PATCH";
    } else if (n == 4 && parts[1] == QLatin1String("couriers") &&
               parts[3] == QLatin1String("location")) {
        r = Route::CourierLocation, allowed = "POST";
    } else if (n == 2 && parts[1] == QLatin1String("packages")) {
        r = Route::Packages, allowed = "GET, POST";
    } else if (n == 3 && parts[1] == QLatin1String("packages")) {
        r = Route::Package, allowed = "GET";
    } else if (n == 4 && parts[1] == QLatin1String("packages") &&
               parts[3] == QLatin1String("events")) {
        r = Route::PackageEvents, allowed = "GET";
    } else if (n == 4 && parts[1] == QLatin1String("packages") &&
               QStringList{QStringLiteral("assign"), QStringLiteral("start"),
                           QStringLiteral("complete"), QStringLiteral("fail"),
                           QStringLiteral("cancel")}
                   .contains(parts[3])) {
        r = Route::PackageAction, allowed = "POST";
    }
    if (r == Route::None)
        return notFound();
    if (!allowed.split(',').contains(" " + method) && !allowed.split(',').contains(method))
        return methodNotAllowed(allowed);

    const auto caller = principalOf(request);
    if (!caller)
        return HttpResponse::error(401, QStringLiteral("unauthorized"),
                                   QStringLiteral("a valid bearer token is required"));

    // Ids that are not UUIDs name nothing.
    const QString id = n >= 3 ? parts[2] : QString();
    if (r != Route::Me && r != Route::Logout && r != Route::Couriers && r != Route::Packages &&
        !isUuid(id))
        return notFound();

    switch (r) {
    case Route::Me:
        return me(*caller);
    case Route::Logout: {
        if (caller->isTracker())
            return forbidden();
        const QByteArray header = request.header("authorization");
        m_auth.logout(QString::fromLatin1(header.mid(7).trimmed()));
        return HttpResponse::empty(204);
    }
    case Route::Couriers:
        if (method == "GET")
            return listCouriers(*caller);
        return createCourier(*caller, request, exchange);
    case Route::Courier:
        if (method == "GET")
            return getCourier(*caller, id);
        return patchCourier(*caller, id, request, exchange);
    case Route::CourierLocation:
        return postLocation(*caller, id, request, exchange);
    case Route::Packages:
        return method == "GET" ? listPackages(*caller, request) : createPackage(*caller, request);
    case Route::Package:
        return getPackage(*caller, id);
    case Route::PackageEvents:
        return packageEvents(*caller, id);
    case Route::PackageAction:
        return packageAction(*caller, id, parts[3], request);
    case Route::None:
        break;
    }
    return notFound();
}

std::optional<HttpResponse> RestApi::login(const HttpRequest &request,
                                           const std::shared_ptr<HttpExchange> &exchange)
{
    const auto body = json::parseObject(request.body, false);
    if (!body)
        return errorResponse(body.error());
    json::FieldReader f(*body);
    const QString username = f.requiredString(QStringLiteral("username"), kUsernameMax);
    const QString password = f.requiredSecret(QStringLiteral("password"), kPasswordMax);
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
    fields.name = f.requiredString(QStringLiteral("name"), kNameMax);
    fields.username = f.requiredString(QStringLiteral("username"), kUsernameMax);
    const QString password = f.requiredSecret(QStringLiteral("password"), kPasswordMax);
    fields.phone = f.optionalString(QStringLiteral("phone"), kPhoneMax).value_or(QString());
    fields.deviceId =
        f.optionalString(QStringLiteral("deviceId"), kDeviceIdMax).value_or(QString());
    if (!f.ok())
        return errorResponse(f.error());
    if (fields.username.contains(QLatin1Char(' ')))
        return errorResponse(makeError(ErrorCode::ValidationFailed,
                                       QStringLiteral("username must not contain spaces")));
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
        patch.name = f.requiredString(QStringLiteral("name"), kNameMax);
    if (body->contains(QStringLiteral("phone")))
        patch.phone = f.optionalString(QStringLiteral("phone"), kPhoneMax).value_or(QString());
    if (body->contains(QStringLiteral("deviceId")))
        patch.deviceId =
            f.optionalString(QStringLiteral("deviceId"), kDeviceIdMax).value_or(QString());
    const QString password = body->contains(QStringLiteral("password"))
                                 ? f.requiredSecret(QStringLiteral("password"), kPasswordMax)
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
    fields.recipientName = f.requiredString(QStringLiteral("recipientName"), kNameMax);
    fields.address = f.requiredString(QStringLiteral("address"), kAddressMax);
    const QJsonObject destination = f.requiredObject(QStringLiteral("destination"));
    if (f.ok()) {
        json::FieldReader d(destination);
        fields.latitude = d.requiredNumber(QStringLiteral("latitude"), -90, 90);
        fields.longitude = d.requiredNumber(QStringLiteral("longitude"), -180, 180);
        if (!d.ok())
            return errorResponse(makeError(ErrorCode::ValidationFailed,
                                           QStringLiteral("destination.") + d.error().message));
    }
    fields.notes = f.optionalString(QStringLiteral("notes"), kNotesMax).value_or(QString());
    if (!f.ok())
        return errorResponse(f.error());
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
        const QString courierId = f.requiredString(QStringLiteral("deliveryPersonId"), 64);
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
        const QString reason = f.requiredString(QStringLiteral("reason"), kReasonMax);
        if (!f.ok())
            return errorResponse(f.error());
        result = m_dispatch.fail(caller, id, reason);
    } else {
        const QString reason =
            f.optionalString(QStringLiteral("reason"), kReasonMax).value_or(QString());
        if (!f.ok())
            return errorResponse(f.error());
        result = m_dispatch.cancel(caller, id, reason);
    }
    if (!result)
        return errorResponse(result.error());
    return HttpResponse::json(200, result->toJson(caller.isDispatcher()));
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
