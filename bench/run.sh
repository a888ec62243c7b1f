#!/usr/bin/env bash
# Runs the same loads against Depot's hub and the Node reference server, one after the other,
# and prints one table: figure | Depot | reference | Depot/reference, plus the machine.
#
# Sizes (environment; the defaults test every target of bench/README.md and take about 60
# minutes on a 2-core machine, most of it the two ten-minute holds):
#   BENCH_COURIERS=200 BENCH_DISPATCHERS=5 BENCH_PACKAGES=1 BENCH_DURATION=30 BENCH_RATE=1
#   BENCH_STEP_SECONDS=10 BENCH_STEP_FACTOR=1.25 BENCH_MAX_STEPS=26 (sustained-rate search)
#   BENCH_CONNECTIONS=10000 BENCH_HOLD=600 BENCH_SAMPLE=30         (capacity hold)
#   BENCH_BUILD_DIR=build   BENCH_ONLY=depot|reference (one server only)
#   BENCH_PARTS="single cluster"  (single: one server each, the table above; cluster: two Depot
#                                  hubs on PostgreSQL + Redis against two reference servers on
#                                  Redis's streams adapter, couriers on one, dispatchers on the
#                                  other; rush hour and sustained-rate search only)
#   BENCH_PG_FSYNC=on             (the cluster's PostgreSQL; off measures without the disk)
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

parts="${BENCH_PARTS:-single cluster}"
pg_fsync="${BENCH_PG_FSYNC:-on}"

work="$(mktemp -d)"
chmod 755 "$work" # PostgreSQL's folder lives inside and runs as postgres
server_pid=""
background_pids=() # the cluster's servers and hubs
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
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
    server_url="http://127.0.0.1:$(wait_for_port "$name" "$out" "$work/$name.err")"
}

