// The multipart/form-data reader of proof uploads (protocol/multipartform.h). Input: the
// Content-Type header's value, a newline, then the body. Checks that a boundary it finds is 1 to
// 70 characters, that reading the same body twice gives the same answer, and that every part of
// a body it takes lies inside the body, within the limits, with a name.
#include "fuzzcheck.h"

#include "protocol/multipartform.h"

#include <cstdint>

using namespace depot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype newline = input.indexOf('\n');
    if (newline < 0)
        return 0;
    const QByteArray boundary = MultipartForm::boundaryOf(QByteArrayView(input).first(newline));
    FUZZ_CHECK(boundary.isEmpty() || (boundary.size() >= 1 && boundary.size() <= 70));
    if (boundary.isEmpty())
        return 0;
    const QByteArrayView body = QByteArrayView(input).sliced(newline + 1);
    MultipartLimits limits; // small, so that the fuzzer reaches them
    limits.maxPartBytes = 64;
    limits.maxParts = 4;
    limits.maxHeaderBytes = 128;
    const MultipartForm form = MultipartForm::parse(body, boundary, limits);
    const MultipartForm again = MultipartForm::parse(body, boundary, limits);
    FUZZ_CHECK(form.error == again.error && form.parts.size() == again.parts.size());
    if (!form.ok()) {
        FUZZ_CHECK(!form.message.isEmpty());
        return 0;
    }
    FUZZ_CHECK(form.parts.size() <= size_t(limits.maxParts));
    for (const MultipartPart &part : form.parts) {
        FUZZ_CHECK(!part.name.isEmpty());
        FUZZ_CHECK(part.data.size() <= limits.maxPartBytes);
        FUZZ_CHECK(part.data.data() >= body.data() &&
                   part.data.data() + part.data.size() <= body.data() + body.size());
    }
    return 0;
}
