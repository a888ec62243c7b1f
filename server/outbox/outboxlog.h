#pragma once

#include <QLoggingCategory>

/// The log category of outbox/ ("depot.outbox"), defined in outboxrelay.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcOutbox)