# wait_for_port NAME OUT ERR: prints the port a server announced on OUT ("listening on ...").
wait_for_port() {
    local port=""
    for _ in $(seq 1 300); do
        port="$(grep -o 'listening on http://[^ ]*' "$2" 2>/dev/null | head -1 | sed 's/.*://' || true)"
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || { echo "$1 did not start:" >&2; cat "$3" >&2; exit 1; }
    echo "$port"
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
    if [[ " $parts " == *" single "* && ( -z "$only" || "$only" == "$name" ) ]]; then
        bench "$name"
    else
        echo '{}' >"$work/$name.rush.json"
        echo '{}' >"$work/$name.capacity.json"
    fi
done

# ---- cluster: two servers on shared Redis (and PostgreSQL for Depot) ------------------------

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_redis: a fresh redis-server without persistence; sets redis_port.
start_redis() {
    local dir="$work/redis-$1"
    mkdir -p "$dir"
    redis_port="$(free_port)"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
        --daemonize no >"$dir/out" 2>&1 &
    background_pids+=($!)
    for _ in $(seq 1 100); do
        redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return
        sleep 0.1
    done
    echo "redis-server did not start:" >&2; cat "$dir/out" >&2; exit 1
}

# start_postgres: a fresh PostgreSQL 15 cluster (as the postgres user); sets pg_url and pg_port.
pg_bin=/usr/lib/postgresql/15/bin
start_postgres() {
    local dir="$work/postgres"
    mkdir -p "$dir/run"
    chown -R postgres:postgres "$dir"
    echo "bench-pg" >"$dir/pwfile" && chown postgres "$dir/pwfile"
    runuser -u postgres -- "$pg_bin/initdb" -D "$dir/data" -U depot --pwfile="$dir/pwfile" \
        -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.out" 2>&1
    pg_port="$(free_port)"
    runuser -u postgres -- "$pg_bin/postgres" -D "$dir/data" -p "$pg_port" \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir/run" -c fsync="$pg_fsync" \
        >"$dir/out" 2>&1 &
    background_pids+=($!)
    for _ in $(seq 1 300); do
        grep -q "ready to accept connections" "$dir/out" && break
        sleep 0.1
    done
    runuser -u postgres -- "$pg_bin/createdb" -h "$dir/run" -p "$pg_port" -U depot -O depot depot
    pg_url="postgres://depot:bench-pg@127.0.0.1:$pg_port/depot"
}

psql_value() {
    runuser -u postgres -- "$pg_bin/psql" -h "$work/postgres/run" -p "$pg_port" -U depot -d depot \
        -At -c "$1"
}

# counters FILE: what Redis (and PostgreSQL, when it runs) have done so far, as JSON.
counters() {
    local info
    info="$(redis-cli -p "$redis_port" info stats | tr -d '\r')"
    local field
    field() { echo "$info" | grep "^$1:" | cut -d: -f2; }
    local pg='null'
    if [[ -n "${pg_port:-}" ]]; then
        pg="$(psql_value "select json_build_object('wal', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0'),
            'commits', sum(xact_commit), 'rows', sum(tup_inserted + tup_updated + tup_deleted))
            from pg_stat_database")"
    fi
    printf '{"redisCommands":%s,"redisInBytes":%s,"redisOutBytes":%s,"postgres":%s}\n' \
        "$(field total_commands_processed)" "$(field total_net_input_bytes)" \
        "$(field total_net_output_bytes)" "$pg" >"$1"
}

# cluster NAME: two servers on one Redis (Depot: and one PostgreSQL), couriers and trackers on
# the first, dispatchers on the second; the rush hour and the sustained-rate search.
cluster() {
    local name="$1" ports=() pids=()
    start_redis "$name"
    pg_port=""
    [[ "$name" == depot ]] && start_postgres
    for i in 1 2; do
        local out="$work/cluster-$name-$i.out" err="$work/cluster-$name-$i.err"
        case "$name" in
        depot)
            mkdir -p "$work/cluster-data-$i"
            "$hub" --host 127.0.0.1 --port 0 --data-dir "$work/cluster-data-$i" \
                --database "$pg_url" --redis "redis://127.0.0.1:$redis_port" \
                --admin-password "$password" --osmand-port 0 --max-connections-per-address 0 \
                --max-unauthenticated-per-address 0 >"$out" 2>"$err" &
            ;;
        reference)
            node "$root/bench/reference/server.mjs" --host 127.0.0.1 --port 0 \
                --redis "redis://127.0.0.1:$redis_port" --admin-password "$password" \
                >"$out" 2>"$err" &
            ;;
        esac
        pids+=($!)
        background_pids+=($!)
        ports+=("$(wait_for_port "$name hub $i" "$out" "$err")")
    done
    echo "== $name cluster: rush hour on two servers ($couriers couriers on one, $dispatchers dispatchers on the other, ${duration} s)" >&2
    counters "$work/cluster-$name.before.json"
    "$loadgen" --url "http://127.0.0.1:${ports[0]}" --dispatcher-url "http://127.0.0.1:${ports[1]}" \
        --admin-password "$password" --server-pid "${pids[0]},${pids[1]}" \
        --couriers "$couriers" --dispatchers "$dispatchers" --packages-per-courier "$packages" \
        --duration "$duration" --rate "$rate" --step --step-duration "$step_seconds" \
        --step-factor "$step_factor" --max-steps "$max_steps" >"$work/cluster-$name.rush.json"
    # Stopped first, so PostgreSQL's statistics hold every hub connection's last counts.
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    counters "$work/cluster-$name.after.json"
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    if [[ -n "$pg_port" ]]; then
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/postgres/data" -m fast stop >/dev/null
        rm -rf "$work/postgres"
    fi
}

for name in depot reference; do
    if [[ " $parts " == *" cluster "* && ( -z "$only" || "$only" == "$name" ) ]]; then
        cluster "$name"
    else
        echo '{}' >"$work/cluster-$name.rush.json"
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
// One table: figure | Depot | reference | ratio, for rows of [label, run, path] over d and r.
function table(rows, d, r) {
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
}
const printSteps = (name, o) => {
  if (!o.rush.steps) return;
  console.log(`${name} steps: ` + o.rush.steps.map((s) => `${s.acceptedFixesPerSec}/s p99 ${s.fixToDispatcherMs.p99} ms ` +
    `(server ${s.serverCpuPercent}%, load generator ${s.loadgenCpuPercent}% CPU)`).join('; '));
  console.log(`${name} search ended by: ${o.rush.sustainedLimitedBy} ` +
    '(server: it missed the target twice in a row; loadgen: the load generator set the pace; steps: no step left)');
};
const single = Boolean(d.rush.couriers || r.rush.couriers || d.cap.held != null || r.cap.held != null);
if (single) table(rows, d, r);
const rush = d.rush.couriers ? d.rush : r.rush;
if (single) {
console.log(`Loads: ${rush.couriers} couriers x ${rush.ratePerCourier} fixes/s, ${rush.dispatchers} dispatchers, ` +
  `${rush.trackers} trackers, ${rush.seconds} s; sustained rate found by raising fixes/s per courier ` +
  `by x${process.env.BENCH_STEP_FACTOR || 1.25} every ${process.env.BENCH_STEP_SECONDS || 10} s; capacity: ${d.cap.connections ?? r.cap.connections} idle ` +
  `tracker connections held ${d.cap.holdSeconds ?? r.cap.holdSeconds} s.`);
console.log('Depot persists every fix and event to SQLite before acking; the reference keeps everything in memory.');
console.log('Load generator and server share the machine; its CPU use is in the table.');
printSteps('Depot', d);
printSteps('reference', r);
}

