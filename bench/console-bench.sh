#!/usr/bin/env bash
# The console under a fleet: depot-console-bench runs the real console window with its hub (on
# its own thread, as depot runs it) while 2,000 couriers drive through the hub at 1 Hz as
# Socket.IO clients from a process of their own, and prints the UI and hub threads' load, frame
# times and whether a backlog builds up.
#
# Where it draws: the display in $DISPLAY if there is one, else a virtual X server (xvfb-run:
# OpenGL through Mesa, in software on a machine without a GPU), else Qt's offscreen platform
# (the software scene graph).
#
# Sizes (environment): CONSOLE_BENCH_COURIERS=2000 CONSOLE_BENCH_RATE=1 CONSOLE_BENCH_WARMUP=10
#   CONSOLE_BENCH_DURATION=60 BENCH_BUILD_DIR=build. Arguments go to depot-console-bench
#   (--full-markers, --hub-on-gui-thread).
# Everything listens on 127.0.0.1 only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build}"
bench="$build/bench/console/depot-console-bench"
if [[ ! -x "$bench" ]]; then
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target depot-console-bench >/dev/null
fi

# The hub holds a socket per courier, and so does the fleet's process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

args=(--couriers "${CONSOLE_BENCH_COURIERS:-2000}" --rate "${CONSOLE_BENCH_RATE:-1}"
      --warmup "${CONSOLE_BENCH_WARMUP:-10}" --duration "${CONSOLE_BENCH_DURATION:-60}")
# The hub's info lines would bury the progress.
quiet() { grep -v '^info:' >&2 || true; }

if [[ -n "${DISPLAY:-}" ]]; then
    "$bench" "${args[@]}" "$@" 2> >(quiet)
elif command -v xvfb-run >/dev/null 2>&1; then
    xvfb-run -a -s "-screen 0 1920x1080x24" "$bench" "${args[@]}" "$@" 2> >(quiet)
else
    QT_QPA_PLATFORM=offscreen "$bench" "${args[@]}" "$@" 2> >(quiet)
fi
