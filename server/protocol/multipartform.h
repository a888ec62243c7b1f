#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <vector>

namespace depot {

/// One part of a multipart/form-data body (RFC 7578). `data` points into the parsed body, which
/// must outlive the part.
struct MultipartPart
{
    QByteArray name;        // of Content-Disposition: form-data; name="..."
    QByteArray filename;    // empty when the part is not a file or the file has no name
    bool isFile = false;    // a filename parameter was given (even an empty one)
    QByteArray contentType; // as the client said; never trusted for what a file is
    QByteArrayView data;
};

/// Bounds of one body: a part larger than maxPartBytes is refused as too large, anything past
/// the other bounds as malformed.
struct MultipartLimits
{
    qsizetype maxPartBytes = 5 * 1024 * 1024;
    int maxParts = 16;
    qsizetype maxHeaderBytes = 8 * 1024; // of one part's headers
};

/// A parsed multipart/form-data body, or why it could not be parsed. Pure: bytes in, views out.
struct MultipartForm
{
    enum class Error { None, Malformed, PartTooLarge };

    std::vector<MultipartPart> parts;
    Error error = Error::None;
    QString message; // for a person, when error is set

    bool ok() const { return error == Error::None; }

    /// The boundary of a Content-Type of multipart/form-data (quoted or not); empty when the
    /// type is another or the boundary is missing or not 1 to 70 characters long.
    static QByteArray boundaryOf(QByteArrayView contentType);
    static MultipartForm parse(QByteArrayView body, QByteArrayView boundary,
                               const MultipartLimits &limits = {});
};

} // namespace depot
