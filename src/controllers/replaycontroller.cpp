#include "replaycontroller.h"

#include "api/reportsapi.h"
#include "dispatch/dayrecords.h"
#include "core/geo.h"

#include <QGeoCoordinate>
#include <QHash>
#include <QTimerEvent>
#include <QVariantMap>

#include <algorithm>
#include <memory>

namespace depot {

namespace {

constexpr int kTickMs = 50;

QString eventSentence(const CourierEvent &e)
{
    const QString code = e.package.trackingCode;
    if (e.event == QLatin1String("delivery:assigned"))
        return ReplayController::tr("%1 assigned").arg(code);
    if (e.event == QLatin1String("delivery:started"))
        return ReplayController::tr("%1 out for delivery").arg(code);
    if (e.event == QLatin1String("delivery:completed"))
        return ReplayController::tr("%1 delivered").arg(code);
    return ReplayController::tr("%1 failed").arg(code);
}

QString eventState(const QString &event)
{
    if (event == QLatin1String("delivery:assigned"))
        return QStringLiteral("ASSIGNED");
    if (event == QLatin1String("delivery:started"))
        return QStringLiteral("IN_PROGRESS");
    if (event == QLatin1String("delivery:completed"))
        return QStringLiteral("COMPLETED");
    return QStringLiteral("FAILED");
}

} // namespace

ReplayController::ReplayController(const DayRecords *records, QObject *hubContext, QObject *parent)
    : QObject(parent)
    , m_records(records)
    , m_hubContext(hubContext)
{}

ReplayController::~ReplayController() = default;

void ReplayController::load(const QString &courierId, const QString &courierName,
                            const QString &date)
{
    const auto range = reports::parseRange(date, date, false);
    if (!range || !m_records || !m_hubContext)
        return;
    const quint64 generation = ++m_generation;
    const DayRecords *records = m_records;
    QMetaObject::invokeMethod(m_hubContext.data(), [self = QPointer(this), records, courierId,
                                                    courierName, range = *range, generation] {
        auto track = records->track(courierId, range.from, range.to);
        auto day = std::make_shared<std::pair<std::vector<Location>, std::vector<CourierEvent>>>(
            track ? *track : std::vector<Location>(),
            records->courierEvents(courierId, range.from, range.to));
        QMetaObject::invokeMethod(
            self.data(),
            [self, day, courierName, generation] {
                if (self && generation == self->m_generation)
                    self->setDay(courierName, std::move(day->first), std::move(day->second));
            },
            Qt::QueuedConnection);
    });
}

void ReplayController::setDay(const QString &courierName, std::vector<Location> track,
                              std::vector<CourierEvent> events)
{
    setPlaying(false);
    m_courierName = courierName;
    m_track = std::move(track);
    m_events = std::move(events);
    m_start = QDateTime();
    if (!m_track.empty())
        m_start = m_track.front().timestamp;
    if (!m_events.empty() && (!m_start.isValid() || m_events.front().at < m_start))
        m_start = m_events.front().at;
    m_position = 0;
    m_loaded = true;
    Q_EMIT loadedChanged();
    Q_EMIT positionChanged();
}

void ReplayController::close()
{
    ++m_generation;
    setPlaying(false);
    m_track.clear();
    m_events.clear();
    m_loaded = false;
    m_position = 0;
    Q_EMIT loadedChanged();
    Q_EMIT positionChanged();
}

qint64 ReplayController::duration() const
{
    if (!m_start.isValid())
        return 0;
    QDateTime end = m_start;
    if (!m_track.empty())
        end = std::max(end, m_track.back().timestamp);
    if (!m_events.empty())
        end = std::max(end, m_events.back().at);
    return m_start.msecsTo(end);
}

void ReplayController::setPosition(qint64 position)
{
    position = std::clamp<qint64>(position, 0, duration());
    if (position == m_position)
        return;
    m_position = position;
    Q_EMIT positionChanged();
}

void ReplayController::setSpeed(int speed)
{
    if (speed < 1 || speed == m_speed)
        return;
    m_speed = speed;
    Q_EMIT speedChanged();
}

void ReplayController::setPlaying(bool playing)
{
    if (playing && (!m_loaded || duration() == 0))
        playing = false;
    if (playing == m_playing)
        return;
    m_playing = playing;
    if (playing) {
        // Played to the end: from the start again.
        if (m_position >= duration())
            setPosition(0);
        m_sinceTick.start();
        m_timer.start(kTickMs, this);
    } else {
        m_timer.stop();
    }
    Q_EMIT playingChanged();
}

void ReplayController::advance(qint64 realMs)
{
    setPosition(m_position + realMs * m_speed);
    if (m_position >= duration())
        setPlaying(false);
}

void ReplayController::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    advance(m_sinceTick.restart());
}

