#pragma once
// A PostgreSQL server of a test's own: initdb in a temporary folder owned by the `postgres`
// user (PostgreSQL refuses to run as root), its socket in that folder, listening on 127.0.0.1
// on a free port. It is stopped and its folder removed when the object goes, also when the
// test failed. Tests skip when PostgreSQL is not installed.

#include "store/databaseurl.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>

#include <pwd.h>
#include <unistd.h>

#include <memory>

namespace depot::test {

class PostgresServer
{
public:
    static QString binDir() { return QStringLiteral("/usr/lib/postgresql/15/bin"); }

    /// Why a server cannot be run here, or empty when one can.
    static QString unavailableReason()
    {
        if (!QFileInfo(binDir() + QStringLiteral("/initdb")).isExecutable())
            return QStringLiteral("PostgreSQL 15 is not installed (Debian: postgresql)");
        if (!getpwnam("postgres"))
            return QStringLiteral("there is no postgres user");
        if (geteuid() != 0 && getpwnam("postgres")->pw_uid != geteuid())
            return QStringLiteral("runs as root or as postgres only");
        return {};
    }

    PostgresServer() = default;
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;
    ~PostgresServer()
    {
        if (m_dir)
            pgCtl({QStringLiteral("stop"), QStringLiteral("-m"), QStringLiteral("immediate")});
    }

    /// initdb and start; false (with `error`) when it did not come up.
    bool start(QString *error)
    {
        m_dir =
            std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/depot-pg-XXXXXX"));
        const passwd *postgres = getpwnam("postgres");
        if (!m_dir->isValid() || !postgres ||
            chown(QFile::encodeName(m_dir->path()).constData(), postgres->pw_uid,
                  postgres->pw_gid) != 0) {
            *error = QStringLiteral("cannot make a folder for PostgreSQL");
            return false;
        }
        QString out;
        if (!run(binDir() + QStringLiteral("/initdb"),
                 {QStringLiteral("-D"), dataDir(), QStringLiteral("-U"), QStringLiteral("postgres"),
                  QStringLiteral("-A"), QStringLiteral("trust"), QStringLiteral("-E"),
                  QStringLiteral("UTF8"), QStringLiteral("--locale=C"),
                  QStringLiteral("--no-sync")},
                 &out)) {
            *error = QStringLiteral("initdb failed: ") + out;
            return false;
        }
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
        probe.close();
        if (!startAgain(&out)) {
            *error = QStringLiteral("pg_ctl start failed: ") + out;
            return false;
        }
        return true;
    }

    /// Starts the server after stop(), on the same port and data.
    bool startAgain(QString *output = nullptr)
    {
        // Unsynced writes survive the death of the server's processes (they are in the kernel's
        // cache); only a crash of the machine would lose them, which no test makes.
        return pgCtl(
            {QStringLiteral("start"), QStringLiteral("-w"), QStringLiteral("-l"),
             m_dir->path() + QStringLiteral("/log"), QStringLiteral("-o"),
             QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=%3 "
                            "-c max_connections=200")
                 .arg(m_port)
                 .arg(m_dir->path(), m_fsync ? QStringLiteral("on") : QStringLiteral("off"))},
            output);
    }

    /// Stops at once, as a crash would (pg_ctl stop -m immediate).
    bool stop()
    {
        return pgCtl({QStringLiteral("stop"), QStringLiteral("-w"), QStringLiteral("-m"),
                      QStringLiteral("immediate")});
    }

    /// Syncs writes to disk on the next start (for measurements); off by default.
    void setFsync(bool on) { m_fsync = on; }

    quint16 port() const { return m_port; }

    /// Creates a database; its URL for --database.
    QString createDatabase(const QString &name)
    {
        QString out;
        run(binDir() + QStringLiteral("/createdb"),
            {QStringLiteral("-h"), m_dir->path(), QStringLiteral("-p"), QString::number(m_port),
             QStringLiteral("-U"), QStringLiteral("postgres"), name},
            &out);
        return url(name);
    }

    QString url(const QString &database) const
    {
        return QStringLiteral("postgres://postgres:unused@127.0.0.1:%1/%2")
            .arg(m_port)
            .arg(database);
    }

    DatabaseUrl databaseUrl(const QString &database) const
    {
        return *DatabaseUrl::parse(url(database), nullptr);
    }

    /// One query through psql: its rows, one a line, columns separated by '|'.
    QString query(const QString &database, const QString &sql)
    {
        QString out;
        run(binDir() + QStringLiteral("/psql"),
            {QStringLiteral("-h"), m_dir->path(), QStringLiteral("-p"), QString::number(m_port),
             QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("-d"), database,
             QStringLiteral("-At"), QStringLiteral("-c"), sql},
            &out);
        return out.trimmed();
    }

private:
    QString dataDir() const { return m_dir->path() + QStringLiteral("/data"); }

    bool pgCtl(QStringList args, QString *output = nullptr)
    {
        args.prepend(dataDir());
        args.prepend(QStringLiteral("-D"));
        return run(binDir() + QStringLiteral("/pg_ctl"), args, output);
    }

    /// Runs `program` as the postgres user; true when it exited with 0.
    static bool run(const QString &program, QStringList args, QString *output)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.setWorkingDirectory(QDir::tempPath()); // postgres may not read the test's folder
        if (geteuid() == 0) {
            args.prepend(program);
            args.prepend(QStringLiteral("--"));
            args.prepend(QStringLiteral("postgres"));
            args.prepend(QStringLiteral("-u"));
            p.start(QStringLiteral("runuser"), args);
        } else {
            p.start(program, args);
        }
        const bool done = p.waitForFinished(60000);
        if (output)
            *output = QString::fromLocal8Bit(p.readAll());
        return done && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    quint16 m_port = 0;
    bool m_fsync = false;
};

} // namespace depot::test
