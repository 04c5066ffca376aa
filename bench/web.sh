#!/usr/bin/env bash
# The line protocol and the WebSocket (docs/WEB.md) measured alternately in one run on the same server binary: what
# the web side costs a delivery and an idle connection, beside a line client's.
#
#   bench/web.sh          (ROUNDS rounds, default 3; BENCH_BIN_DIR as for bench/run.sh)
#
# Each round, for each protocol in turn on fresh servers: fan-out to 1000 and to 10 receivers (10 s each), and 5000
# idle logged-in connections. Prints one report, labelled MODE-PROTOCOL-ROUND.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS="${ROUNDS:-3}"

source bench/common.sh
make_certs
labels=()
for round in $(seq 1 "$ROUNDS"); do
    for PEER in securechat websocket; do
        start_server "$PEER-$round" 2
        run "fanout1000-$PEER-$round" fanout -n 1000 -P 1 -s 100 -d 10
        run "fanout10-$PEER-$round" fanout -n 10 -P 10 -s 100 -d 10
        stop_server
        start_server "idle-$PEER-$round" 2
        run "idle5000-$PEER-$round" idle -n 5000
        stop_server
        labels+=("fanout1000-$PEER-$round" "fanout10-$PEER-$round" "idle5000-$PEER-$round")
    done
done
echo "== securechat-bench: the line protocol (securechat) and the WebSocket (websocket) =="
"$BENCH" report $(for label in "${labels[@]}"; do printf '%s ' "$WORK/results/$label.json"; done)
