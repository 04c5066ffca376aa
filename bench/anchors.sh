#!/usr/bin/env bash
# `make bench-anchors`: the two servers the targets of docs/BENCHMARKS.md are set against, Mosquitto 2.0 (MQTT 5 over
# TLS, OpenSSL) and ngIRCd 26 (IRC over TLS, GnuTLS), measured on this machine by the same securechat-bench modes as
# SecureChat (`--peer mqtt`, `--peer irc`), one server after the other, with the same certificate (ECDSA P-256).
# Prints one table with the three servers side by side.
#
#   bench/anchors.sh          one round (about 10 minutes on 2 cores, plus the release build)
#   BENCH_ROUNDS=N            N rounds, each running the three servers in turn (the machine's speed drifts)
#   BENCH_MEASURES="a b"      only these runs (handshake fanout-100-closed fanout-100-paced fanout-1000-closed
#                             fanout-1000-deep fanout-1000-paced idle-1000 idle-5000; default all but idle-1000)
#   BENCH_BASE_SERVER=FILE    also an earlier securechat-server binary, as `securechat-base`, in the same rotation:
#                             a before/after beside the anchors
#   BENCH_BIN_DIR, BENCH_SERVER, BENCH_KEEP as for bench/run.sh
#
# Needs Debian's packages `mosquitto` and `ngircd` (`apt-get install mosquitto ngircd`); a server that is missing is
# skipped. Both are started in the foreground on loopback ports with configurations written here, and stopped.
#
# Settings that are not the packages' defaults, each because the load would otherwise measure a limit instead of the
# server: Mosquitto `set_tcp_nodelay true` (as SecureChat sets it); ngIRCd no per-IP connection limit, nicknames up to
# 30 characters, no flood penalties (`MaxPenaltyTime = 0`), and no DNS, ident or PAM look-ups on connect.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source bench/common.sh

ROUNDS="${BENCH_ROUNDS:-1}"

# A loopback port nothing listens on.
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# Waits until the server just started (SERVER_PID) accepts connections on PORT.
wait_listening() {
    local name="$1" log="$2"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
            say "$name pid $SERVER_PID listening on port $PORT"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    say "$name did not start:"
    cat "$log" >&2
    exit 1
}

start_mosquitto() {
    local name="$1" config="$WORK/$1.conf" log="$WORK/server-$1.log"
    PORT="$(free_port)"
    cat >"$config" <<EOF
per_listener_settings false
persistence false
log_dest stderr
log_type error
log_type warning
set_tcp_nodelay true
user $(id -un)
listener $PORT 127.0.0.1
certfile $WORK/pki/server.crt
keyfile $WORK/pki/server.key
allow_anonymous true
EOF
    mosquitto -c "$config" 2>"$log" &
    SERVER_PID=$!
    wait_listening "mosquitto $name" "$log"
}

start_ngircd() {
    local name="$1" config="$WORK/$1.conf" log="$WORK/server-$1.log"
    PORT="$(free_port)"
    # GnuTLS wants Diffie-Hellman parameters even though TLS 1.3 with X25519 does not use them; a named group is
    # instant, where ngIRCd would generate its own at start.
    [[ -f "$WORK/pki/dh.pem" ]] ||
        openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$WORK/pki/dh.pem" 2>/dev/null
    cat >"$config" <<EOF
[Global]
Name = bench.invalid
Info = securechat-bench anchor
Listen = 127.0.0.1
Ports = $(free_port)
ServerUID = $(id -u)
ServerGID = $(id -g)
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxNickLength = 30
MaxPenaltyTime = 0
[Options]
DNS = no
Ident = no
PAM = no
[SSL]
CertFile = $WORK/pki/server.crt
KeyFile = $WORK/pki/server.key
DHFile = $WORK/pki/dh.pem
Ports = $PORT
EOF
    ngircd --nodaemon --config "$config" >"$log" 2>&1 &
    SERVER_PID=$!
    wait_listening "ngircd $name" "$log"
}

# start KIND NAME: a fresh server of KIND (securechat, mosquitto or ngircd), and the protocol `run` speaks to it.
start() {
    case "$1" in
    securechat) PEER=securechat && start_server "$2" 2 ;;
    securechat-base)
        local current="$SERVER"
        PEER=securechat SERVER="$BENCH_BASE_SERVER"
        start_server "$2" 2
        SERVER="$current"
        ;;
    mosquitto) PEER=mqtt && start_mosquitto "$2" ;;
    ngircd) PEER=irc && start_ngircd "$2" ;;
    esac
}

kinds=(securechat)
if [[ -n "${BENCH_BASE_SERVER:-}" ]]; then kinds=(securechat-base securechat); fi
for kind in mosquitto ngircd; do
    if command -v "$kind" >/dev/null 2>&1; then
        kinds+=("$kind")
    else
        say "$kind is not installed (apt-get install mosquitto ngircd); skipped"
    fi
done

# run_measure MEASURE KIND SUFFIX: one run of the suite against the current server.
run_measure() {
    local label="$1-$2$3"
    case "$1" in
    handshake) run "$label" handshake -m 2000 -c 50 ;;
    fanout-100-closed) run "$label" fanout -n 100 -P 1 -s 100 -d 10 ;;
    fanout-100-paced) run "$label" fanout -n 100 -P 1 -s 100 -d 10 --rate 20000 ;;
    fanout-1000-closed) run "$label" fanout -n 1000 -P 1 -s 100 -d 10 ;;
    fanout-1000-deep) run "$label" fanout -n 1000 -P 1 -s 100 -d 10 --window 128 ;;
    fanout-1000-paced) run "$label" fanout -n 1000 -P 1 -s 100 -d 10 --rate 20000 ;;
    idle-1000) run "$label" idle -n 1000 ;;
    idle-5000) run "$label" idle -n 5000 ;;
    *) say "unknown measure $1" && exit 2 ;;
    esac
}

make_certs
started=$SECONDS
read -r -a measures <<<"${BENCH_MEASURES:-handshake fanout-100-closed fanout-100-paced fanout-1000-closed fanout-1000-deep fanout-1000-paced idle-5000}"
for round in $(seq 1 "$ROUNDS"); do
    suffix=""
    ((ROUNDS == 1)) || suffix="-r$round"
    for kind in "${kinds[@]}"; do
        shared=()
        for measure in "${measures[@]}"; do [[ "$measure" == idle-* ]] || shared+=("$measure"); done
        if ((${#shared[@]} > 0)); then
            start "$kind" "$kind$suffix"
            for measure in "${shared[@]}"; do run_measure "$measure" "$kind" "$suffix"; done
            stop_server
        fi
        for measure in "${measures[@]}"; do
            [[ "$measure" == idle-* ]] || continue
            # Memory per connection on a fresh server, so earlier runs' freed memory does not hide the growth.
            start "$kind" "$kind-$measure$suffix"
            run_measure "$measure" "$kind" "$suffix"
            stop_server
        done
    done
done

say "anchors took $((SECONDS - started)) s"
echo "== securechat-bench: SecureChat and the anchor servers ($(nproc) cores, $(uname -sr)) =="
files=()
for round in $(seq 1 "$ROUNDS"); do
    suffix=""
    ((ROUNDS == 1)) || suffix="-r$round"
    for measure in "${measures[@]}"; do
        for kind in "${kinds[@]}"; do files+=("$WORK/results/$measure-$kind$suffix.json"); done
    done
done
"$BENCH" report "${files[@]}"
echo "mosquitto: $(mosquitto -h 2>/dev/null | head -n 1 || true); ngircd: $(ngircd --version 2>/dev/null | head -n 1 || true)"
