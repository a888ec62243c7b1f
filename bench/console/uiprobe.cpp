#include "uiprobe.h"

#include <QQuickWindow>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace depot::bench {

namespace {
constexpr int kLagTimerMs = 20;
} // namespace

double quantile(std::vector<double> values, double q)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = size_t(
        std::clamp(std::ceil(q * double(values.size())) - 1, 0.0, double(values.size() - 1)));
    return values[index];
}

MeasuredApplication::MeasuredApplication(int &argc, char **argv)
    : QGuiApplication(argc, argv)
    , m_mainThread(QThread::currentThread())
{
    m_clock.start();
}

bool MeasuredApplication::notify(QObject *receiver, QEvent *event)
{
    if (QThread::currentThread() != m_mainThread)
        return QGuiApplication::notify(receiver, event);
    const qint64 start = m_depth++ == 0 ? m_clock.nsecsElapsed() : -1;
    const bool result = QGuiApplication::notify(receiver, event);
    if (--m_depth == 0)
        m_busyNs += m_clock.nsecsElapsed() - start;
    return result;
}

UiProbe::UiProbe(MeasuredApplication *app, QQuickWindow *window, QElapsedTimer clock,
                 QObject *parent)
    : QObject(parent)
    , m_app(app)
    , m_clock(clock)
{
    m_windowStartNs = m_clock.nsecsElapsed();
    m_busyAtStartNs = m_app->busyNs();

    m_lagTimer.setTimerType(Qt::PreciseTimer);
    m_lagTimer.setInterval(kLagTimerMs);
    connect(&m_lagTimer, &QTimer::timeout, this, [this] {
        const qint64 now = m_clock.nsecsElapsed();
        if (m_lastTickNs >= 0)
            m_loopLagMs.push_back(std::max(0.0, double(now - m_lastTickNs) / 1e6 - kLagTimerMs));
        m_lastTickNs = now;
    });
    m_lagTimer.start();

    // Emitted on the render thread where there is one: direct, under a lock.
    connect(
        window, &QQuickWindow::frameSwapped, this,
        [this] {
            const qint64 now = m_clock.nsecsElapsed();
            QMutexLocker lock(&m_frameLock);
            if (m_lastFrameNs >= 0)
                m_frameMs.push_back(double(now - m_lastFrameNs) / 1e6);
            m_lastFrameNs = now;
        },
        Qt::DirectConnection);
    // The threaded render loop: after animating and polishing, the GUI thread blocks until the
    // render thread has finished its frame and synchronised the scene.
    connect(
        window, &QQuickWindow::afterAnimating, this,
        [this] {
            QMutexLocker lock(&m_frameLock);
            m_waitStartNs = m_clock.nsecsElapsed();
        },
        Qt::DirectConnection);
    connect(
        window, &QQuickWindow::beforeSynchronizing, this,
        [this] {
            QMutexLocker lock(&m_frameLock);
            m_syncStartNs = m_clock.nsecsElapsed();
        },
        Qt::DirectConnection);
    connect(
        window, &QQuickWindow::afterSynchronizing, this,
        [this] {
            QMutexLocker lock(&m_frameLock);
            const qint64 now = m_clock.nsecsElapsed();
            if (m_syncStartNs >= 0)
                m_syncMs.push_back(double(now - m_syncStartNs) / 1e6);
            if (m_waitStartNs >= 0 && m_waitStartNs <= m_syncStartNs)
                m_renderWaitNs += m_syncStartNs - m_waitStartNs;
            m_waitStartNs = -1;
        },
        Qt::DirectConnection);
}

UiProbe::Window UiProbe::take()
{
    const qint64 now = m_clock.nsecsElapsed();
    Window w;
    w.seconds = double(now - m_windowStartNs) / 1e9;
    // take() runs inside an event itself: what it has spent so far is counted next time.
    const qint64 busy = m_app->busyNs();
    w.busyFraction = w.seconds > 0 ? double(busy - m_busyAtStartNs) / 1e9 / w.seconds : 0;
    m_busyAtStartNs = busy;
    w.loopLagMs.swap(m_loopLagMs);
    {
        QMutexLocker lock(&m_frameLock);
        w.frameMs.swap(m_frameMs);
        w.syncMs.swap(m_syncMs);
        w.renderWaitFraction = w.seconds > 0 ? double(m_renderWaitNs) / 1e9 / w.seconds : 0;
        m_renderWaitNs = 0;
    }
    m_windowStartNs = now;
    return w;
}

} // namespace depot::bench
