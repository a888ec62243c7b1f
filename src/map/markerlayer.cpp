#include "markerlayer.h"

#include "mapview.h"
#include "tilemath.h"

#include <QAbstractAnimation>
#include <QAbstractItemModel>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPainter>
#include <QPainterPath>
#include <QQuickWindow>
#include <QSGImageNode>
#include <QSGTexture>
#include <QSGTransformNode>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace depot {

namespace {

// A fix farther than this from the last (about 40 km at the equator) jumps: gliding across
// a region would draw a courier where they never were.
constexpr double kMaximumGlideUnits = 0.001;
constexpr int kHeadingBuckets = 36; // sprites every 10 degrees
constexpr double kTrailDotSpacing = 3;
constexpr int kMaximumTrailDots = 3000;
constexpr int kMaximumLabelTextures = 256;
constexpr double kCompactScale = 0.6; // a compact courier dot against the full marker
// From this many draws in a group on, they are painted into one picture per frame instead of a
// node each: without a GPU the rasteriser's cost per small quad dominated a fleet's frame.
constexpr qsizetype kPaintedDrawsMinimum = 256;

enum SpriteKind : quint64 {
    CourierSprite,
    PinSprite,
    DepotSprite,
    HaloSprite,
    DotSprite,
    CompactSprite
};

quint64 spriteKey(SpriteKind kind, QRgb rgba, int headingBucket)
{
    return (quint64(kind) << 48) | (quint64(headingBucket + 1) << 32) | quint64(rgba);
}

struct Sprite
{
    QSGTexture *texture = nullptr;
    QSizeF size;                   // logical pixels
    QPointF anchor;                // logical pixels from the top-left to the marked spot
    const QImage *image = nullptr; // the texture's picture (premultiplied), kept by the cache
};

QImage newImage(QSizeF logical, qreal dpr)
{
    QImage image((logical * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::transparent);
    return image;
}

QImage drawCourier(double size, const QColor &fill, const QColor &outline, int bucket, qreal dpr)
{
    const double side = size * 2;
    QImage image = newImage(QSizeF(side, side), dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.translate(side / 2, side / 2);
    const double r = size / 2;
    if (bucket >= 0) {
        p.save();
        p.rotate(bucket * 360.0 / kHeadingBuckets);
        QPainterPath arrow;
        arrow.moveTo(0, -(r + size * 0.55));
        arrow.lineTo(r * 0.85, -r * 0.2);
        arrow.lineTo(-r * 0.85, -r * 0.2);
        arrow.closeSubpath();
        p.setPen(QPen(outline, 1.5));
        p.setBrush(fill);
        p.drawPath(arrow);
        p.restore();
    }
    p.setPen(QPen(outline, 2));
    p.setBrush(fill);
    p.drawEllipse(QPointF(0, 0), r - 1, r - 1);
    return image;
}

QImage drawPin(double size, const QColor &fill, const QColor &outline, qreal dpr)
{
    const QSizeF logical(size, size * 1.45);
    QImage image = newImage(logical, dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const double r = size / 2 - 1;
    const QPointF c(size / 2, size / 2);
    QPainterPath drop;
    drop.moveTo(size / 2, logical.height() - 1);
    drop.arcTo(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), 225 + 90, 270 - 0);
    drop.closeSubpath();
    p.setPen(QPen(outline, 1.5));
    p.setBrush(fill);
    p.drawPath(drop);
    p.setPen(Qt::NoPen);
    p.setBrush(outline);
    p.drawEllipse(c, r * 0.35, r * 0.35);
    return image;
}

QImage drawDepot(double size, const QColor &fill, const QColor &outline, qreal dpr)
{
    const double side = size * 1.4;
    QImage image = newImage(QSizeF(side, side), dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(outline, 2));
    p.setBrush(fill);
    p.drawRoundedRect(QRectF(1, 1, side - 2, side - 2), 4, 4);
    // A house: the depot reads as a building, not another courier.
    const double u = side / 10;
    QPainterPath house;
    house.moveTo(5 * u, 2 * u);
    house.lineTo(8.2 * u, 5 * u);
    house.lineTo(7.2 * u, 5 * u);
    house.lineTo(7.2 * u, 8 * u);
    house.lineTo(2.8 * u, 8 * u);
    house.lineTo(2.8 * u, 5 * u);
    house.lineTo(1.8 * u, 5 * u);
    house.closeSubpath();
    p.setPen(Qt::NoPen);
    p.setBrush(outline);
    p.drawPath(house);
    return image;
}

QImage drawCompact(double diameter, const QColor &fill, const QColor &outline, qreal dpr)
{
    QImage image = newImage(QSizeF(diameter, diameter), dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(outline, 1.5));
    p.setBrush(fill);
    p.drawEllipse(QRectF(0.75, 0.75, diameter - 1.5, diameter - 1.5));
    return image;
}

QImage drawDisc(double diameter, const QColor &fill, qreal dpr)
{
    QImage image = newImage(QSizeF(diameter, diameter), dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(fill);
    p.drawEllipse(QRectF(0, 0, diameter, diameter));
    return image;
}

QImage drawLabel(const QString &text, const QColor &color, const QColor &halo, qreal dpr)
{
    QFont font = QGuiApplication::font();
    font.setPixelSize(12);
    font.setBold(true);
    const QFontMetricsF metrics(font);
    const QSizeF logical(std::ceil(metrics.horizontalAdvance(text)) + 4,
                         std::ceil(metrics.height()) + 4);
    QImage image = newImage(logical, dpr);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setFont(font);
    QPainterPath path;
    path.addText(QPointF(2, 2 + metrics.ascent()), font, text);
    // A halo keeps the name readable over any tile.
    p.setPen(QPen(halo, 3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawPath(path);
    return image;
}

int headingBucket(double heading)
{
    if (!std::isfinite(heading))
        return -1;
    const double step = 360.0 / kHeadingBuckets;
    const int bucket = int(std::lround(std::fmod(heading, 360.0) / step)) % kHeadingBuckets;
    return bucket < 0 ? bucket + kHeadingBuckets : bucket;
}

double angleLerp(double from, double to, double t)
{
    double delta = std::fmod(to - from + 540.0, 360.0) - 180.0;
    return from + delta * t;
}

std::optional<QPointF> unitFrom(const QVariant &value)
{
    if (value.metaType() == QMetaType::fromType<QGeoCoordinate>()) {
        const auto c = value.value<QGeoCoordinate>();
        if (!c.isValid())
            return std::nullopt;
        return tilemath::project({c.latitude(), c.longitude()});
    }
    const QVariantMap map = value.toMap();
    bool latOk = false;
    bool lonOk = false;
    const double latitude = map.value(QStringLiteral("latitude")).toDouble(&latOk);
    const double longitude = map.value(QStringLiteral("longitude")).toDouble(&lonOk);
    if (!latOk || !lonOk || !std::isfinite(latitude) || !std::isfinite(longitude))
        return std::nullopt;
    return tilemath::project({latitude, longitude});
}

/// What the layer's sprites and labels look like besides their kind, colour and heading.
struct DrawStyle
{
    double markerSize = 0;
    QColor outline;
    QColor labelColor;
    QColor labelHalo;
    qreal devicePixelRatio = 1;
};

/// A sprite's picture and the spot it marks, in logical pixels from its top-left.
std::pair<QImage, QPointF> drawSprite(SpriteKind kind, const DrawStyle &style, const QColor &color,
                                      int bucket)
{
    const double size = style.markerSize;
    const qreal dpr = style.devicePixelRatio;
    switch (kind) {
    case CourierSprite:
        return {drawCourier(size, color, style.outline, bucket, dpr), QPointF(size, size)};
    case PinSprite:
        return {drawPin(size, color, style.outline, dpr), QPointF(size / 2, size * 1.45 - 1)};
    case DepotSprite:
        return {drawDepot(size, color, style.outline, dpr), QPointF(size * 0.7, size * 0.7)};
    case HaloSprite:
        return {drawDisc(size + 12, color, dpr), QPointF((size + 12) / 2, (size + 12) / 2)};
    case DotSprite:
        return {drawDisc(4, color, dpr), QPointF(2, 2)};
    case CompactSprite: {
        const double diameter = size * kCompactScale;
        return {drawCompact(diameter, color, style.outline, dpr),
                QPointF(diameter / 2, diameter / 2)};
    }
    }
    return {};
}

/// The markers' sprites as textures, each drawn on its first use (render thread).
class SpriteCache
{
public:
    SpriteCache() = default;
    SpriteCache(const SpriteCache &) = delete;
    SpriteCache &operator=(const SpriteCache &) = delete;
    ~SpriteCache() { clear(); }

    Sprite sprite(QQuickWindow *window, const DrawStyle &style, SpriteKind kind,
                  const QColor &color, int bucket)
    {
        const quint64 key = spriteKey(kind, color.rgba(), bucket);
        auto found = m_sprites.constFind(key);
        if (found != m_sprites.cend())
            return *found;
        const auto [image, anchor] = drawSprite(kind, style, color, bucket);
        // Small sprites share the atlas, so the renderer draws all markers in one batch.
        QSGTexture *texture = window->createTextureFromImage(
            image, QQuickWindow::CreateTextureOptions(QQuickWindow::TextureHasAlphaChannel) |
                       QQuickWindow::TextureCanUseAtlas);
        texture->setFiltering(QSGTexture::Linear);
        m_images.push_back(std::make_unique<QImage>(image));
        return *m_sprites.insert(key, {texture, QSizeF(image.size()) / style.devicePixelRatio,
                                       anchor, m_images.back().get()});
    }

    void clear()
    {
        for (const Sprite &sprite : std::as_const(m_sprites))
            delete sprite.texture;
        m_sprites.clear();
        m_images.clear();
    }

private:
    QHash<quint64, Sprite> m_sprites;
    std::vector<std::unique_ptr<QImage>> m_images; // stable addresses for Sprite::image
};

/// The markers' names as textures, kept while drawn; past a limit the unused ones go (render
/// thread).
class LabelCache
{
public:
    LabelCache() = default;
    LabelCache(const LabelCache &) = delete;
    LabelCache &operator=(const LabelCache &) = delete;
    ~LabelCache() { clear(); }

    /// The name's texture, marked as drawn in `frame`.
    Sprite label(QQuickWindow *window, const QString &text, const DrawStyle &style, quint64 frame)
    {
        auto found = m_labels.find(text);
        if (found == m_labels.end()) {
            const qreal dpr = style.devicePixelRatio;
            const QImage image = drawLabel(text, style.labelColor, style.labelHalo, dpr);
            QSGTexture *texture =
                window->createTextureFromImage(image, QQuickWindow::TextureHasAlphaChannel);
            found = m_labels.insert(
                text, {Sprite{texture, QSizeF(image.size()) / dpr, QPointF()}, frame});
        }
        found->second = frame;
        return found->first;
    }

    /// Past the limit, drops every name not drawn in `frame`.
    void trim(quint64 frame)
    {
        if (m_labels.size() <= kMaximumLabelTextures)
            return;
        for (auto it = m_labels.begin(); it != m_labels.end();) {
            if (it->second != frame) {
                delete it->first.texture;
                it = m_labels.erase(it);
            } else {
                ++it;
            }
        }
    }

    void clear()
    {
        for (const auto &label : std::as_const(m_labels))
            delete label.first.texture;
        m_labels.clear();
    }

private:
    QHash<QString, std::pair<Sprite, quint64>> m_labels; // with the frame it was last drawn in
};

/// One image node's worth: a texture and where it goes, in item pixels.
struct Draw
{
    QSGTexture *texture;
    QRectF rect;
    const QImage *image = nullptr; // the texture's picture, if the draw may be painted
};

Draw placed(const Sprite &sprite, QPointF at)
{
    return Draw{sprite.texture, QRectF(at - sprite.anchor, sprite.size), sprite.image};
}

/// `x`'s four channels times `a` / 255.
inline quint32 byteMul(quint32 x, quint32 a)
{
    quint32 t = (x & 0xff00ff) * a;
    t = ((t + ((t >> 8) & 0xff00ff) + 0x800080) >> 8) & 0xff00ff;
    x = ((x >> 8) & 0xff00ff) * a;
    x = (x + ((x >> 8) & 0xff00ff) + 0x800080) & 0xff00ff00;
    return x | t;
}

/// Paints premultiplied `sprite` over `canvas` with its top-left at `at` (device pixels);
/// returns the rectangle it touched.
QRect paintOver(QImage &canvas, const QImage &sprite, QPoint at)
{
    const QRect target = QRect(at, sprite.size()).intersected(canvas.rect());
    // bits() once: scanLine() checks for sharing on every row.
    uchar *canvasBits = canvas.bits();
    const qsizetype canvasStride = canvas.bytesPerLine();
    const uchar *spriteBits = sprite.constBits();
    const qsizetype spriteStride = sprite.bytesPerLine();
    for (int y = target.top(); y <= target.bottom(); ++y) {
        auto *dst = reinterpret_cast<quint32 *>(canvasBits + y * canvasStride) + target.left();
        const auto *src =
            reinterpret_cast<const quint32 *>(spriteBits + (y - at.y()) * spriteStride) +
            (target.left() - at.x());
        for (int x = 0; x < target.width(); ++x) {
            const quint32 pixel = src[x];
            const quint32 alpha = pixel >> 24;
            if (alpha == 255)
                dst[x] = pixel;
            else if (alpha != 0)
                dst[x] = pixel + byteMul(dst[x], 255 - alpha);
        }
    }
    return target;
}

/// Clears `rect` of `canvas` to transparent.
void clearRect(QImage &canvas, const QRect &rect)
{
    uchar *bits = canvas.bits();
    const qsizetype stride = canvas.bytesPerLine();
    for (int y = rect.top(); y <= rect.bottom(); ++y)
        std::fill_n(reinterpret_cast<quint32 *>(bits + y * stride) + rect.left(), rect.width(), 0u);
}

/// A group's draws painted, in order, into one picture the size of the layer: one node and one
/// texture however many markers (render thread).
class PaintedDraws
{
public:
    PaintedDraws() = default;
    PaintedDraws(const PaintedDraws &) = delete;
    PaintedDraws &operator=(const PaintedDraws &) = delete;
    ~PaintedDraws() { delete m_texture; }

    /// The node showing `draws` within `bounds` (item pixels), made on first use and kept by
    /// the caller's group.
    QSGImageNode *show(QQuickWindow *window, const QList<Draw> &draws, QRectF bounds, qreal dpr)
    {
        const QSize size = (bounds.size() * dpr).toSize().expandedTo(QSize(1, 1));
        // The texture made last frame may share the canvas: drop it first, or painting would
        // copy the whole picture. The node gets the new texture before anything draws.
        delete std::exchange(m_texture, nullptr);
        if (m_canvas.size() != size) {
            m_canvas = QImage(size, QImage::Format_ARGB32_Premultiplied);
            m_canvas.fill(Qt::transparent);
            m_painted.clear();
        }
        // Only what the last frame painted is cleared: a fleet covers a fraction of the map.
        for (const QRect &rect : m_painted)
            clearRect(m_canvas, rect);
        m_painted.clear();
        const QPointF origin = bounds.topLeft();
        for (const Draw &draw : draws) {
            const QPointF topLeft = (draw.rect.topLeft() - origin) * dpr;
            const QRect touched =
                paintOver(m_canvas, *draw.image,
                          QPoint(int(std::lround(topLeft.x())), int(std::lround(topLeft.y()))));
            if (!touched.isEmpty())
                m_painted.push_back(touched);
        }
        m_texture = window->createTextureFromImage(m_canvas, QQuickWindow::TextureHasAlphaChannel);
        if (!m_node) {
            m_node = window->createImageNode();
            m_node->setOwnsTexture(false);
            m_node->setFiltering(QSGTexture::Nearest);
        }
        m_node->setTexture(m_texture);
        m_node->setSourceRect(QRectF(QPointF(0, 0), m_texture->textureSize()));
        m_node->setRect(QRectF(bounds.topLeft(), QSizeF(size) / dpr));
        return m_node;
    }

    QSGImageNode *node() const { return m_node; }
    /// The node is gone with its group's children.
    void forgetNode() { m_node = nullptr; }
    void clear()
    {
        delete std::exchange(m_texture, nullptr);
        m_canvas = QImage();
        m_painted.clear();
    }

private:
    QImage m_canvas;
    std::vector<QRect> m_painted; // what was painted into the canvas since it was last cleared
    QSGTexture *m_texture = nullptr;
    QSGImageNode *m_node = nullptr;
};

/// The layer's scene-graph root: owns sprite and label textures (render thread).
class LayerNode : public QSGNode
{
public:
    LayerNode()
    {
        appendChildNode(trail);
        appendChildNode(markers);
        appendChildNode(labelNodes);
    }
    ~LayerNode() override { clearTextures(); }

    void clearTextures()
    {
        sprites.clear();
        labels.clear();
        paintedTrail.clear();
        paintedMarkers.clear();
    }

    // Dropped with the textures: a new texture may reuse a freed one's address, and a node
    // that compares equal to it would keep the old sprite's size and material.
    void clearNodes()
    {
        paintedTrail.forgetNode();
        paintedMarkers.forgetNode();
        for (QSGNode *group : {static_cast<QSGNode *>(trail), static_cast<QSGNode *>(markers),
                               static_cast<QSGNode *>(labelNodes)}) {
            removeChildren(group);
        }
    }

    static void removeChildren(QSGNode *group)
    {
        while (QSGNode *child = group->firstChild()) {
            group->removeChildNode(child);
            delete child;
        }
    }

    // Groups are transform nodes (identity) rather than plain nodes: the software renderer
    // places a child added later by its parent's recorded transform, and records none for a
    // plain node, so a marker added after the first frame would be drawn at the window's origin.
    QSGTransformNode *trail = new QSGTransformNode;
    QSGTransformNode *markers = new QSGTransformNode;
    QSGTransformNode *labelNodes = new QSGTransformNode;
    SpriteCache sprites;
    LabelCache labels;
    PaintedDraws paintedTrail;
    PaintedDraws paintedMarkers;
    quint64 generation = 0;
    qreal devicePixelRatio = 0;
    quint64 frame = 0;
};

/// The layer's root, made on the first frame; a new appearance or pixel density drops its
/// nodes and textures.
LayerNode *prepareLayerNode(QSGNode *oldNode, quint64 generation, qreal dpr)
{
    auto *root = static_cast<LayerNode *>(oldNode);
    if (!root)
        root = new LayerNode;
    if (root->generation != generation || root->devicePixelRatio != dpr) {
        // Sprites are drawn at the screen's pixel density in the layer's colours.
        root->clearNodes();
        root->clearTextures();
        root->generation = generation;
        root->devicePixelRatio = dpr;
    }
    ++root->frame;
    return root;
}

void showDraw(QSGImageNode *node, const Draw &draw)
{
    if (node->texture() != draw.texture) {
        node->setTexture(draw.texture);
        node->setSourceRect(QRectF(QPointF(0, 0), draw.texture->textureSize()));
    }
    node->setRect(draw.rect);
}

/// Makes `parent`'s image nodes show `draws`, one node each, reusing the nodes it has.
void syncImageNodes(QQuickWindow *window, QSGNode *parent, const QList<Draw> &draws)
{
    while (parent->childCount() > draws.size()) {
        QSGNode *last = parent->lastChild();
        parent->removeChildNode(last);
        delete last;
    }
    QSGNode *child = parent->firstChild();
    qsizetype i = 0;
    for (; child; child = child->nextSibling(), ++i)
        showDraw(static_cast<QSGImageNode *>(child), draws.at(i));
    // New nodes are complete before they join the tree: the software renderer reads
    // their texture the moment they are added.
    for (; i < draws.size(); ++i) {
        QSGImageNode *node = window->createImageNode();
        node->setOwnsTexture(false);
        node->setFiltering(QSGTexture::Linear);
        showDraw(node, draws.at(i));
        parent->appendChildNode(node);
    }
}

/// Makes `group` show `draws`: many painted into one picture, a few as a node each.
void syncDraws(QQuickWindow *window, QSGNode *group, PaintedDraws &painted,
               const QList<Draw> &draws, QRectF bounds, qreal dpr)
{
    const bool paint = draws.size() >= kPaintedDrawsMinimum;
    const bool wasPainted = painted.node() && painted.node()->parent() == group;
    if (paint != wasPainted) { // the group changes its way: it starts afresh
        painted.forgetNode();
        LayerNode::removeChildren(group);
    }
    if (!paint) {
        painted.clear();
        syncImageNodes(window, group, draws);
        return;
    }
    QSGImageNode *node = painted.show(window, draws, bounds, dpr);
    if (!node->parent())
        group->appendChildNode(node);
}

} // namespace

/// One frame's drawing: what it draws with and the draws collected so far.
struct MarkerLayer::PaintFrame
{
    Sprite sprite(SpriteKind kind, const QColor &color, int bucket) const
    {
        return root->sprites.sprite(window, style, kind, color, bucket);
    }

    LayerNode *root = nullptr;
    QQuickWindow *window = nullptr;
    DrawStyle style;
    qint64 now = 0;
    QRectF visible; // the item with a margin, so that markers at its edges are drawn whole
    bool selectedShown = false; // the selected row has a marker to draw
    QList<Draw> trail;
    QList<Draw> markers;
    QList<std::pair<QString, QPointF>> labelSpots; // a name and its marker's position
    QList<Draw> labels;
};

/// Ticks once per frame while markers glide, in step with the scene graph's animations.
class GlideAnimation : public QAbstractAnimation
{
public:
    explicit GlideAnimation(MarkerLayer *layer)
        : QAbstractAnimation(layer)
        , m_layer(layer)
    {}
    int duration() const override { return -1; }

protected:
    void updateCurrentTime(int) override { m_layer->tick(); }

private:
    MarkerLayer *m_layer;
};

MarkerLayer::MarkerLayer(QQuickItem *parent)
    : QQuickItem(parent)
    , m_animation(new GlideAnimation(this))
{
    setFlag(ItemHasContents);
    m_elapsed.start();
    // Made in C++ with the map as parent, itemChange() has not run yet.
    if (auto *map = qobject_cast<MapView *>(parent))
        setMap(map);
    m_stateColors = {{QStringLiteral("free"), QColor(0x2e, 0x7d, 0x32)},
                     {QStringLiteral("busy"), QColor(0x1e, 0x88, 0xe5)},
                     {QStringLiteral("offline"), QColor(0x9e, 0x9e, 0x9e)}};
}

MarkerLayer::~MarkerLayer() = default;

qint64 MarkerLayer::now() const
{
    return m_clock ? m_clock() : m_elapsed.elapsed();
}

void MarkerLayer::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
}

void MarkerLayer::itemChange(ItemChange change, const ItemChangeData &value)
{
    QQuickItem::itemChange(change, value);
    if (change == ItemParentHasChanged && !m_map) {
        if (auto *map = qobject_cast<MapView *>(value.item))
            setMap(map);
    }
    if (change == ItemParentHasChanged)
        syncGeometry();
}

void MarkerLayer::setMap(MapView *map)
{
    if (m_map == map)
        return;
    for (const auto &connection : std::as_const(m_mapConnections))
        disconnect(connection);
    m_mapConnections.clear();
    m_map = map;
    if (map) {
        m_mapConnections = {
            connect(map, &MapView::viewportChanged, this, [this] { update(); }),
            connect(map, &MapView::clicked, this, &MarkerLayer::onMapClicked),
            connect(map, &MapView::userInteracted, this, [this] { setFollow(false); }),
            connect(map, &QQuickItem::widthChanged, this, &MarkerLayer::syncGeometry),
            connect(map, &QQuickItem::heightChanged, this, &MarkerLayer::syncGeometry),
        };
    }
    syncGeometry();
    Q_EMIT mapChanged();
    update();
}

void MarkerLayer::syncGeometry()
{
    // The layer draws in the map's coordinates, so it sits exactly on it.
    if (m_map && parentItem() == m_map) {
        setPosition(QPointF(0, 0));
        setSize(m_map->size());
    }
}

void MarkerLayer::setModel(QAbstractItemModel *model)
{
    if (m_model == model)
        return;
    for (const auto &connection : std::as_const(m_modelConnections))
        disconnect(connection);
    m_modelConnections.clear();
    m_model = model;
    if (model) {
        m_modelConnections = {
            connect(model, &QAbstractItemModel::dataChanged, this, &MarkerLayer::onDataChanged),
            connect(model, &QAbstractItemModel::rowsInserted, this, &MarkerLayer::onRowsInserted),
            connect(model, &QAbstractItemModel::rowsRemoved, this, &MarkerLayer::onRowsRemoved),
            connect(model, &QAbstractItemModel::modelReset, this, &MarkerLayer::reloadAll),
            connect(model, &QAbstractItemModel::layoutChanged, this, &MarkerLayer::reloadAll),
            connect(model, &QAbstractItemModel::rowsMoved, this, &MarkerLayer::reloadAll),
            connect(model, &QObject::destroyed, this, [this] { setModel(nullptr); }),
        };
    }
    reloadAll();
    Q_EMIT modelChanged();
}

void MarkerLayer::resolveRoles()
{
    m_latitudeRole = m_longitudeRole = m_headingRole = m_stateRole = m_colorRole = m_labelRole =
        m_filterRoleId = -1;
    if (!m_model)
        return;
    const auto names = m_model->roleNames();
    for (auto it = names.cbegin(); it != names.cend(); ++it) {
        const QByteArray &name = it.value();
        if (name == "latitude")
            m_latitudeRole = it.key();
        else if (name == "longitude")
            m_longitudeRole = it.key();
        else if (name == "heading")
            m_headingRole = it.key();
        else if (name == "state")
            m_stateRole = it.key();
        else if (name == "color")
            m_colorRole = it.key();
        else if (name == "label")
            m_labelRole = it.key();
        if (!m_filterRole.isEmpty() && name == m_filterRole.toUtf8())
            m_filterRoleId = it.key();
    }
}

void MarkerLayer::reloadAll()
{
    resolveRoles();
    const int previousCount = count();
    m_markers.clear();
    if (m_model && m_latitudeRole >= 0 && m_longitudeRole >= 0) {
        m_markers.resize(m_model->rowCount());
        for (int row = 0; row < int(m_markers.size()); ++row)
            readRow(row, false);
    }
    if (m_selectedRow != -1) {
        m_selectedRow = -1;
        Q_EMIT selectedRowChanged();
    }
    if (count() != previousCount)
        Q_EMIT countChanged();
    update();
}

void MarkerLayer::readRow(int row, bool glide)
{
    if (!m_model || row < 0 || row >= int(m_markers.size()))
        return;
    Marker &marker = m_markers[size_t(row)];
    const QModelIndex index = m_model->index(row, 0);
    bool latOk = false;
    bool lonOk = false;
    const double latitude = index.data(m_latitudeRole).toDouble(&latOk);
    const double longitude = index.data(m_longitudeRole).toDouble(&lonOk);
    const bool valid = latOk && lonOk && std::isfinite(latitude) && std::isfinite(longitude);

    if (valid) {
        const QPointF target = tilemath::project({latitude, longitude});
        const qint64 t = now();
        if (!marker.valid) {
            marker.from = marker.to = target;
            marker.start = t;
        } else if (target != marker.to) {
            const QPointF current = positionOf(marker, t);
            QPointF delta = target - current;
            delta.rx() -= std::round(delta.x());
            if (marker.history.empty() || marker.history.back() != marker.to)
                marker.history.push_back(marker.to);
            while (int(marker.history.size()) > m_trailLength)
                marker.history.pop_front();
            const double heading = std::atan2(delta.x(), -delta.y()) * 180.0 / std::numbers::pi;
            marker.headingFrom = headingOf(marker, t);
            if (m_headingRole < 0 || !index.data(m_headingRole).isValid())
                marker.headingTo = heading;
            const bool jump = std::hypot(delta.x(), delta.y()) > kMaximumGlideUnits;
            if (glide && m_glideDuration > 0 && !jump) {
                marker.from = current;
                marker.start = t;
                startGliding(t + m_glideDuration);
            } else {
                marker.from = target;
                marker.start = t - m_glideDuration;
            }
            marker.to = target;
        }
    }
    marker.valid = valid;

    if (m_headingRole >= 0) {
        bool ok = false;
        const double heading = index.data(m_headingRole).toDouble(&ok);
        if (ok && std::isfinite(heading)) {
            if (!std::isfinite(marker.headingTo) || !std::isfinite(marker.headingFrom))
                marker.headingFrom = heading;
            marker.headingTo = heading;
        }
    }

    QColor color;
    if (m_colorRole >= 0)
        color = index.data(m_colorRole).value<QColor>();
    if (!color.isValid() && m_stateRole >= 0)
        color = m_stateColors.value(index.data(m_stateRole).toString()).value<QColor>();
    marker.color = color.isValid() ? color : m_defaultColor;
    marker.label = m_labelRole >= 0 ? index.data(m_labelRole).toString() : QString();
    marker.shown = m_filterRoleId < 0 || !m_filterValue.isValid() || m_filterValue.isNull() ||
                   index.data(m_filterRoleId) == m_filterValue;
    if (row == m_selectedRow && m_follow)
        followSelected();
}

void MarkerLayer::onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (m_latitudeRole < 0 || m_longitudeRole < 0)
        return;
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row)
        readRow(row, true);
    update();
}

void MarkerLayer::onRowsInserted(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    if (m_latitudeRole < 0 || m_longitudeRole < 0) {
        reloadAll(); // roles may only be known once there are rows (JS ListModel)
        return;
    }
    m_markers.insert(m_markers.begin() + first, size_t(last - first + 1), Marker{});
    for (int row = first; row <= last; ++row)
        readRow(row, false);
    if (m_selectedRow >= first) {
        m_selectedRow += last - first + 1;
        Q_EMIT selectedRowChanged();
    }
    Q_EMIT countChanged();
    update();
}

void MarkerLayer::onRowsRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid() || first >= int(m_markers.size()))
        return;
    last = std::min(last, int(m_markers.size()) - 1);
    m_markers.erase(m_markers.begin() + first, m_markers.begin() + last + 1);
    if (m_selectedRow >= first) {
        m_selectedRow = m_selectedRow <= last ? -1 : m_selectedRow - (last - first + 1);
        Q_EMIT selectedRowChanged();
    }
    Q_EMIT countChanged();
    update();
}

