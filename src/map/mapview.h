#pragma once

#include "tilemath.h"
#include "tilesource.h"

#include <QColor>
#include <QGeoCoordinate>
#include <QHash>
#include <QImage>
#include <QPointer>
#include <QQuickItem>
#include <QtQml/qqmlregistration.h>

#include <list>

namespace depot {

/// The map: XYZ tiles under pan and zoom, a graticule where there are none.
///
/// Layers (MarkerLayer) are children that fill it and draw through unitToItem(). Positions
/// inside are kept in the Web-Mercator unit square so panning never loses precision.
class MapView : public QQuickItem
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QGeoCoordinate center READ center WRITE setCenter NOTIFY viewportChanged)
    Q_PROPERTY(double zoom READ zoom WRITE setZoom NOTIFY viewportChanged)
    Q_PROPERTY(double minimumZoom READ minimumZoom WRITE setMinimumZoom NOTIFY zoomLimitsChanged)
    Q_PROPERTY(double maximumZoom READ maximumZoom WRITE setMaximumZoom NOTIFY zoomLimitsChanged)
    Q_PROPERTY(
        depot::TileSource *tileSource READ tileSource WRITE setTileSource NOTIFY tileSourceChanged)
    Q_PROPERTY(QString attribution READ attribution NOTIFY attributionChanged)
    Q_PROPERTY(double metersPerPixel READ metersPerPixel NOTIFY viewportChanged)
    Q_PROPERTY(double scaleBarMaximumWidth READ scaleBarMaximumWidth WRITE setScaleBarMaximumWidth
                   NOTIFY scaleBarMaximumWidthChanged)
    Q_PROPERTY(double scaleBarMeters READ scaleBarMeters NOTIFY viewportChanged)
    Q_PROPERTY(double scaleBarWidth READ scaleBarWidth NOTIFY viewportChanged)
    Q_PROPERTY(bool interactive READ isInteractive WRITE setInteractive NOTIFY interactiveChanged)
    Q_PROPERTY(
        QColor backgroundColor READ backgroundColor WRITE setBackgroundColor NOTIFY colorsChanged)
    Q_PROPERTY(
        QColor graticuleColor READ graticuleColor WRITE setGraticuleColor NOTIFY colorsChanged)
    Q_PROPERTY(bool darkTiles READ darkTiles WRITE setDarkTiles NOTIFY colorsChanged)
    Q_PROPERTY(int loadedTileCount READ loadedTileCount NOTIFY tilesChanged)

public:
    explicit MapView(QQuickItem *parent = nullptr);
    ~MapView() override;

    QGeoCoordinate center() const;
    void setCenter(const QGeoCoordinate &center);
    double zoom() const { return m_zoom; }
    void setZoom(double zoom);
    double minimumZoom() const { return m_minimumZoom; }
    void setMinimumZoom(double zoom);
    double maximumZoom() const { return m_maximumZoom; }
    void setMaximumZoom(double zoom);
    TileSource *tileSource() const { return m_tileSource; }
    void setTileSource(TileSource *source);
    QString attribution() const;
    double metersPerPixel() const;
    double scaleBarMaximumWidth() const { return m_scaleBarMaximumWidth; }
    void setScaleBarMaximumWidth(double width);
    double scaleBarMeters() const;
    double scaleBarWidth() const;
    bool isInteractive() const { return m_interactive; }
    void setInteractive(bool interactive);
    QColor backgroundColor() const { return m_backgroundColor; }
    void setBackgroundColor(const QColor &color);
    QColor graticuleColor() const { return m_graticuleColor; }
    void setGraticuleColor(const QColor &color);
    /// Tiles drawn for a dark theme: lightness inverted (hue kept) and dimmed, so land turns
    /// dark, water dark blue and the tiles' dark label text light.
    bool darkTiles() const { return m_darkTiles; }
    void setDarkTiles(bool dark);
    int loadedTileCount() const { return int(m_images.size()); }

    /// The coordinate under a point of this item.
    Q_INVOKABLE QGeoCoordinate coordinateAt(QPointF point) const;
    /// Where a coordinate is drawn in this item (the world copy nearest the center).
    Q_INVOKABLE QPointF pointAt(const QGeoCoordinate &coordinate) const;
    /// Shows every coordinate (QGeoCoordinate or {latitude, longitude}); one alone is
    /// centred at a street-level zoom.
    Q_INVOKABLE void fitBounds(const QVariantList &coordinates, double padding = 48,
                               double maximumZoom = 17);
    /// Zooms keeping the coordinate under `point` where it is.
    Q_INVOKABLE void zoomAround(QPointF point, double zoom);
    Q_INVOKABLE void zoomIn();
    Q_INVOKABLE void zoomOut();
    /// Moves the view by screen pixels (content moves the other way).
    Q_INVOKABLE void panBy(QPointF pixels);

    // For layers: the view in the Web-Mercator unit square.
    QPointF centerUnit() const { return m_centerUnit; }
    void setCenterUnit(QPointF unit);
    double worldSize() const { return tilemath::worldSize(m_zoom); }
    QPointF unitToItem(QPointF unit) const;
    QPointF itemToUnit(QPointF point) const;

Q_SIGNALS:
    void viewportChanged();
    void zoomLimitsChanged();
    void tileSourceChanged();
    void attributionChanged();
    void scaleBarMaximumWidthChanged();
    void interactiveChanged();
    void colorsChanged();
    void tilesChanged();
    /// A press and release without a drag, in item coordinates.
    void clicked(QPointF point);
    /// The user panned or zoomed: following a courier stops.
    void userInteracted();

protected:
    QSGNode *updatePaintNode(QSGNode *oldNode, UpdatePaintNodeData *) override;
    void updatePolish() override;
    void geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void touchEvent(QTouchEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    struct VisibleTile
    {
        TileKey key; // wrapped x, what the source knows
        QRectF rect; // where it goes in the item
    };

    void viewChanged();
    void onTileReady(int z, int x, int y, const QImage &image);
    int tileZoom() const;
    const QImage *cachedImage(const TileKey &key);

    QPointer<TileSource> m_tileSource;
    QPointF m_centerUnit{0.5, 0.5};
    double m_zoom = 2;
    double m_minimumZoom = 0;
    double m_maximumZoom = 19;
    double m_scaleBarMaximumWidth = 120;
    bool m_interactive = true;
    QColor m_backgroundColor{0xe8, 0xec, 0xef};
    QColor m_graticuleColor{0xcf, 0xd6, 0xdc};
    bool m_darkTiles = false;
    quint64 m_tileGeneration = 0; // counts tile sources, so textures of an old one are dropped

    // Decoded tiles, least recently used first out; textures live in the paint node.
    QHash<TileKey, std::pair<QImage, std::list<TileKey>::iterator>> m_images;
    std::list<TileKey> m_imageOrder;
    QList<VisibleTile> m_visible;

    // Gesture state.
    QPointF m_pressPosition;
    QPointF m_lastPosition;
    bool m_dragging = false;
    bool m_pressed = false;
    QPointF m_lastTouchCentroid;
    double m_lastTouchDistance = 0;
    int m_lastTouchCount = 0;
};

} // namespace depot
