#include "errorbody.h"

#include <QJsonObject>

namespace depot {

namespace {

int httpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::BadRequest:
    case ErrorCode::ValidationFailed:
        return 400;
    case ErrorCode::Unauthorized:
        return 401;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::InvalidTransition:
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::PayloadTooLarge:
        return 413;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::Internal:
        return 500;
    case ErrorCode::StoreUnavailable:
        return 503;
    case ErrorCode::ProofRequired:
        return 422;
    }
    return 500;
}

QString codeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::BadRequest:
        return QStringLiteral("bad_request");
    case ErrorCode::ValidationFailed:
        return QStringLiteral("validation_failed");
    case ErrorCode::Unauthorized:
        return QStringLiteral("unauthorized");
    case ErrorCode::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::InvalidTransition:
        return QStringLiteral("invalid_transition");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::PayloadTooLarge:
        return QStringLiteral("payload_too_large");
    case ErrorCode::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorCode::Internal:
        return QStringLiteral("internal_error");
    case ErrorCode::StoreUnavailable:
        return QStringLiteral("store_unavailable");
    case ErrorCode::ProofRequired:
        return QStringLiteral("proof_required");
    }
    return QStringLiteral("internal_error");
}

} // namespace

HttpResponse errorResponse(const Error &error)
{
    HttpResponse response =
        HttpResponse::error(httpStatus(error.code), codeName(error.code), error.message);
    if (error.retryAfterSeconds > 0)
        response.withHeader("Retry-After", QByteArray::number(error.retryAfterSeconds));
    return response;
}

QJsonObject errorJson(const Error &error)
{
    return QJsonObject{
        {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), codeName(error.code)},
                                              {QStringLiteral("message"), error.message}}}};
}

} // namespace depot