void MarkerLayer::onMapClicked(QPointF point)
{
    const int row = markerAt(mapFromItem(m_map, point));
    if (row >= 0)
        Q_EMIT markerClicked(row);
}

QPointF MarkerLayer::positionOf(const Marker &marker, qint64 t) const
{
    if (m_glideDuration <= 0 || t >= marker.start + m_glideDuration)
        return marker.to;
    const double progress = std::clamp(double(t - marker.start) / m_glideDuration, 0.0, 1.0);
    QPointF delta = marker.to - marker.from;
    delta.rx() -= std::round(delta.x());
    return marker.from + delta * progress;
}

double MarkerLayer::headingOf(const Marker &marker, qint64 t) const
{
    if (!std::isfinite(marker.headingTo))
        return qQNaN();
    if (!std::isfinite(marker.headingFrom) || m_glideDuration <= 0 ||
        t >= marker.start + m_glideDuration)
        return marker.headingTo;
    const double progress = std::clamp(double(t - marker.start) / m_glideDuration, 0.0, 1.0);
    return angleLerp(marker.headingFrom, marker.headingTo, progress);
}

bool MarkerLayer::isGliding() const
{
    return now() < m_glideUntil;
}

void MarkerLayer::startGliding(qint64 until)
{
    m_glideUntil = std::max(m_glideUntil, until);
    if (m_animation->state() != QAbstractAnimation::Running)
        m_animation->start();
}

