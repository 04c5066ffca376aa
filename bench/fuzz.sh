#!/usr/bin/env bash
# `make fuzz`: the TLS 1.3 record layer (docs/TLS.md) under libFuzzer with AddressSanitizer, for a fixed time.
#
#   FUZZ_SECONDS=N   how long to fuzz (default 120)
#   FUZZ_JOBS=N      parallel fuzzing processes (default 1)
#
# Builds `securechat-record-fuzz` in .build-fuzz with `-sanitize=fuzzer,address -D FUZZING` (about 5 minutes the first
# time), linked with the toolchain's lld: Debian's gold crashes on the sanitizer's objects. The corpus grows in
# .build-fuzz/corpus across runs; a crash or a broken invariant is saved in .build-fuzz/findings and ends the run with
# a failure. Replay one with a plain build: `swift build --product securechat-record-fuzz` and
# `.build/debug/securechat-record-fuzz FILE`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SWIFT="${SWIFT:-swift}"
SCRATCH=.build-fuzz
mkdir -p "$SCRATCH/corpus" "$SCRATCH/findings"

lld="$(dirname "$(command -v "$SWIFT" || echo /opt/swift/usr/bin/swift)")/ld.lld"
[[ -x "$lld" ]] || lld="$(command -v ld.lld || true)"
fuzzer="$(dirname "$(dirname "$(realpath "$(command -v "$SWIFT" || echo /opt/swift/usr/bin/swift)")")")"
fuzzer="$(find "$fuzzer/lib" -name 'libclang_rt.fuzzer-*.a' 2>/dev/null | head -n 1)"
if [[ -z "$lld" || -z "$fuzzer" ]]; then
    # The Swift toolchain from swift.org ships both; `make test` skips the fuzzing without them, except under CI.
    echo "fuzz: needs the Swift toolchain's ld.lld and libFuzzer runtime (libclang_rt.fuzzer), not found" >&2
    if [[ "${FUZZ_OPTIONAL:-0}" == 1 && -z "${CI:-}" ]]; then
        echo "fuzz: skipped" >&2
        exit 0
    fi
    exit 1
fi
printf '{"schemaVersion": "1.0", "linker": {"path": "%s"}}\n' "$lld" >"$SCRATCH/toolset.json"

"$SWIFT" build -c release --scratch-path "$SCRATCH" --product securechat-record-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --toolset "$PWD/$SCRATCH/toolset.json" >&2
options=(-max_total_time="${FUZZ_SECONDS:-120}" -max_len=4096 -timeout=10 -print_final_stats=1
    -artifact_prefix=findings/)
if ((${FUZZ_JOBS:-1} > 1)); then options+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
# From inside the scratch directory, where libFuzzer's job logs (fuzz-N.log) land.
cd "$SCRATCH"
./release/securechat-record-fuzz "${options[@]}" corpus
