#!/usr/bin/env bash
# Runs the same loads against Depot's hub and the Node reference server, one after the other,
# and prints one table: figure | Depot | reference | Depot/reference, plus the machine.
#
# Sizes (environment; the defaults test every target of bench/README.md and take about 40
# minutes on a 2-core machine, most of it the two ten-minute holds):
#   BENCH_COURIERS=200 BENCH_DISPATCHERS=5 BENCH_PACKAGES=1 BENCH_DURATION=30 BENCH_RATE=1
#   BENCH_STEP_SECONDS=10 BENCH_STEP_FACTOR=1.25 BENCH_MAX_STEPS=26 (sustained-rate search)
#   BENCH_CONNECTIONS=10000 BENCH_HOLD=600 BENCH_SAMPLE=30         (capacity hold)
#   BENCH_BUILD_DIR=build   BENCH_ONLY=depot|reference (one server only)
# Everything listens on 127.0.0.1 only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build}"
couriers="${BENCH_COURIERS:-200}"
dispatchers="${BENCH_DISPATCHERS:-5}"
packages="${BENCH_PACKAGES:-1}"
duration="${BENCH_DURATION:-30}"
rate="${BENCH_RATE:-1}"
step_seconds="${BENCH_STEP_SECONDS:-10}"
step_factor="${BENCH_STEP_FACTOR:-1.25}"
max_steps="${BENCH_MAX_STEPS:-26}"
connections="${BENCH_CONNECTIONS:-10000}"
hold="${BENCH_HOLD:-600}"
sample="${BENCH_SAMPLE:-30}"
password="bench-$RANDOM-$RANDOM"

hub="$build/server/depot-hub"
loadgen="$build/bench/loadgen/depot-loadgen"
if [[ ! -x "$hub" || ! -x "$loadgen" ]]; then
    cmake -S "$root" -B "$build" >/dev/null
    make -C "$build" -j2 depot-hub depot-loadgen >/dev/null
fi
(cd "$root/bench/reference" && npm ci --silent --no-audit --no-fund >/dev/null)

