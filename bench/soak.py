#!/usr/bin/env python3
"""A long run of autoapprove under mixed load: `make soak` (one hour; not part of CI).

Usage: bench/soak.py [SECONDS]        (default 3600; `SOAK_SECONDS=60 make soak` for a short one)

autoapprove runs this same script as its child (`--child`), on a PTY this side owns. The child
puts its terminal in raw mode, so every byte it writes reaches this side unchanged, then loops
until the time is up: a segment of mixed output (build-log text, TUI redraws with colours and
cursor moves, invalid UTF-8, random bytes but letters and shell operators), a terminal reset, and a `[y/n]` prompt that it waits
to have answered. This side reads everything, resizes the window every two seconds, and samples
autoapprove's memory. At the end the child reports how many prompts it asked and how many were
answered, and a hash of every byte it wrote; this side compares it with the hash of what it read
(less the title sequences autoapprove writes itself).

Prints: RSS and private memory (RssAnon) at the start (after a warm-up) and at the end, private
memory at up to five points in between (so flat can be told from growing), prompts asked and
answered, bytes written and bytes lost (a hash mismatch says the stream differs).
"""

import fcntl
import hashlib
import os
import pty
import random
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
END = b"\x1b[0mSOAK-END "
# What autoapprove itself writes to the terminal: the title, pushed, set and popped.
OWN = re.compile(rb"\x1b\[2[23];0t|\x1b\]2;autoapprove[^\x07]*\x07")
# Bytes held back from the hash: any sequence of its own, or the end marker, fits in them.
HOLD = 512
SIZES = ((100, 30), (132, 40), (80, 24), (200, 60))
WARM_UP = 10.0
# No output for this long means a prompt was not answered: the soak fails.
STALL = 30.0

NO_LETTERS = bytes(0xff if chr(b).isascii() and (chr(b).isalpha() or chr(b) in "<>|&;$`") else b
                   for b in range(256))

CONFIG = """nudge_sequence: []
settle: 20ms
min_send_interval: 0s
key_gap: 0s
prompt_rules:
  - description: soak prompt
    match_regex: '(?m)^Proceed with step \\d+\\? \\[y/n\\]\\s*$'
    send: 'y<Enter>'
"""


def segment(rng, n):
    """One segment of mixed output, the same for the same `n`: under 64 KiB of text, as the text
    shown since the last answer must be for autoapprove to answer the next prompt."""
    kind = n % 4
    if kind == 0:
        lines = (f"   Compiling crate-{n:05d}-{i} v0.1.0 (/work/x) warning: unused variable\r\n"
                 for i in range(500))
        return "".join(lines).encode()
    if kind == 1:
        frames = (f"\x1b[H\x1b[38;5;{i % 256}m\u276f \x1b[1mBash command\x1b[22m\x1b[{2 + i % 20};"
                  f"{1 + i % 60}H\x1b[7m spinner {i} \x1b[27m\u254c\u254c\u254c\x1b[K\r\n"
                  for i in range(500))
        return "".join(frames).encode()
    if kind == 2:
        return b"caf\xc3\xa9 \xff\xfe\xe2\x82 \xed\xa0\x80 ok\r\n" * 1000
    # Random bytes without letters or shell operators: the text shown before a prompt is judged
    # as commands too, and random bytes sometimes make one (`>~` writes outside the project), and
    # that prompt is then rightly left to the user.
    return rng.randbytes(12 * 1024).translate(NO_LETTERS)


def child(seconds):
    tty.setraw(0)
    out = os.fdopen(1, "wb", buffering=0)
    digest = hashlib.sha256()
    written = asked = answered = 0

    def write(data):
        nonlocal written
        digest.update(data)
        written += len(data)
        view = memoryview(data)
        while view:
            view = view[out.write(view):]

    rng = random.Random(7)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        write(segment(rng, n))
        # Whatever the random bytes left open (a string, a charset, a mode) is reset first.
        asked += 1
        write(b"\x18\x1bc" + f"Proceed with step {n}? [y/n] ".encode())
        answer = b""
        while not answer.endswith((b"\r", b"\n")):
            byte = os.read(0, 1)
            if not byte:
                break
            answer += byte
        if answer.strip() == b"y":
            answered += 1
        n += 1
    write(b"\x1bc")
    summary = f"asked={asked} answered={answered} bytes={written} sha256={digest.hexdigest()}\r\n"
    out.write(END + summary.encode())


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


