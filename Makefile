# Thin wrappers over cargo; see README.md.
CARGO ?= cargo

.PHONY: build release test lint check smoke bench

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

# Benchmarks: timings side by side with a reference, reported as ratios; nothing is asserted.
bench:
	$(CARGO) bench --bench denylist
