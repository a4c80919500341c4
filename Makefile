# Shockwave build and test entry points. `make test` is what CI runs (.ci/run);
# it must work on a fresh machine, so it fetches what it needs itself.

GO        ?= go
MODULES   := . bench
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
COUNT     ?= 6

.PHONY: test fmt-check vet unit bench fuzz tools

test: fmt-check vet unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

unit:
	@for m in $(MODULES); do echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

# Competitive benchmarks against the anchors, run in one process so the
# ratios are meaningful on a noisy machine. Pipe through benchstat.
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./...

# Every fuzz target for a short, fixed time each. Crashers land in
# testdata/fuzz and become regression cases in `make test`.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done
