# Thin wrappers over cargo; see README.md.
CARGO ?= cargo

.PHONY: build release test lint check smoke bench bench-quick

build:
	$(CARGO) build

release:
	$(CARGO) build --release

test:
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

check: lint test smoke

smoke: build
	AUTOAPPROVE=target/debug/autoapprove ./test-wrapper.sh

# Benchmarks: timings side by side with the references, reported as ratios; nothing is asserted.
# The table lands in bench/results/latest.md.
bench:
	python3 bench/run.py
	$(CARGO) bench --bench screen
	$(CARGO) bench --bench denylist

# One short round of each, to prove the benchmarks still run (CI).
bench-quick:
	python3 bench/run.py --quick
	$(CARGO) bench --bench screen -- --quick
	$(CARGO) bench --bench denylist -- --quick
