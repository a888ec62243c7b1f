#pragma once

#include "core/result.h"
#include "core/types.h"
#include "transport/httpmessage.h"

namespace depot {

class DispatchService;
class ProofFiles;

/// Proofs of delivery over REST: PUT and GET /api/packages/{id}/proof, and their images under
/// /api/proofs/{id}/signature and /api/proofs/{id}/photos/{n}.
class ProofApi
{
public:
    struct Options
    {
        /// A file (signature or photo) over this is refused with 413.
        qint64 maxFileBytes = 5 * 1024 * 1024;
        /// Whether a package's tracker sees the photos (never their metadata).
        bool photosForTrackers = false;
    };

    ProofApi(DispatchService &dispatch, ProofFiles &files, Options options);

    /// The largest body a proof upload may have: the text fields, a signature and three photos
    /// at their limit, with the multipart framing.
    static qint64 maxBodyBytes(qint64 maxFileBytes);
    /// Whether `request` is a proof upload (which may have a body up to maxBodyBytes()).
    static bool isUpload(const HttpRequest &request);

    HttpResponse put(const Principal &caller, const QString &packageId, const HttpRequest &request);
    HttpResponse get(const Principal &caller, const QString &packageId);
    /// `kind` is "signature" or "photos" (then `number` counts from 1).
    HttpResponse image(const Principal &caller, const QString &proofId, const QString &kind,
                       const QString &number, const HttpRequest &request);

private:
    DispatchService &m_dispatch;
    ProofFiles &m_files;
    Options m_options;
};

} // namespace depot