void MarkerLayer::tick()
{
    if (m_follow)
        followSelected();
    update();
    if (!isGliding())
        m_animation->stop();
}

void MarkerLayer::followSelected()
{
    if (!m_map || m_selectedRow < 0 || m_selectedRow >= int(m_markers.size()))
        return;
    const Marker &marker = m_markers[size_t(m_selectedRow)];
    if (marker.valid)
        m_map->setCenterUnit(positionOf(marker, now()));
}

QPointF MarkerLayer::hitOffset() const
{
    // Where the marker's body is relative to the marked spot: a pin stands above it.
    return m_shape == Pin ? QPointF(0, -m_markerSize * 0.95) : QPointF(0, 0);
}

int MarkerLayer::markerAt(QPointF point, double radius) const
{
    if (!m_map)
        return -1;
    if (radius < 0)
        radius = m_markerSize * 0.75;
    const qint64 t = now();
    const QPointF offset = mapFromItem(m_map, QPointF(0, 0));
    auto distanceTo = [&](int row) {
        const Marker &marker = m_markers[size_t(row)];
        if (!marker.valid || !marker.shown)
            return qInf();
        const QPointF at = m_map->unitToItem(positionOf(marker, t)) + offset + hitOffset();
        return QLineF(at, point).length();
    };
    // The selected marker is drawn on top, so it wins.
    if (m_selectedRow >= 0 && m_selectedRow < int(m_markers.size()) &&
        distanceTo(m_selectedRow) <= radius)
        return m_selectedRow;
    int best = -1;
    double bestDistance = radius;
    for (int row = int(m_markers.size()) - 1; row >= 0; --row) {
        const double distance = distanceTo(row);
        if (distance < bestDistance) {
            best = row;
            bestDistance = distance;
        }
    }
    return best;
}

