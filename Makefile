# SecureChat developer tasks. `make run` starts a local server; `make test` runs every test.

SWIFT ?= swift
DATABASE := data/securechat.sqlite
# Evaluated only when `run` needs it.
BIN_PATH = $(shell $(SWIFT) build --show-bin-path)

.PHONY: build certs client-cert revoke crl run test bench bench-anchors clean help

build:
	$(SWIFT) build

help:
	@echo "make run                      build, create development certificates if missing, start the server on port 7443"
	@echo "make test                     run all tests (they make their own certificates)"
	@echo "make bench                    release build, then the benchmark suite against a throw-away server (docs/BENCHMARKS.md)"
	@echo "make bench-anchors            the same modes against SecureChat, Mosquitto and ngIRCd on this machine (needs apt-get install mosquitto ngircd)"
	@echo "make build                    swift build"
	@echo "make certs                    create the development CA and server certificate if missing"
	@echo "make client-cert NAME=alice   issue certs/clients/alice.crt and .key"
	@echo "make revoke NAME=alice        revoke alice's certificate and regenerate certs/ca.crl"
	@echo "make crl                      regenerate certs/ca.crl"
	@echo "make clean                    remove build products (certificates and data are kept)"

certs:
	@bash certs/make-certs.sh

client-cert: certs
	@test -n "$(NAME)" || { echo "usage: make client-cert NAME=alice" >&2; exit 2; }
	@bash certs/make-certs.sh client '$(NAME)'

revoke:
	@test -n "$(NAME)" || { echo "usage: make revoke NAME=alice" >&2; exit 2; }
	@bash certs/make-certs.sh revoke '$(NAME)'

crl:
	@bash certs/make-certs.sh crl

# The CRL is passed only once one exists (after `make revoke` or `make crl`).
run: build certs
	"$(BIN_PATH)/securechat-server" \
		--cert certs/server.crt --key certs/server.key --ca certs/ca.crt \
		$(if $(wildcard certs/ca.crl),--crl certs/ca.crl) \
		--database $(DATABASE)

test:
	$(SWIFT) test

# Builds in release mode (.build-release), starts a server with a temporary database and certificate, runs the
# standard suite and prints the summary; see docs/BENCHMARKS.md.
bench:
	SWIFT="$(SWIFT)" bash bench/run.sh

# The targets' anchor servers (Mosquitto, ngIRCd) measured by the same modes as SecureChat, side by side.
bench-anchors:
	SWIFT="$(SWIFT)" bash bench/anchors.sh

clean:
	$(SWIFT) package clean
