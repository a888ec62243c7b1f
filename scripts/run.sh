#!/usr/bin/env bash
# Sets Depot up and starts it with the demo: the console where there is a display, else the
# headless hub. Extra arguments go to the program, e.g. scripts/run.sh --port 3001.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/src/depot ]; then
    exec build/src/depot --demo "$@"
fi
echo "No display: starting the headless hub (depot-hub --demo)."
exec build/server/depot-hub --demo "$@"
