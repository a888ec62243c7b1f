#pragma once

#include "core/store.h"
#include "databaseurl.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace depot {

/// Appends courier fixes to PostgreSQL on a thread of its own, through a connection of its own,
/// so the hub's event loop goes on while a batch is committed. Batches that queue up while one
/// is written are committed together in the next transaction (group commit); each batch is
/// reported written only after that COMMIT. A lost connection fails the batches of the moment
/// and is opened again for the next.
class PostgresFixWriter
{
public:
    /// `connectionLost` runs on the writer's thread when a batch failed for want of the
    /// server, before the batch's futures become ready.
    PostgresFixWriter(DatabaseUrl url, int connectTimeoutSeconds,
                      std::function<void()> connectionLost);
    /// Writes every batch already handed over, then stops.
    ~PostgresFixWriter();

    PostgresFixWriter(const PostgresFixWriter &) = delete;
    PostgresFixWriter &operator=(const PostgresFixWriter &) = delete;

    /// Hands one batch to the writer and returns at once; see FixWriter::append().
    std::shared_future<bool> append(std::vector<StoredFix> fixes, std::function<void()> committed);

private:
    struct Job
    {
        std::vector<StoredFix> fixes;
        std::function<void()> committed;
        std::promise<bool> written;
    };

    void run();

    const DatabaseUrl m_url;
    const int m_connectTimeoutSeconds;
    const std::function<void()> m_connectionLost;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace depot
