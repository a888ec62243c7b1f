#pragma once

#include "core/clock.h"
#include "hubconfig.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace depot {

class Hub;
struct StartError;

/// The console's embedded hub on a thread of its own: it is built, started, used and destroyed
/// there, so its sockets, protocol and store writer never wait for the console's drawing, nor the
/// drawing for them. The console follows it through queued signals (see DispatchMirror) and runs
/// its commands there through run().
class HubThread : public QObject
{
    Q_OBJECT

public:
    explicit HubThread(QObject *parent = nullptr);
    /// Stops the hub if stop() was not called.
    ~HubThread() override;

    /// Builds the hub from `config` on its thread and starts it there; returns once it listens,
    /// or with the reason it could not start. `clock` as Hub's (tests steer time with one).
    std::optional<StartError> start(HubConfig config, std::unique_ptr<Clock> clock = {});
    /// The hub, once started; lives on the hub's thread. What start() settled (ports, URL,
    /// config, TLS facts) may be read anywhere; everything else only through run().
    Hub *hub() const { return m_hub.get(); }
    QThread *hubThread() { return &m_thread; }

    /// Runs `work` on the hub's thread and waits for its result (directly when called there).
    template <typename Work> auto run(Work work) -> std::invoke_result_t<Work>;
    /// Makes an object on the hub's thread that lives there until stop(), gone before the hub
    /// (e.g. the demo simulator, which drives the hub's services directly).
    template <typename Make> auto adopt(Make make) -> std::invoke_result_t<Make>;

    /// Destroys what was adopted, then the hub, on the hub's thread; then ends the thread.
    void stop();

private:
    void runHere(const std::function<void()> &work);

    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread: the target of run()
    std::unique_ptr<Hub> m_hub;
    std::vector<std::unique_ptr<QObject>> m_adopted;
};

template <typename Work> auto HubThread::run(Work work) -> std::invoke_result_t<Work>
{
    using Result = std::invoke_result_t<Work>;
    if constexpr (std::is_void_v<Result>) {
        runHere([&work] { work(); });
    } else {
        std::optional<Result> result;
        runHere([&work, &result] { result.emplace(work()); });
        return std::move(*result);
    }
}

template <typename Make> auto HubThread::adopt(Make make) -> std::invoke_result_t<Make>
{
    return run([this, &make] {
        auto *made = make();
        m_adopted.emplace_back(made);
        return made;
    });
}

} // namespace depot
