#pragma once

#include "core/types.h"

#include <QBasicTimer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace depot {

class DayRecords;
struct CourierEvent;

/// Replays a courier's day on the map: their stored track, scrubbed or played at 1x, 10x or
/// 60x, with their packages' delivery events appearing at their times. The track and events are
/// read on the hub's thread (`hubContext` lives there); the clock of the replay is this thread's.
class ReplayController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    Q_PROPERTY(bool loaded READ loaded NOTIFY loadedChanged)
    Q_PROPERTY(QString courierName READ courierName NOTIFY loadedChanged)
    Q_PROPERTY(int fixCount READ fixCount NOTIFY loadedChanged)
    /// Milliseconds from the first fix (or event) to the last.
    Q_PROPERTY(qint64 duration READ duration NOTIFY loadedChanged)
    /// Milliseconds since the start; set it to scrub.
    Q_PROPERTY(qint64 position READ position WRITE setPosition NOTIFY positionChanged)
    /// How many times faster than real time it plays: 1, 10 or 60.
    Q_PROPERTY(int speed READ speed WRITE setSpeed NOTIFY speedChanged)
    Q_PROPERTY(bool playing READ playing WRITE setPlaying NOTIFY playingChanged)
    Q_PROPERTY(QDateTime time READ time NOTIFY positionChanged)
    /// The courier where the replay is: a one-row list for a MarkerLayer (latitude, longitude,
    /// heading, label, state); empty before the first fix.
    Q_PROPERTY(QVariantList courier READ courier NOTIFY positionChanged)
    /// The fixes up to now, oldest first, as the courier marker's trail.
    Q_PROPERTY(QVariantList trail READ trail NOTIFY positionChanged)
    /// The courier's packages at their destinations as their latest event up to now left them
    /// (latitude, longitude, label, state), one per package.
    Q_PROPERTY(QVariantList events READ events NOTIFY positionChanged)
    /// The last event up to now, as a sentence; empty before the first.
    Q_PROPERTY(QString lastEvent READ lastEvent NOTIFY positionChanged)

public:
    ReplayController(const DayRecords *records, QObject *hubContext, QObject *parent = nullptr);
    ~ReplayController() override;

    /// Reads the courier's track and events of `date` (YYYY-MM-DD, local) on the hub's thread;
    /// loadedChanged once they are here.
    Q_INVOKABLE void load(const QString &courierId, const QString &courierName,
                          const QString &date);
    /// Takes a track and events as they are (the loading's second half; tests use it).
    void setDay(const QString &courierName, std::vector<Location> track,
                std::vector<CourierEvent> events);
    Q_INVOKABLE void close();
    /// Every fix and event destination of the day, to fit the map to.
    Q_INVOKABLE QVariantList allCoordinates() const;
    /// Moves the replay on by `realMs` of real time at the current speed.
    Q_INVOKABLE void advance(qint64 realMs);

    bool loaded() const { return m_loaded; }
    QString courierName() const { return m_courierName; }
    int fixCount() const { return int(m_track.size()); }
    qint64 duration() const;
    qint64 position() const { return m_position; }
    void setPosition(qint64 position);
    int speed() const { return m_speed; }
    void setSpeed(int speed);
    bool playing() const { return m_playing; }
    void setPlaying(bool playing);
    QDateTime time() const;
    QVariantList courier() const;
    QVariantList trail() const;
    QVariantList events() const;
    QString lastEvent() const;

Q_SIGNALS:
    void loadedChanged();
    void positionChanged();
    void speedChanged();
    void playingChanged();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    /// Fixes with a timestamp at or before `t`.
    size_t fixesUpTo(const QDateTime &t) const;
    size_t eventsUpTo(const QDateTime &t) const;

    const DayRecords *m_records;
    QPointer<QObject> m_hubContext;
    bool m_loaded = false;
    QString m_courierName;
    std::vector<Location> m_track;
    std::vector<CourierEvent> m_events;
    QDateTime m_start;
    qint64 m_position = 0;
    int m_speed = 10;
    bool m_playing = false;
    QBasicTimer m_timer;
    QElapsedTimer m_sinceTick;
    quint64 m_generation = 0;
};

} // namespace depot
