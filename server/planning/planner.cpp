#include "planner.h"

#include "core/geo.h"

#include <algorithm>
#include <limits>

namespace depot::planning {

namespace {

// A late stop costs as much as this many seconds of driving: lateness weighs more than time.
constexpr double kLatePenaltySeconds = 3600;

double costOf(const RoundPlan &plan)
{
    return plan.totalSeconds + plan.lateStops * kLatePenaltySeconds;
}

} // namespace

TravelMatrix::TravelMatrix(int size)
    : m_size(size)
    , m_seconds(std::size_t(size * size), 0.0)
    , m_metres(std::size_t(size * size), 0.0)
{}

TravelMatrix TravelMatrix::straightLine(const std::vector<Point> &points, double speedMps)
{
    TravelMatrix m(int(points.size()));
    for (int i = 0; i < m.size(); ++i)
        for (int j = i + 1; j < m.size(); ++j) {
            const double metres = geo::distanceMetres(
                points[std::size_t(i)].latitude, points[std::size_t(i)].longitude,
                points[std::size_t(j)].latitude, points[std::size_t(j)].longitude);
            m.set(i, j, metres / speedMps, metres);
            m.set(j, i, metres / speedMps, metres);
        }
    return m;
}

void TravelMatrix::set(int from, int to, double seconds, double metres)
{
    m_seconds[std::size_t(from * m_size + to)] = seconds;
    m_metres[std::size_t(from * m_size + to)] = metres;
}

std::vector<Point> pointsOf(const Point &start, const std::vector<Stop> &stops)
{
    std::vector<Point> points{start};
    points.reserve(stops.size() + 1);
    for (const Stop &s : stops)
        points.push_back(s.place);
    return points;
}

std::vector<int> RoundPlan::order() const
{
    std::vector<int> order;
    order.reserve(stops.size());
    for (const PlannedStop &s : stops)
        order.push_back(s.stop);
    return order;
}

RoundPlan evaluate(const RoundInput &input, const std::vector<int> &order)
{
    RoundPlan plan;
    plan.stops.reserve(order.size());
    double seconds = 0;
    double metres = 0;
    int at = 0; // matrix point
    for (const int index : order) {
        const Stop &stop = input.stops[std::size_t(index)];
        seconds += input.travel.seconds(at, index + 1);
        metres += input.travel.metres(at, index + 1);
        PlannedStop planned{index, seconds, metres, 0, false};
        if (stop.notBeforeMs) {
            const double opensAt = double(*stop.notBeforeMs - input.startMs) / 1000;
            if (opensAt > seconds) {
                planned.waitSeconds = opensAt - seconds;
                seconds = opensAt;
                planned.arrivalSeconds = seconds;
            }
        }
        if (stop.dueByMs && input.startMs + qint64(seconds * 1000) > *stop.dueByMs) {
            planned.late = true;
            ++plan.lateStops;
        }
        plan.stops.push_back(planned);
        seconds += stop.serviceSeconds;
        at = index + 1;
    }
    plan.totalSeconds = seconds;
    plan.totalMetres = metres;
    return plan;
}

Insertion cheapestInsertion(const RoundInput &input, const std::vector<int> &order, int stop)
{
    const double before = costOf(evaluate(input, order));
    Insertion best{0, std::numeric_limits<double>::infinity(), 0};
    double bestCost = std::numeric_limits<double>::infinity();
    std::vector<int> candidate = order;
    candidate.insert(candidate.begin(), stop);
    for (std::size_t position = 0; position <= order.size(); ++position) {
        if (position > 0)
            std::swap(candidate[position - 1], candidate[position]);
        const RoundPlan plan = evaluate(input, candidate);
        const double cost = costOf(plan);
        if (cost < bestCost) {
            bestCost = cost;
            best = Insertion{int(position), cost - before, plan.totalMetres};
        }
    }
    best.addedMetres -= evaluate(input, order).totalMetres;
    return best;
}

RoundPlan planRound(const RoundInput &input)
{
    std::vector<int> order;
    std::vector<bool> placed(input.stops.size(), false);
    for (std::size_t n = 0; n < input.stops.size(); ++n) {
        // Nearest insertion: the unplaced stop nearest to the round so far goes in next.
        int next = -1;
        double nearest = std::numeric_limits<double>::infinity();
        for (std::size_t s = 0; s < input.stops.size(); ++s) {
            if (placed[s])
                continue;
            double d = input.travel.seconds(0, int(s) + 1);
            for (const int o : order)
                d = std::min(d, input.travel.seconds(o + 1, int(s) + 1));
            if (d < nearest) {
                nearest = d;
                next = int(s);
            }
        }
        const Insertion at = cheapestInsertion(input, order, next);
        order.insert(order.begin() + at.position, next);
        placed[std::size_t(next)] = true;
    }
    return evaluate(input, order);
}

RoundPlan updateRound(const RoundInput &input, const std::vector<int> &previousOrder,
                      const Stability &stability)
{
    std::vector<int> order;
    std::vector<bool> kept(input.stops.size(), false);
    for (const int index : previousOrder)
        if (index >= 0 && std::size_t(index) < input.stops.size() && !kept[std::size_t(index)]) {
            order.push_back(index);
            kept[std::size_t(index)] = true;
        }
    for (std::size_t s = 0; s < input.stops.size(); ++s)
        if (!kept[s]) {
            const Insertion at = cheapestInsertion(input, order, int(s));
            order.insert(order.begin() + at.position, int(s));
        }
    const RoundPlan current = evaluate(input, order);
    const RoundPlan fresh = planRound(input);
    const double gain = current.totalSeconds - fresh.totalSeconds;
    if (fresh.lateStops < current.lateStops ||
        (fresh.lateStops == current.lateStops && gain >= stability.minGainSeconds &&
         gain >= stability.minGainFraction * current.totalSeconds))
        return fresh;
    return current;
}

AssignmentResult assignPackages(const std::vector<CourierRound> &couriers,
                                const std::vector<Stop> &packages, qint64 startMs, double speedMps)
{
    std::vector<RoundInput> rounds;
    std::vector<std::vector<int>> orders;
    for (const CourierRound &c : couriers) {
        RoundInput input{startMs, c.stops, {}};
        input.travel = TravelMatrix::straightLine(pointsOf(c.position, input.stops), speedMps);
        std::vector<int> order(c.stops.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = int(i);
        rounds.push_back(std::move(input));
        orders.push_back(std::move(order));
    }
    AssignmentResult result;
    for (const Stop &package : packages) {
        int bestCourier = -1;
        Insertion best{0, std::numeric_limits<double>::infinity(), 0};
        for (std::size_t c = 0; c < couriers.size(); ++c) {
            if (couriers[c].capacity >= 0 && int(orders[c].size()) >= couriers[c].capacity)
                continue;
            RoundInput trial = rounds[c];
            trial.stops.push_back(package);
            trial.travel =
                TravelMatrix::straightLine(pointsOf(couriers[c].position, trial.stops), speedMps);
            const Insertion at = cheapestInsertion(trial, orders[c], int(trial.stops.size()) - 1);
            if (at.addedSeconds < best.addedSeconds) {
                best = at;
                bestCourier = int(c);
            }
        }
        if (bestCourier < 0) {
            result.unassigned.push_back(package.packageId);
            continue;
        }
        const auto c = std::size_t(bestCourier);
        rounds[c].stops.push_back(package);
        rounds[c].travel =
            TravelMatrix::straightLine(pointsOf(couriers[c].position, rounds[c].stops), speedMps);
        orders[c].insert(orders[c].begin() + best.position, int(rounds[c].stops.size()) - 1);
        result.assignments.push_back(
            {package.packageId, couriers[c].courierId, best.addedSeconds, best.addedMetres});
    }
    return result;
}

} // namespace depot::planning
