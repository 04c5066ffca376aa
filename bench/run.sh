#!/usr/bin/env bash
# `make bench`: builds in release mode, starts securechat-server on a temporary database with a fresh certificate and
# relaxed limits, runs the standard suite with securechat-bench, prints one summary table, and stops the server.
#
#   bench/run.sh              the standard suite (about 3 minutes on 2 cores, plus the release build)
#   BENCH_BIN_DIR=DIR         use the binaries in DIR instead of building (e.g. to compare two servers)
#   BENCH_SERVER=PATH         use another securechat-server binary (the bench tool still comes from BIN_DIR)
#   BENCH_KEEP=1              keep the temporary directory (results/*.json, server logs)
#
# Figures and how to read them: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SWIFT="${SWIFT:-swift}"
SCRATCH="${BENCH_SCRATCH:-.build-release}"

say() { printf 'bench: %s\n' "$*" >&2; }

if [[ -n "${BENCH_BIN_DIR:-}" ]]; then
    BIN="$BENCH_BIN_DIR"
else
    say "building in release mode (--scratch-path $SCRATCH)"
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product securechat-server >&2
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product securechat-bench >&2
    BIN="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)"
fi
SERVER="${BENCH_SERVER:-$BIN/securechat-server}"
BENCH="$BIN/securechat-bench"

# 5000 idle connections need 5000+ descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < 12000)); then
    say "warning: ulimit -n is $(ulimit -n); the 5000-connection idle run may fail"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/securechat-bench.XXXXXX")"
mkdir -p "$WORK/results"
SERVER_PID=""
PORT=""

cleanup() {
    stop_server
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A throw-away CA and server certificate (ECDSA P-256, like certs/make-certs.sh), valid for 127.0.0.1.
make_certs() {
    local dir="$WORK/pki"
    mkdir -p "$dir"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
    openssl req -new -x509 -key "$dir/ca.key" -subj "/CN=SecureChat Bench CA" -days 2 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/ca.crt" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/server.key" 2>/dev/null
    openssl req -new -key "$dir/server.key" -subj "/CN=localhost" -out "$dir/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -sha256 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
}

# start_server NAME THREADS [OPTIONS...]: a fresh server with its own database, limits relaxed for load generation.
start_server() {
    local name="$1" threads="$2" log="$WORK/server-$1.log"
    shift 2
    "$SERVER" --host 127.0.0.1 --port 0 --threads "$threads" "$@" \
        --cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" --database "$WORK/$name.sqlite" \
        --max-connections 100000 --max-connections-per-ip 100000 --max-new-connections-per-minute 100000000 \
        --rate-burst 1000000000 --rate-per-second 1000000000 --outbound-queue-limit 67108864 \
        --login-timeout 3600 --idle-timeout 3600 2>"$log" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if PORT="$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)" && [[ -n "$PORT" ]]; then
            say "server $name (--threads $threads) pid $SERVER_PID listening on port $PORT"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    say "the server did not start:"
    cat "$log" >&2
    exit 1
}

stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

# run LABEL MODE ARGS...: one securechat-bench run against the current server.
run() {
    local label="$1" mode="$2"
    shift 2
    say "$label"
    "$BENCH" "$mode" --port "$PORT" --ca "$WORK/pki/ca.crt" --server-pid "$SERVER_PID" \
        --label "$label" --json "$WORK/results/$label.json" "$@"
    echo
}

make_certs
started=$SECONDS

start_server main 2
run handshake handshake -m 2000 -c 50
# The same with every client resuming a session (TLS 1.3 ticket): no certificate sent, signed or checked.
run handshake-resumed handshake -m 2000 -c 50 --resume
run fanout-100-closed fanout -n 100 -P 1 -s 100 -d 10
run fanout-100-paced fanout -n 100 -P 1 -s 100 -d 10 --rate 20000
run fanout-1000-closed fanout -n 1000 -P 1 -s 100 -d 10
# The same with 128 messages in flight instead of 16: per-delivery cost falls as more lines share each write.
run fanout-1000-deep fanout -n 1000 -P 1 -s 100 -d 10 --window 128
run fanout-1000-paced fanout -n 1000 -P 1 -s 100 -d 10 --rate 20000
run offline offline -k 10000
stop_server

# Memory per connection on fresh servers, so earlier runs' freed memory does not hide the growth.
start_server idle-1000 2
run idle-1000 idle -n 1000
stop_server
start_server idle-5000 2
run idle-5000 idle -n 5000
stop_server

# Full handshakes without session tickets: cheaper per handshake, but no client can resume.
start_server no-tickets 2 --session-tickets 0
run handshake-no-tickets handshake -m 2000 -c 50
stop_server

# Does throughput grow with event loops? The same work with one.
start_server one-thread 1
run handshake-1thread handshake -m 2000 -c 50
run fanout-1000-closed-1thread fanout -n 1000 -P 1 -s 100 -d 10
stop_server

# The floor under the handshake and fan-out figures: our TLS layer alone, in memory, with the same certificate.
say "tls (in memory)"
"$BENCH" tls --cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" --ca "$WORK/pki/ca.crt" -m 2000 -r 100000 \
    --label tls --json "$WORK/results/tls.json"
echo

# The floor under the offline figure: the message store alone in this process (SQLite, GRDB, the group commit), with
# as many messages in flight as the offline run (200 appenders, 4 messages per append).
say "store (in process)"
"$BENCH" store -k 50000 --writers 200 --batch 4 --label store --json "$WORK/results/store.json"
echo

# OpenSSL alone, in C, on the same certificate: the handshake over memory BIOs, and its public-key operations.
OPENSSL_FLOOR=""
if command -v cc >/dev/null 2>&1; then
    say "OpenSSL alone (C)"
    if cc -O2 -o "$WORK/handshake-floor" bench/openssl-handshake-floor.c -lssl -lcrypto -lpthread 2>/dev/null &&
        cc -O2 -o "$WORK/handshake-crypto" bench/openssl-handshake-crypto.c -lcrypto 2>/dev/null; then
        OPENSSL_FLOOR="$("$WORK/handshake-floor" "$WORK/pki/server.crt" "$WORK/pki/server.key" "$WORK/pki/ca.crt" 1 1 2000)
$("$WORK/handshake-crypto" 2000)"
    else
        say "could not build bench/openssl-*.c (needs libssl-dev); skipped"
    fi
fi

say "suite took $((SECONDS - started)) s"
echo "== securechat-bench summary ($(nproc) cores, $(uname -sr)) =="
"$BENCH" report \
    "$WORK"/results/{handshake,handshake-resumed,handshake-no-tickets,handshake-1thread}.json \
    "$WORK"/results/{idle-1000,idle-5000,fanout-100-closed,fanout-100-paced}.json \
    "$WORK"/results/{fanout-1000-closed,fanout-1000-deep,fanout-1000-closed-1thread,fanout-1000-paced,offline,store,tls}.json
if [[ -n "$OPENSSL_FLOOR" ]]; then
    echo
    echo "== OpenSSL $(openssl version | cut -d' ' -f2) alone, in C (bench/openssl-handshake-floor.c, bench/openssl-handshake-crypto.c) =="
    echo "$OPENSSL_FLOOR"
fi