QGeoCoordinate MarkerLayer::coordinateOf(int row) const
{
    if (row < 0 || row >= int(m_markers.size()) || !m_markers[size_t(row)].valid)
        return {};
    const tilemath::LatLon c = tilemath::unproject(positionOf(m_markers[size_t(row)], now()));
    return QGeoCoordinate(c.latitude, tilemath::wrapLongitude(c.longitude));
}

QVariantList MarkerLayer::coordinates() const
{
    QVariantList list;
    list.reserve(int(m_markers.size()));
    for (const Marker &marker : m_markers) {
        if (!marker.valid || !marker.shown)
            continue;
        const tilemath::LatLon c = tilemath::unproject(marker.to);
        list.append(
            QVariant::fromValue(QGeoCoordinate(c.latitude, tilemath::wrapLongitude(c.longitude))));
    }
    return list;
}

QVariant MarkerLayer::valueAt(int row, const QString &role) const
{
    if (!m_model || row < 0 || row >= m_model->rowCount())
        return {};
    const int id = m_model->roleNames().key(role.toUtf8(), -1);
    return id < 0 ? QVariant() : m_model->index(row, 0).data(id);
}

// --- properties ---

void MarkerLayer::setShape(Shape shape)
{
    if (shape == m_shape)
        return;
    m_shape = shape;
    Q_EMIT appearanceChanged();
    update();
}

