#include "mapview.h"

#include <QGuiApplication>
#include <QQuickWindow>
#include <QSGImageNode>
#include <QSGRectangleNode>
#include <QSGTexture>
#include <QSGTransformNode>
#include <QStyleHints>

#include <algorithm>
#include <cmath>

namespace depot {

namespace {

// Enough decoded tiles for two full-screen views on a large monitor.
constexpr int kMaximumImages = 256;
// Textures kept beyond the ones on screen, so zooming back and forth does not upload again.
constexpr int kMaximumTextures = 160;
// How far up to look for a coarser tile to stretch while the right one loads.
constexpr int kFallbackLevels = 6;
constexpr double kKeyPanPixels = 100;
constexpr double kMaximumVisibleTiles = 200;

/// The map's scene-graph root: owns the tile textures, which live on the render thread.
class MapNode : public QSGNode
{
public:
    ~MapNode() override
    {
        for (const auto &entry : std::as_const(textures))
            delete entry.texture;
    }

    struct TextureEntry
    {
        QSGTexture *texture = nullptr;
        quint64 lastUsed = 0;
    };

    QSGRectangleNode *background = nullptr;
    // Transform nodes, not plain ones: the software renderer places children added later
    // (tiles as they load) by their parent's recorded transform, which plain nodes lack.
    QSGTransformNode *graticule = nullptr;
    QSGTransformNode *tiles = nullptr;
    QHash<TileKey, TextureEntry> textures;
    quint64 frame = 0;
    // What the textures were made from: a new source or look makes them all stale.
    bool darkTiles = false;
    quint64 tileGeneration = 0;
};

/// Keeps exactly `count` children of `parent`, reusing what is there; `set(node, i)` sets
/// each up, new ones before they join the tree (the software renderer reads them at once).
template <typename Node, typename Make, typename Set>
void syncChildren(QSGNode *parent, int count, Make make, Set set)
{
    while (parent->childCount() > count) {
        QSGNode *last = parent->lastChild();
        parent->removeChildNode(last);
        delete last;
    }
    int i = 0;
    for (QSGNode *child = parent->firstChild(); child; child = child->nextSibling(), ++i)
        set(static_cast<Node *>(child), i);
    for (; i < count; ++i) {
        Node *node = make();
        set(node, i);
        parent->appendChildNode(node);
    }
}

tilemath::LatLon toLatLon(const QGeoCoordinate &coordinate)
{
    return {coordinate.latitude(), coordinate.longitude()};
}

std::optional<tilemath::LatLon> latLonFrom(const QVariant &value)
{
    if (value.metaType() == QMetaType::fromType<QGeoCoordinate>()) {
        const auto coordinate = value.value<QGeoCoordinate>();
        if (coordinate.isValid())
            return toLatLon(coordinate);
        return std::nullopt;
    }
    const QVariantMap map = value.toMap();
    if (map.contains(QStringLiteral("latitude")) && map.contains(QStringLiteral("longitude"))) {
        bool latOk = false;
        bool lonOk = false;
        const double latitude = map.value(QStringLiteral("latitude")).toDouble(&latOk);
        const double longitude = map.value(QStringLiteral("longitude")).toDouble(&lonOk);
        if (latOk && lonOk && std::isfinite(latitude) && std::isfinite(longitude))
            return tilemath::LatLon{latitude, longitude};
    }
    return std::nullopt;
}

QImage darkTile(const QImage &tile)
{
    QImage image = tile.convertToFormat(QImage::Format_ARGB32);
    for (int y = 0; y < image.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < image.width(); ++x) {
            const QRgb p = line[x];
            const int r = qRed(p), g = qGreen(p), b = qBlue(p);
            // HSL lightness inverted with hue and chroma kept: c + 255 - (max + min); then
            // squeezed into 24..208 so the darkest parts are not pure black.
            const int shift = 255 - std::max({r, g, b}) - std::min({r, g, b});
            auto dim = [shift](int c) { return 24 + (c + shift) * 184 / 255; };
            line[x] = qRgba(dim(r), dim(g), dim(b), qAlpha(p));
        }
    }
    return image;
}

double niceGraticuleStep(double degreesPerPixel)
{
    // Lines about every 150 pixels, on round degrees.
    const double wanted = degreesPerPixel * 150;
    for (const double step : {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
                              10.0, 15.0, 30.0, 45.0}) {
        if (step >= wanted)
            return step;
    }
    return 90.0;
}

} // namespace

