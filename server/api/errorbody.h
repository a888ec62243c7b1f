#pragma once

#include "core/result.h"
#include "transport/httpmessage.h"

#include <QJsonObject>

namespace depot {

/// The contract's error answer: the error body with the status and headers its code stands for.
HttpResponse errorResponse(const Error &error);
/// The contract's error body {"error":{"code","message"}}, for REST answers and socket acks alike.
QJsonObject errorJson(const Error &error);

} // namespace depot