void MarkerLayer::setStateColors(const QVariantMap &colors)
{
    if (colors == m_stateColors)
        return;
    m_stateColors = colors;
    for (int row = 0; row < int(m_markers.size()); ++row)
        readRow(row, false);
    Q_EMIT appearanceChanged();
    update();
}

#define DEPOT_APPEARANCE_SETTER(Setter, member, Type)                                              \
    void MarkerLayer::Setter(Type value)                                                           \
    {                                                                                              \
        if (value == member)                                                                       \
            return;                                                                                \
        member = value;                                                                            \
        ++m_appearanceGeneration;                                                                  \
        Q_EMIT appearanceChanged();                                                                \
        update();                                                                                  \
    }

DEPOT_APPEARANCE_SETTER(setOutlineColor, m_outlineColor, const QColor &)
DEPOT_APPEARANCE_SETTER(setSelectionColor, m_selectionColor, const QColor &)
DEPOT_APPEARANCE_SETTER(setTrailColor, m_trailColor, const QColor &)
DEPOT_APPEARANCE_SETTER(setLabelColor, m_labelColor, const QColor &)
DEPOT_APPEARANCE_SETTER(setLabelHaloColor, m_labelHaloColor, const QColor &)
DEPOT_APPEARANCE_SETTER(setMarkerSize, m_markerSize, double)
DEPOT_APPEARANCE_SETTER(setLabelZoom, m_labelZoom, double)
DEPOT_APPEARANCE_SETTER(setCompactZoom, m_compactZoom, double)
DEPOT_APPEARANCE_SETTER(setMaximumLabels, m_maximumLabels, int)
#undef DEPOT_APPEARANCE_SETTER

