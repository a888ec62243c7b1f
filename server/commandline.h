#pragma once

#include "hubconfig.h"

#include <QStringList>

#include <optional>
#include <variant>

class QCommandLineParser;

namespace depot {

class Hub;
struct StartError;

/// Parses the hub's flags for `program`. Gives the config, or the exit code when the program is
/// done already (--help, --version: 0; a bad flag: 2, after a one-line message on stderr).
/// `parser` may carry the program's own extra options, added before the call. Help and messages
/// are in the language of `translator` (see hubOptionsText()).
std::variant<HubConfig, int> parseCommandLine(QCommandLineParser &parser, const QStringList &args,
                                              const QString &program, const QString &description,
                                              const QTranslator *translator = nullptr);

/// Raises the open-file limit to the hard limit: every connection is a descriptor and the soft
/// limit is often 1024, far below ten thousand couriers and trackers.
void raiseOpenFileLimit();

/// Starts the hub and prints the contract's start-up lines; returns 0 or the exit code to use.
int startAndAnnounce(Hub &hub, const QString &program);
/// The second half of startAndAnnounce(), for a hub started elsewhere (on a thread of its own):
/// prints the start-up lines, or `error`; returns 0 or the exit code to use.
int announceStart(const Hub &hub, const std::optional<StartError> &error, const QString &program);

} // namespace depot
