#!/usr/bin/env bash
# A smoke test of the real binary that a person can run (and CI does): each check runs
# autoapprove on a small script and looks at what the script received, the log and the exit code.
# Usage: ./test-wrapper.sh            (builds target/debug/autoapprove if needed)
#        AUTOAPPROVE=/path/to/binary ./test-wrapper.sh
set -u
cd "$(dirname "$0")"

aa=${AUTOAPPROVE:-target/debug/autoapprove}
if [ ! -x "$aa" ]; then
  cargo build --quiet || exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() { # check NAME CONDITION-COMMAND…
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    printf 'PASS  %s\n' "$name"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$name"
  fi
}

contains() { grep -qF -- "$2" "$1"; }

# 1. A [y/n] prompt is answered with y.
"$aa" --log-file "$work/yes.log" -- bash -c 'read -p "Continue? [y/n] " x; echo "got:[$x]"' \
  </dev/null >"$work/yes.out" 2>&1
check "a [y/n] prompt is answered with y" contains "$work/yes.out" "got:[y]"

# 2. A prompt below a dangerous command is left alone (the script's read times out instead).
"$aa" --log-file "$work/danger.log" -- bash -c \
  'echo "next: rm -rf /"; read -t 3 -p "Continue? [y/n] " x; echo "got:[$x]"' \
  </dev/null >"$work/danger.out" 2>&1
check "a dangerous prompt is not answered" contains "$work/danger.out" "got:[]"
check "the dangerous command is logged" contains "$work/danger.log" "DANGEROUS_COMMAND"
check "MANUAL_MODE is logged" contains "$work/danger.log" 'to="MANUAL_MODE"'

# 3. An idle program gets a nudge (Enter first).
"$aa" --idle 300ms -- bash -c 'read x; echo "nudged:[$x]"' </dev/null >"$work/idle.out" 2>&1
check "an idle program is nudged" contains "$work/idle.out" "nudged:[]"

# 4. Exit codes pass through.
"$aa" -- sh -c 'exit 7' </dev/null >/dev/null 2>&1
check "the child's exit code passes through" test $? -eq 7
"$aa" -- sh -c 'kill -9 $$' </dev/null >/dev/null 2>&1
check "a child killed by signal 9 gives 137" test $? -eq 137
"$aa" -- no-such-command-anywhere </dev/null >/dev/null 2>&1
check "a missing command gives 127" test $? -eq 127

# 5. Configuration: the defaults round-trip, a bad file is refused with its position.
"$aa" --show-defaults >"$work/defaults.yaml"
"$aa" --config "$work/defaults.yaml" -- true </dev/null >/dev/null 2>&1
check "--show-defaults is accepted by --config" test $? -eq 0
printf 'idle_timeout: 5s\nmatch_regx: x\n' >"$work/bad.yaml"
"$aa" --config "$work/bad.yaml" -- true </dev/null >/dev/null 2>"$work/bad.err"
check "a bad config exits 2" test $? -eq 2
check "a bad config names FILE:LINE:COL" contains "$work/bad.err" "bad.yaml:2:1: unknown field"

# 6. The guard: a write no pattern allows is denied, the program goes on, the denial is logged.
XDG_CONFIG_HOME="$work/config" "$aa" --log-file "$work/guard.log" --guard=deny \
  --guard-allow 'open(**/allowed, ...)' -- \
  sh -c 'echo a > "$1/allowed"; echo d > "$1/denied"; echo "went on"' sh "$work" \
  </dev/null >"$work/guard.out" 2>&1
check "the guard allows what a pattern allows" test -e "$work/allowed"
check "the guard denies the rest" test ! -e "$work/denied"
check "the guarded program goes on" contains "$work/guard.out" "went on"
check "the denial is logged" contains "$work/guard.log" "GUARD_DENIED"

# 7. Decisions from elsewhere: a client denies the guard's question; respond ends with the
#    program's exit code.
XDG_CONFIG_HOME="$work/config" "$aa" -q --guard --background "$work/bg" -- \
  sh -c 'echo d > "$1/asked"; exit 5' sh "$work" </dev/null >/dev/null 2>&1 &
"$aa" wait "$work/bg" >"$work/event.json"
seq=$(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$work/event.json")
"$aa" respond "$work/bg" "$seq" deny >"$work/done.json"
code=$?
wait
check "a background client is asked" contains "$work/event.json" '"kind":"guard"'
check "what it denies is not written" test ! -e "$work/asked"
check "respond ends with the program's exit code" test "$code" -eq 5
check "the done event says it" contains "$work/done.json" '"exit_code":5'

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