QDateTime ReplayController::time() const
{
    return m_start.isValid() ? m_start.addMSecs(m_position) : QDateTime();
}

size_t ReplayController::fixesUpTo(const QDateTime &t) const
{
    return size_t(
        std::upper_bound(m_track.begin(), m_track.end(), t,
                         [](const QDateTime &at, const Location &l) { return at < l.timestamp; }) -
        m_track.begin());
}

size_t ReplayController::eventsUpTo(const QDateTime &t) const
{
    return size_t(
        std::upper_bound(m_events.begin(), m_events.end(), t,
                         [](const QDateTime &at, const CourierEvent &e) { return at < e.at; }) -
        m_events.begin());
}

QVariantList ReplayController::courier() const
{
    const QDateTime t = time();
    const size_t passed = fixesUpTo(t);
    if (passed == 0)
        return {};
    // Between the last fix passed and the next one, in proportion to the time.
    const Location &a = m_track[passed - 1];
    double latitude = a.latitude;
    double longitude = a.longitude;
    double heading = a.heading.value_or(0);
    if (passed < m_track.size()) {
        const Location &b = m_track[passed];
        const qint64 span = a.timestamp.msecsTo(b.timestamp);
        const double f = span > 0 ? double(a.timestamp.msecsTo(t)) / double(span) : 0;
        latitude += (b.latitude - a.latitude) * f;
        longitude += (b.longitude - a.longitude) * f;
        if (geo::distanceMetres(a.latitude, a.longitude, b.latitude, b.longitude) > 1)
            heading = QGeoCoordinate(a.latitude, a.longitude)
                          .azimuthTo(QGeoCoordinate(b.latitude, b.longitude));
    }
    return {QVariantMap{{QStringLiteral("latitude"), latitude},
                        {QStringLiteral("longitude"), longitude},
                        {QStringLiteral("heading"), heading},
                        {QStringLiteral("label"), m_courierName},
                        {QStringLiteral("state"), QStringLiteral("busy")}}};
}

QVariantList ReplayController::trail() const
{
    QVariantList points;
    const size_t passed = fixesUpTo(time());
    for (size_t i = 0; i < passed; ++i)
        points.append(
            QVariant::fromValue(QGeoCoordinate(m_track[i].latitude, m_track[i].longitude)));
    return points;
}

QVariantList ReplayController::events() const
{
    // One pin per package, as its latest event up to now left it.
    QVariantList list;
    QHash<QString, qsizetype> rowOfPackage;
    const size_t passed = eventsUpTo(time());
    for (size_t i = 0; i < passed; ++i) {
        const CourierEvent &e = m_events[i];
        const QVariantMap pin{{QStringLiteral("latitude"), e.package.latitude},
                              {QStringLiteral("longitude"), e.package.longitude},
                              {QStringLiteral("label"), eventSentence(e)},
                              {QStringLiteral("state"), eventState(e.event)}};
        const auto row = rowOfPackage.constFind(e.package.id);
        if (row != rowOfPackage.constEnd()) {
            list[*row] = pin;
        } else {
            rowOfPackage.insert(e.package.id, list.size());
            list.append(pin);
        }
    }
    return list;
}

QVariantList ReplayController::allCoordinates() const
{
    QVariantList points;
    for (const Location &l : m_track)
        points.append(QVariant::fromValue(QGeoCoordinate(l.latitude, l.longitude)));
    for (const CourierEvent &e : m_events)
        points.append(QVariant::fromValue(QGeoCoordinate(e.package.latitude, e.package.longitude)));
    return points;
}

QString ReplayController::lastEvent() const
{
    const size_t passed = eventsUpTo(time());
    return passed ? eventSentence(m_events[passed - 1]) : QString();
}

} // namespace depot
