#pragma once

#include <QLoggingCategory>

/// The log category of realtime/ ("depot.realtime"), defined in namespace.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcRealtime)
