# Shared by bench/run.sh and bench/anchors.sh (sourced, not run): the binaries, a work directory, a throw-away
# certificate, starting and stopping a SecureChat server, and one securechat-bench run against the current server.
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

# make_user_cert NAME: a user's certificate from that CA, fit for sealed messages (like `make client-cert`).
make_user_cert() {
    local dir="$WORK/pki"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key" 2>/dev/null
    openssl req -new -key "$dir/$1.key" -subj "/CN=$1" -out "$dir/$1.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyAgreement" \
        "extendedKeyUsage=clientAuth,emailProtection" >"$dir/$1.ext"
    openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -sha256 -extfile "$dir/$1.ext" -out "$dir/$1.crt" 2>/dev/null
}

# start_server NAME THREADS [OPTIONS...]: a fresh server with its own database (a new SQLite file, or the
# database DATABASE names when set), limits relaxed for load generation.
start_server() {
    local name="$1" threads="$2" log="$WORK/server-$1.log"
    shift 2
    "$SERVER" --host 127.0.0.1 --port 0 --threads "$threads" "$@" \
        --cert "$WORK/pki/server.crt" --key "$WORK/pki/server.key" --database "${DATABASE:-$WORK/$name.sqlite}" \
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

# run LABEL MODE ARGS...: one securechat-bench run against the current server (in the protocol PEER, default
# securechat).
run() {
    local label="$1" mode="$2"
    shift 2
    say "$label"
    "$BENCH" "$mode" --port "$PORT" --ca "$WORK/pki/ca.crt" --server-pid "$SERVER_PID" --peer "${PEER:-securechat}" \
        --label "$label" --json "$WORK/results/$label.json" "$@"
    echo
}
