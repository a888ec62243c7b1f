#pragma once

#include <QString>
#include <QtGlobal>

#include <functional>
#include <optional>
#include <vector>

/// Planning rounds: pure functions over stops and travel times, no clock, no I/O. The dispatch
/// layer gives them a courier's packages and position; a road router (see RoadRouter) may give
/// them road travel times instead of straight lines.
namespace depot::planning {

/// A place on the map, WGS 84 degrees.
struct Point
{
    double latitude = 0;
    double longitude = 0;
};

/// Travel between `size()` points, in seconds and metres, from a row's point to a column's.
class TravelMatrix
{
public:
    TravelMatrix() = default;
    explicit TravelMatrix(int size);

    /// Great-circle distances driven at `speedMps`.
    static TravelMatrix straightLine(const std::vector<Point> &points, double speedMps);

    int size() const { return m_size; }
    double seconds(int from, int to) const { return m_seconds[std::size_t(from * m_size + to)]; }
    double metres(int from, int to) const { return m_metres[std::size_t(from * m_size + to)]; }
    void set(int from, int to, double seconds, double metres);

private:
    int m_size = 0;
    std::vector<double> m_seconds;
    std::vector<double> m_metres;
};

/// A stop of a round: one package to deliver.
struct Stop
{
    QString packageId;
    Point place;
    std::optional<qint64> notBeforeMs; // the delivery window opens (ms since the epoch)
    std::optional<qint64> dueByMs;     // the window closes: arriving later is late
    double serviceSeconds = 0;         // spent at the stop before driving on
};

/// One courier's round to plan: the travel matrix's point 0 is where the courier is at
/// `startMs`, point i + 1 is `stops[i]`.
struct RoundInput
{
    qint64 startMs = 0;
    std::vector<Stop> stops;
    TravelMatrix travel;
};

/// The start and stops of `stops` as points: the travel matrix's points for a RoundInput.
std::vector<Point> pointsOf(const Point &start, const std::vector<Stop> &stops);

/// A stop as planned.
struct PlannedStop
{
    int stop = 0;               // index into RoundInput::stops
    double arrivalSeconds = 0;  // after the start, with every wait for a window before it
    double metresFromStart = 0; // driven to get here
    double waitSeconds = 0;     // at this stop before its window opens
    bool late = false;          // arrives after its window closed
};

/// A round in driving order.
struct RoundPlan
{
    std::vector<PlannedStop> stops;
    double totalSeconds = 0; // to the last stop's departure
    double totalMetres = 0;
    int lateStops = 0;

    /// The stops' indices in driving order.
    std::vector<int> order() const;
};

/// Times and distances of the stops driven in `order` (indices into input.stops, each once).
RoundPlan evaluate(const RoundInput &input, const std::vector<int> &order);

/// Orders every stop afresh: nearest insertion, then 2-opt and or-opt moves while they shorten
/// the round; lateness weighs more than time, a stop is never served before its window opens.
RoundPlan planRound(const RoundInput &input);

/// When a fresh order replaces the one a courier already follows.
struct Stability
{
    double minGainFraction = 0.05; // at least this share of the round's time...
    double minGainSeconds = 120;   // ...and at least this long
};

/// Keeps `previousOrder` (the stops already in the round, in their order; indices into
/// input.stops), puts every other stop at its cheapest place, and takes planRound()'s order
/// instead only when that is shorter by a real gain (see Stability) or has fewer late stops.
RoundPlan updateRound(const RoundInput &input, const std::vector<int> &previousOrder,
                      const Stability &stability = {});

/// Where a stop fits best into an order and what it adds.
struct Insertion
{
    int position = 0; // index in the order the stop goes before (order.size(): at the end)
    double addedSeconds = 0;
    double addedMetres = 0;
};

/// The cheapest place of `stop` (an index into input.stops not in `order`) in `order`.
Insertion cheapestInsertion(const RoundInput &input, const std::vector<int> &order, int stop);

/// A courier's round as the planner of assignments sees it.
struct CourierRound
{
    QString courierId;
    Point position;
    std::vector<Stop> stops; // the round now, in driving order
    int capacity = -1;       // most stops in a round; negative: no limit
};

/// A package given to a courier, and what it costs their round.
struct Assignment
{
    QString packageId;
    QString courierId;
    double addedSeconds = 0;
    double addedMetres = 0;
};

struct AssignmentResult
{
    std::vector<Assignment> assignments;
    std::vector<QString> unassigned; // no courier had room
};

/// Gives each package to the courier whose round grows least in time by it (cheapest insertion
/// on straight lines at `speedMps`), within capacities, a package at a time in the given order,
/// each courier's round growing as it goes.
AssignmentResult assignPackages(const std::vector<CourierRound> &couriers,
                                const std::vector<Stop> &packages, qint64 startMs, double speedMps);

/// Road travel times from a router (e.g. an OSRM server). Implemented outside this pure
/// library; the dispatch layer falls back to straight lines while it fails.
class RoadRouter
{
public:
    virtual ~RoadRouter() = default;
    /// Calls `done` once, later, with the matrix between `points`, or nothing when the router
    /// could not answer.
    virtual void requestMatrix(const std::vector<Point> &points,
                               std::function<void(std::optional<TravelMatrix>)> done) = 0;
};

} // namespace depot::planning