MapView::MapView(QQuickItem *parent)
    : QQuickItem(parent)
{
    setFlag(ItemHasContents);
    setFlag(ItemIsFocusScope);
    setActiveFocusOnTab(true);
    setAcceptedMouseButtons(Qt::LeftButton);
    setAcceptTouchEvents(true);
    setClip(true);
}

MapView::~MapView() = default;

QGeoCoordinate MapView::center() const
{
    const tilemath::LatLon c = tilemath::unproject(m_centerUnit);
    return QGeoCoordinate(c.latitude, tilemath::wrapLongitude(c.longitude));
}

void MapView::setCenter(const QGeoCoordinate &center)
{
    if (!center.isValid())
        return;
    setCenterUnit(tilemath::project(toLatLon(center)));
}

void MapView::setCenterUnit(QPointF unit)
{
    double x = std::fmod(unit.x(), 1.0);
    if (x < 0)
        x += 1.0;
    const QPointF wrapped(x, std::clamp(unit.y(), 0.0, 1.0));
    if (wrapped == m_centerUnit)
        return;
    m_centerUnit = wrapped;
    viewChanged();
}

void MapView::setZoom(double zoom)
{
    zoom = std::clamp(zoom, m_minimumZoom, m_maximumZoom);
    if (qFuzzyCompare(zoom, m_zoom))
        return;
    m_zoom = zoom;
    viewChanged();
}

void MapView::setMinimumZoom(double zoom)
{
    zoom = std::clamp(zoom, 0.0, m_maximumZoom);
    if (zoom == m_minimumZoom)
        return;
    m_minimumZoom = zoom;
    Q_EMIT zoomLimitsChanged();
    setZoom(m_zoom);
}

void MapView::setMaximumZoom(double zoom)
{
    zoom = std::clamp(zoom, m_minimumZoom, 22.0);
    if (zoom == m_maximumZoom)
        return;
    m_maximumZoom = zoom;
    Q_EMIT zoomLimitsChanged();
    setZoom(m_zoom);
}

void MapView::setTileSource(TileSource *source)
{
    if (m_tileSource == source)
        return;
    if (m_tileSource) {
        m_tileSource->disconnect(this);
        m_tileSource->cancelPending();
    }
    m_tileSource = source;
    ++m_tileGeneration;
    m_images.clear();
    m_imageOrder.clear();
    if (source) {
        connect(source, &TileSource::tileReady, this, &MapView::onTileReady);
        connect(source, &TileSource::attributionChanged, this, &MapView::attributionChanged);
        connect(source, &TileSource::zoomRangeChanged, this, &MapView::viewChanged);
        connect(source, &QObject::destroyed, this, [this] { setTileSource(nullptr); });
    }
    Q_EMIT tileSourceChanged();
    Q_EMIT attributionChanged();
    Q_EMIT tilesChanged();
    viewChanged();
}

QString MapView::attribution() const
{
    return m_tileSource ? m_tileSource->attribution() : QString();
}

double MapView::metersPerPixel() const
{
    return tilemath::metersPerPixel(center().latitude(), m_zoom);
}

void MapView::setScaleBarMaximumWidth(double width)
{
    if (width == m_scaleBarMaximumWidth)
        return;
    m_scaleBarMaximumWidth = width;
    Q_EMIT scaleBarMaximumWidthChanged();
    Q_EMIT viewportChanged();
}

double MapView::scaleBarMeters() const
{
    return tilemath::scaleBar(metersPerPixel(), m_scaleBarMaximumWidth).meters;
}

double MapView::scaleBarWidth() const
{
    return tilemath::scaleBar(metersPerPixel(), m_scaleBarMaximumWidth).pixels;
}

void MapView::setInteractive(bool interactive)
{
    if (interactive == m_interactive)
        return;
    m_interactive = interactive;
    Q_EMIT interactiveChanged();
}

