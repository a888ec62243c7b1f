#include "gpxwriter.h"

#include "core/clock.h"

#include <QXmlStreamWriter>

#include <cmath>

namespace depot {

namespace {

const QString kGpxNamespace = QStringLiteral("http://www.topografix.com/GPX/1/1");
const QString kTpxNamespace =
    QStringLiteral("http://www.garmin.com/xmlschemas/TrackPointExtension/v2");

/// `text` without the characters XML 1.0 cannot hold at all (most control characters).
QString xmlText(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u >= 0x20 || u == 0x09 || u == 0x0A || u == 0x0D) {
            if (u != 0xFFFE && u != 0xFFFF)
                out += c;
        }
    }
    return out;
}

QString number(double value, int decimals)
{
    return QString::number(value, 'f', decimals);
}

} // namespace

QByteArray gpxTrack(const QString &name, const std::vector<Location> &track, qint64 segmentGapMs)
{
    QByteArray bytes;
    QXmlStreamWriter xml(&bytes);
    xml.setAutoFormatting(true);
    xml.writeStartDocument();
    xml.writeDefaultNamespace(kGpxNamespace);
    xml.writeNamespace(kTpxNamespace, QStringLiteral("gpxtpx"));
    xml.writeNamespace(QStringLiteral("http://www.w3.org/2001/XMLSchema-instance"),
                       QStringLiteral("xsi"));
    xml.writeStartElement(kGpxNamespace, QStringLiteral("gpx"));
    xml.writeAttribute(QStringLiteral("version"), QStringLiteral("1.1"));
    xml.writeAttribute(QStringLiteral("creator"), QStringLiteral("Depot"));
    xml.writeAttribute(QStringLiteral("http://www.w3.org/2001/XMLSchema-instance"),
                       QStringLiteral("schemaLocation"),
                       kGpxNamespace +
                           QStringLiteral(" http://www.topografix.com/GPX/1/1/gpx.xsd ") +
                           kTpxNamespace +
                           QStringLiteral(" https://www8.garmin.com/xmlschemas/"
                                          "TrackPointExtensionv2.xsd"));
    xml.writeStartElement(kGpxNamespace, QStringLiteral("metadata"));
    xml.writeTextElement(kGpxNamespace, QStringLiteral("name"), xmlText(name));
    xml.writeEndElement();
    xml.writeStartElement(kGpxNamespace, QStringLiteral("trk"));
    xml.writeTextElement(kGpxNamespace, QStringLiteral("name"), xmlText(name));
    bool inSegment = false;
    for (size_t i = 0; i < track.size(); ++i) {
        const Location &fix = track[i];
        if (inSegment && track[i - 1].timestamp.msecsTo(fix.timestamp) > segmentGapMs) {
            xml.writeEndElement();
            inSegment = false;
        }
        if (!inSegment) {
            xml.writeStartElement(kGpxNamespace, QStringLiteral("trkseg"));
            inSegment = true;
        }
        xml.writeStartElement(kGpxNamespace, QStringLiteral("trkpt"));
        xml.writeAttribute(QStringLiteral("lat"), number(fix.latitude, 7));
        xml.writeAttribute(QStringLiteral("lon"), number(fix.longitude, 7));
        xml.writeTextElement(kGpxNamespace, QStringLiteral("time"), isoTimestamp(fix.timestamp));
        const bool speed = fix.speed && std::isfinite(*fix.speed) && *fix.speed >= 0;
        const bool course =
            fix.heading && std::isfinite(*fix.heading) && *fix.heading >= 0 && *fix.heading < 360;
        if (speed || course) {
            xml.writeStartElement(kGpxNamespace, QStringLiteral("extensions"));
            xml.writeStartElement(kTpxNamespace, QStringLiteral("TrackPointExtension"));
            // The schema's order: speed before course.
            if (speed)
                xml.writeTextElement(kTpxNamespace, QStringLiteral("speed"), number(*fix.speed, 2));
            if (course)
                xml.writeTextElement(kTpxNamespace, QStringLiteral("course"),
                                     number(*fix.heading, 1));
            xml.writeEndElement();
            xml.writeEndElement();
        }
        xml.writeEndElement();
    }
    if (inSegment)
        xml.writeEndElement();
    xml.writeEndElement(); // trk
    xml.writeEndElement(); // gpx
    xml.writeEndDocument();
    return bytes;
}

} // namespace depot
