#pragma once

#include "sqlstore.h"

#include <memory>

namespace depot {

class FixWriter;

/// The Store on one SQLite file: WAL journal, full sync, a schema version table and migrations.
class SqliteStore final : public SqlStore
{
public:
    /// targetVersion: migrate no further than this version (for tests of a migration);
    /// -1 is the current version.
    explicit SqliteStore(QString path, int targetVersion = -1);
    ~SqliteStore() override;

    bool open(QString *error) override;

    /// Written by a FixWriter: its own thread and connection, one batch after the other.
    std::shared_future<bool> appendFixesInBackground(std::vector<StoredFix> fixes,
                                                     std::function<void()> committed) override;

    /// The schema version this build writes.
    static int currentSchemaVersion();

private:
    QString m_path;
    int m_targetVersion;
    std::unique_ptr<FixWriter> m_fixWriter; // made on first use
};

} // namespace depot