void MapView::setBackgroundColor(const QColor &color)
{
    if (color == m_backgroundColor)
        return;
    m_backgroundColor = color;
    Q_EMIT colorsChanged();
    update();
}

void MapView::setGraticuleColor(const QColor &color)
{
    if (color == m_graticuleColor)
        return;
    m_graticuleColor = color;
    Q_EMIT colorsChanged();
    update();
}

void MapView::setDarkTiles(bool dark)
{
    if (dark == m_darkTiles)
        return;
    m_darkTiles = dark;
    Q_EMIT colorsChanged();
    update();
}

QPointF MapView::unitToItem(QPointF unit) const
{
    double dx = unit.x() - m_centerUnit.x();
    // The world repeats east and west; draw the copy nearest the middle.
    dx -= std::round(dx);
    const double size = worldSize();
    return {width() / 2 + dx * size, height() / 2 + (unit.y() - m_centerUnit.y()) * size};
}

QPointF MapView::itemToUnit(QPointF point) const
{
    const double size = worldSize();
    return {m_centerUnit.x() + (point.x() - width() / 2) / size,
            m_centerUnit.y() + (point.y() - height() / 2) / size};
}

QGeoCoordinate MapView::coordinateAt(QPointF point) const
{
    const tilemath::LatLon c = tilemath::unproject(itemToUnit(point));
    return QGeoCoordinate(c.latitude, tilemath::wrapLongitude(c.longitude));
}

QPointF MapView::pointAt(const QGeoCoordinate &coordinate) const
{
    if (!coordinate.isValid())
        return {qQNaN(), qQNaN()};
    return unitToItem(tilemath::project(toLatLon(coordinate)));
}

void MapView::fitBounds(const QVariantList &coordinates, double padding, double maximumZoom)
{
    double south = 90, north = -90, west = 180, east = -180;
    int count = 0;
    for (const QVariant &value : coordinates) {
        const auto c = latLonFrom(value);
        if (!c)
            continue;
        south = std::min(south, c->latitude);
        north = std::max(north, c->latitude);
        west = std::min(west, c->longitude);
        east = std::max(east, c->longitude);
        ++count;
    }
    if (count == 0)
        return;
    const tilemath::View view =
        tilemath::fitBounds({south, west}, {north, east}, size(), padding, m_minimumZoom,
                            std::min(maximumZoom, m_maximumZoom));
    m_zoom = std::clamp(view.zoom, m_minimumZoom, m_maximumZoom);
    m_centerUnit = QPointF(-1, -1); // force the change through
    setCenterUnit(tilemath::project(view.center));
}

void MapView::zoomAround(QPointF point, double zoom)
{
    zoom = std::clamp(zoom, m_minimumZoom, m_maximumZoom);
    const QPointF unit = itemToUnit(point);
    const double size = tilemath::worldSize(zoom);
    m_zoom = zoom;
    const QPointF offset((point.x() - width() / 2) / size, (point.y() - height() / 2) / size);
    m_centerUnit = QPointF(-1, -1);
    setCenterUnit(unit - offset);
}

void MapView::zoomIn()
{
    zoomAround(QPointF(width() / 2, height() / 2), std::round(m_zoom) + 1);
}

void MapView::zoomOut()
{
    zoomAround(QPointF(width() / 2, height() / 2), std::round(m_zoom) - 1);
}

void MapView::panBy(QPointF pixels)
{
    setCenterUnit(m_centerUnit + pixels / worldSize());
}

void MapView::viewChanged()
{
    polish();
    update();
    Q_EMIT viewportChanged();
}

void MapView::geometryChange(const QRectF &newGeometry, const QRectF &oldGeometry)
{
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    if (newGeometry.size() != oldGeometry.size())
        viewChanged();
}

int MapView::tileZoom() const
{
    const int sourceMin = m_tileSource ? m_tileSource->minimumZoom() : 0;
    const int sourceMax = m_tileSource ? m_tileSource->maximumZoom() : 19;
    return std::clamp(int(std::round(m_zoom)), sourceMin, sourceMax);
}

