// The proof images' reader (core/imagefile.h): the type from the first bytes, and the copy
// without metadata that trackers get. Checks that a copy is never larger than the file, keeps
// its type, carries no metadata left to remove (stripping it again changes nothing), and that
// the same bytes give the same answers.
#include "fuzzcheck.h"

#include "core/imagefile.h"

#include <cstdint>

using namespace depot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto type = imagefile::sniff(bytes);
    FUZZ_CHECK(type == imagefile::sniff(bytes));
    if (!type)
        return 0;
    const auto stripped = imagefile::withoutMetadata(bytes, *type);
    const auto again = imagefile::withoutMetadata(bytes, *type);
    FUZZ_CHECK(stripped.has_value() == again.has_value());
    if (!stripped)
        return 0;
    FUZZ_CHECK(*stripped == *again);
    FUZZ_CHECK(stripped->size() <= bytes.size());
    FUZZ_CHECK(imagefile::sniff(*stripped) == type);
    const auto twice = imagefile::withoutMetadata(*stripped, *type);
    FUZZ_CHECK(twice && *twice == *stripped);
    return 0;
}
