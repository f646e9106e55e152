# Thin wrappers over cargo; see README.md.
CARGO ?= cargo

PREFIX ?= $(HOME)/.local

# The shipped binary is what `cargo install --path .` builds: target/release/autoapprove.
RELEASE_BIN = target/release/autoapprove

# Where the man page and the completions go under PREFIX.
MAN_DIR = $(PREFIX)/share/man/man1
BASH_DIR = $(PREFIX)/share/bash-completion/completions
ZSH_DIR = $(PREFIX)/share/zsh/site-functions
FISH_DIR = $(PREFIX)/share/fish/vendor_completions.d

.PHONY: build release release-path install test lint check smoke smoke-release bench bench-quick soak

build:
	$(CARGO) build

release:
	$(CARGO) build --release
	@echo "built $(RELEASE_BIN)"

release-path:
	@echo $(RELEASE_BIN)

# `cargo install` for the binary, then what the binary prints of itself: the man page and the
# completions, where man, bash-completion, zsh and fish look for them.
install:
	$(CARGO) install --path . --root $(PREFIX)
	mkdir -p $(MAN_DIR) $(BASH_DIR) $(ZSH_DIR) $(FISH_DIR)
	$(PREFIX)/bin/autoapprove man > $(MAN_DIR)/autoapprove.1
	$(PREFIX)/bin/autoapprove completions bash > $(BASH_DIR)/autoapprove
	$(PREFIX)/bin/autoapprove completions zsh > $(ZSH_DIR)/_autoapprove
	$(PREFIX)/bin/autoapprove completions fish > $(FISH_DIR)/autoapprove.fish

test:
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --document-private-items

check: lint test smoke

smoke: build
	AUTOAPPROVE=target/debug/autoapprove ./test-wrapper.sh

# The same checks against the shipped build.
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
