#pragma once

#include <QLoggingCategory>

/// The log category of store/ ("depot.store"), defined in sqlitestore.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcStore)
