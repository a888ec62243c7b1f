#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan and UBSan, in build-fuzz/) and runs each in turn
# over a copy of its seed corpus for the given seconds (default 60), under nice, then prints one
# line per target: executions per second, corpus size before and after, crashes found.
#
#   bench/fuzz/run.sh [seconds]      (0: build only)
#
# Environment: FUZZ_TARGETS="websocket engineio ..." (a subset), FUZZ_BUILD_DIR=build-fuzz,
# FUZZ_JOBS=2 (build jobs). A crash, leak or timeout is kept in $FUZZ_BUILD_DIR/artifacts/<name>/;
# copy it into bench/fuzz/crashes/<name>/ once it is fixed, so the test build replays it forever.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-60}"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets="${FUZZ_TARGETS:-websocket engineio socketio jsonscalars fixparsers requesthead osmand tilepath multipartform imagefile}"
fuzz="$root/bench/fuzz"

if ! command -v clang++ >/dev/null; then
    echo "bench/fuzz/run.sh needs clang and its fuzzer runtime:" >&2
    echo "    sudo apt-get install clang libclang-rt-14-dev" >&2
    exit 2
fi
mkdir -p "$build"
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DDEPOT_BUILD_FUZZERS=ON -DDEPOT_BUILD_TESTS=OFF -DDEPOT_BUILD_CONSOLE=OFF \
    -DDEPOT_BUILD_BENCH=OFF "${launcher[@]}" >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log"; exit 1; }
build_targets=()
for t in $targets; do
    build_targets+=(--target "fuzz_$t")
done
nice cmake --build "$build" -j"${FUZZ_JOBS:-2}" "${build_targets[@]}"
if [[ "$seconds" == 0 ]]; then
    exit 0 # libFuzzer reads -max_total_time=0 as "no limit"
fi

summary=()
for t in $targets; do
    work="$build/work/$t"
    artifacts="$build/artifacts/$t"
    rm -rf "$work"
    mkdir -p "$work" "$artifacts"
    cp "$fuzz/corpus/$t/"* "$work/"
    seeds=$(find "$work" -type f | wc -l)
    dict=()
    if [[ -f "$fuzz/dict/$t.dict" ]]; then
        dict=(-dict="$fuzz/dict/$t.dict")
    fi
    before=$(find "$artifacts" -type f | wc -l)
    echo "== fuzz_$t: ${seconds}s over $seeds seeds"
    log="$build/fuzz_$t.log"
    # A crash ends the run early; its input is kept in $artifacts.
    nice "$build/bench/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "${dict[@]}" "$work" \
        >"$log" 2>&1 || true
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*invariant broken)" "$log" | head -5 || true
    execs=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -1)
    files=$(find "$work" -type f | wc -l)
    bytes=$(du -sb "$work" | cut -f1)
    crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
    summary+=("$(printf '%-12s %10s %12s %6s -> %-6s %9s %7s' "$t" "${execs:-?}" "${runs:-?}" \
        "$seeds" "$files" "$bytes" "$crashes")")
done

echo
printf '%-12s %10s %12s %16s %9s %7s\n' target execs/s runs "corpus (files)" bytes crashes
printf '%s\n' "${summary[@]}"
echo "logs: $build/fuzz_<target>.log; crashes: $build/artifacts/<target>/"
