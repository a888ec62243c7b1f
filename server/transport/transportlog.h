#pragma once

#include <QLoggingCategory>

/// The log category of transport/ ("depot.transport"), defined in httpserver.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcTransport)
