#!/usr/bin/env bash
# Installs the Debian packages SecureChat needs that are missing, and nothing else.
#
#   install-deps.sh build   what `swift build` and `make run` need: OpenSSL's and SQLite's headers, pkg-config, openssl
#   install-deps.sh test    that, and what some tests drive if it can: tmux, PostgreSQL (the tests start throw-away
#                           servers of their own), the Mosquitto and ngIRCd servers that securechat-bench --peer
#                           is tested against, systemd (its systemd-analyze checks contrib/securechat.service), and
#                           for the browser test chromium, libnss3-tools (certutil, to make it trust the test CA) and
#                           Playwright for Python (from PyPI, with pip); without them those tests are skipped locally
#
# As root it runs apt-get itself, otherwise through `sudo -n`; when neither can and a needed package is missing, it
# prints the apt-get line to run and exits 1. Called by `make build`, `make run`, `make test` and .ci/run.
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

required=(libssl-dev openssl libsqlite3-dev)
optional=()
case "${1:-build}" in
    build) ;;
    test) optional=(tmux postgresql mosquitto ngircd systemd chromium libnss3-tools) ;;
    *) usage ;;
esac

not_installed() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$package"
    done
}

missing_required=()
missing_optional=()
if command -v dpkg-query >/dev/null 2>&1; then
    mapfile -t missing_required < <(not_installed "${required[@]}")
    mapfile -t missing_optional < <(not_installed "${optional[@]}")
fi
if ! command -v pkg-config >/dev/null 2>&1 && ! command -v pkgconf >/dev/null 2>&1; then
    missing_required+=(pkgconf)
fi
# Playwright drives Debian's chromium (the browser it would download is not used); the pip of the python3 on PATH,
# which is the one the tests run.
if [[ "${1:-build}" == test ]] && command -v python3 >/dev/null 2>&1 \
    && ! python3 -c 'import playwright.sync_api' 2>/dev/null; then
    echo "install-deps: installing Playwright for Python (pip)"
    python3 -m pip install --quiet --disable-pip-version-check playwright==1.65.3 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages \
            playwright==1.65.3 \
        || echo "install-deps: pip could not install playwright, so the browser test is skipped;" \
            "to run it: python3 -m pip install playwright" >&2
fi

missing=("${missing_required[@]}" "${missing_optional[@]}")
((${#missing[@]} > 0)) || exit 0

# Says what is missing, why it was not installed and how to install it; fails only when a required package is missing.
give_up() {
    if ((${#missing_required[@]} > 0)); then
        echo "install-deps: missing ${missing[*]} ($1); install them, then try again:" >&2
    else
        echo "install-deps: ${missing_optional[*]} not installed ($1), so the tests that need them are skipped;" \
            "to run them:" >&2
    fi
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    if ((${#missing_required[@]} > 0)); then exit 1; fi
    exit 0
}

command -v apt-get >/dev/null 2>&1 || give_up "no apt-get here"
if [[ "$(id -u)" == 0 ]]; then
    run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo -n)
else
    give_up "not root, and no password-less sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { "${run[@]}" apt-get update -q && "${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; }; then
    give_up "apt-get failed"
fi
