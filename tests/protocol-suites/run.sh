#!/usr/bin/env bash
# Runs the public Engine.IO and Socket.IO protocol test suites against depot-protocol-fixture.
# Usage: tests/protocol-suites/run.sh ENGINEIO_TEST_SUITE_DIR SOCKETIO_TEST_SUITE_DIR
# Each directory is a suite's test-suite/ folder with its node_modules installed (npm ci).
# FIXTURE overrides the fixture binary (default: build/tests/fixture/depot-protocol-fixture).
# Exits non-zero if any test fails; see README.md for the one change made to a harness.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ "$#" -ne 2 ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
engineio_suite="$(cd "$1" && pwd)"
socketio_suite="$(cd "$2" && pwd)"
fixture="${FIXTURE:-$repo/build/tests/fixture/depot-protocol-fixture}"

for suite in "$engineio_suite" "$socketio_suite"; do
    if [ ! -f "$suite/test-suite.js" ] || [ ! -x "$suite/node_modules/.bin/mocha" ]; then
        echo "run.sh: $suite needs test-suite.js and its node_modules (run npm ci there)" >&2
        exit 2
    fi
done
if [ ! -x "$fixture" ]; then
    echo "run.sh: no fixture at $fixture (build the depot-protocol-fixture target)" >&2
    exit 2
fi
# The suites address http://localhost:3000 and nothing else.
if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
    echo "run.sh: something already listens on port 3000" >&2
    exit 2
fi

work="$(mktemp -d)"
fixture_pid=""
cleanup() {
    if [ -n "$fixture_pid" ]; then
        kill "$fixture_pid" 2>/dev/null || true
        wait "$fixture_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The Socket.IO suite runs from a copy whose waitFor() keeps frames that arrive in the same TCP
# read as the awaited one (socketio/socket.io-protocol#32); node_modules is shared, not copied.
patched="$work/socket.io-test-suite"
mkdir "$patched"
cp "$socketio_suite/test-suite.js" "$socketio_suite/package.json" "$patched/"
[ -f "$socketio_suite/node-imports.js" ] && cp "$socketio_suite/node-imports.js" "$patched/"
ln -s "$socketio_suite/node_modules" "$patched/node_modules"
sed -i "/^function waitFor(socket, eventType) {\$/r $here/buffered-waitfor.js" "$patched/test-suite.js"
if ! grep -q bufferedWaitFor "$patched/test-suite.js"; then
    echo "run.sh: the Socket.IO suite's waitFor() changed; the harness patch no longer applies" >&2
    exit 2
fi

# run_suite NAME MODE DIR: starts the fixture in MODE, runs the suite in DIR, stops the fixture.
status=0
summary=()
run_suite() {
    local name="$1" mode="$2" dir="$3" log="$work/$2.log" rc=0
    "$fixture" --mode "$mode" --port 3000 >"$work/fixture-$mode.log" 2>&1 &
    fixture_pid=$!
    for _ in $(seq 100); do
        grep -q '^listening' "$work/fixture-$mode.log" 2>/dev/null && break
        if ! kill -0 "$fixture_pid" 2>/dev/null; then
            cat "$work/fixture-$mode.log" >&2
            echo "run.sh: the fixture did not start in $mode mode" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "== $name protocol suite (fixture --mode $mode)"
    (cd "$dir" && node_modules/.bin/mocha --reporter spec test-suite.js) 2>&1 | tee "$log" || rc=$?
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
    fixture_pid=""
    local counts
    counts="$(grep -Eo '[0-9]+ (passing|failing|pending)' "$log" | paste -sd, - | sed 's/,/, /g')"
    summary+=("$name: ${counts:-no result} (mocha exit $rc)")
    [ "$rc" -eq 0 ] || status=1
}

run_suite Engine.IO engineio "$engineio_suite"
run_suite Socket.IO socketio "$patched"

echo
printf '%s\n' "${summary[@]}"
exit "$status"
