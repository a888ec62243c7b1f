#pragma once

#include "core/outbox.h"

namespace depot {

/// Writes to a package's customer when it has a recipientEmail: one "email" entry when the
/// package goes out for delivery (IN_PROGRESS), is delivered (COMPLETED) or fails (FAILED).
class MailProducer : public OutboxProducer
{
public:
    struct Options
    {
        QString defaultLanguage = QStringLiteral("en"); // for packages that name none
        // The hub's address as customers reach it: the tracking link is <base>/track/<code>;
        // empty: the messages have no link.
        QString publicUrl;
    };

    explicit MailProducer(Options options);

    void entriesFor(const Package *before, const Package &after,
                    const std::vector<PackageEvent> &events,
                    std::vector<OutboxEntry> &out) override;

    /// The tracking page of `package` under `publicUrl`, or empty without one.
    static QString trackingUrl(const QString &publicUrl, const Package &package);

private:
    Options m_options;
};

} // namespace depot
