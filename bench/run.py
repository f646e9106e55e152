#!/usr/bin/env python3
"""autoapprove's benchmarks, side by side with the tools people use instead, in one run.

Usage: bench/run.py [--quick]   (make bench; CI runs --quick only to prove it still works)

Builds the release binary and the minimal C relay (bench/relay.c), finds `script` and expect's
`unbuffer`, then runs every scenario for every tool alternately, several rounds, and prints a table
of medians and ratios to autoapprove. The table also goes to bench/results/latest.md. Nothing here
asserts a time: targets that are missed are marked MISS in the table.
"""

import fcntl
import os
import random
import pty
import select
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = "--quick" in sys.argv
# `--only NAME` runs one of the scenarios.
ONLY = (sys.argv[sys.argv.index("--only") + 1:] or [""])[0] if "--only" in sys.argv else None
SCENARIOS = ("throughput", "keystrokes", "prompts", "idle", "memory", "scaling", "guard", "background",
             "claude")
if ONLY is not None and ONLY not in SCENARIOS:
    print(f"bench/run.py: --only takes one of {', '.join(SCENARIOS)}, not `{ONLY}`", file=sys.stderr)
    sys.exit(2)
WORK = tempfile.mkdtemp(prefix="autoapprove-bench.")
# The shipped build (`make release`, what `cargo install` builds); its path comes from the Makefile.
AA = os.path.join(ROOT, subprocess.run(["make", "-s", "release-path"], cwd=ROOT, capture_output=True,
                                       text=True, check=True).stdout.strip())
RELAY = os.path.join(WORK, "relay")
SUPERVISOR = os.path.join(WORK, "seccomp_supervisor")
TICK = os.sysconf("SC_CLK_TCK")

ROUNDS = 1 if QUICK else 5
# A flood takes a second and two cores make its time swing by ±10 %: more rounds, a steadier median.
THROUGHPUT_ROUNDS = 1 if QUICK else 9
# `--record` and autoapprove alone, back to back, until they have this many rounds each: nine
# rounds leave their ratio ±0.07 from run to run, too wide to tell 1.06 from the 1.10 target.
RECORD_ROUNDS = 1 if QUICK else 31
MB = 1_000_000
THROUGHPUT_MB = 10 if QUICK else 100
# Busy work given to the C relay beside the tools: what screen models at 1 GB/s and 250 MB/s cost.
BUSY_NS_PER_KIB = (1000, 4000)
KEYSTROKES = 200 if QUICK else 2000
PROMPTS = 10 if QUICK else 100
IDLE_SECONDS = 3 if QUICK else 30


def log(message):
    print(message, file=sys.stderr, flush=True)