void MapView::updatePolish()
{
    // Work out the tiles the viewport needs; only those are asked for, nearest first.
    m_visible.clear();
    if (!m_tileSource || width() <= 0 || height() <= 0)
        return;
    const int z = tileZoom();
    const int n = tilemath::tileCount(z);
    const double tileSize = worldSize() / n;
    const QPointF topLeft = itemToUnit(QPointF(0, 0)) * n;
    const QPointF bottomRight = itemToUnit(QPointF(width(), height())) * n;
    const int x0 = int(std::floor(topLeft.x()));
    const int x1 = int(std::floor(bottomRight.x()));
    const int y0 = std::max(0, int(std::floor(topLeft.y())));
    const int y1 = std::min(n - 1, int(std::floor(bottomRight.y())));
    // Far below the source's minimum zoom the viewport would want thousands of tiles.
    if (double(x1 - x0 + 1) * double(y1 - y0 + 1) > kMaximumVisibleTiles)
        return;
    for (int ty = y0; ty <= y1; ++ty) {
        for (int tx = x0; tx <= x1; ++tx) {
            const int wrapped = ((tx % n) + n) % n;
            // Place the tile from the unwrapped index so copies of the world line up.
            const double left = width() / 2 + (double(tx) / n - m_centerUnit.x()) * worldSize();
            const double top = height() / 2 + (double(ty) / n - m_centerUnit.y()) * worldSize();
            m_visible.append({TileKey{z, wrapped, ty}, QRectF(left, top, tileSize, tileSize)});
        }
    }
    const QPointF middle(width() / 2, height() / 2);
    std::sort(m_visible.begin(), m_visible.end(), [&](const auto &a, const auto &b) {
        const QPointF da = a.rect.center() - middle;
        const QPointF db = b.rect.center() - middle;
        return QPointF::dotProduct(da, da) < QPointF::dotProduct(db, db);
    });
    m_tileSource->cancelPending();
    for (const VisibleTile &tile : std::as_const(m_visible)) {
        if (!m_images.contains(tile.key))
            m_tileSource->requestTile(tile.key.z, tile.key.x, tile.key.y);
    }
}

void MapView::onTileReady(int z, int x, int y, const QImage &image)
{
    const TileKey key{z, x, y};
    if (auto found = m_images.find(key); found != m_images.end()) {
        m_imageOrder.erase(found->second);
        m_images.erase(found);
    }
    m_imageOrder.push_back(key);
    m_images.insert(key, {image, std::prev(m_imageOrder.end())});
    while (m_images.size() > kMaximumImages) {
        m_images.remove(m_imageOrder.front());
        m_imageOrder.pop_front();
    }
    Q_EMIT tilesChanged();
    update();
}

const QImage *MapView::cachedImage(const TileKey &key)
{
    auto found = m_images.find(key);
    if (found == m_images.end())
        return nullptr;
    // Touch it: drawn tiles are the last to go.
    m_imageOrder.splice(m_imageOrder.end(), m_imageOrder, found->second);
    return &found->first;
}

