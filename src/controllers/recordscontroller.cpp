#include "recordscontroller.h"

#include "api/reportsapi.h"
#include "dispatch/dayrecords.h"

#include <QDate>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <QVariantMap>

#include <cmath>
#include <memory>

namespace depot {

RecordsController::RecordsController(const DayRecords &records, QObject *hubContext,
                                     QObject *parent)
    : QObject(parent)
    , m_records(records)
    , m_hubContext(hubContext)
    , m_date(QDate::currentDate().toString(Qt::ISODate))
    , m_exportFolder(
          QUrl::fromLocalFile(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)))
{}

void RecordsController::setExportFolder(const QUrl &folder)
{
    if (folder == m_exportFolder)
        return;
    m_exportFolder = folder;
    Q_EMIT exportFolderChanged();
}

QUrl RecordsController::suggestedFile() const
{
    return QUrl::fromLocalFile(QDir(m_exportFolder.toLocalFile()).filePath(csvFileName()));
}

template <typename Work, typename Done> void RecordsController::onHub(Work work, Done done)
{
    if (!m_hubContext)
        return;
    ++m_pending;
    if (m_pending == 1)
        Q_EMIT loadingChanged();
    QMetaObject::invokeMethod(m_hubContext.data(),
                              [self = QPointer(this), work = std::move(work), done]() mutable {
                                  auto result = std::make_shared<decltype(work())>(work());
                                  if (!self)
                                      return;
                                  QMetaObject::invokeMethod(
                                      self.data(),
                                      [self, result, done]() mutable {
                                          if (!self)
                                              return;
                                          --self->m_pending;
                                          if (self->m_pending == 0)
                                              Q_EMIT self->loadingChanged();
                                          done(std::move(*result));
                                      },
                                      Qt::QueuedConnection);
                              });
}

void RecordsController::setDate(const QString &date)
{
    if (date == m_date)
        return;
    m_date = date;
    Q_EMIT dateChanged();
    refresh();
}

void RecordsController::stepDay(int days)
{
    const QDate day = QDate::fromString(m_date, Qt::ISODate);
    if (day.isValid())
        setDate(day.addDays(days).toString(Qt::ISODate));
}

void RecordsController::refresh()
{
    const auto range = reports::parseRange(m_date, m_date, false);
    const quint64 generation = ++m_generation;
    if (!range) {
        m_couriers.clear();
        Q_EMIT couriersChanged();
        return;
    }
    const DayRecords &records = m_records;
    onHub([&records, range = *range] { return records.couriers(range.from, range.to); },
          [this, generation](std::vector<CourierDay> days) {
              if (generation != m_generation)
                  return;
              QVariantList rows;
              for (const CourierDay &day : days) {
                  rows.append(QVariantMap{
                      {QStringLiteral("courierId"), day.courierId},
                      {QStringLiteral("name"), day.courierName},
                      {QStringLiteral("deliveries"), day.deliveries},
                      {QStringLiteral("failures"), day.failures},
                      {QStringLiteral("distanceMetres"), std::round(day.distanceMetres)},
                      {QStringLiteral("onRoadSeconds"), qint64(day.onRoadMs / 1000)},
                      {QStringLiteral("fixes"), day.fixes}});
              }
              m_couriers = rows;
              Q_EMIT couriersChanged();
          });
}

QString RecordsController::csvFileName() const
{
    const auto range = reports::parseRange(m_date, m_date, false);
    return range ? reports::deliveriesCsvFileName(*range) : QStringLiteral("deliveries.csv");
}

void RecordsController::exportCsv(const QUrl &file)
{
    const auto range = reports::parseRange(m_date, m_date, false);
    if (!range) {
        Q_EMIT exportFailed(tr("%1 is not a day: write it as YYYY-MM-DD.").arg(m_date));
        return;
    }
    if (!file.isLocalFile()) {
        Q_EMIT exportFailed(tr("The records can only be saved to a local file."));
        return;
    }
    const QString path = file.toLocalFile();
    const DayRecords &records = m_records;
    onHub([&records, range = *range] { return reports::deliveriesCsvFile(records, range); },
          [this, path](const QByteArray &bytes) {
              // The whole file or none: an interrupted save leaves what was there before.
              QSaveFile out(path);
              if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() ||
                  !out.commit()) {
                  Q_EMIT exportFailed(tr("Cannot save %1: %2").arg(path, out.errorString()));
                  return;
              }
              setExportFolder(QUrl::fromLocalFile(QFileInfo(path).absolutePath()));
              Q_EMIT exported(path);
          });
}

} // namespace depot
