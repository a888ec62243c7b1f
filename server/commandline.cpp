#include "commandline.h"

#include "hub.h"
#include "logging.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>

#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace depot {

void raiseOpenFileLimit()
{
#ifdef Q_OS_UNIX
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
#endif // elsewhere there is no soft limit to raise
}

std::variant<HubConfig, int> parseCommandLine(QCommandLineParser &parser, const QStringList &args,
                                              const QString &program, const QString &description,
                                              const QTranslator *translator)
{
    parser.setApplicationDescription(description);
    // Our own --help and --version rather than Qt's, whose texts cannot be translated before
    // the application exists.
    parser.addOption(
        {{QStringLiteral("h"), QStringLiteral("help")},
         hubOptionsText(QT_TRANSLATE_NOOP("depot::HubOptions", "Show this help and quit."),
                        translator)});
    parser.addOption(
        {{QStringLiteral("v"), QStringLiteral("version")},
         hubOptionsText(QT_TRANSLATE_NOOP("depot::HubOptions", "Show the version and quit."),
                        translator)});
    addHubOptions(parser, translator);
    if (!parser.parse(args)) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(program), qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        // Without an application object Qt does not know the program name.
        QString help = parser.helpText();
        help.replace(QLatin1String("<executable_name>"), program);
        std::fputs(qPrintable(help), stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("%s %s\n", qPrintable(program), DEPOT_VERSION);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        const QString unexpected =
            hubOptionsText(QT_TRANSLATE_NOOP("depot::HubOptions", "unexpected argument '%1'"),
                           translator)
                .arg(parser.positionalArguments().constFirst());
        std::fprintf(stderr, "%s: %s\n", qPrintable(program), qPrintable(unexpected));
        return 2;
    }
    auto config = hubConfigFrom(parser, QProcessEnvironment::systemEnvironment(), translator);
    if (!config) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(program), qPrintable(config.error().message));
        return 2;
    }
    return std::move(config).value();
}

int startAndAnnounce(Hub &hub, const QString &program)
{
    // Before the listening line: whoever reads it may signal us at once.
    quitOnTerminationSignals();
    return announceStart(hub, hub.start(), program);
}

int announceStart(const Hub &hub, const std::optional<StartError> &error, const QString &program)
{
    if (error) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(program), qPrintable(error->message));
        return error->exitCode;
    }
    if (!hub.generatedAdminPassword().isEmpty())
        std::printf("dispatcher password (shown once): %s\n",
                    qPrintable(hub.generatedAdminPassword()));
    // Phones warn once about a certificate no authority signed; this is what they should show.
    if (hub.usesTls())
        std::printf("TLS certificate SHA-256 fingerprint: %s\n", qPrintable(hub.tlsFingerprint()));
    std::printf("listening on %s\n", qPrintable(hub.listeningUrl()));
    std::fflush(stdout);
    return 0;
}

} // namespace depot
