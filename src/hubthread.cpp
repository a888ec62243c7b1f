#include "hubthread.h"

#include "core/clock.h"
#include "hub.h"

namespace depot {

HubThread::HubThread(QObject *parent)
    : QObject(parent)
    , m_context(new QObject)
{
    m_thread.setObjectName(QStringLiteral("hub"));
    m_context->moveToThread(&m_thread);
}

HubThread::~HubThread()
{
    stop();
    delete m_context; // its thread has ended
}

std::optional<StartError> HubThread::start(HubConfig config, std::unique_ptr<Clock> clock)
{
    m_thread.start();
    // Made on the hub's thread, so its servers, sockets and timers belong to it.
    return run([this, &config, &clock]() -> std::optional<StartError> {
        m_hub = clock ? std::make_unique<Hub>(std::move(config), std::move(clock))
                      : std::make_unique<Hub>(std::move(config));
        return m_hub->start();
    });
}

void HubThread::runHere(const std::function<void()> &work)
{
    if (QThread::currentThread() == &m_thread || !m_thread.isRunning())
        work();
    else
        QMetaObject::invokeMethod(m_context, work, Qt::BlockingQueuedConnection);
}

void HubThread::stop()
{
    if (!m_thread.isRunning())
        return;
    run([this] {
        // Newest first: the later ones may use the earlier ones.
        while (!m_adopted.empty())
            m_adopted.pop_back();
        m_hub.reset();
    });
    m_thread.quit();
    m_thread.wait();
}

} // namespace depot
