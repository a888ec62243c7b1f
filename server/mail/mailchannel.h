#pragma once

#include "core/outbox.h"
#include "smtpclient.h"

#include <QObject>
#include <QTranslator>

#include <map>
#include <memory>

namespace depot {

class Clock;

/// The outbox channel "email": writes the customer's message of an entry that a MailProducer
/// made, in the entry's language, and hands it to the SMTP server. A refusal for good (5xx, an
/// entry that cannot be a message) is permanent; anything else (4xx, no connection, a timeout)
/// is worth another try.
class MailChannel : public QObject, public OutboxChannel
{
    Q_OBJECT

public:
    struct Options
    {
        SmtpClient::Options smtp;
        QString fromAddress; // the envelope sender and the From header
        QString fromName;    // the From header's display name; empty: none
        // Where the translations are: <folder>/depot_<language>.qm; the English texts need none.
        QString translationFolder = QStringLiteral(":/depot/mail-i18n");
    };

    MailChannel(Options options, const Clock &clock, QObject *parent = nullptr);
    ~MailChannel() override;

    QString name() const override { return QStringLiteral("email"); }
    void deliver(const OutboxEntry &entry,
                 std::function<void(const DeliveryOutcome &)> done) override;

    /// The message of `entry` as it goes out; nullopt with a reason when the entry cannot be one.
    std::optional<QByteArray> compose(const OutboxEntry &entry, QString *why = nullptr);

    /// `address` with its domain in ASCII (IDNA), as SMTP carries it.
    static QString asciiAddress(const QString &address);

private:
    const QTranslator *translatorFor(const QString &language);

    Options m_options;
    const Clock &m_clock;
    std::map<QString, std::unique_ptr<QTranslator>> m_translators; // null: none for it
};

} // namespace depot
