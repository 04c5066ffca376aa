#!/usr/bin/env bash
# Development certificates for SecureChat. See certs/README.md.
#
#   make-certs.sh                 create the CA and the server certificate if missing (nothing else)
#   make-certs.sh client NAME     issue clients/NAME.crt and clients/NAME.key (client authentication)
#   make-certs.sh revoke NAME     revoke clients/NAME.crt and regenerate ca.crl
#   make-certs.sh crl             (re)generate ca.crl from the CA's database (empty if nothing was revoked)
#
# Works in the directory holding this script (set CERTS_DIR to use another one that has ca.cnf).
set -euo pipefail

CERTS_DIR="${CERTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
cd "$CERTS_DIR"
umask 077

CA_CN="SecureChat Development CA"
CA_DAYS=3650
# Mozilla's intermediate profile allows leaf certificates of at most 366 days.
LEAF_DAYS=365
CRL_DAYS=30
CONFIG=ca.cnf

say() { printf 'make-certs: %s\n' "$*"; }
die() { printf 'make-certs: error: %s\n' "$*" >&2; exit 1; }

[[ -f "$CONFIG" ]] || die "$CERTS_DIR/$CONFIG is missing"

new_key() { # PATH: a new ECDSA P-256 private key, readable by the owner only
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
    chmod 600 "$1"
}

random_serial() { printf '%s' "$(openssl rand -hex 16 | sed 's/^./1/')"; }

ensure_ca() {
    if [[ -f ca.crt && -f ca.key ]]; then
        return 1
    fi
    if [[ -f ca.crt || -f ca.key ]]; then
        die "only one of ca.crt and ca.key exists; remove it (and the certificates it signed) or restore the other"
    fi
    new_key ca.key
    openssl req -config "$CONFIG" -new -x509 -key ca.key -subj "/CN=$CA_CN" -days "$CA_DAYS" -sha256 \
        -set_serial "0x$(random_serial)" -extensions ca_ext -out ca.crt
    chmod 644 ca.crt
    say "created CA ca.crt / ca.key ($CA_CN, $CA_DAYS days)"
    return 0
}

ensure_ca_database() { # the state files `openssl ca` needs
    mkdir -p newcerts
    [[ -f index.txt ]] || : >index.txt
    [[ -f index.txt.attr ]] || echo "unique_subject = no" >index.txt.attr
    [[ -f serial ]] || random_serial >serial
    [[ -f crlnumber ]] || echo 1000 >crlnumber
    return 0
}

issue_server() {
    new_key server.key
    openssl req -config "$CONFIG" -new -key server.key -subj "/CN=localhost" -out server.csr
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(random_serial)" \
        -days "$LEAF_DAYS" -sha256 -extfile "$CONFIG" -extensions server_ext -out server.crt 2>/dev/null
    rm -f server.csr
    chmod 644 server.crt
    say "created server.crt / server.key (CN=localhost, DNS:localhost, IP:127.0.0.1, IP:::1, $LEAF_DAYS days)"
}

cmd_init() {
    local ca_created=0
    if ensure_ca; then ca_created=1; fi
    if [[ $ca_created == 1 || ! -f server.crt || ! -f server.key ]]; then
        issue_server
    fi
    return 0
}

require_ca() {
    [[ -f ca.crt && -f ca.key ]] || die "no CA yet: run '$0' (or 'make certs') first"
    ensure_ca_database
}

# The names the server refuses to give anyone (docs/PROTOCOL.md, Username.reservedWords in ChatCore; a test keeps the
# two lists equal): a certificate for one of them could never log in.
RESERVED_NAMES="whoelse wholast send seal cert broadcast inbox read history block unblock blocked register help ping pong say
tata server room everyone message user"

# Revoking takes any name a certificate could have been issued under before the rules above, but nothing that is
# not a plain file name.
validate_file_name() {
    [[ "$1" =~ ^[A-Za-z0-9_.-]{1,32}$ && "$1" != . && "$1" != .. ]] || die "'$1' is not a username"
}

validate_name() {
    [[ "$1" =~ ^[A-Za-z][A-Za-z0-9_.-]{0,31}$ ]] ||
        die "'$1' is not a username (1-32 characters of A-Z a-z 0-9 _ . -, starting with a letter)"
    local lower reserved
    lower="$(printf '%s' "$1" | tr 'A-Z' 'a-z')"
    for reserved in $RESERVED_NAMES; do
        [[ "$lower" != "$reserved" ]] || die "'$1' is a reserved word, not a username (see docs/PROTOCOL.md)"
    done
}

openssl_ca() {
    openssl ca -batch -config "$CONFIG" -cert ca.crt -keyfile ca.key "$@"
}

cmd_crl() {
    require_ca
    openssl_ca -gencrl -crldays "$CRL_DAYS" -out ca.crl 2>/dev/null
    chmod 644 ca.crl
    say "wrote ca.crl"
}

cmd_client() {
    local name="$1"
    validate_name "$name"
    require_ca
    mkdir -p clients
    if [[ -f "clients/$name.crt" && -f "clients/$name.key" ]]; then
        say "clients/$name.crt exists already; revoke it first to issue a new one"
        return 0
    fi
    # The server keeps a certificate name's spelling: once `alice` has logged in, `Alice` is refused, so this CA
    # issues a name only in the spelling it first issued it in (a renewal after `revoke` keeps it).
    local issued
    issued="$(awk -F'\t' -v want="$(printf '%s' "$name" | tr 'A-Z' 'a-z')" '{
        cn = $6; sub(/^.*\/CN=/, "", cn); sub(/\/.*$/, "", cn)
        if (tolower(cn) == want) { print cn; exit }
    }' index.txt)"
    [[ -z "$issued" || "$issued" == "$name" ]] ||
        die "'$name' differs from the issued '$issued' only in case; the server would refuse it (see docs/PROTOCOL.md)"
    new_key "clients/$name.key"
    openssl req -config "$CONFIG" -new -key "clients/$name.key" -subj "/CN=$name" -out "clients/$name.csr"
    openssl_ca -in "clients/$name.csr" -out "clients/$name.crt" -days "$LEAF_DAYS" -extensions client_ext \
        -notext 2>/dev/null
    rm -f "clients/$name.csr"
    chmod 644 "clients/$name.crt"
    say "issued clients/$name.crt / clients/$name.key (CN=$name)"
}

cmd_revoke() {
    local name="$1"
    validate_file_name "$name"
    require_ca
    [[ -f "clients/$name.crt" ]] || die "clients/$name.crt does not exist"
    openssl_ca -revoke "clients/$name.crt" 2>/dev/null
    rm -f "clients/$name.crt" "clients/$name.key"
    say "revoked $name (its certificate stays in newcerts/ and in the CRL)"
    cmd_crl
}

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

case "${1:-init}" in
    init) [[ $# -le 1 ]] || usage; cmd_init ;;
    client) [[ $# -eq 2 ]] || usage; cmd_client "$2" ;;
    revoke) [[ $# -eq 2 ]] || usage; cmd_revoke "$2" ;;
    crl) [[ $# -eq 1 ]] || usage; cmd_crl ;;
    -h | --help | help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
esac