void MarkerLayer::setDefaultColor(const QColor &color)
{
    if (color == m_defaultColor)
        return;
    m_defaultColor = color;
    for (int row = 0; row < int(m_markers.size()); ++row)
        readRow(row, false);
    Q_EMIT appearanceChanged();
    update();
}

void MarkerLayer::setSelectedRow(int row)
{
    if (row < 0 || row >= int(m_markers.size()))
        row = -1;
    if (row == m_selectedRow)
        return;
    m_selectedRow = row;
    Q_EMIT selectedRowChanged();
    if (m_follow)
        followSelected();
    update();
}

void MarkerLayer::setFollow(bool follow)
{
    if (follow == m_follow)
        return;
    m_follow = follow;
    Q_EMIT followChanged();
    if (follow)
        followSelected();
}

void MarkerLayer::setGlideDuration(int milliseconds)
{
    milliseconds = std::max(0, milliseconds);
    if (milliseconds == m_glideDuration)
        return;
    m_glideDuration = milliseconds;
    Q_EMIT glideDurationChanged();
}

void MarkerLayer::setTrail(const QVariantList &trail)
{
    m_trail = trail;
    m_trailUnits.clear();
    m_trailUnits.reserve(size_t(trail.size()));
    for (const QVariant &value : trail) {
        if (const auto unit = unitFrom(value))
            m_trailUnits.push_back(*unit);
    }
    Q_EMIT trailChanged();
    update();
}

