#pragma once

#include "databaseurl.h"
#include "sqlstore.h"

#include <QTimer>

#include <memory>

namespace depot {

class PostgresFixWriter;

/// How a PostgresStore connects, and how it reconnects after losing its server.
struct PostgresStoreOptions
{
    qint64 reconnectInitialMs = 100; // the first attempt after the connection was lost
    qint64 reconnectMaxMs = 5000;    // attempts double their wait up to this
    int connectTimeoutSeconds = 5;
};

/// The Store on a PostgreSQL database through QtSql's QPSQL driver, shared by several hubs: the
/// same tables and schema versions as SqliteStore, a package's changes compared and set on its
/// version, failed logins in a table. When the server goes away, writes fail at once (the hub
/// answers 503) and the store reconnects by itself, waiting longer after each failed attempt.
class PostgresStore final : public SqlStore
{
public:
    using Options = PostgresStoreOptions;

    /// targetVersion: migrate no further than this version (tests); -1 is the current one.
    explicit PostgresStore(DatabaseUrl url, Options options = Options(), int targetVersion = -1);
    ~PostgresStore() override;

    bool open(QString *error) override;
    bool available() const override { return m_available; }
    bool shared() const override { return true; }

    /// Written by a PostgresFixWriter: its own thread and connection, batches that queued while
    /// one was written are committed together.
    std::shared_future<bool> appendFixesInBackground(std::vector<StoredFix> fixes,
                                                     std::function<void()> committed) override;

    /// The schema version this build writes (the same as SqliteStore's).
    static int currentSchemaVersion();
    /// Sets up `db` (QPSQL) to connect to `url`.
    static void configure(QSqlDatabase &db, const DatabaseUrl &url, int connectTimeoutSeconds);
    /// Whether an error means the connection is gone rather than that one statement failed.
    static bool isConnectionError(const QSqlError &error);

protected:
    bool ready() override { return m_available; }
    void failed(const QSqlError &error) override;

private:
    void reconnect();
    /// The fix writer lost the server: whether this connection did too.
    void checkConnection();

    DatabaseUrl m_url;
    Options m_options;
    int m_targetVersion;
    bool m_available = false;
    qint64 m_backoffMs = 0;
    QTimer m_reconnectTimer;
    std::unique_ptr<PostgresFixWriter> m_fixWriter; // made on first use
};

} // namespace depot
