#!/usr/bin/env bash
# Throw-away PostgreSQL servers for the tests and benchmarks: initdb and pg_ctl in a directory of their own, on a free
# loopback port, nothing shared with a PostgreSQL the machine may run.
#
#   test-postgres.sh start DIR     creates and starts a server in DIR (which must not exist or be empty), with a role
#                                  `securechat` (password login, may create databases) owning a database `securechat`;
#                                  prints its URL: postgres://securechat:PASSWORD@127.0.0.1:PORT/securechat. It is
#                                  stopped once the process that started it is gone: from a one-off shell (`bash -c`),
#                                  set TEST_POSTGRES_OWNER to the pid of a process that lives as long as it should
#   test-postgres.sh stop DIR      stops it at once and removes DIR
#   test-postgres.sh pause DIR     stops it (fast shutdown: clients are disconnected), keeping its data
#   test-postgres.sh resume DIR    starts it again on the same port
#   test-postgres.sh run CMD...    runs CMD with SECURECHAT_TEST_DATABASE_URL naming a server started for it, and
#                                  stops that server afterwards (without PostgreSQL: runs CMD alone)
#
# With TEST_POSTGRES_TLS=1, `start` also turns TLS on, with a CA and a certificate for 127.0.0.1 and localhost made
# for it in DIR/tls (DIR/tls/ca.crt is the CA to verify it with).
#
# As root the server runs as the `postgres` system user (initdb refuses root). A server whose starting process has
# exited (a test run that was killed) is stopped by a watcher within a few seconds. Exit status 3: PostgreSQL is not
# installed.
set -euo pipefail

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

# PostgreSQL's programs: Debian's newest version, else initdb's directory on PATH (through any symlink).
bin_dir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$dir" || ! -x "$dir/initdb" ]] && command -v initdb >/dev/null 2>&1; then
        dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    fi
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/psql" ]] || return 1
    echo "$dir"
}

# as_owner CMD...: runs CMD as the user the server runs as.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Closes every descriptor but 0-2 in this (sub)shell. A server or watcher left running must not hold what the
# caller's descriptors were: Foundation's Process (the Swift tests) waits for its child by a socket the child
# inherits, so a postmaster holding it would make `start` seem never to end.
close_inherited_fds() {
    local fd
    for fd in $(ls "/proc/$BASHPID/fd"); do
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}

pg_start() {
    local dir="$1"
    (
        close_inherited_fds
        as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" start
    ) >/dev/null
}

start() {
    local dir="$1"
    if [[ -e "$dir" ]] && [[ -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
        echo "test-postgres: $dir is not empty" >&2
        exit 2
    fi
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "test-postgres: running as root needs the postgres system user (apt-get install postgresql)" >&2
            exit 3
        fi
        chown postgres "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "test-postgres: the postgres user cannot reach $dir (are its parent directories private?)" >&2
            exit 1
        fi
    fi
    local password port
    password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # Durability as shipped (fsync, synchronous_commit on): the store's promises are tested as they are run.
    local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
    # The whole suite shares one server: dozens of stores (a pool of up to 20 each, a listener each) and cluster
    # nodes at once went past 200 on a loaded CI machine.
    options+=" -c max_connections=600 -c shared_buffers=32MB"
    if [[ "${TEST_POSTGRES_TLS:-0}" == 1 ]]; then
        make_tls "$dir/tls"
        options+=" -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key"
    fi
    echo "$options" | as_owner tee "$dir/options" >/dev/null
    pg_start "$dir"
    "$BIN/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE securechat LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE securechat OWNER securechat" >/dev/null
    # Stop the server once the process that asked for it is gone (unless `stop` came first).
    local owner="${TEST_POSTGRES_OWNER:-$PPID}"
    (
        close_inherited_fds
        trap '' HUP
        while kill -0 "$owner" 2>/dev/null && [[ -d "$dir/data" ]]; do sleep 2; done
        [[ -d "$dir/data" ]] && bash "$SELF" stop "$dir" >/dev/null 2>&1
    ) </dev/null >/dev/null 2>&1 &
    disown
    echo "postgres://securechat:$password@127.0.0.1:$port/securechat"
}

# make_tls DIR: a throw-away CA and a server certificate for 127.0.0.1 and localhost, readable by the server only.
make_tls() {
    local tls="$1"
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Test PostgreSQL CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
        -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    chmod 600 "$tls/server.key"
    chmod 755 "$tls"
    if [[ "$(id -u)" == 0 ]]; then chown postgres "$tls/server.key" "$tls/server.crt"; fi
}

stop() {
    local dir="$1"
    [[ -d "$dir/data" ]] && as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

run() {
    local dir status
    if [[ -n "${SECURECHAT_TEST_DATABASE_URL:-}" ]]; then
        exec "$@"
    fi
    dir="$(mktemp -d "${TMPDIR:-/tmp}/securechat-pg.XXXXXX")"
    trap 'stop "$dir"' EXIT
    SECURECHAT_TEST_DATABASE_URL="$(TEST_POSTGRES_OWNER=$$ start "$dir")"
    export SECURECHAT_TEST_DATABASE_URL
    echo "test-postgres: PostgreSQL for the tests on ${SECURECHAT_TEST_DATABASE_URL##*@}" >&2
    status=0
    "$@" || status=$?
    exit "$status"
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
if ! BIN="$(bin_dir)"; then
    if [[ "$command" == run ]]; then
        echo "test-postgres: PostgreSQL is not installed, so the tests that need it are skipped" \
            "(apt-get install postgresql)" >&2
        exec "$@"
    fi
    echo "test-postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 3
fi
case "$command" in
    start | stop | pause | resume) [[ $# -eq 1 ]] || usage ;;
    run) [[ $# -ge 1 ]] || usage ;;
    *) usage ;;
esac
case "$command" in
    start) start "$1" ;;
    stop) stop "$1" ;;
    pause) as_owner "$BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null ;;
    resume) pg_start "$1" ;;
    run) run "$@" ;;
esac