QSGNode *MapView::updatePaintNode(QSGNode *oldNode, UpdatePaintNodeData *)
{
    auto *root = static_cast<MapNode *>(oldNode);
    QQuickWindow *win = window();
    if (!root) {
        root = new MapNode;
        root->background = win->createRectangleNode();
        root->graticule = new QSGTransformNode;
        root->tiles = new QSGTransformNode;
        root->appendChildNode(root->background);
        root->appendChildNode(root->graticule);
        root->appendChildNode(root->tiles);
    }
    if (root->darkTiles != m_darkTiles || root->tileGeneration != m_tileGeneration) {
        // Textures of another source or look; nodes get new ones below.
        for (const auto &entry : std::as_const(root->textures))
            delete entry.texture;
        root->textures.clear();
        root->darkTiles = m_darkTiles;
        root->tileGeneration = m_tileGeneration;
    }
    ++root->frame;
    const QRectF bounds = boundingRect();
    root->background->setRect(bounds);
    root->background->setColor(m_backgroundColor);

    // Graticule: axis-aligned lines, so plain rectangles (drawn by every scene-graph backend).
    QList<QRectF> lines;
    const double degreesPerPixel = 360.0 / worldSize();
    const double step = niceGraticuleStep(degreesPerPixel);
    const QGeoCoordinate topLeft = coordinateAt(QPointF(0, 0));
    const QGeoCoordinate bottomRight = coordinateAt(QPointF(width(), height()));
    const double westEdge = itemToUnit(QPointF(0, 0)).x() * 360.0 - 180.0;
    const double eastEdge = itemToUnit(QPointF(width(), 0)).x() * 360.0 - 180.0;
    for (double lon = std::ceil(westEdge / step) * step; lon <= eastEdge && lines.size() < 200;
         lon += step) {
        const double x =
            std::round(width() / 2 + ((lon + 180.0) / 360.0 - m_centerUnit.x()) * worldSize());
        lines.append(QRectF(x, 0, 1, height()));
    }
    for (double lat = std::ceil(bottomRight.latitude() / step) * step;
         lat <= topLeft.latitude() && lines.size() < 400; lat += step) {
        const double y = std::round(pointAt(QGeoCoordinate(lat, center().longitude())).y());
        lines.append(QRectF(0, y, width(), 1));
    }
    syncChildren<QSGRectangleNode>(
        root->graticule, int(lines.size()), [win] { return win->createRectangleNode(); },
        [&](QSGRectangleNode *line, int i) {
            line->setRect(lines.at(i));
            line->setColor(m_graticuleColor);
        });

    // Tiles: the right one when loaded, else a part of the nearest coarser one.
    struct Draw
    {
        QSGTexture *texture;
        QRectF rect;
        QRectF source;
    };
    QList<Draw> draws; // one per visible tile, so none overlap
    const int minimumSourceZoom = m_tileSource ? m_tileSource->minimumZoom() : 0;
    auto textureFor = [&](const TileKey &key) -> QSGTexture * {
        auto found = root->textures.find(key);
        if (found != root->textures.end()) {
            found->lastUsed = root->frame;
            cachedImage(key);
            return found->texture;
        }
        const QImage *image = cachedImage(key);
        if (!image)
            return nullptr;
        QSGTexture *texture = win->createTextureFromImage(m_darkTiles ? darkTile(*image) : *image);
        texture->setFiltering(QSGTexture::Linear);
        root->textures.insert(key, {texture, root->frame});
        return texture;
    };
    for (const VisibleTile &tile : std::as_const(m_visible)) {
        if (QSGTexture *texture = textureFor(tile.key)) {
            draws.append({texture, tile.rect, QRectF(QPointF(0, 0), texture->textureSize())});
            continue;
        }
        for (int up = 1; up <= kFallbackLevels && tile.key.z - up >= minimumSourceZoom; ++up) {
            const TileKey parent{tile.key.z - up, tile.key.x >> up, tile.key.y >> up};
            if (QSGTexture *texture = textureFor(parent)) {
                const int parts = 1 << up;
                const QSizeF size = texture->textureSize();
                const double w = size.width() / parts;
                const double h = size.height() / parts;
                const int cx = tile.key.x - (parent.x << up);
                const int cy = tile.key.y - (parent.y << up);
                draws.append({texture, tile.rect, QRectF(cx * w, cy * h, w, h)});
                break;
            }
        }
    }
    syncChildren<QSGImageNode>(
        root->tiles, int(draws.size()),
        [win] {
            QSGImageNode *node = win->createImageNode();
            node->setOwnsTexture(false);
            node->setFiltering(QSGTexture::Linear);
            return node;
        },
        [&](QSGImageNode *node, int i) {
            const Draw &draw = draws.at(i);
            if (node->texture() != draw.texture)
                node->setTexture(draw.texture);
            // Whole pixels: fractional tile edges show hairline seams.
            const QRectF rect(std::floor(draw.rect.left()), std::floor(draw.rect.top()),
                              std::ceil(draw.rect.right()) - std::floor(draw.rect.left()),
                              std::ceil(draw.rect.bottom()) - std::floor(draw.rect.top()));
            node->setRect(rect);
            node->setSourceRect(draw.source);
        });

    // Evict textures not drawn this frame once there are too many.
    if (root->textures.size() > kMaximumTextures) {
        QList<std::pair<quint64, TileKey>> unused;
        for (auto it = root->textures.cbegin(); it != root->textures.cend(); ++it) {
            if (it->lastUsed != root->frame)
                unused.append({it->lastUsed, it.key()});
        }
        std::sort(unused.begin(), unused.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
        for (const auto &[used, key] : unused) {
            if (root->textures.size() <= kMaximumTextures)
                break;
            delete root->textures.take(key).texture;
        }
    }
    return root;
}

void MapView::mousePressEvent(QMouseEvent *event)
{
    if (!m_interactive) {
        event->ignore();
        return;
    }
    forceActiveFocus(Qt::MouseFocusReason);
    m_pressed = true;
    m_dragging = false;
    m_pressPosition = event->position();
    m_lastPosition = event->position();
    event->accept();
}

void MapView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_pressed)
        return;
    const QPointF position = event->position();
    if (!m_dragging) {
        const QPointF moved = position - m_pressPosition;
        if (moved.manhattanLength() < QGuiApplication::styleHints()->startDragDistance())
            return;
        m_dragging = true;
        Q_EMIT userInteracted();
    }
    panBy(m_lastPosition - position);
    m_lastPosition = position;
    event->accept();
}

