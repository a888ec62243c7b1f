#pragma once

#include "core/store.h"

#include <QString>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace depot {

/// Appends courier fixes to the database on a thread of its own, through a SQLite connection of
/// its own, so the hub's event loop keeps reading and broadcasting while a batch is committed and
/// synced to disk. Batches are written one after the other, each in one transaction with
/// `synchronous=FULL`: a batch reported written survives a crash.
class FixWriter
{
public:
    /// Opens `path` (an existing, migrated database) on first use.
    explicit FixWriter(QString path);
    /// Writes every batch already handed over, then stops.
    ~FixWriter();

    FixWriter(const FixWriter &) = delete;
    FixWriter &operator=(const FixWriter &) = delete;

    /// Hands one batch to the writer and returns at once. The future says whether the batch is
    /// on disk; `committed` runs on the writer's thread just before the future becomes ready.
    std::shared_future<bool> append(std::vector<StoredFix> fixes, std::function<void()> committed);

private:
    struct Job
    {
        std::vector<StoredFix> fixes;
        std::function<void()> committed;
        std::promise<bool> written;
    };

    void run();
    // Copies the WAL into the database on a thread and connection of its own, so that a commit
    // never waits for a checkpoint: on the writer's own commits those were the slowest writes.
    void checkpoint();
    bool open();
    void close();
    bool write(const std::vector<StoredFix> &fixes);
    bool exec(const char *sql);

    const QString m_path;
    std::mutex m_mutex;
    std::condition_variable m_wake;     // the writer: a batch arrived, or stop
    std::condition_variable m_stopWake; // the checkpointer: stop
    std::deque<Job> m_jobs;
    bool m_stopping = false;
    std::thread m_thread;
    std::thread m_checkpointer;

    // Used on the writer's thread only.
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_courier = nullptr; // a courier's chain head and fix count
    sqlite3_stmt *m_insert = nullptr;
    sqlite3_stmt *m_move = nullptr;  // a courier's newest fix, chain head and count
    sqlite3_stmt *m_count = nullptr; // a courier's count, when the batch held no current fix
};

} // namespace depot
