#include "multipartform.h"

namespace depot {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && isSpace(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && isSpace(v.back()))
        v.chop(1);
    return v;
}

/// A header value's `token; name=value; name="quoted \" value"` parameters, in order; false
/// when a quoted string does not end.
struct Parameter
{
    QByteArray name; // lower case
    QByteArray value;
};

bool parseParameters(QByteArrayView text, QByteArray *type, std::vector<Parameter> *parameters)
{
    qsizetype at = text.indexOf(';');
    *type = trimmed(at < 0 ? text : text.first(at)).toByteArray().toLower();
    while (at >= 0 && at < text.size()) {
        ++at; // past ';'
        while (at < text.size() && isSpace(text[at]))
            ++at;
        const qsizetype equals = text.indexOf('=', at);
        const qsizetype semicolon = text.indexOf(';', at);
        if (equals < 0 || (semicolon >= 0 && semicolon < equals)) {
            // A parameter without a value: skipped.
            at = semicolon;
            continue;
        }
        Parameter p;
        p.name = trimmed(text.sliced(at, equals - at)).toByteArray().toLower();
        at = equals + 1;
        while (at < text.size() && isSpace(text[at]))
            ++at;
        if (at < text.size() && text[at] == '"') {
            ++at;
            bool closed = false;
            while (at < text.size()) {
                const char c = text[at++];
                if (c == '\\' && at < text.size()) {
                    p.value += text[at++];
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    p.value += c;
                }
            }
            if (!closed)
                return false;
            at = text.indexOf(';', at);
        } else {
            const qsizetype stop = text.indexOf(';', at);
            p.value = trimmed(text.sliced(at, (stop < 0 ? text.size() : stop) - at)).toByteArray();
            at = stop;
        }
        parameters->push_back(std::move(p));
    }
    return true;
}

MultipartForm failure(MultipartForm::Error error, QString message)
{
    MultipartForm form;
    form.error = error;
    form.message = std::move(message);
    return form;
}

MultipartForm malformed(const QString &why)
{
    return failure(MultipartForm::Error::Malformed,
                   QStringLiteral("the multipart/form-data body is malformed: ") + why);
}

} // namespace

QByteArray MultipartForm::boundaryOf(QByteArrayView contentType)
{
    QByteArray type;
    std::vector<Parameter> parameters;
    if (!parseParameters(contentType, &type, &parameters) || type != "multipart/form-data")
        return {};
    for (const Parameter &p : parameters) {
        if (p.name == "boundary") {
            if (p.value.isEmpty() || p.value.size() > 70 || p.value.contains('\r') ||
                p.value.contains('\n'))
                return {};
            return p.value;
        }
    }
    return {};
}

MultipartForm MultipartForm::parse(QByteArrayView body, QByteArrayView boundary,
                                   const MultipartLimits &limits)
{
    if (boundary.isEmpty())
        return malformed(QStringLiteral("no boundary"));
    const QByteArray delimiter = "--" + boundary.toByteArray();
    const QByteArray innerDelimiter = "\r\n" + delimiter;

    // The first delimiter opens the body, or ends a line of preamble.
    qsizetype at = 0;
    if (!body.startsWith(delimiter)) {
        const qsizetype found = body.indexOf(innerDelimiter);
        if (found < 0)
            return malformed(QStringLiteral("the boundary does not occur"));
        at = found + 2;
    }
    MultipartForm form;
    for (;;) {
        at += delimiter.size();
        if (body.sliced(at).startsWith("--"))
            return form; // the close delimiter; an epilogue may follow and is ignored
        while (at < body.size() && isSpace(body[at]))
            ++at; // transport padding
        if (!body.sliced(at).startsWith("\r\n"))
            return malformed(QStringLiteral("a boundary line does not end"));
        at += 2;
        if (int(form.parts.size()) >= limits.maxParts)
            return malformed(QStringLiteral("more than %1 parts").arg(limits.maxParts));

        // The part's headers, up to an empty line.
        MultipartPart part;
        bool disposed = false;
        for (;;) {
            const qsizetype lineEnd = body.indexOf("\r\n", at);
            if (lineEnd < 0)
                return malformed(QStringLiteral("a part's headers do not end"));
            if (lineEnd == at) {
                at += 2;
                break;
            }
            const QByteArrayView line = body.sliced(at, lineEnd - at);
            if (lineEnd - at > limits.maxHeaderBytes)
                return malformed(QStringLiteral("a part's header is too long"));
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                return malformed(QStringLiteral("a part's header has no name"));
            const QByteArray name = trimmed(line.first(colon)).toByteArray().toLower();
            const QByteArrayView value = trimmed(line.sliced(colon + 1));
            if (name == "content-disposition") {
                QByteArray type;
                std::vector<Parameter> parameters;
                if (!parseParameters(value, &type, &parameters))
                    return malformed(QStringLiteral("a quoted parameter does not end"));
                if (type != "form-data")
                    return malformed(QStringLiteral("a part is not form-data"));
                for (Parameter &p : parameters) {
                    if (p.name == "name") {
                        part.name = std::move(p.value);
                        disposed = true;
                    } else if (p.name == "filename") {
                        part.filename = std::move(p.value);
                        part.isFile = true;
                    }
                }
            } else if (name == "content-type") {
                part.contentType = value.toByteArray();
            }
            at = lineEnd + 2;
        }
        if (!disposed || part.name.isEmpty())
            return malformed(QStringLiteral("a part has no name"));

        const qsizetype end = body.indexOf(innerDelimiter, at);
        if (end < 0)
            return malformed(
                QStringLiteral("the part \"%1\" does not end").arg(QString::fromUtf8(part.name)));
        if (end - at > limits.maxPartBytes)
            return failure(Error::PartTooLarge, QStringLiteral("the part \"%1\" is over %2 bytes")
                                                    .arg(QString::fromUtf8(part.name))
                                                    .arg(limits.maxPartBytes));
        part.data = body.sliced(at, end - at);
        form.parts.push_back(std::move(part));
        at = end + 2;
    }
}

} // namespace depot
