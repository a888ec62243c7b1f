#pragma once

#include <QColor>
#include <QElapsedTimer>
#include <QGeoCoordinate>
#include <QPersistentModelIndex>
#include <QPointer>
#include <QQuickItem>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <deque>
#include <functional>
#include <vector>

Q_MOC_INCLUDE("mapview.h")

class QAbstractItemModel;

namespace depot {

class MapView;
class GlideAnimation;

/// Draws every row of a model as a marker on a MapView, as a few batched scene-graph nodes.
///
/// The model's roles are found by name; only the coordinates are required:
///   - `latitude`, `longitude` (double, degrees): where the marker is; a row without both is
///     not drawn. A change glides the marker there over glideDuration.
///   - `heading` (double, degrees clockwise from north): the arrow of a Courier marker; without
///     it the arrow follows the direction of travel.
///   - `state` (string): picks the colour from stateColors ("free", "busy", "offline" for
///     couriers; "PENDING", "ASSIGNED", ... for packages).
///   - `color` (color): overrides the state's colour.
///   - `label` (string): the name drawn beside the marker when selected or zoomed in.
/// With filterRole set, only rows whose filterRole value equals filterValue are drawn.
///
/// The layer is a child of its MapView and fills it; selectedRow is a model row, cleared by
/// a reset, a layout change or a move.
class MarkerLayer : public QQuickItem
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(depot::MapView *map READ map WRITE setMap NOTIFY mapChanged)
    Q_PROPERTY(QAbstractItemModel *model READ model WRITE setModel NOTIFY modelChanged)
    Q_PROPERTY(Shape shape READ shape WRITE setShape NOTIFY appearanceChanged)
    Q_PROPERTY(
        QVariantMap stateColors READ stateColors WRITE setStateColors NOTIFY appearanceChanged)
    Q_PROPERTY(QColor defaultColor READ defaultColor WRITE setDefaultColor NOTIFY appearanceChanged)
    Q_PROPERTY(QColor outlineColor READ outlineColor WRITE setOutlineColor NOTIFY appearanceChanged)
    Q_PROPERTY(
        QColor selectionColor READ selectionColor WRITE setSelectionColor NOTIFY appearanceChanged)
    Q_PROPERTY(QColor trailColor READ trailColor WRITE setTrailColor NOTIFY appearanceChanged)
    Q_PROPERTY(QColor labelColor READ labelColor WRITE setLabelColor NOTIFY appearanceChanged)
    Q_PROPERTY(
        QColor labelHaloColor READ labelHaloColor WRITE setLabelHaloColor NOTIFY appearanceChanged)
    Q_PROPERTY(double markerSize READ markerSize WRITE setMarkerSize NOTIFY appearanceChanged)
    Q_PROPERTY(double labelZoom READ labelZoom WRITE setLabelZoom NOTIFY appearanceChanged)
    Q_PROPERTY(double compactZoom READ compactZoom WRITE setCompactZoom NOTIFY appearanceChanged)
    Q_PROPERTY(int maximumLabels READ maximumLabels WRITE setMaximumLabels NOTIFY appearanceChanged)
    Q_PROPERTY(int selectedRow READ selectedRow WRITE setSelectedRow NOTIFY selectedRowChanged)
    Q_PROPERTY(bool follow READ follow WRITE setFollow NOTIFY followChanged)
    Q_PROPERTY(
        int glideDuration READ glideDuration WRITE setGlideDuration NOTIFY glideDurationChanged)
    Q_PROPERTY(QVariantList trail READ trail WRITE setTrail NOTIFY trailChanged)
    Q_PROPERTY(int trailLength READ trailLength WRITE setTrailLength NOTIFY trailChanged)
    Q_PROPERTY(QString filterRole READ filterRole WRITE setFilterRole NOTIFY filterChanged)
    Q_PROPERTY(QVariant filterValue READ filterValue WRITE setFilterValue NOTIFY filterChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    /// Courier: a dot with a heading arrow. Pin: a drop whose tip is the spot. Depot: a house.
    enum Shape { Courier, Pin, Depot };
    Q_ENUM(Shape)

    explicit MarkerLayer(QQuickItem *parent = nullptr);
    ~MarkerLayer() override;

    MapView *map() const { return m_map; }
    void setMap(MapView *map);
    QAbstractItemModel *model() const { return m_model; }
    void setModel(QAbstractItemModel *model);
    Shape shape() const { return m_shape; }
    void setShape(Shape shape);
    QVariantMap stateColors() const { return m_stateColors; }
    void setStateColors(const QVariantMap &colors);
    QColor defaultColor() const { return m_defaultColor; }
    void setDefaultColor(const QColor &color);
    QColor outlineColor() const { return m_outlineColor; }
    void setOutlineColor(const QColor &color);
    QColor selectionColor() const { return m_selectionColor; }
    void setSelectionColor(const QColor &color);
    QColor trailColor() const { return m_trailColor; }
    void setTrailColor(const QColor &color);
    QColor labelColor() const { return m_labelColor; }
    void setLabelColor(const QColor &color);
    QColor labelHaloColor() const { return m_labelHaloColor; }
    void setLabelHaloColor(const QColor &color);
    double markerSize() const { return m_markerSize; }
    void setMarkerSize(double size);
    double labelZoom() const { return m_labelZoom; }
    /// Below this zoom, Courier markers are small dots without heading arrow (selected one
    /// excepted); 0, the default: never.
    double compactZoom() const { return m_compactZoom; }
    void setCompactZoom(double zoom);
    void setLabelZoom(double zoom);
    int maximumLabels() const { return m_maximumLabels; }
    void setMaximumLabels(int count);
    int selectedRow() const { return m_selectedRow; }
    void setSelectedRow(int row);
    bool follow() const { return m_follow; }
    void setFollow(bool follow);
    int glideDuration() const { return m_glideDuration; }
    void setGlideDuration(int milliseconds);
    QVariantList trail() const { return m_trail; }
    void setTrail(const QVariantList &trail);
    int trailLength() const { return m_trailLength; }
    void setTrailLength(int fixes);
    QString filterRole() const { return m_filterRole; }
    void setFilterRole(const QString &role);
    QVariant filterValue() const { return m_filterValue; }
    void setFilterValue(const QVariant &value);
    int count() const { return int(m_markers.size()); }

    /// The row of the topmost drawn marker within `radius` pixels of `point` (default: the
    /// marker's size), or -1.
    Q_INVOKABLE int markerAt(QPointF point, double radius = -1) const;
    /// Where the row's marker is now, mid-glide included.
    Q_INVOKABLE QGeoCoordinate coordinateOf(int row) const;
    /// Every drawn marker's latest fix: hand it to MapView.fitBounds().
    Q_INVOKABLE QVariantList coordinates() const;
    /// The row's value of a role by name, e.g. valueAt(row, "id").
    Q_INVOKABLE QVariant valueAt(int row, const QString &role) const;

    /// Replaces the monotonic clock (milliseconds), for tests of gliding.
    void setClock(std::function<qint64()> clock);
    /// True while some marker is still on its way to its latest fix.
    bool isGliding() const;

Q_SIGNALS:
    void mapChanged();
    void modelChanged();
    void appearanceChanged();
    void selectedRowChanged();
    void followChanged();
    void glideDurationChanged();
    void trailChanged();
    void filterChanged();
    void countChanged();
    /// A click on the map hit this layer's marker at `row`.
    void markerClicked(int row);

protected:
    QSGNode *updatePaintNode(QSGNode *oldNode, UpdatePaintNodeData *) override;
    void itemChange(ItemChange change, const ItemChangeData &value) override;

private:
    friend class GlideAnimation;

    struct Marker
    {
        QPointF from;     // unit square, where the glide started
        QPointF to;       // unit square, the latest fix
        qint64 start = 0; // clock time the glide started
        double headingFrom = qQNaN();
        double headingTo = qQNaN();
        QColor color;
        QString label;
        std::deque<QPointF> history; // earlier fixes, oldest first, for the trail
        bool valid = false;
        bool shown = true;
    };

    void resolveRoles();
    void reloadAll();
    void readRow(int row, bool glide);
    void onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onRowsInserted(const QModelIndex &parent, int first, int last);
    void onRowsRemoved(const QModelIndex &parent, int first, int last);
    void onMapClicked(QPointF point);
    void syncGeometry();
    void startGliding(qint64 until);
    void tick();
    void followSelected();
    QPointF positionOf(const Marker &marker, qint64 now) const;
    double headingOf(const Marker &marker, qint64 now) const;
    QPointF hitOffset() const;
    // Drawing, in updatePaintNode's steps: each adds one kind of draw to the frame.
    struct PaintFrame;
    void addTrailDraws(PaintFrame &frame) const;
    void addMarkerDraws(PaintFrame &frame) const;
    void addLabelDraws(PaintFrame &frame) const;
    qint64 now() const;

    QPointer<MapView> m_map;
    QPointer<QAbstractItemModel> m_model;
    QList<QMetaObject::Connection> m_modelConnections;
    QList<QMetaObject::Connection> m_mapConnections;
    std::vector<Marker> m_markers;
    int m_latitudeRole = -1;
    int m_longitudeRole = -1;
    int m_headingRole = -1;
    int m_stateRole = -1;
    int m_colorRole = -1;
    int m_labelRole = -1;
    int m_filterRoleId = -1;

    Shape m_shape = Courier;
    QVariantMap m_stateColors;
    QColor m_defaultColor{0x1e, 0x88, 0xe5};
    QColor m_outlineColor{Qt::white};
    QColor m_selectionColor{0xff, 0xb3, 0x00};
    QColor m_trailColor{0x1e, 0x88, 0xe5};
    QColor m_labelColor{0x21, 0x21, 0x21};
    QColor m_labelHaloColor{Qt::white};
    double m_markerSize = 16;
    double m_labelZoom = 15;
    double m_compactZoom = 0;
    int m_maximumLabels = 50;
    int m_selectedRow = -1;
    bool m_follow = false;
    int m_glideDuration = 1000;
    QVariantList m_trail;
    std::vector<QPointF> m_trailUnits;
    int m_trailLength = 300;
    QString m_filterRole;
    QVariant m_filterValue;

    QElapsedTimer m_elapsed;
    std::function<qint64()> m_clock;
    qint64 m_glideUntil = 0;
    GlideAnimation *m_animation = nullptr;
    quint64 m_appearanceGeneration = 0;
};

} // namespace depot