# Both servers and the load generator hold thousands of sockets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# start_server NAME: starts it on a free port, sets server_pid and server_url.
start_server() {
    local name="$1" out="$work/$1.out"
    case "$name" in
    depot)
        mkdir -p "$work/depot-data"
        # One load generator on one address stands for thousands of phones: no per-address caps.
        "$hub" --host 127.0.0.1 --port 0 --data-dir "$work/depot-data" \
            --admin-password "$password" --osmand-port 0 --max-connections-per-address 0 \
            --max-unauthenticated-per-address 0 >"$out" 2>"$work/$name.err" &
        ;;
    reference)
        node "$root/bench/reference/server.mjs" --host 127.0.0.1 --port 0 \
            --admin-password "$password" >"$out" 2>"$work/$name.err" &
        ;;
    esac
    server_pid=$!
    local port=""
    for _ in $(seq 1 100); do
        port="$(grep -o 'listening on http://[^ ]*' "$out" 2>/dev/null | sed 's/.*://' || true)"
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || { echo "$name did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
    server_url="http://127.0.0.1:$port"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# bench NAME: a rush-hour run with the sustained-rate search, then a capacity run on a fresh
# server (so the rush hour's memory does not count against idle connections).
bench() {
    local name="$1"
    echo "== $name: rush hour ($couriers couriers x ${rate}/s, $dispatchers dispatchers, $((couriers * packages)) trackers, ${duration} s)" >&2
    start_server "$name"
    "$loadgen" --url "$server_url" --admin-password "$password" --server-pid "$server_pid" \
        --couriers "$couriers" --dispatchers "$dispatchers" --packages-per-courier "$packages" \
        --duration "$duration" --rate "$rate" --step --step-duration "$step_seconds" \
        --step-factor "$step_factor" --max-steps "$max_steps" >"$work/$name.rush.json"
    stop_server
    echo "== $name: capacity ($connections idle connections, held ${hold} s)" >&2
    start_server "$name"
    "$loadgen" --url "$server_url" --admin-password "$password" --server-pid "$server_pid" \
        --mode capacity --connections "$connections" --hold "$hold" --sample-every "$sample" \
        >"$work/$name.capacity.json"
    stop_server
}

only="${BENCH_ONLY:-}"
for name in depot reference; do
    if [[ -z "$only" || "$only" == "$name" ]]; then
        bench "$name"
    else
        echo '{}' >"$work/$name.rush.json"
        echo '{}' >"$work/$name.capacity.json"
    fi
done

qt_version="$(qtpaths6 --qt-query QT_VERSION 2>/dev/null || qtpaths --qt-query QT_VERSION 2>/dev/null || true)"

node - "$work" "$qt_version" "$root" <<'EOF'
const fs = require('fs');
const os = require('os');
const [work, qtVersion, root] = process.argv.slice(2);
const read = (f) => { try { return JSON.parse(fs.readFileSync(`${work}/${f}`, 'utf8').trim().split('\n').pop()); } catch { return {}; } };
const d = { rush: read('depot.rush.json'), cap: read('depot.capacity.json') };
const r = { rush: read('reference.rush.json'), cap: read('reference.capacity.json') };
// The load generator's CPU in the step that ended the search: near 100 means it set the pace.
for (const o of [d, r]) {
  if (o.rush.steps?.length) o.rush.lastStepLoadgenCpuPercent = o.rush.steps.at(-1).loadgenCpuPercent;
}
const get = (o, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
const rows = [
  ['accepted fixes/s (rush hour)', 'rush', 'acceptedFixesPerSec'],
  ['events delivered/s (rush hour)', 'rush', 'eventsPerSec'],
  ['fix->dispatcher p50 ms', 'rush', 'fixToDispatcherMs.p50'],
  ['fix->dispatcher p99 ms', 'rush', 'fixToDispatcherMs.p99'],
  ['fix->dispatcher max ms', 'rush', 'fixToDispatcherMs.max'],
  ['fixes delivered to dispatchers', 'rush', 'deliveredToDispatchers'],
  ['server CPU % (rush hour)', 'rush', 'serverCpuPercent'],
  ['server RSS MiB (after rush hour)', 'rush', 'serverRssMiB'],
  ['load generator CPU % (rush hour)', 'rush', 'loadgenCpuPercent'],
  ['sustained fixes/s at p99 < 50 ms', 'rush', 'sustainedFixesPerSec'],
  ['load generator CPU % (last step)', 'rush', 'lastStepLoadgenCpuPercent'],
  ['idle connections held', 'cap', 'held'],
  ['disconnects during the hold', 'cap', 'disconnects'],
  ['memory per idle connection KiB', 'cap', 'kibPerConnection'],
  ['server RSS MiB with idle conns', 'cap', 'serverRssAfterMiB'],
  ['RSS growth MiB during the hold', 'cap', 'rssGrowthMiB'],
];
const fmt = (v) => (v == null ? '-' : String(v));
const lines = [['figure', 'Depot', 'reference', 'Depot / reference']];
for (const [label, run, path] of rows) {
  let dv = get(d[run], path);
  let rv = get(r[run], path);
  if (path === 'sustainedFixesPerSec') {
    if (dv != null && d.rush.sustainedIsLowerBound) dv = `>= ${dv}`;
    if (rv != null && r.rush.sustainedIsLowerBound) rv = `>= ${rv}`;
  }
  const dn = parseFloat(String(dv).replace('>= ', ''));
  const rn = parseFloat(String(rv).replace('>= ', ''));
  const ratio = Number.isFinite(dn) && Number.isFinite(rn) && rn !== 0 ? (dn / rn).toFixed(2) : '-';
  lines.push([label, fmt(dv), fmt(rv), ratio]);
}
const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
const row = (l) => `| ${l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(row(lines[0]));
console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`);
for (const l of lines.slice(1)) console.log(row(l));
console.log();
const rush = d.rush.couriers ? d.rush : r.rush;
console.log(`Loads: ${rush.couriers} couriers x ${rush.ratePerCourier} fixes/s, ${rush.dispatchers} dispatchers, ` +
  `${rush.trackers} trackers, ${rush.seconds} s; sustained rate found by raising fixes/s per courier ` +
  `by x${process.env.BENCH_STEP_FACTOR || 1.25} every ${process.env.BENCH_STEP_SECONDS || 10} s; capacity: ${d.cap.connections ?? r.cap.connections} idle ` +
  `tracker connections held ${d.cap.holdSeconds ?? r.cap.holdSeconds} s.`);
console.log('Depot persists every fix and event to SQLite before acking; the reference keeps everything in memory.');
console.log('Load generator and server share the machine; its CPU use is in the table.');
for (const [name, o] of [['Depot', d], ['reference', r]]) {
  if (!o.rush.steps) continue;
  console.log(`${name} steps: ` + o.rush.steps.map((s) => `${s.acceptedFixesPerSec}/s p99 ${s.fixToDispatcherMs.p99} ms ` +
    `(server ${s.serverCpuPercent}%, load generator ${s.loadgenCpuPercent}% CPU)`).join('; '));
  console.log(`${name} search ended by: ${o.rush.sustainedLimitedBy} ` +
    '(server: it missed the target twice in a row; loadgen: the load generator set the pace; steps: no step left)');
}
const cpus = os.cpus();
console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
  `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, ` +
  `Qt ${qtVersion || 'unknown'}, Node ${process.version}, socket.io ${require(root + "/bench/reference/node_modules/socket.io/package.json").version}; ` +
  `load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
EOF