void MarkerLayer::setTrailLength(int fixes)
{
    fixes = std::max(0, fixes);
    if (fixes == m_trailLength)
        return;
    m_trailLength = fixes;
    for (Marker &marker : m_markers) {
        while (int(marker.history.size()) > fixes)
            marker.history.pop_front();
    }
    Q_EMIT trailChanged();
    update();
}

void MarkerLayer::setFilterRole(const QString &role)
{
    if (role == m_filterRole)
        return;
    m_filterRole = role;
    resolveRoles();
    for (int row = 0; row < int(m_markers.size()); ++row)
        readRow(row, false);
    Q_EMIT filterChanged();
    update();
}

void MarkerLayer::setFilterValue(const QVariant &value)
{
    if (value == m_filterValue)
        return;
    m_filterValue = value;
    for (int row = 0; row < int(m_markers.size()); ++row)
        readRow(row, false);
    Q_EMIT filterChanged();
    update();
}

// --- drawing ---

QSGNode *MarkerLayer::updatePaintNode(QSGNode *oldNode, UpdatePaintNodeData *)
{
    QQuickWindow *win = window();
    const qreal dpr = win->effectiveDevicePixelRatio();
    LayerNode *root = prepareLayerNode(oldNode, m_appearanceGeneration, dpr);
    const double margin = m_markerSize * 2;
    PaintFrame frame;
    frame.root = root;
    frame.window = win;
    frame.style = {m_markerSize, m_outlineColor, m_labelColor, m_labelHaloColor, dpr};
    frame.now = now();
    frame.visible = boundingRect().adjusted(-margin, -margin, margin, margin);
    frame.selectedShown = m_selectedRow >= 0 && m_selectedRow < int(m_markers.size()) &&
                          m_markers[size_t(m_selectedRow)].valid &&
                          m_markers[size_t(m_selectedRow)].shown;
    if (m_map && width() > 0 && height() > 0) {
        addTrailDraws(frame);
        addMarkerDraws(frame);
    }
    const QRectF bounds = boundingRect();
    syncDraws(win, root->trail, root->paintedTrail, frame.trail, bounds, dpr);
    syncDraws(win, root->markers, root->paintedMarkers, frame.markers, bounds, dpr);
    addLabelDraws(frame);
    syncImageNodes(win, root->labelNodes, frame.labels);
    root->labels.trim(root->frame);
    return root;
}

