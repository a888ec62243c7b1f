#pragma once

#include <QLoggingCategory>

/// The log category of dispatch/ ("depot.dispatch"), defined in dispatchservice.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcDispatch)
