#pragma once

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace depot {

class DayRecords;

/// Backs the console's day's records: each courier's deliveries, failures, distance and time on
/// the road on one day, and the day's deliveries saved as the CSV file REST gives. The records
/// are read on the hub's thread (`hubContext` lives there) and the answers come back queued, so
/// the window never waits for the store.
class RecordsController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by the console")
    /// The day shown, YYYY-MM-DD in the hub's local time; today at first.
    Q_PROPERTY(QString date READ date WRITE setDate NOTIFY dateChanged)
    /// One map per courier: courierId, name, deliveries, failures, distanceMetres,
    /// onRoadSeconds, fixes.
    Q_PROPERTY(QVariantList couriers READ couriers NOTIFY couriersChanged)
    Q_PROPERTY(bool loading READ loading NOTIFY loadingChanged)
    /// Where "Export..." opens: the user's documents folder at first, then the last one saved to.
    Q_PROPERTY(QUrl exportFolder READ exportFolder WRITE setExportFolder NOTIFY exportFolderChanged)

public:
    RecordsController(const DayRecords &records, QObject *hubContext, QObject *parent = nullptr);

    QString date() const { return m_date; }
    void setDate(const QString &date);
    QVariantList couriers() const { return m_couriers; }
    bool loading() const { return m_pending > 0; }
    QUrl exportFolder() const { return m_exportFolder; }
    void setExportFolder(const QUrl &folder);

    /// Reads the day's couriers again.
    Q_INVOKABLE void refresh();
    /// Moves the day by `days` (e.g. -1 for the day before).
    Q_INVOKABLE void stepDay(int days);
    /// The name the day's CSV file is offered under.
    Q_INVOKABLE QString csvFileName() const;
    /// The file "Export..." offers: csvFileName() in exportFolder.
    Q_INVOKABLE QUrl suggestedFile() const;
    /// Writes the day's deliveries as CSV to `file` (a local file URL); then exported or
    /// exportFailed.
    Q_INVOKABLE void exportCsv(const QUrl &file);

Q_SIGNALS:
    void dateChanged();
    void couriersChanged();
    void loadingChanged();
    void exportFolderChanged();
    void exported(const QString &path);
    void exportFailed(const QString &message);

private:
    /// Runs `work` on the hub's thread and `done` with its result back here, unless this
    /// controller is gone by then.
    template <typename Work, typename Done> void onHub(Work work, Done done);

    const DayRecords &m_records;
    QPointer<QObject> m_hubContext;
    QString m_date;
    QVariantList m_couriers;
    QUrl m_exportFolder;
    int m_pending = 0;
    quint64 m_generation = 0; // drops an answer for a day no longer shown
};

} // namespace depot
