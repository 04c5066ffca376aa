#!/usr/bin/env bash
# `make bench-cluster`: fan-out on one node and spread over two and three nodes of a cluster (docs/CLUSTER.md,
# issue 18), in one run, alternating, on a throw-away PostgreSQL on loopback.
#
# Each round, for a server alone (no --cluster) and 1, 2 and 3 nodes (fresh servers started with --cluster), each on
# a fresh database:
#   closed    securechat-bench fanout -n 1000 -P 1 -d 10           (deliveries/s; CPU per delivery, all nodes)
#   paced     securechat-bench fanout -n 1000 -P 1 -d 10 --rate R  (p99 latency at a rate all layouts sustain)
# with PostgreSQL's CPU beside the nodes'. The connections go to the nodes in turn (--server repeated).
#
#   ROUNDS=3 RATE=20000 bench/cluster.sh       BENCH_BIN_DIR / BENCH_KEEP as for bench/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source bench/common.sh
make_certs
ROUNDS="${ROUNDS:-3}"
RATE="${RATE:-20000}"

PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/securechat-bench-pg.XXXXXX")"
PG_URL="$(bash scripts/test-postgres.sh start "$PG_DIR")"
NODE_PIDS=()
stop_nodes() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    NODE_PIDS=()
}
trap 'stop_nodes; bash scripts/test-postgres.sh stop "$PG_DIR" >/dev/null 2>&1 || true; cleanup' EXIT
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[[ -x "$PG_BIN/psql" ]] || PG_BIN="$(dirname "$(readlink -f "$(command -v psql)")")"
PSQL="$PG_BIN/psql"
POSTMASTER="$(head -n 1 "$PG_DIR/data/postmaster.pid")"

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

# start_nodes COUNT NAME: COUNT fresh nodes on a fresh database (0: one server without --cluster); sets SERVERS
# (--server options) and NODE_PIDS.
start_nodes() {
    local count="$1" name="$2" index log port cluster=(--cluster)
    "$PSQL" -X -q -d "$PG_URL" -c "CREATE DATABASE $name"
    SERVERS=()
    if ((count == 0)); then
        count=1
        cluster=()
    fi
    for index in $(seq 1 "$count"); do
        log="$WORK/server-$name-$index.log"
        "$SERVER" --host 127.0.0.1 --port 0 --threads 1 "${cluster[@]}" \
            --cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" --database "${PG_URL%/*}/$name" \
            --max-connections 100000 --max-connections-per-ip 100000 --max-new-connections-per-minute 100000000 \
            --rate-burst 1000000000 --rate-per-second 1000000000 --outbound-queue-limit 67108864 \
            --login-timeout 3600 --idle-timeout 3600 2>"$log" &
        NODE_PIDS+=($!)
        port=""
        for _ in $(seq 1 300); do
            port="$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)"
            [[ -n "$port" ]] && break
            sleep 0.1
        done
        [[ -n "$port" ]] || { cat "$log" >&2; exit 1; }
        SERVERS+=(--server "127.0.0.1:$port")
    done
    say "$count node(s) for $name: ${SERVERS[*]}"
}

# fanout LABEL ARGS...: one fan-out run over the current nodes, with PostgreSQL's CPU per delivery after it.
fanout() {
    local label="$1" before after pids=()
    shift
    for pid in "${NODE_PIDS[@]}"; do pids+=(--server-pid "$pid"); done
    before="$(postgres_ticks)"
    "$BENCH" fanout "${SERVERS[@]}" "${pids[@]}" --ca "$WORK/pki/ca.crt" --label "$label" \
        --json "$WORK/results/$label.json" "$@"
    sleep 1
    after="$(postgres_ticks)"
    echo "$label $((after - before))" >>"$WORK/postgres-ticks.txt"
}

for round in $(seq 1 "$ROUNDS"); do
    for count in 0 1 2 3; do
        start_nodes "$count" "fanout_${count}_$round"
        layout="$count-node"
        ((count == 0)) && layout="alone"
        fanout "fanout-$layout-closed-$round" -n 1000 -P 1 -s 100 -d 10
        fanout "fanout-$layout-paced-$round" -n 1000 -P 1 -s 100 -d 10 --rate "$RATE"
        stop_nodes
    done
done

echo "== fan-out on 1, 2 and 3 nodes (server CPU is every node's) =="
"$BENCH" report "$WORK"/results/fanout-*.json
echo "== PostgreSQL's CPU per run (clock ticks of $(getconf CLK_TCK)/s) =="
cat "$WORK/postgres-ticks.txt"
