// Replays a fuzz target's inputs without libFuzzer: every file of the directories given (the seed
// corpus and the past crashes) goes once through LLVMFuzzerTestOneInput, which aborts on a broken
// invariant. A missing or empty corpus fails, so a replay never passes by reading nothing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s corpus-dir [more dirs...]\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    std::size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path dir(argv[i]);
        if (!fs::is_directory(dir)) {
            if (i == 1) {
                std::fprintf(stderr, "no corpus at %s\n", argv[i]);
                return 1;
            }
            continue; // no crash was ever kept for this target
        }
        std::vector<fs::path> files;
        for (const auto &entry : fs::directory_iterator(dir)) {
            if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path &file : files) {
            std::ifstream in(file, std::ios::binary);
            const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
            std::fprintf(stderr, "%s\n", file.c_str());
            LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
            ++replayed;
        }
        if (i == 1 && files.empty()) {
            std::fprintf(stderr, "the corpus at %s is empty\n", argv[i]);
            return 1;
        }
    }
    std::printf("replayed %zu inputs\n", replayed);
    return 0;
}
