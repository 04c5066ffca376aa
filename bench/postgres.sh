#!/usr/bin/env bash
# `make bench-postgres`: the store on PostgreSQL beside SQLite, in one run (docs/BENCHMARKS.md, issue 17).
#
# Starts a throw-away PostgreSQL on loopback (scripts/test-postgres.sh: initdb defaults, so fsync and
# synchronous_commit on), then for ROUNDS rounds, alternating SQLite and PostgreSQL:
#   store     securechat-bench store -k 20000 --writers 200 --batch 4   (the store alone, in the bench's process)
#   offline   securechat-bench offline -k 10000 against a fresh server  (sessions, TLS, the group commit)
# with PostgreSQL's own CPU (the postmaster and every backend, reaped or alive) beside the server's, and pgbench on
# the same server as the reference for what the database does with one commit per transaction.
#
# With POSTGRES_CPU=N, PostgreSQL (the postmaster and every backend) runs on CPU N alone and the server and the
# load generator on the other CPUs, as if the database had a machine of its own (the server's CPU then stops paying
# for its store's work on PostgreSQL, and SQLite's work stays on the server's CPUs).
#
#   ROUNDS=3 bench/postgres.sh        BENCH_BIN_DIR / BENCH_KEEP as for bench/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source bench/common.sh
make_certs
ROUNDS="${ROUNDS:-3}"

# Not under $WORK (mode 700): as root the server runs as the postgres user, who must reach its directory.
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/securechat-bench-pg.XXXXXX")"
PG_URL="$(bash scripts/test-postgres.sh start "$PG_DIR")"
stop_postgres() { bash scripts/test-postgres.sh stop "$PG_DIR" >/dev/null 2>&1 || true; }
trap 'stop_server; stop_postgres; cleanup' EXIT
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[[ -x "$PG_BIN/psql" ]] || PG_BIN="$(dirname "$(readlink -f "$(command -v psql)")")"
PSQL="$PG_BIN/psql"
POSTMASTER="$(head -n 1 "$PG_DIR/data/postmaster.pid")"

# The CPUs the server and the generator run on: all but POSTGRES_CPU when it is set. Backends started later inherit
# the postmaster's affinity; the ones alive already are pinned too.
SERVER_CPUS=""
if [[ -n "${POSTGRES_CPU:-}" ]]; then
    SERVER_CPUS="$(seq 0 $(($(nproc --all) - 1)) | grep -vx "$POSTGRES_CPU" | paste -sd, -)"
    [[ -n "$SERVER_CPUS" ]] || { say "POSTGRES_CPU=$POSTGRES_CPU leaves no CPU for the server"; exit 2; }
    for pid in "$POSTMASTER" $(pgrep -P "$POSTMASTER"); do taskset -a -p -c "$POSTGRES_CPU" "$pid" >/dev/null; done
    taskset -p -c "$SERVER_CPUS" $$ >/dev/null
    say "PostgreSQL on CPU $POSTGRES_CPU, the server and the generator on CPU $SERVER_CPUS"
fi
say "PostgreSQL $("$PSQL" -X -A -t -d "$PG_URL" -c 'SHOW server_version') on ${PG_URL##*@} (postmaster $POSTMASTER)"
say "fsync=$("$PSQL" -X -A -t -d "$PG_URL" -c 'SHOW fsync') synchronous_commit=$("$PSQL" -X -A -t -d "$PG_URL" -c 'SHOW synchronous_commit')"

# PostgreSQL's CPU so far, in clock ticks: the postmaster, its live children, and the children it has reaped.
postgres_ticks() {
    local total=0 pid fields
    for pid in "$POSTMASTER" $(pgrep -P "$POSTMASTER"); do
        fields=($(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)) || continue
        total=$((total + fields[11] + fields[12]))
        if [[ "$pid" == "$POSTMASTER" ]]; then total=$((total + fields[13] + fields[14])); fi
    done
    echo "$total"
}

new_database() {
    "$PSQL" -X -q -d "$PG_URL" -c "CREATE DATABASE $1"
    echo "${PG_URL%/*}/$1"
}

# postgres_cpu_per_message TICKS_BEFORE MESSAGES: PostgreSQL's CPU per message since TICKS_BEFORE.
postgres_cpu_per_message() {
    local before="$1" messages="$2" after
    sleep 1 # let the backends of the run exit and be reaped
    after="$(postgres_ticks)"
    awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$messages" \
        'BEGIN { printf "  PostgreSQL CPU per message                %.1f µs\n", t / hz * 1e6 / n }'
}

for round in $(seq 1 "$ROUNDS"); do
    say "round $round: store on SQLite"
    "$BENCH" store -k 20000 --writers 200 --batch 4 --label "store-sqlite-$round" \
        --json "$WORK/results/store-sqlite-$round.json"
    say "round $round: store on PostgreSQL"
    url="$(new_database "store_$round")"
    before="$(postgres_ticks)"
    "$BENCH" store -k 20000 --writers 200 --batch 4 --database "$url" --label "store-postgres-$round" \
        --json "$WORK/results/store-postgres-$round.json"
    postgres_cpu_per_message "$before" 20000

    DATABASE="" start_server "offline-sqlite-$round" 2
    run "offline-sqlite-$round" offline -k 10000
    stop_server
    url="$(new_database "offline_$round")"
    before="$(postgres_ticks)"
    DATABASE="$url" start_server "offline-postgres-$round" 2
    run "offline-postgres-$round" offline -k 10000
    stop_server
    postgres_cpu_per_message "$before" 10000
done

# What PostgreSQL does alone: pgbench's insert-and-update transactions without the contended rows (-N), one commit
# each, from 20 clients (the server's pool is of that order).
say "pgbench (reference)"
"$PG_BIN/pgbench" -q -i -s 10 "$PG_URL" >/dev/null 2>&1
"$PG_BIN/pgbench" -N -c 20 -j 2 -T 15 "$PG_URL" 2>/dev/null | grep -E "tps|latency average|clients"

echo "== store and offline, SQLite beside PostgreSQL =="
"$BENCH" report "$WORK"/results/store-*.json "$WORK"/results/offline-*.json