// The cluster: two servers each, per-fix traffic to Redis and PostgreSQL from counters taken
// before the load generator started and after the servers stopped.
const traffic = (name) => {
  const rush = read(`cluster-${name}.rush.json`);
  const before = read(`cluster-${name}.before.json`);
  const after = read(`cluster-${name}.after.json`);
  const fixes = rush.acceptedFixesTotal;
  const per = (a, b) => (fixes > 0 && a != null && b != null ? Math.round(((a - b) / fixes) * 100) / 100 : undefined);
  rush.perFix = {
    redisCommands: per(after.redisCommands, before.redisCommands),
    redisBytes: per((after.redisInBytes ?? 0) + (after.redisOutBytes ?? 0),
                    (before.redisInBytes ?? 0) + (before.redisOutBytes ?? 0)),
    pgCommits: per(after.postgres?.commits, before.postgres?.commits),
    pgRows: per(after.postgres?.rows, before.postgres?.rows),
    pgWalBytes: per(after.postgres?.wal, before.postgres?.wal),
  };
  if (rush.steps?.length) rush.lastStepLoadgenCpuPercent = rush.steps.at(-1).loadgenCpuPercent;
  return { rush };
};
const cd = traffic('depot');
const cr = traffic('reference');
if (cd.rush.couriers || cr.rush.couriers) {
  console.log('Cluster: two servers on one Redis (Depot: and one PostgreSQL); couriers and trackers ' +
    'on the first, dispatchers on the second, so every fix crosses Redis to reach them.');
  console.log();
  table([
    ['accepted fixes/s (rush hour)', 'rush', 'acceptedFixesPerSec'],
    ['fix->other-hub dispatcher p50 ms', 'rush', 'fixToDispatcherMs.p50'],
    ['fix->other-hub dispatcher p99 ms', 'rush', 'fixToDispatcherMs.p99'],
    ['fixes delivered to dispatchers', 'rush', 'deliveredToDispatchers'],
    ['both servers CPU % (rush hour)', 'rush', 'serverCpuPercent'],
    ['both servers RSS MiB (after rush)', 'rush', 'serverRssMiB'],
    ['sustained fixes/s at p99 < 50 ms', 'rush', 'sustainedFixesPerSec'],
    ['load generator CPU % (last step)', 'rush', 'lastStepLoadgenCpuPercent'],
    ['Redis commands per fix', 'rush', 'perFix.redisCommands'],
    ['Redis bytes in+out per fix', 'rush', 'perFix.redisBytes'],
    ['PostgreSQL transactions per fix', 'rush', 'perFix.pgCommits'],
    ['PostgreSQL rows written per fix', 'rush', 'perFix.pgRows'],
    ['PostgreSQL WAL bytes per fix', 'rush', 'perFix.pgWalBytes'],
  ], cd, cr);
  console.log(`Cluster PostgreSQL fsync=${process.env.BENCH_PG_FSYNC || 'on'}; per-fix traffic counts the ` +
    'whole run (setup, rush hour and search) over every accepted fix; the reference keeps no database.');
  printSteps('Depot cluster', cd);
  printSteps('reference cluster', cr);
}
const cpus = os.cpus();
console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
  `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, ` +
  `Qt ${qtVersion || 'unknown'}, Node ${process.version}, socket.io ${require(root + "/bench/reference/node_modules/socket.io/package.json").version}; ` +
  `load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
EOF
