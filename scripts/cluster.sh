#!/usr/bin/env bash
# `make cluster`: two nodes of one chat for trying by hand (docs/CLUSTER.md): a throw-away PostgreSQL on a free
# loopback port (scripts/test-postgres.sh) and two servers started with --cluster on 127.0.0.1:7443 and :7444, with
# the development certificates (client certificates accepted, as `make run`). Ctrl-C stops all three; the database
# goes with them.
#
#   BIN=.build/debug bash scripts/cluster.sh        NODES="7443 7444 7445" for more nodes
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:?give BIN, the directory of securechat-server}"
NODES="${NODES:-7443 7444}"

PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/securechat-cluster-pg.XXXXXX")"
URL="$(bash scripts/test-postgres.sh start "$PG_DIR")"
pids=()
stop() {
    trap - EXIT INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    bash scripts/test-postgres.sh stop "$PG_DIR" >/dev/null 2>&1 || true
}
trap stop EXIT INT TERM

crl=()
[[ -f certs/ca.crl ]] && crl=(--crl certs/ca.crl)
for port in $NODES; do
    "$BIN/securechat-server" --host 127.0.0.1 --port "$port" --cluster --database "$URL" \
        --cert certs/server.crt --key certs/server.key --ca certs/ca.crt --client-auth optional "${crl[@]}" \
        2> >(sed -u "s/^/[:$port] /" >&2) &
    pids+=($!)
done
echo "cluster: PostgreSQL at ${URL##*@}; nodes on $(printf '127.0.0.1:%s ' $NODES)" >&2
echo "cluster: connect one client to each, e.g. securechat-client --port 7443 and --port 7444; Ctrl-C stops" >&2
wait "${pids[@]}"
