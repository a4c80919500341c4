# Shockwave build and test entry points. `make test` is what CI runs (.ci/run);
# it must work on a fresh machine, so it installs the real peers it tests
# against itself: h2spec from the Go module proxy, h2load/nghttp/curl and
# protoc from Debian.
#
# Tests that drive a real peer are built with the `peers` tag. Under that tag
# a missing peer is a test failure, never a silent skip; `make test` always
# sets the tag after installing the peers.

GO        ?= go
MODULES   := . bench interop
BIN       := $(CURDIR)/bin
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
COUNT     ?= 6
TAGS      := peers

export PATH := $(BIN):$(PATH)
# internal/gen checks `shockwave gen` byte for byte against real protoc.
export SHOCKWAVE_TEST_PROTOC := 1

.PHONY: test fmt-check vet unit peers debs bench fuzz

test: fmt-check vet peers unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "== go vet ($$m)"; (cd $$m && $(GO) vet -tags $(TAGS) ./...) || exit 1; done

unit:
	@for m in $(MODULES); do echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 -tags $(TAGS) ./...) || exit 1; done

# Real peers. h2spec is pinned; Debian packages are installed only if missing.
peers: $(BIN)/h2spec debs

$(BIN)/h2spec:
	GOBIN=$(BIN) $(GO) install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible

debs:
	@if ! command -v h2load >/dev/null || ! command -v nghttp >/dev/null || ! command -v curl >/dev/null || ! command -v protoc >/dev/null; then \
	  echo "== apt-get install nghttp2-client curl protobuf-compiler"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client curl protobuf-compiler >/dev/null; \
	fi

# Competitive benchmarks against the anchors, run in one process so the
# ratios are meaningful on a noisy machine. Compare with
# `benchstat -col /impl`.
bench:
	cd bench && $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./...

# Every fuzz target for a short, fixed time each. Crashers land in
# testdata/fuzz and become regression cases in `make test`.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done
