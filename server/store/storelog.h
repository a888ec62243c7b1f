#pragma once

#include <QLoggingCategory>

/// The log category of store/ ("depot.store"), defined in sqlstore.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcStore)