def main():
    seconds = float(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SOAK_SECONDS", 3600))
    # The shipped build, as `make bench` uses it.
    subprocess.run(["make", "-s", "release"], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    binary = os.path.join(ROOT, subprocess.run(["make", "-s", "release-path"], cwd=ROOT, text=True,
                                               capture_output=True, check=True).stdout.strip())
    work = tempfile.mkdtemp(prefix="autoapprove-soak.")
    config = os.path.join(work, "soak.yaml")
    with open(config, "w") as f:
        f.write(CONFIG)

    master, slave = pty.openpty()
    cols, rows = SIZES[0]
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    tty.setraw(slave)

    def own_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    argv = [binary, "-v", "--config", config, "--log-file", os.path.join(work, "log"), "--",
            sys.executable, os.path.abspath(__file__), "--child", str(seconds)]
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=own_terminal,
                         close_fds=True)
    os.close(slave)

    digest = hashlib.sha256()
    pending = b""
    summary = None
    start = time.monotonic()
    first = last = None
    # Private memory along the way: (minutes, KiB) every sixth of the run after the warm-up.
    along = []
    sample_every = max(WARM_UP, seconds / 6)
    next_sample = start + WARM_UP + sample_every
    resizes = 0
    own = 0
    last_output = start
    next_resize = start + 2.0
    while summary is None:
        now = time.monotonic()
        if now >= next_resize:
            resizes += 1
            cols, rows = SIZES[resizes % len(SIZES)]
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            next_resize = now + 2.0
        if first is None and now - start >= WARM_UP:
            first = memory(p.pid)
        if now >= next_sample:
            next_sample += sample_every
            try:
                along.append(((now - start) / 60, memory(p.pid)["RssAnon"]))
            except OSError:
                pass  # autoapprove has just exited: the end's sample says the rest
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if p.poll() is not None:
                break
            if now - last_output > STALL:
                print(f"soak: no output for {STALL:.0f} s: a prompt was not answered; see {work}/log",
                      file=sys.stderr)
                print(f"  the last bytes that reached the terminal: {pending[-120:]!r}", file=sys.stderr)
                for kid in open(f"/proc/{p.pid}/task/{p.pid}/children").read().split():
                    wchan = open(f"/proc/{kid}/wchan").read()
                    print(f"  autoapprove's child {kid} waits in {wchan}", file=sys.stderr)
                p.kill()
                sys.exit(1)
            continue
        last_output = now
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        pending, removed = OWN.subn(b"", pending + data)
        own += removed
        at = pending.find(END)
        if at >= 0:
            digest.update(pending[:at])
            rest = pending[at + len(END):]
            while b"\n" not in rest:
                rest += os.read(master, 4096)
            summary = rest.split(b"\n", 1)[0].decode().strip()
            last = memory(p.pid)
        elif len(pending) > HOLD:
            digest.update(pending[:-HOLD])
            pending = pending[-HOLD:]
    # Drain until autoapprove exits (its reset of the terminal comes after the child's end).
    while True:
        try:
            if not os.read(master, 65536):
                break
        except OSError:
            break
    code = p.wait()
    elapsed = time.monotonic() - start

    if summary is None:
        print(f"soak: the child's summary never came (autoapprove exit {code})", file=sys.stderr)
        sys.exit(1)
    fields = dict(re.findall(r"(\w+)=(\S+)", summary))
    lost = "none" if fields["sha256"] == digest.hexdigest() else "STREAM DIFFERS"
    first = first or last
    print(f"| soak, {elapsed / 60:.0f} min, {resizes} resizes | start (after {WARM_UP:.0f} s) | end |")
    print("|---|---|---|")
    print(f"| RSS | {first['VmRSS']} KiB | {last['VmRSS']} KiB |")
    print(f"| private (RssAnon) | {first['RssAnon']} KiB | {last['RssAnon']} KiB |")
    print("| private (RssAnon) along the way | | "
          + ", ".join(f"{kib} KiB at {minutes:.0f} min" for minutes, kib in along) + " |")
    print(f"| prompts answered | | {fields['answered']} of {fields['asked']} |")
    print(f"| bytes written / lost | | {int(fields['bytes']):,} / {lost} |")
    print(f"| title sequences of autoapprove's own, not counted | | {own} |")
    print(f"| autoapprove's exit code | | {code} |")
    ok = lost == "none" and fields["answered"] == fields["asked"] and code == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(float(sys.argv[sys.argv.index("--child") + 1]))
    else:
        main()