void MapView::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_pressed)
        return;
    m_pressed = false;
    if (!m_dragging)
        Q_EMIT clicked(event->position());
    m_dragging = false;
    event->accept();
}

void MapView::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (!m_interactive) {
        event->ignore();
        return;
    }
    const bool out = event->modifiers().testFlag(Qt::ShiftModifier);
    Q_EMIT userInteracted();
    zoomAround(event->position(), std::round(m_zoom) + (out ? -1 : 1));
    event->accept();
}

void MapView::wheelEvent(QWheelEvent *event)
{
    if (!m_interactive) {
        event->ignore();
        return;
    }
    // One notch (120) is half a zoom level: fine enough for a mouse, quick on a touchpad.
    const double notches = event->angleDelta().y() / 120.0;
    if (notches != 0) {
        Q_EMIT userInteracted();
        zoomAround(event->position(), m_zoom + notches * 0.5);
    }
    event->accept();
}

void MapView::touchEvent(QTouchEvent *event)
{
    if (!m_interactive) {
        event->ignore();
        return;
    }
    QList<QPointF> points;
    for (const QEventPoint &point : event->points()) {
        if (point.state() != QEventPoint::Released)
            points.append(point.position());
    }
    if (points.isEmpty()) {
        m_lastTouchCount = 0;
        event->accept();
        return;
    }
    QPointF centroid;
    for (const QPointF &p : std::as_const(points))
        centroid += p;
    centroid /= points.size();
    const double distance = points.size() >= 2 ? QLineF(points.at(0), points.at(1)).length() : 0;
    // A finger added or lifted restarts the gesture so the map does not jump.
    if (points.size() == m_lastTouchCount) {
        if (points.size() >= 2 && m_lastTouchDistance > 0 && distance > 0)
            zoomAround(m_lastTouchCentroid, m_zoom + std::log2(distance / m_lastTouchDistance));
        panBy(m_lastTouchCentroid - centroid);
        Q_EMIT userInteracted();
    }
    m_lastTouchCount = int(points.size());
    m_lastTouchCentroid = centroid;
    m_lastTouchDistance = distance;
    event->accept();
}

void MapView::keyPressEvent(QKeyEvent *event)
{
    if (!m_interactive) {
        event->ignore();
        return;
    }
    switch (event->key()) {
    case Qt::Key_Left:
        panBy(QPointF(-kKeyPanPixels, 0));
        break;
    case Qt::Key_Right:
        panBy(QPointF(kKeyPanPixels, 0));
        break;
    case Qt::Key_Up:
        panBy(QPointF(0, -kKeyPanPixels));
        break;
    case Qt::Key_Down:
        panBy(QPointF(0, kKeyPanPixels));
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
    case Qt::Key_Underscore:
        zoomOut();
        break;
    default:
        event->ignore();
        return;
    }
    Q_EMIT userInteracted();
    event->accept();
}

} // namespace depot
