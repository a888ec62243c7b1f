#pragma once

#include <QLoggingCategory>

/// The log category of cluster/ ("depot.cluster"), defined in redisstreamsadapter.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcCluster)