def build():
    log("building the release binary and the C relay …")
    subprocess.run(["make", "-s", "release"], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    subprocess.run(["cc", "-O2", "-o", RELAY, os.path.join(ROOT, "bench", "relay.c"), "-lutil"], check=True)
    subprocess.run(["cc", "-O2", "-o", SUPERVISOR, os.path.join(ROOT, "bench", "seccomp_supervisor.c")],
                   check=True)
    if not shutil.which("unbuffer") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing expect (for unbuffer) …")
        subprocess.run(["apt-get", "install", "-y", "-q", "expect"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def config(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# The benchmark's configs: quiet logs, no idle nudges (they would be timers), fast answers.
BASE = "nudge_sequence: []\nsettle: 20ms\nmin_send_interval: 0s\nkey_gap: 0s\n"


def rules(n):
    extra = "".join(
        f"  - description: filler {i}\n    match_regex: 'never-matches-{i} [a-z]+ \\d+$'\n    send: 'n<Enter>'\n"
        for i in range(n - 2))
    return (BASE + "prompt_rules:\n"
            "  - description: yes-no\n    match_regex: '(?m)\\[y/n\\]\\s*$'\n    send: 'y<Enter>'\n"
            "  - description: tui\n    match_regex: 'Do you want to proceed\\?\\n.*1\\. Yes'\n    send: 'y<Enter>'\n"
            + extra)


def tools(config_path, with_none=False, interactive=False):
    found = []
    if with_none:
        found.append(("no wrapper", lambda argv: argv))
    found.append(("C relay", lambda argv: [RELAY] + argv))
    found.append(("script", lambda argv: ["script", "-qec", shlex.join(argv), "/dev/null"]))
    if shutil.which("unbuffer"):
        # Typing needs `-p` (stdin passed on); without input it must not have it (it ends at EOF).
        flags = ["-p"] if interactive else []
        found.append(("unbuffer", lambda argv: ["unbuffer"] + flags + argv))
    found.append(("autoapprove", lambda argv: [AA, "-q", "--config", config_path, "--"] + argv))
    return found


def proc_cpu(pid):
    """CPU seconds used so far by pid (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError):
        return None


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def wakeups(pid):
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            for key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                value = proc_status(f"{pid}/task/{task}", key)
                total += value or 0
    except OSError:
        return None
    return total


class Sampler(threading.Thread):
    """Samples a process's CPU time, peak RSS and peak private memory (RssAnon: what the process
    alone costs the machine, no shared or file-backed pages) until it exits."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.cpu, self.peak_kb, self.anon_kb, self.done = pid, 0.0, 0, 0, False

    def run(self):
        while not self.done:
            cpu = proc_cpu(self.pid)
            peak = proc_status(self.pid, "VmHWM")
            anon = proc_status(self.pid, "RssAnon")
            if cpu is None or peak is None:
                break
            self.cpu, self.peak_kb = cpu, max(self.peak_kb, peak)
            self.anon_kb = max(self.anon_kb, anon or 0)
            time.sleep(0.01)


def run_sampled(argv, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL)
    sampler = Sampler(p.pid)
    sampler.start()
    p.wait()
    wall = time.perf_counter() - start
    sampler.done = True
    sampler.join()
    return wall, sampler.cpu, sampler.peak_kb


def make_data():
    plain = os.path.join(WORK, "plain.txt")
    line = b"   Compiling crate-%05d v0.1.0 (/work/x) warning: unused variable `x` at src/lib.rs:42\r\n"
    with open(plain, "wb") as f:
        written, i = 0, 0
        while written < THROUGHPUT_MB * MB:
            chunk = b"".join(line % ((i + k) % 100000) for k in range(1000))
            f.write(chunk)
            written += len(chunk)
            i += 1000
    escapes = os.path.join(WORK, "escapes.txt")
    frame = ("\x1b[H\x1b[38;5;246m\u276f \x1b[1mBash command\x1b[22m\x1b[3;2Hrm\x1b[6G-rf\x1b[10G/tmp/x"
             "\r\x1b[1B\x1b[2G\x1b[38;5;153m\u276f\x1b[4G1. Yes\x1b[K\r\x1b[1B\u254c\u254c\u254c"
             "\x1b[0m\x1b[20;1H\x1b[?25l\x1b[%d;%dH\x1b[7m spinner \x1b[27m").encode()
    with open(escapes, "wb") as f:
        written, i = 0, 0
        while written < THROUGHPUT_MB * MB:
            chunk = b"".join(frame % (2 + (i + k) % 20, 1 + (i + k) % 60) for k in range(500))
            f.write(chunk)
            written += len(chunk)
            i += 500
    # Output that is not text: a stream of 0xFF (every byte an invalid UTF-8 sequence) and random
    # bytes (binary, the odd escape sequence).
    invalid = os.path.join(WORK, "invalid-utf8.bin")
    with open(invalid, "wb") as f:
        f.write(b"\xff" * (THROUGHPUT_MB * MB))
    binary = os.path.join(WORK, "random.bin")
    with open(binary, "wb") as f:
        f.write(random.Random(7).randbytes(THROUGHPUT_MB * MB))
    return plain, escapes, invalid, binary


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def throughput(rows, streams, cfg):
    cast = os.path.join(WORK, "throughput.cast")
    typescript = os.path.join(WORK, "throughput.typescript")
    stamp = os.path.join(WORK, "output-done")
    # `--record` beside the rest: it must not slow the relay (its ratio is to autoapprove).
    recording = ("autoapprove --record", lambda argv: [AA, "-q", "--config", cfg, "--record", cast, "--"] + argv)
    # The reference for what keeping a copy of a flood costs: `script` writing its typescript to
    # a file (its ratio is to `script` writing to /dev/null).
    script_keeping = ("script, keeping a typescript",
                      lambda argv: ["script", "-qec", shlex.join(argv), typescript])
    # The C relay made to spin after each write, as a relay that models the screen works: on a
    # VM whose idle vCPUs halt at once, a few µs of work per chunk can cost more wall time than
    # more work does. These rows show this machine's answer in the same run.
    busy = [(f"C relay + {ns / 1000:g} µs/KiB of busy work",
             lambda argv, ns=ns: ["env", f"RELAY_BUSY_NS_PER_KIB={ns}", RELAY] + argv)
            for ns in BUSY_NS_PER_KIB]
    def run(wrap, path):
        # Untimed: a fresh cast file (truncating the last one's cached pages took the
        # recording's time) and nothing left to write back.
        for kept in (cast, typescript):
            if os.path.exists(kept):
                os.unlink(kept)
        os.sync()
        # The program notes when it has written the last byte (the relay has taken all but what
        # the PTY holds): a recording's writer may still be at work then.
        began = time.time()
        wall, cpu, _ = run_sampled(wrap(["sh", "-c", 'cat "$1" && date +%s.%N >"$2"', "sh",
                                         path, stamp]))
        with open(stamp) as f:
            return wall, cpu, float(f.read()) - began

    for label, path in streams:
        size = os.path.getsize(path)
        candidates = tools(cfg) + [recording, script_keeping] + busy
        results = {name: [] for name, _ in candidates}
        for round_ in range(THROUGHPUT_ROUNDS):
            # Each round starts with another tool: the one after a recording runs while the
            # machine writes back hundreds of MB of cast file.
            turn = round_ % len(candidates)
            for name, wrap in candidates[turn:] + candidates[:turn]:
                results[name].append(run(wrap, path))
        # The extra rounds of `--record` and autoapprove alone, each pair back to back, taking
        # turns to go first.
        pair = [("autoapprove", dict(candidates)["autoapprove"]), recording]
        alone = list(results["autoapprove"])
        for round_ in range(THROUGHPUT_ROUNDS, RECORD_ROUNDS):
            for name, wrap in pair[round_ % 2:] + pair[:round_ % 2]:
                (alone if name == "autoapprove" else results[name]).append(run(wrap, path))

        # Ratios are the median of each round's own ratio: the tools of a round ran back to back,
        # so what slows the machine for a minute slows both sides of it.
        def ratios(runs, base, field):
            return [r[field] / b[field] for r, b in zip(runs, base)]

        def paired(runs, base, field=0):
            return median(ratios(runs, alone if base == "autoapprove" else results[base], field))

        def spread(runs, field):
            # The middle half of the rounds' own ratios: how sure the median is.
            middle = ratios(runs, alone, field)
            return f"{percentile(middle, 25):.2f}–{percentile(middle, 75):.2f}"

        for name, runs in results.items():
            wall = median([w for w, _, _ in runs])
            cpu = median([c for _, c, _ in runs])
            scenario = f"throughput, {label}, {size // MB} MB"
            if name == recording[0]:
                done = median([d for _, _, d in runs])
                middle = f"{len(runs)} rounds, middle half of their ratios"
                rows.append((scenario, f"{name}: the program's output through",
                             f"{done:.2f} s, {size / MB / done:.0f} MB/s ({middle} {spread(runs, 2)})",
                             paired(runs, "autoapprove", 2), "autoapprove", 1.10))
                rows.append((scenario, f"{name}: until the recording is complete",
                             f"{wall:.2f} s wall, {cpu:.2f} s CPU ({middle} {spread(runs, 0)})",
                             paired(runs, "autoapprove"), "autoapprove", None))
                continue
            if name == script_keeping[0]:
                done = median([d for _, _, d in runs])
                rows.append((scenario, f"{name}: the program's output through",
                             f"{done:.2f} s, {size / MB / done:.0f} MB/s", paired(runs, "script", 2),
                             "script", None))
                continue
            rows.append((scenario, name, f"{wall:.2f} s wall, {cpu:.2f} s CPU, {size / MB / wall:.0f} MB/s",
                         paired(runs, "C relay"), "C relay", 1.10 if name == "autoapprove" else None))


def spawn_on_pty(argv, cols=80, rows=24):
    """Runs argv with a new PTY as its controlling terminal, in raw mode; returns (pid, master)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    tty.setraw(slave)

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup,
                         close_fds=True)
    os.close(slave)
    return p, master


def read_until(master, needle, deadline=10.0):
    seen = b""
    end = time.monotonic() + deadline
    while needle not in seen:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {needle!r} in {seen[-200:]!r}")
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                raise TimeoutError(f"terminal closed before {needle!r}")
            if not data:
                raise TimeoutError(f"terminal closed before {needle!r}")
            seen += data
    return seen


def keystroke_round(cfg):
    """One round: every tool's p50 and p99 round trip in seconds, over KEYSTROKES keys each."""
    echo = ["sh", "-c", "stty raw -echo; printf READY; exec cat"]
    # Every tool's session stays open and they take turns 50 keys at a time, so a noisy stretch
    # of the machine lands on all of them alike.
    # The C relay twice: how far two copies of one program drift apart is the run's noise.
    candidates = tools(cfg, with_none=True, interactive=True)
    candidates.insert(2, ("C relay, 2nd copy", lambda argv: [RELAY] + argv))
    # Typing while recorded: the writer wakes at each echo (what it costs at an agent's pace).
    cast = os.path.join(WORK, "keystrokes.cast")
    candidates.append(("autoapprove --record",
                       lambda argv: [AA, "-q", "--config", cfg, "--record", cast, "--"] + argv))
    sessions = []
    for name, wrap in candidates:
        p, master = spawn_on_pty(wrap(echo))
        read_until(master, b"READY")
        sessions.append((name, p, master))
    samples = {name: [] for name, _, _ in sessions}
    try:
        for turn in range(KEYSTROKES // 50):
            for name, _, master in sessions:
                for i in range(50):
                    key = bytes([ord("a") + (turn + i) % 26])
                    start = time.perf_counter()
                    os.write(master, key)
                    read_until(master, key)
                    samples[name].append(time.perf_counter() - start)
    finally:
        for _, p, master in sessions:
            p.kill()
            p.wait()
            os.close(master)
    return {name: (percentile(v, 50), percentile(v, 99)) for name, v in samples.items()}


def keystrokes(rows, cfg):
    # Several rounds and their medians, as for every other scenario: this machine has stretches
    # of scheduling noise that put milliseconds on every tool's tail alike, even with no wrapper.
    rounds = [keystroke_round(cfg) for _ in range(ROUNDS)]
    med = {name: tuple(statistics.median(r[name][k] for r in rounds) for k in (0, 1))
           for name in rounds[0]}
    base99, script99 = med["no wrapper"][1], med["script"][1]
    for name, (p50, p99) in med.items():
        added = (p99 - base99) * 1e3
        if name == "autoapprove --record":
            rows.append((f"keystroke round trip ({ROUNDS}×{KEYSTROKES} keys)", name,
                         f"p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms", p99 / med["autoapprove"][1],
                         "autoapprove p99", None))
            continue
        rows.append((f"keystroke round trip ({ROUNDS}×{KEYSTROKES} keys)", name,
                     f"p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms (+{added:.3f} ms p99 over no wrapper)",
                     p99 / script99, "script p99", 1.0 if name == "autoapprove" else None))
        if name == "autoapprove":
            rows.append(("keystroke, added p99 over no wrapper", name, f"{added:.3f} ms",
                         added, "ms (target ≤ 1)", 1.0))


PROMPT_CHILD = r'''
import os, sys, time, termios
mode, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fd = sys.stdin.fileno()
attrs = termios.tcgetattr(fd)
attrs[3] |= termios.ICANON | termios.ECHO
termios.tcsetattr(fd, termios.TCSANOW, attrs)
times = []
for i in range(count):
    if mode == "line":
        sys.stdout.write("step %d: Continue? [y/n] " % i)
    else:
        sys.stdout.write("\x1b[?1049h\x1b[2J\x1b[3;2HBash\x1b[7Gcommand %d\r\x1b[2B\x1b[2GDo\x1b[5Gyou"
                         "\x1b[9Gwant\x1b[14Gto\x1b[17Gproceed?\r\x1b[1B\x1b[2G\u276f 1. Yes\x1b[20;1H" % i)
    sys.stdout.flush()
    start = time.monotonic()
    sys.stdin.readline()
    times.append(time.monotonic() - start)
with open(out, "w") as f:
    f.write("\n".join("%.6f" % t for t in times))
print("PROMPTS-DONE")
'''


def prompts(rows, cfg):
    script = config("prompt_child.py", PROMPT_CHILD)
    settle = 0.020
    for mode, label in (("line", "[y/n] line prompt"), ("tui", "cursor-painted TUI prompt")):
        values = []
        for _ in range(ROUNDS):
            out = os.path.join(WORK, f"prompt-{mode}.txt")
            p, master = spawn_on_pty([AA, "-q", "--config", cfg, "--", sys.executable, script, mode,
                                      str(max(1, PROMPTS // ROUNDS)), out])
            try:
                read_until(master, b"PROMPTS-DONE", deadline=120)
            finally:
                p.wait()
                os.close(master)
            with open(out) as f:
                values += [float(x) for x in f.read().split()]
        p50, p99 = percentile(values, 50) * 1e3, percentile(values, 99) * 1e3
        beyond = p50 - settle * 1e3
        rows.append((f"prompt answered, {label} ({len(values)} prompts)", "autoapprove",
                     f"p50 {p50:.1f} ms, p99 {p99:.1f} ms; p50 beyond the {settle * 1e3:.0f} ms settle: "
                     f"{beyond:.1f} ms", beyond, "ms (target ≤ 10)", 10.0))


def idle(rows, cfg):
    # Every tool at once: silent processes do not disturb one another, and it saves minutes.
    procs = [(name, subprocess.Popen(wrap(["sleep", str(IDLE_SECONDS + 2)]), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
             for name, wrap in tools(cfg)]
    time.sleep(1.0)  # let them start up before the window opens
    before = {name: (proc_cpu(p.pid), wakeups(p.pid)) for name, p in procs}
    time.sleep(IDLE_SECONDS)
    for name, p in procs:
        cpu1, wake1 = proc_cpu(p.pid), wakeups(p.pid)
        cpu0, wake0 = before[name]
        ticks = round(((cpu1 or 0) - (cpu0 or 0)) * TICK)
        woke = (wake1 or 0) - (wake0 or 0)
        rows.append((f"idle, child silent for {IDLE_SECONDS} s", name,
                     f"{ticks} CPU ticks, {woke} wake-ups", ticks, "ticks (target 0)",
                     0 if name == "autoapprove" else None))
    for _, p in procs:
        p.wait()


# What the memory workload prints once its output is done; it then waits for a line.
RESTING = b"aa-bench-output-done"


class Drain(threading.Thread):
    """Reads a PTY's output to its end; `done` is set once RESTING has gone by."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.done = master, threading.Event()

    def run(self):
        last = b""
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self.done.set()
                return
            last = (last + chunk)[-2 * len(RESTING):]
            if RESTING in last:
                self.done.set()


def resting_anon_kb(pid, deadline=10.0):
    """RssAnon once it has held still for 0.2 s (the backlog parsed, a flood's spill freed)."""
    end, last, held = time.monotonic() + deadline, None, 0
    while time.monotonic() < end:
        anon = proc_status(pid, "RssAnon")
        held = held + 1 if anon == last else 0
        if held >= 20:
            break
        last = anon
        time.sleep(0.01)
    return last or 0


def memory(rows, plain, escapes, cfg):
    repeat = 2 if QUICK else 10
    # Every run at once: memory does not depend on speed (what autoapprove holds is bounded,
    # whatever the pace), and this saves minutes.
    runs = []
    for label, path, cols, lines, times in (
            ("80×24", plain, 80, 24, 1),
            ("80×24", plain, 80, 24, repeat),
            ("300×100", plain, 300, 100, 1),
            ("300×100", plain, 300, 100, repeat),
            ("80×24, TUI redraws", escapes, 80, 24, repeat)):
        total = os.path.getsize(path) * times // MB
        for name, wrap in tools(cfg):
            if name == "unbuffer":
                continue
            # The session stays open once the output is done, to be measured at rest.
            script = (f"for i in $(seq {times}); do cat {shlex.quote(path)}; done; "
                      f"printf '\\n%s\\n' {RESTING.decode()}; read line")
            p, master = spawn_on_pty(wrap(["sh", "-c", script]), cols, lines)
            drain = Drain(master)
            drain.start()
            sampler = Sampler(p.pid)
            sampler.start()
            runs.append((label, total, name, p, master, drain, sampler))
    for label, total, name, p, master, drain, sampler in runs:
        drain.done.wait(timeout=900)
        resting = resting_anon_kb(p.pid)
        os.write(master, b"\n")
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            sys.exit(f"bench/run.py: {name} did not end at the end of its input (memory, {label})")
        sampler.done = True
        sampler.join()
        os.close(master)
        # Private memory is what a session costs the machine: the target is on it, at rest. A
        # flood's peak adds what the parser may fall behind by (prompts/watcher.rs, SPILL).
        target = 1024 if name == "autoapprove" and label == "80×24" else None
        rows.append((f"private memory (RssAnon) at rest at {label} after {total} MB", name,
                     f"{resting / 1024:.2f} MiB", resting, "KiB (target ≤ 1024)" if target else "KiB",
                     target))
        rows.append((f"peak private memory (RssAnon) at {label} during {total} MB", name,
                     f"{sampler.anon_kb / 1024:.2f} MiB", sampler.anon_kb, "KiB", None))
        rows.append((f"peak RSS at {label} during {total} MB", name, f"{sampler.peak_kb / 1024:.1f} MiB",
                     sampler.peak_kb, "KiB", None))


def scaling(rows, plain):
    sizes = (10, 50) if QUICK else (10, 100, 1000)
    cfg = config("rules-10.yaml", rules(10))
    per_mb = {}
    for size in sizes:
        times = max(1, size // THROUGHPUT_MB)
        argv = [AA, "-q", "--config", cfg, "--", "sh", "-c",
                f"for i in $(seq {times}); do head -c {min(size, THROUGHPUT_MB) * MB} {shlex.quote(plain)}; done"]
        # CPU time per MB hardly varies at 1 GB; three rounds of it are enough.
        cpus = [run_sampled(argv)[1] for _ in range(ROUNDS if size < 1000 else min(ROUNDS, 3))]
        per_mb[size] = median(cpus) / size * 1e3
    first = per_mb[sizes[0]]
    for size, cost in per_mb.items():
        rows.append((f"CPU per MB at {size} MB (10 rules)", "autoapprove", f"{cost:.2f} ms/MB", cost / first,
                     f"{sizes[0]} MB", None))
    configs = {n: config(f"rules-{n}.yaml", rules(n)) for n in (10, 200)}
    walls = {n: [] for n in configs}
    for _ in range(2 * ROUNDS - 1):
        for n, cfg_n in configs.items():  # alternately, so both see the same machine
            walls[n].append(run_sampled([AA, "-q", "--config", cfg_n, "--", "cat", plain])[0])
    timings = {n: median(w) for n, w in walls.items()}
    for n, wall in timings.items():
        rows.append((f"throughput with {n} prompt rules", "autoapprove", f"{wall:.2f} s", wall / timings[10],
                     "10 rules", 1.2 if n == 200 else None))


# Every call kind the guard describes, allowed: `--guard=deny` then decides each call by pattern
# (and runs the denylist on every exec), the full path a real session's calls take.
ALLOW_ALL = [arg for kind in ("open", "create", "delete", "rmdir", "rename", "mkdir", "chmod", "exec",
                              "link", "symlink", "truncate", "chown", "utime", "mknod", "setxattr",
                              "removexattr", "kill")
             for arg in ("--guard-allow", f"{kind}(...)")]
PTRACE_APPROVE = "ptrace-approve==3.1.1"
# ptrace-approve takes minutes on some workloads (find: over ten); a run is stopped here, and its
# figure reported as at least this.
PTRACE_APPROVE_LIMIT = 20 if QUICK else 120
# The guard's workloads take 0.1–0.2 s, where a busy machine's spread is as large as the margins
# the targets leave: more rounds than the other scenarios.
GUARD_ROUNDS = ROUNDS if QUICK else 11


def ptrace_approve():
    """ptrace-approve 3.1.1 from PyPI in a venv of its own; None if it cannot be installed."""
    venv = os.path.join(WORK, "ptrace-approve")
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", PTRACE_APPROVE], check=True,
                       capture_output=True, timeout=300)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        log(f"ptrace-approve could not be installed, left out: {e}")
        return None
    return os.path.join(venv, "bin", "ptrace-approve")


def guard_workloads():
    """The scratch dir and the workloads, each (name, prepare, argv, cwd): `prepare` makes a fresh
    tree before each timed run."""
    # On tmpfs where there is room: a disk's own latency would drown what the guard costs.
    shm = "/dev/shm"
    roomy = os.path.isdir(shm) and shutil.disk_usage(shm).free > 512 * MB
    base = tempfile.mkdtemp(prefix="autoapprove-guard.", dir=shm if roomy else WORK)
    files = 400 if QUICK else 4000
    # A tarball of many small files, made once.
    src = os.path.join(base, "tar-src")
    for i in range(files):
        d = os.path.join(src, f"d{i // 100}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i}.txt"), "w") as f:
            f.write("x" * 64)
    tarball = os.path.join(base, "files.tar")
    subprocess.run(["tar", "-cf", tarball, "-C", src, "."], check=True)
    repo_src = os.path.join(base, "repo-src")
    repo_files = 60 if QUICK else 600
    for i in range(repo_files):
        d = os.path.join(repo_src, f"pkg{i // 50}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"m{i}.py"), "w") as f:
            f.write(f"def f{i}():\n    return {i}\n")
    crate = os.path.join(base, "hello")
    subprocess.run(["cargo", "new", "-q", "--vcs", "none", crate], check=True)

    def fresh(path, copy_from=None):
        def prepare():
            shutil.rmtree(path, ignore_errors=True)
            if copy_from:
                shutil.copytree(copy_from, path)
            else:
                os.makedirs(path)
        return prepare

    n = 200 if QUICK else 2000
    py = f"import os\nfor i in range({n}):\n    open(f'f{{i}}', 'w').close()\n    os.unlink(f'f{{i}}')\n"
    work = os.path.join(base, "work")
    git = ("git init -q && git add -A && git -c user.name=bench -c user.email=bench@example.com "
           "commit -qm import")
    return base, [
        (f"Python: {n} files created and unlinked", fresh(work), ["python3", "-c", py], work),
        (f"tar -x of {files} files", fresh(work), ["tar", "-xf", tarball], work),
        (f"git init, add, commit of {repo_files} files",
         fresh(work, repo_src), ["sh", "-c", git], work),
        # Its output to /dev/null for every tool: on a terminal find writes line by line, which
        # measures the PTY (the throughput scenario's business), not the guard.
        ("find /usr/lib -type f", lambda: None, ["sh", "-c", "find /usr/lib -type f > /dev/null"], base),
        ("cargo build of a fresh crate", lambda: shutil.rmtree(os.path.join(crate, "target"), ignore_errors=True),
         ["cargo", "build", "-q", "--offline"], crate),
    ]


def guard(rows):
    pa = ptrace_approve()
    wrappers = [("bare", lambda argv: argv),
                ("C supervisor", lambda argv: [SUPERVISOR] + argv),
                ("autoapprove, no guard", lambda argv: [AA, "-q", "--"] + argv),
                ("autoapprove --guard", lambda argv: [AA, "-q", "--guard=deny"] + ALLOW_ALL + ["--"] + argv)]
    if pa:
        wrappers.append(("ptrace-approve", lambda argv: [pa, "-q", "-f", "--log-only", "--"] + argv))
    # Targets (issue 12): to the C supervisor on the first three, to bare on find and the build;
    # ptrace-approve must be at least 10× slower than autoapprove.
    targets = [("C supervisor", 1.15)] * 3 + [("bare", 1.2), ("bare", 1.1)]
    base, workloads = guard_workloads()
    cut_short = set()
    for (name, prepare, argv, cwd), (of, target) in zip(workloads, targets):
        results = {tool: [] for tool, _ in wrappers}
        # Once untimed: caches warm (find reads a cold /usr/lib once).
        prepare()
        subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        for round_ in range(GUARD_ROUNDS):
            for tool, wrap in wrappers:
                # ptrace-approve costs minutes on some of these: one round of it is enough.
                if tool == "ptrace-approve" and round_ > 0:
                    continue
                prepare()
                start = time.perf_counter()
                p = subprocess.Popen(wrap(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
                # A timer, not `wait(timeout=…)`: that polls, in steps of up to 50 ms, which would
                # round every figure.
                limit = threading.Timer(PTRACE_APPROVE_LIMIT, os.killpg, (p.pid, 9))
                limit.start()
                p.wait()
                wall = time.perf_counter() - start
                limit.cancel()
                if wall >= PTRACE_APPROVE_LIMIT:
                    # Only ptrace-approve gets near it; its figure is then a lower bound.
                    cut_short.add((name, tool))
                results[tool].append(min(wall, float(PTRACE_APPROVE_LIMIT)))
        walls = {tool: median(times) for tool, times in results.items()}
        prepare()
        for tool, wall in walls.items():
            if tool == "ptrace-approve":
                # Reported as autoapprove's speed-up over it: the target is at least 10×.
                speedup = wall / walls["autoapprove --guard"]
                at_least = "≥ " if (name, tool) in cut_short else ""
                rows.append((f"guard: {name}", tool, f"{at_least}{wall:.3f} s ({at_least}{speedup:.0f}× autoapprove)",
                             walls["autoapprove --guard"] / wall, "ptrace-approve", 0.1))
                continue
            rows.append((f"guard: {name}", tool, f"{wall:.3f} s", wall / walls[of], of,
                         target if tool == "autoapprove --guard" else None))
    shutil.rmtree(base, ignore_errors=True)


def background(rows):
    """A question answered by another process: a program makes `questions` writes, each asked
    through the background protocol and approved by a client — autoapprove (`wait`/`respond`)
    and ptrace-approve (`--background-wait`/`-respond`, files polled every 0.2 s). Timed from the
    first question to the done event, per question: the client's start, the answer, the
    program's next call and its question."""
    questions = 5 if QUICK else 20
    py = f"for i in range({questions}):\n    open(f'f{{i}}', 'w').close()\n"
    pa = ptrace_approve()
    # The interpreter itself, not a shim that runs others: only the writes are asked.
    python = os.path.realpath(sys.executable)
    tools = {"autoapprove": ([AA, "-q", "--guard", "--background", "{dir}", "--", python, "-c", py],
                             [AA, "wait", "{dir}"], [AA, "respond", "{dir}", "{seq}", "approve"])}
    if pa:
        tools["ptrace-approve"] = ([pa, "--background-dir", "{dir}", "--", python, "-c", py],
                                   [pa, "--background-wait", "{dir}"],
                                   [pa, "--background-respond", "{dir}", "{seq}", "approve"])
    import json
    results = {tool: [] for tool in tools}
    for _ in range(ROUNDS):
        for tool, (run, wait, respond) in tools.items():
            scratch = tempfile.mkdtemp(dir=WORK)
            bg = os.path.join(scratch, "bg")
            os.mkdir(bg, 0o700)
            def fill(argv, seq=""):
                return [a.replace("{dir}", bg).replace("{seq}", str(seq)) for a in argv]
            env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(scratch, "config"), HOME=scratch)
            p = subprocess.Popen(fill(run), cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            event = json.loads(subprocess.run(fill(wait), env=env, capture_output=True, text=True).stdout)
            # From the first question: the programs' own start-up is not the protocol's cost.
            start = time.perf_counter()
            answered = 0
            while event.get("status") == "pending":
                out = subprocess.run(fill(respond, seq=event["seq"]), env=env, capture_output=True, text=True)
                event = json.loads(out.stdout.strip().splitlines()[-1])
                answered += 1
            p.wait()
            wall = time.perf_counter() - start
            if answered != questions:
                log(f"background: {tool} asked {answered} questions, not {questions}")
            results[tool].append(wall / max(answered, 1))
            shutil.rmtree(scratch, ignore_errors=True)
    ours = median(results["autoapprove"])
    for tool, per in results.items():
        rows.append((f"background: a question answered by a client ({questions} in a row)", tool,
                     f"{median(per) * 1000:.1f} ms per question", median(per) / ours, "autoapprove",
                     None))


CLAUDE_VERSION = "2.1.330"


def claude_binary():
    """The pinned Claude Code, from npm, where the tests cache it; None without npm."""
    home = os.environ.get("HOME", "/tmp")
    where = os.environ.get("AUTOAPPROVE_CLAUDE_DIR") or os.path.join(
        home, ".cache", "autoapprove", f"claude-code-{CLAUDE_VERSION}")
    binary = os.path.join(where, "node_modules", ".bin", "claude")
    if not os.path.exists(binary):
        if not shutil.which("npm"):
            return None
        os.makedirs(where, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", where,
                        f"@anthropic-ai/claude-code@{CLAUDE_VERSION}"], check=True, capture_output=True)
    return binary


def mock_messages_api():
    """A loopback Messages API that answers every request with one line of text; returns the
    server and a list that gets the time of each request."""
    import http.server
    import json
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            seen.append(time.perf_counter())
            self.rfile.read(int(self.headers.get("content-length", 0)))
            events = [
                ("message_start", {"type": "message_start", "message": {
                    "id": "msg_bench", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                    "content": [], "stop_reason": None, "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 1}}}),
                ("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": "Done."}}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                                       "stop_sequence": None},
                                   "usage": {"output_tokens": 1}}),
                ("message_stop", {"type": "message_stop"}),
            ]
            body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def claude_world(base_url):
    """A private HOME and config that skip Claude Code's first-run dialogs; (env, work dir)."""
    import json
    root = tempfile.mkdtemp(dir=WORK)
    home, work, tmp = (os.path.join(root, d) for d in ("home", "work", "tmp"))
    config = os.path.join(home, ".claude")
    for d in (config, work, tmp):
        os.makedirs(d)
    key = "sk-ant-api03-autoapprove-bench-key-for-mock-0123456789"
    state = {"hasCompletedOnboarding": True, "lastOnboardingVersion": CLAUDE_VERSION,
             "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
             "hasSeenAutoDefaultNotice": True, "hasSeenAutoDefaultNudge": True,
             "projects": {os.path.realpath(work): {"hasTrustDialogAccepted": True, "allowedTools": []}}}
    with open(os.path.join(config, ".claude.json"), "w") as f:
        json.dump(state, f)
    with open(os.path.join(config, "settings.json"), "w") as f:
        json.dump({"permissions": {"defaultMode": "default"}}, f)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE"))}
    env.pop("CI", None)
    env.update(HOME=home, CLAUDE_CONFIG_DIR=config, TMPDIR=tmp, ANTHROPIC_API_KEY=key,
               ANTHROPIC_BASE_URL=base_url, TERM="xterm-256color")
    for flag in ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "DISABLE_TELEMETRY", "DISABLE_AUTOUPDATER",
                 "DISABLE_ERROR_REPORTING", "DISABLE_BUG_COMMAND", "DISABLE_COST_WARNINGS"):
        env[flag] = "1"
    return env, work


def claude(rows):
    """Claude Code's start-up, offline against a loopback mock: from launch to its first request
    to the Messages API (the task given on the command line), bare, under autoapprove, and under
    autoapprove --guard, on a terminal of its own."""
    binary = claude_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            raise SystemExit("bench: npm is missing, and CI=true: Claude Code cannot be benchmarked")
        log("claude: npm is not installed, left out")
        return
    server, seen = mock_messages_api()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    wrappers = [("bare", lambda argv: argv),
                ("autoapprove", lambda argv: [AA, "-q", "--"] + argv),
                ("autoapprove --guard", lambda argv: [AA, "-q", "--guard"] + ["--"] + argv)]
    results = {tool: [] for tool, _ in wrappers}
    for _ in range(ROUNDS):
        for tool, wrap in wrappers:
            env, work = claude_world(base_url)
            before = len(seen)
            start = time.perf_counter()
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            p = subprocess.Popen(wrap([binary, "say done"]), cwd=work, env=env, stdin=slave, stdout=slave,
                                 stderr=slave, start_new_session=True)
            os.close(slave)
            # Its output is read and dropped, so it never blocks on a full terminal.
            drain = threading.Thread(target=lambda: _drain(master), daemon=True)
            drain.start()
            end = time.monotonic() + 60
            while len(seen) == before and time.monotonic() < end and p.poll() is None:
                time.sleep(0.005)
            if len(seen) > before:
                results[tool].append(seen[before] - start)
            else:
                log(f"claude: {tool} made no request")
            os.killpg(p.pid, 15)
            p.wait()
            os.close(master)
    server.shutdown()
    ours = median(results["autoapprove"])
    for tool, times in results.items():
        if times:
            rows.append(("claude: start-up to its first API request", tool, f"{median(times):.3f} s",
                         median(times) / ours, "autoapprove", None))


def _drain(fd):
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Linux {os.uname().release}"


def table(rows):
    lines = ["| scenario | tool | median | ratio | of | target |", "|---|---|---|---|---|---|"]
    for scenario, tool, value, ratio, of, target in rows:
        if target is None:
            verdict = ""
        else:
            verdict = ("met" if ratio <= target else "MISS") + f" (≤ {target:g})"
        lines.append(f"| {scenario} | {tool} | {value} | {ratio:.2f} | {of} | {verdict} |")
    return "\n".join(lines)


def main():
    build()
    cfg = config("bench.yaml", rules(10))
    plain, escapes, invalid, binary = make_data()
    streams = (("plain text", plain), ("escape-heavy", escapes), ("invalid UTF-8", invalid),
               ("random binary", binary))
    rows = []
    steps = {"throughput": lambda: throughput(rows, streams, cfg),
             "keystrokes": lambda: keystrokes(rows, cfg), "prompts": lambda: prompts(rows, cfg),
             "idle": lambda: idle(rows, cfg), "memory": lambda: memory(rows, plain, escapes, cfg),
             "scaling": lambda: scaling(rows, plain), "guard": lambda: guard(rows),
             "background": lambda: background(rows), "claude": lambda: claude(rows)}
    for name in SCENARIOS:
        if ONLY in (None, name):
            began = time.monotonic()
            steps[name]()
            log(f"{name}: {time.monotonic() - began:.0f} s")
    header = (f"# Benchmark results\n\n{time.strftime('%Y-%m-%d %H:%M %Z')}, {machine()}, "
              f"{'quick' if QUICK else 'full'} run, median of {ROUNDS} rounds ({THROUGHPUT_ROUNDS} for "
              "throughput), tools run alternately. "
              "Ratios are to the tool named in `of`.\n\n")
    text = header + table(rows) + "\n"
    print(text)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "latest.md"), "w") as f:
        f.write(text)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
