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

source bench/common.sh

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

# The web side: the same fan-out and idle connections over the WebSocket (docs/WEB.md); bench/web.sh alternates the
# two protocols for a comparison.
start_server websocket 2
PEER=websocket run fanout-1000-websocket fanout -n 1000 -P 1 -s 100 -d 10
stop_server
start_server idle-5000-websocket 2
PEER=websocket run idle-5000-websocket idle -n 5000
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

# Sealed messages: what sealing and opening one costs a client (the server's part is a `send`'s).
say "sealing (in process)"
make_user_cert alice
make_user_cert bob
"$BENCH" sealing --cert "$WORK/pki/alice.crt" --key "$WORK/pki/alice.key" --to-cert "$WORK/pki/bob.crt" \
    --to-key "$WORK/pki/bob.key" --ca "$WORK/pki/ca.crt" -k 2000 --label sealing --json "$WORK/results/sealing.json"
echo

# OpenSSL alone, in C, on the same certificate: the handshake over memory BIOs, and its public-key operations.
OPENSSL_FLOOR=""
if command -v cc >/dev/null 2>&1; then
    say "OpenSSL alone (C)"
    if cc -O2 -o "$WORK/handshake-floor" bench/openssl-handshake-floor.c -lssl -lcrypto -lpthread 2>/dev/null &&
        cc -O2 -o "$WORK/handshake-crypto" bench/openssl-handshake-crypto.c -lcrypto 2>/dev/null; then
        # 2000 handshakes on one thread with one ticket each, then 100 000 records of 100 bytes.
        OPENSSL_FLOOR="$("$WORK/handshake-floor" "$WORK/pki/server.crt" "$WORK/pki/server.key" "$WORK/pki/ca.crt" \
            1 1 2000 100000)
$("$WORK/handshake-crypto" 2000)"
    else
        say "could not build bench/openssl-*.c (needs libssl-dev); skipped"
    fi
fi

say "suite took $((SECONDS - started)) s"
echo "== securechat-bench summary ($(nproc) cores, $(uname -sr)) =="
"$BENCH" report \
    "$WORK"/results/{handshake,handshake-resumed,handshake-no-tickets,handshake-1thread}.json \
    "$WORK"/results/{idle-1000,idle-5000,idle-5000-websocket,fanout-100-closed,fanout-100-paced}.json \
    "$WORK"/results/{fanout-1000-closed,fanout-1000-websocket,fanout-1000-deep,fanout-1000-closed-1thread}.json \
    "$WORK"/results/{fanout-1000-paced,offline,store,tls}.json
if [[ -n "$OPENSSL_FLOOR" ]]; then
    echo
    echo "== OpenSSL $(openssl version | cut -d' ' -f2) alone, in C (bench/openssl-handshake-floor.c, bench/openssl-handshake-crypto.c) =="
    echo "$OPENSSL_FLOOR"
fi