void MarkerLayer::addTrailDraws(PaintFrame &frame) const
{
    if (!frame.selectedShown)
        return;
    // The trail: the history handed in, then the fixes seen here, then where it is now,
    // drawn as close dots so every backend renders it.
    const Marker &marker = m_markers[size_t(m_selectedRow)];
    std::vector<QPointF> points;
    points.reserve(m_trailUnits.size() + marker.history.size() + 1);
    for (const QPointF &unit : m_trailUnits)
        points.push_back(m_map->unitToItem(unit));
    for (const QPointF &unit : marker.history)
        points.push_back(m_map->unitToItem(unit));
    points.push_back(m_map->unitToItem(positionOf(marker, frame.now)));
    const Sprite dot = frame.sprite(DotSprite, m_trailColor, -1);
    double carry = 0;
    for (size_t i = 1; i < points.size() && frame.trail.size() < kMaximumTrailDots; ++i) {
        const QPointF a = points[i - 1];
        const QPointF b = points[i];
        const double length = QLineF(a, b).length();
        if (!frame.visible.contains(a) && !frame.visible.contains(b) && length < width())
            continue;
        double at = carry;
        for (; at <= length && frame.trail.size() < kMaximumTrailDots; at += kTrailDotSpacing) {
            const QPointF p = length > 0 ? a + (b - a) * (at / length) : a;
            if (frame.visible.contains(p))
                frame.trail.append(placed(dot, p));
        }
        carry = at - length;
    }
}

void MarkerLayer::addMarkerDraws(PaintFrame &frame) const
{
    const bool allLabels = m_map->zoom() >= m_labelZoom;
    const SpriteKind kind =
        m_shape == Pin ? PinSprite : (m_shape == Depot ? DepotSprite : CourierSprite);
    // Zoomed out, couriers are dots: a whole fleet stays readable, and is cheap to draw.
    const bool compact = kind == CourierSprite && m_map->zoom() < m_compactZoom;
    frame.markers.reserve(int(m_markers.size()) + 2);
    for (int row = 0; row < int(m_markers.size()); ++row) {
        if (row == m_selectedRow)
            continue;
        const Marker &marker = m_markers[size_t(row)];
        if (!marker.valid || !marker.shown)
            continue;
        const QPointF at = m_map->unitToItem(positionOf(marker, frame.now));
        if (!frame.visible.contains(at))
            continue;
        if (compact) {
            frame.markers.append(placed(frame.sprite(CompactSprite, marker.color, -1), at));
            continue;
        }
        const int bucket = kind == CourierSprite ? headingBucket(headingOf(marker, frame.now)) : -1;
        frame.markers.append(placed(frame.sprite(kind, marker.color, bucket), at));
        if (allLabels && !marker.label.isEmpty() && frame.labelSpots.size() < m_maximumLabels)
            frame.labelSpots.append({marker.label, at});
    }
    // The selected marker last, over the others, with its halo and always its name.
    if (frame.selectedShown) {
        const Marker &marker = m_markers[size_t(m_selectedRow)];
        const QPointF at = m_map->unitToItem(positionOf(marker, frame.now));
        frame.markers.append(
            placed(frame.sprite(HaloSprite, m_selectionColor, -1), at + hitOffset()));
        const int bucket = kind == CourierSprite ? headingBucket(headingOf(marker, frame.now)) : -1;
        frame.markers.append(placed(frame.sprite(kind, marker.color, bucket), at));
        if (!marker.label.isEmpty())
            frame.labelSpots.append({marker.label, at});
    }
}

void MarkerLayer::addLabelDraws(PaintFrame &frame) const
{
    const double labelOffset = m_shape == Courier ? m_markerSize * 0.75 : m_markerSize * 0.6;
    for (const auto &[text, at] : std::as_const(frame.labelSpots)) {
        const Sprite label =
            frame.root->labels.label(frame.window, text, frame.style, frame.root->frame);
        const QPointF topLeft(at.x() + labelOffset,
                              at.y() + hitOffset().y() - label.size.height() / 2);
        frame.labels.append({label.texture, QRectF(topLeft, label.size)});
    }
}

} // namespace depot
