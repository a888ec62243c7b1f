#pragma once

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QMutex>
#include <QObject>
#include <QTimer>

#include <vector>

class QQuickWindow;

namespace depot::bench {

/// The application, timing every event its main thread handles (socket reads, timers, posted
/// events, input, the scene sync of a frame): the time inside them is the thread's busy time.
class MeasuredApplication : public QGuiApplication
{
public:
    MeasuredApplication(int &argc, char **argv);

    bool notify(QObject *receiver, QEvent *event) override;
    /// Wall-clock time spent handling the main thread's events so far.
    qint64 busyNs() const { return m_busyNs; }

private:
    QElapsedTimer m_clock;
    QThread *m_mainThread;
    int m_depth = 0; // events handled inside events count once
    qint64 m_busyNs = 0;
};

/// Watches the console's (GUI) thread and its window: how much of the time the thread works,
/// how late a 20 ms timer fires (event-loop lag), how long frames are apart and how long the
/// GUI thread is blocked synchronising the scene for the renderer.
class UiProbe : public QObject
{
    Q_OBJECT

public:
    /// Counts since the last take(): one measurement window.
    struct Window
    {
        double seconds = 0;
        double busyFraction = 0;       // time the GUI thread spent handling events
        double renderWaitFraction = 0; // of which blocked until the render thread could sync
        std::vector<double> frameMs;   // between frameSwapped
        std::vector<double> syncMs;    // beforeSynchronizing to afterSynchronizing
        std::vector<double> loopLagMs; // lateness of a 20 ms timer
    };

    UiProbe(MeasuredApplication *app, QQuickWindow *window, QElapsedTimer clock,
            QObject *parent = nullptr);

    /// What was seen since the previous call, and starts the next window.
    Window take();

private:
    MeasuredApplication *m_app;
    QElapsedTimer m_clock;
    qint64 m_windowStartNs = 0;
    qint64 m_busyAtStartNs = 0;
    // Loop lag.
    QTimer m_lagTimer;
    qint64 m_lastTickNs = -1;
    std::vector<double> m_loopLagMs;
    // Frames come from the render thread.
    QMutex m_frameLock;
    qint64 m_lastFrameNs = -1;
    qint64 m_syncStartNs = -1;
    qint64 m_waitStartNs = -1; // the GUI thread handed a frame over and waits for the sync
    qint64 m_renderWaitNs = 0;
    std::vector<double> m_frameMs;
    std::vector<double> m_syncMs;
};

/// The q-quantile (0..1) of `values` (sorted here); 0 for none.
double quantile(std::vector<double> values, double q);

} // namespace depot::bench
