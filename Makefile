# Thin wrappers over cargo; see README.md.
CARGO ?= cargo

PREFIX ?= $(HOME)/.local

# The shipped binary is linked statically on glibc Linux: the dynamic loader and a shared libc
# would add over 1 MiB to the resident set (IMPLEMENTATION.md, "Performance"). `--target` keeps the
# flag away from build scripts and proc-macros, which must stay dynamic.
HOST := $(shell rustc -vV | sed -n 's/^host: //p')
ifneq ($(filter %-linux-gnu,$(HOST)),)
RELEASE_BUILD = RUSTFLAGS="$(RUSTFLAGS) -C target-feature=+crt-static" $(CARGO) build --release --target $(HOST)
RELEASE_BIN = target/$(HOST)/release/autoapprove
else
RELEASE_BUILD = $(CARGO) build --release
RELEASE_BIN = target/release/autoapprove
endif

.PHONY: build release release-path install test lint check smoke smoke-release bench bench-quick soak

build:
	$(CARGO) build

release:
	$(RELEASE_BUILD)
	@echo "built $(RELEASE_BIN)"

release-path:
	@echo $(RELEASE_BIN)

install: release
	install -D -m 755 $(RELEASE_BIN) $(PREFIX)/bin/autoapprove

test:
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

check: lint test smoke

smoke: build
	AUTOAPPROVE=target/debug/autoapprove ./test-wrapper.sh

# The same checks against the shipped (static) build.
smoke-release: release
	AUTOAPPROVE=$(RELEASE_BIN) ./test-wrapper.sh

# Benchmarks: timings side by side with the references, reported as ratios; nothing is asserted.
# The table lands in bench/results/latest.md.
bench:
	python3 bench/run.py
	$(CARGO) bench --bench screen
	$(CARGO) bench --bench denylist

# One short round of each, to prove the benchmarks still run (CI).
bench-quick:
	python3 bench/run.py --quick
	$(CARGO) bench --bench screen -- --sample-count 3 --sample-size 1
	$(CARGO) bench --bench denylist -- --sample-count 3 --sample-size 1

# One hour of mixed output, prompts and resizes; reports memory at the start and the end, prompts
# answered and bytes lost (BENCHMARKS.md). Not part of CI. `SOAK_SECONDS=60 make soak` for a short one.
soak:
	python3 bench/soak.py
