# SecureChat developer tasks. `make run` starts a local server; `make test` runs every test.

# The toolchain on PATH, else where the Swift images put it.
SWIFT ?= $(or $(shell command -v swift 2>/dev/null),/opt/swift/usr/bin/swift)
DATABASE ?= data/securechat.sqlite
# Where `make run` listens: loopback only unless told otherwise (`make run HOST=0.0.0.0 PORT=7443`).
HOST ?= 127.0.0.1
PORT ?= 7443
# Evaluated only when `run` needs it.
BIN_PATH = $(shell $(SWIFT) build --show-bin-path)

.PHONY: ctl build deps test-deps certs client-cert revoke crl run cluster test bench bench-web bench-postgres bench-cluster bench-anchors fuzz clean help

# Installs the missing Debian packages first (scripts/install-deps.sh says what it does and when it cannot).
deps:
	@bash scripts/install-deps.sh build

test-deps:
	@bash scripts/install-deps.sh test

build: deps
	$(SWIFT) build

help:
	@echo "make run [HOST=… PORT=…]      build, create development certificates if missing, start the server on"
	@echo "                              127.0.0.1:7443 (HOST=0.0.0.0 listens on every interface)"
	@echo "make cluster                  two nodes of one chat on a throw-away PostgreSQL, on 7443 and 7444 (docs/CLUSTER.md)"
	@echo "make test                     run all tests (they make their own certificates)"
	@echo "make bench                    release build, then the benchmark suite against a throw-away server (docs/BENCHMARKS.md)"
	@echo "make bench-postgres           the store and offline runs on PostgreSQL beside SQLite, with pgbench (needs postgresql)"
	@echo "make bench-cluster            fan-out on 1, 2 and 3 nodes of a cluster on one PostgreSQL (needs postgresql)"
	@echo "make bench-web                fan-out and idle connections over the line protocol and the WebSocket, alternately"
	@echo "make fuzz [FUZZ_SECONDS=120]  the TLS 1.3 record layer under libFuzzer and AddressSanitizer (docs/TLS.md)"
	@echo "make bench-anchors            the same modes against SecureChat, Mosquitto and ngIRCd on this machine (needs apt-get install mosquitto ngircd)"
	@echo "make ctl CMD='who'            ask the server make run started (status, who, kick NAME, reload; docs/OPERATIONS.md)"
	@echo "make build                    swift build"
	@echo "make certs                    create the development CA and server certificate if missing"
	@echo "make client-cert NAME=alice   issue certs/clients/alice.crt and .key"
	@echo "make revoke NAME=alice        revoke alice's certificate and regenerate certs/ca.crl"
	@echo "make crl                      regenerate certs/ca.crl"
	@echo "make clean                    remove build products (certificates and data are kept)"

certs: deps
	@bash certs/make-certs.sh

client-cert: certs
	@test -n "$(NAME)" || { echo "usage: make client-cert NAME=alice" >&2; exit 2; }
	@bash certs/make-certs.sh client '$(NAME)'

revoke:
	@test -n "$(NAME)" || { echo "usage: make revoke NAME=alice" >&2; exit 2; }
	@bash certs/make-certs.sh revoke '$(NAME)'

crl:
	@bash certs/make-certs.sh crl

# Client certificates are accepted (`optional`), so `make client-cert NAME=…` logs in as README shows; the CRL is
# passed only once one exists (after `make revoke` or `make crl`). `securechat-ctl status` (etc.) asks it through
# data/control.sock (docs/OPERATIONS.md).
run: build certs
	@mkdir -p -m 700 data
	"$(BIN_PATH)/securechat-server" --host $(HOST) --port $(PORT) \
		--cert certs/server.crt --key certs/server.key --ca certs/ca.crt --client-auth optional \
		$(if $(wildcard certs/ca.crl),--crl certs/ca.crl) \
		--database $(DATABASE) --control-socket data/control.sock

# The operator's client of the server `make run` started (its --control-socket is data/control.sock).
ctl:
	@"$(BIN_PATH)/securechat-ctl" --socket data/control.sock $(or $(CMD),status)

# Two nodes of one chat on a throw-away PostgreSQL, on 7443 and 7444, for trying a cluster by hand (docs/CLUSTER.md).
cluster: build certs test-deps
	@BIN="$(BIN_PATH)" bash scripts/cluster.sh

# The tests that run the server on PostgreSQL share one throw-away PostgreSQL server, started here and stopped after
# (scripts/test-postgres.sh; without PostgreSQL installed they are skipped, or fail under CI).
# Then the TLS record layer under the fuzzer for 30 s (bench/fuzz.sh, docs/TLS.md).
test: test-deps
	@bash scripts/test-postgres.sh run $(SWIFT) test
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30) FUZZ_OPTIONAL=1 SWIFT="$(SWIFT)" bash bench/fuzz.sh

# Builds in release mode (.build-release), starts a server with a temporary database and certificate, runs the
# standard suite and prints the summary; see docs/BENCHMARKS.md.
bench:
	SWIFT="$(SWIFT)" bash bench/run.sh

# The line protocol and the WebSocket, alternately on the same server (docs/WEB.md).
bench-web:
	SWIFT="$(SWIFT)" bash bench/web.sh

# The store and the offline path on PostgreSQL beside SQLite, with pgbench as the reference (needs PostgreSQL).
bench-postgres:
	SWIFT="$(SWIFT)" bash bench/postgres.sh

# Fan-out on one node and on two and three nodes of a cluster (needs PostgreSQL).
bench-cluster:
	SWIFT="$(SWIFT)" bash bench/cluster.sh

# The TLS 1.3 record layer under libFuzzer with AddressSanitizer for FUZZ_SECONDS (default 120); docs/TLS.md.
fuzz:
	SWIFT="$(SWIFT)" bash bench/fuzz.sh

# The targets' anchor servers (Mosquitto, ngIRCd) measured by the same modes as SecureChat, side by side.
bench-anchors:
	SWIFT="$(SWIFT)" bash bench/anchors.sh

clean:
	$(SWIFT) package clean
