#pragma once
// A redis-server of the test's own: 127.0.0.1, a free port, a temporary folder, no persistence.
// It can be killed and started again on the same port; it is stopped with the object.

#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

namespace depot::test {

class RedisServer
{
public:
    ~RedisServer() { kill(); }

    /// Starts redis-server and waits until it accepts connections; false when it cannot.
    bool start()
    {
        if (m_port == 0) {
            QTcpServer probe; // redis-server --port 0 would turn TCP off
            if (!probe.listen(QHostAddress::LocalHost, 0))
                return false;
            m_port = probe.serverPort();
        }
        QString program = qEnvironmentVariable("DEPOT_REDIS_SERVER");
        if (program.isEmpty())
            program = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                                     {QStringLiteral("/usr/bin")});
        if (program.isEmpty() || !m_dir.isValid())
            return false;
        m_process.setProgram(program);
        m_process.setArguments({QStringLiteral("--port"), QString::number(m_port),
                                QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                                QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path()});
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        QByteArray out;
        while (!out.contains("Ready to accept connections")) {
            if (!m_process.waitForReadyRead(10000))
                return false;
            out += m_process.readAll();
        }
        return true;
    }

    /// SIGKILL: its connections drop at once.
    void kill()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace depot::test
