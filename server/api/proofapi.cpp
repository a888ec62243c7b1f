#include "proofapi.h"

#include "core/imagefile.h"
#include "core/proof.h"
#include "core/prooffiles.h"
#include "dispatch/dispatchservice.h"
#include "dispatch/fieldrules.h"
#include "errorbody.h"
#include "protocol/multipartform.h"

#include <QRegularExpression>

namespace depot {

namespace {

// The multipart framing and text fields of an upload, beyond its files.
constexpr qint64 kFormAllowance = 64 * 1024;

HttpResponse refused(ErrorCode code, const QString &message)
{
    return errorResponse(makeError(code, message));
}

} // namespace

ProofApi::ProofApi(DispatchService &dispatch, ProofFiles &files, Options options)
    : m_dispatch(dispatch)
    , m_files(files)
    , m_options(options)
{}

qint64 ProofApi::maxBodyBytes(qint64 maxFileBytes)
{
    return (1 + Proof::kMaxPhotos) * maxFileBytes + kFormAllowance;
}

bool ProofApi::isUpload(const HttpRequest &request)
{
    static const QRegularExpression path(QStringLiteral("^/api/packages/[^/]+/proof/?$"));
    return request.method == "PUT" && path.match(request.path).hasMatch();
}

HttpResponse ProofApi::put(const Principal &caller, const QString &packageId,
                           const HttpRequest &request)
{
    // Who asks is checked before the body is read.
    if (!caller.isCourier())
        return refused(ErrorCode::Forbidden,
                       QStringLiteral("only the package's courier may give its proof"));
    const Package *package = m_dispatch.findPackage(packageId);
    if (!package || package->deliveryPersonId != caller.userId)
        return refused(ErrorCode::NotFound, QStringLiteral("no such package"));

    const QByteArray boundary = MultipartForm::boundaryOf(request.header("content-type"));
    if (boundary.isEmpty())
        return refused(ErrorCode::BadRequest,
                       QStringLiteral("the body must be multipart/form-data with a boundary"));
    MultipartLimits limits;
    limits.maxPartBytes = m_options.maxFileBytes;
    const MultipartForm form = MultipartForm::parse(request.body, boundary, limits);
    if (form.error == MultipartForm::Error::PartTooLarge)
        return refused(
            ErrorCode::PayloadTooLarge,
            form.message +
                QStringLiteral("; a file may have at most %1 bytes").arg(m_options.maxFileBytes));
    if (!form.ok())
        return refused(ErrorCode::BadRequest, form.message);

    std::optional<QString> recipientName;
    std::optional<QString> note;
    std::optional<QByteArrayView> signature;
    std::vector<QByteArrayView> photos;
    for (const MultipartPart &part : form.parts) {
        const QString name = QString::fromUtf8(part.name);
        // A form's file input left empty still sends its part, without bytes: nothing given.
        if (part.isFile && part.data.isEmpty())
            continue;
        if (name == QLatin1String("recipientName") || name == QLatin1String("note")) {
            std::optional<QString> &field = name == QLatin1String("note") ? note : recipientName;
            if (field)
                return refused(ErrorCode::ValidationFailed,
                               QStringLiteral("%1 is given more than once").arg(name));
            field = QString::fromUtf8(part.data);
        } else if (name == QLatin1String("signature")) {
            if (signature)
                return refused(ErrorCode::ValidationFailed,
                               QStringLiteral("signature is given more than once"));
            signature = part.data;
        } else if (name == QLatin1String("photo")) {
            if (int(photos.size()) >= Proof::kMaxPhotos)
                return refused(ErrorCode::ValidationFailed,
                               QStringLiteral("at most %1 photos").arg(Proof::kMaxPhotos));
            photos.push_back(part.data);
        } else {
            return refused(ErrorCode::ValidationFailed,
                           QStringLiteral("unknown field %1; the fields are recipientName, "
                                          "signature, photo and note")
                               .arg(name.left(64)));
        }
    }

    Proof proof;
    proof.recipientName = recipientName.value_or(QString());
    if (const auto refusal =
            FieldRules::text(FieldRules::kRecipientName, proof.recipientName, true))
        return errorResponse(refusal->error());
    proof.note = note.value_or(QString());
    constexpr TextField kNote{QLatin1StringView("note"), FieldRules::kNotes.maxLength};
    if (const auto refusal = FieldRules::text(kNote, proof.note, false))
        return errorResponse(refusal->error());
    if (m_dispatch.proofPolicy() == ProofPolicy::Required && !signature && photos.empty())
        return refused(ErrorCode::ValidationFailed,
                       QStringLiteral("this depot requires a signature or a photo"));

    // Each file is what its bytes say, whatever its name or type claims; its stripped copy is
    // what trackers get.
    struct Checked
    {
        ImageType type;
        QByteArrayView bytes;
        QByteArray stripped;
    };
    auto check = [](QByteArrayView bytes, bool pngOnly, const QString &what,
                    Checked *out) -> std::optional<HttpResponse> {
        const auto type = imagefile::sniff(bytes);
        if (!type || (pngOnly && *type != ImageType::Png))
            return refused(ErrorCode::ValidationFailed,
                           pngOnly
                               ? QStringLiteral("%1 is not a PNG image").arg(what)
                               : QStringLiteral("%1 is not a JPEG, PNG or WebP image").arg(what));
        auto stripped = imagefile::withoutMetadata(bytes, *type);
        if (!stripped)
            return refused(ErrorCode::ValidationFailed,
                           QStringLiteral("%1 is not a well-formed %2 file")
                               .arg(what, imagefile::mimeType(*type)));
        *out = Checked{*type, bytes, std::move(*stripped)};
        return std::nullopt;
    };
    std::vector<Checked> files; // the signature first, when there is one
    if (signature) {
        Checked c;
        if (auto r = check(*signature, true, QStringLiteral("signature"), &c))
            return *r;
        files.push_back(std::move(c));
    }
    for (size_t i = 0; i < photos.size(); ++i) {
        Checked c;
        if (auto r = check(photos[i], false, QStringLiteral("photo %1").arg(i + 1), &c))
            return *r;
        files.push_back(std::move(c));
    }

    // On disk before the row that names them, and both before the answer.
    for (size_t i = 0; i < files.size(); ++i) {
        const Checked &c = files[i];
        const auto original = m_files.put(c.bytes);
        if (!original)
            return errorResponse(original.error());
        QString publicHash = *original;
        if (c.stripped.size() != c.bytes.size()) {
            const auto stripped = m_files.put(c.stripped);
            if (!stripped)
                return errorResponse(stripped.error());
            publicHash = *stripped;
        }
        ProofImage image{imagefile::mimeType(c.type), *original, publicHash, c.bytes.size()};
        if (signature && i == 0)
            proof.signature = image;
        else
            proof.photos.push_back(image);
    }
    const auto saved = m_dispatch.saveProof(caller, packageId, std::move(proof));
    if (!saved)
        return errorResponse(saved.error());
    return HttpResponse::json(201, saved->toJson(false, m_options.photosForTrackers));
}

HttpResponse ProofApi::get(const Principal &caller, const QString &packageId)
{
    const auto proof = m_dispatch.proof(caller, packageId);
    if (!proof)
        return errorResponse(proof.error());
    return HttpResponse::json(200, proof->toJson(caller.isTracker(), m_options.photosForTrackers));
}

HttpResponse ProofApi::image(const Principal &caller, const QString &proofId, const QString &kind,
                             const QString &number, const HttpRequest &request)
{
    const auto proof = m_dispatch.proofById(caller, proofId);
    if (!proof)
        return errorResponse(proof.error());
    const ProofImage *image = nullptr;
    if (kind == QLatin1String("signature") && number.isEmpty() && proof->signature) {
        image = &*proof->signature;
    } else if (kind == QLatin1String("photos") &&
               (!caller.isTracker() || m_options.photosForTrackers)) {
        bool ok = false;
        const int n = number.toInt(&ok);
        if (ok && n >= 1 && n <= int(proof->photos.size()))
            image = &proof->photos[size_t(n - 1)];
    }
    if (!image)
        return refused(ErrorCode::NotFound, QStringLiteral("no such image"));
    // Trackers get the copy without metadata: no place, no device.
    const auto bytes = m_files.get(caller.isTracker() ? image->publicSha256 : image->sha256);
    if (!bytes)
        return refused(ErrorCode::Internal, QStringLiteral("the image cannot be read"));
    HttpResponse response;
    response.status = 200;
    response.contentType = image->mimeType.toLatin1();
    response.body = *bytes;
    // The same URL always names the same bytes for one caller's role.
    response.withHeader("Cache-Control", "private, max-age=86400")
        .withHeader("X-Content-Type-Options", "nosniff");
    return response.forMethod(request.method);
}

} // namespace depot
