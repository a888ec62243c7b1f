#!/usr/bin/env bash
# Sets Depot and its test tools up, builds everything and runs every test; then builds the hub
# and its tests again without the epoll transport (DEPOT_EPOLL=OFF, Qt's QWebSocketServer carries
# every WebSocket, as on macOS and Windows) and runs that suite too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
(cd build && ctest --output-on-failure --timeout 600 -j 2)

# The console's tests do not depend on the transport and stay in the main build; so do the
# layer checks (-LE layers), which only compile.
cmake -S . -B build-noepoll -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEPOT_BUILD_TESTS=ON \
    -DDEPOT_BUILD_CONSOLE=OFF -DDEPOT_BUILD_BENCH=OFF -DDEPOT_EPOLL=OFF -DDEPOT_WERROR=ON >/dev/null
cmake --build build-noepoll -j "$(nproc 2>/dev/null || echo 2)"
cd build-noepoll
ctest --output-on-failure --timeout 600 -j 2 -LE layers
