#pragma once

namespace depot {

/// Sends the contract's event log lines (category depot.events) to standard output, plain, and
/// everything else to standard error with its category.
void installLogHandler();

/// Quits the application's event loop on SIGINT and SIGTERM, so shutdown runs every destructor.
void quitOnTerminationSignals();

} // namespace depot
