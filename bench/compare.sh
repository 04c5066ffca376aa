#!/usr/bin/env bash
# Two servers measured alternately in one run, for a before/after: the machine's speed drifts between runs, so only
# figures from the same run, round by round, compare (docs/BENCHMARKS.md).
#
#   bench/compare.sh BASE-SERVER NEW-SERVER [NEW-OPTION...]
#
# BASE-SERVER and NEW-SERVER are securechat-server binaries (say, a release build of main in a worktree and of the
# change); with NEW-OPTIONs, NEW-SERVER is measured a second time with them as a third variant (`new+`), e.g.
# `--metrics-listen 127.0.0.1:0`. The bench tool is this tree's (release build, or BENCH_BIN_DIR). Each of ROUNDS
# rounds (default 3) runs, for each variant in turn on fresh servers: fan-out to 1000 and to 10 receivers (10 s
# each), 2000 full handshakes, 5000 offline messages and 5000 idle logged-in connections. Prints one report with
# every run, labelled MODE-VARIANT-ROUND.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if (($# < 2)); then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
BASE_SERVER="$(realpath "$1")"
NEW_SERVER="$(realpath "$2")"
shift 2
NEW_OPTIONS=("$@")
ROUNDS="${ROUNDS:-3}"

source bench/common.sh
make_certs
variants=(base new)
((${#NEW_OPTIONS[@]} == 0)) || variants+=(new+)
labels=()
for round in $(seq 1 "$ROUNDS"); do
    for variant in "${variants[@]}"; do
        options=()
        case "$variant" in
            base) SERVER="$BASE_SERVER" ;;
            new) SERVER="$NEW_SERVER" ;;
            new+) SERVER="$NEW_SERVER" options=("${NEW_OPTIONS[@]}") ;;
        esac
        start_server "$variant-$round" 2 "${options[@]}"
        run "fanout1000-$variant-$round" fanout -n 1000 -P 1 -s 100 -d 10
        run "fanout10-$variant-$round" fanout -n 10 -P 10 -s 100 -d 10
        run "handshake-$variant-$round" handshake -m 2000 -c 50
        run "offline-$variant-$round" offline -k 5000
        stop_server
        # Memory per connection on a fresh server, as in bench/run.sh.
        start_server "idle-$variant-$round" 2 "${options[@]}"
        run "idle5000-$variant-$round" idle -n 5000
        stop_server
        labels+=("fanout1000-$variant-$round" "fanout10-$variant-$round" "handshake-$variant-$round"
            "offline-$variant-$round" "idle5000-$variant-$round")
    done
done
echo "== securechat-bench compare: base $BASE_SERVER, new $NEW_SERVER${NEW_OPTIONS:+, new+ with ${NEW_OPTIONS[*]}} =="
"$BENCH" report $(for label in "${labels[@]}"; do printf '%s ' "$WORK/results/$label.json"; done)
