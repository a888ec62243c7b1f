#!/usr/bin/env bash
# Installs what Depot needs on Debian 12 (only what is missing) and builds it into build/.
# Usage: scripts/setup.sh [--tests]   (--tests also installs what the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--tests" ] && with_tests=1

packages=(
    build-essential cmake pkg-config openssl
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-positioning-dev qt6-declarative-dev
    qt6-l10n-tools qt6-tools-dev libqt6sql6-sqlite libqt6sql6-psql libsqlite3-dev libqrencode-dev libssl-dev libargon2-dev
    libhiredis-dev libmsgpack-cxx-dev
    qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-window qml6-module-qtquick-shapes qml6-module-qtquick-templates
    qml6-module-qtqml-workerscript qml6-module-qtpositioning qml6-module-qttest
    qml6-module-qtquick-dialogs qml6-module-qt-labs-folderlistmodel
    qt6-translations-l10n
)
# Node.js with npm (the build installs the web pages' npm packages): Debian's packages unless a
# Node.js with npm is already there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "$with_tests" = 1 ]; then
    packages+=(python3 python3-socketio python3-requests python3-websocket python3-aiosmtpd xvfb xauth chromium curl)
    # A cluster's servers: HAProxy in front of several hubs (docs/cluster.md), redis-server and
    # PostgreSQL 15 (tests/e2e/cluster.mjs starts its own of each)
    packages+=(haproxy redis-server postgresql)
    # The day's records read back by independent readers: GPX by gpxpy and GPSBabel
    packages+=(python3-gpxpy gpsbabel)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The test build (CI) also makes every compiler warning an error.
options=(-DDEPOT_BUILD_TESTS=OFF -DDEPOT_WERROR=OFF)
[ "$with_tests" = 1 ] && options=(-DDEPOT_BUILD_TESTS=ON -DDEPOT_WERROR=ON)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${options[@]}" >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)"
