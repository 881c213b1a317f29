#!/usr/bin/env python3
"""cost.py: what elim.rank costs, as ratios to a floor, measured side by side.

The modes: the floor, the elim without history, with history, and with
the Prometheus textfile (--textfile-dir) but no history, so that the
textfile's cost is the difference between the last and "elim --no-history".

Run from the build directory after `make bench/floor bench/walk bench/rusage`:
    python3 bench/cost.py [--interval 0.02] [--ticks 200] [--repeat 3] [--spawn 1000]

For CPU time per tick (getrusage of each child), every program runs twice,
for N1 and N2 ticks, and the difference is divided by N2 - N1, so start-up
(model, SQLite) is not counted as per-tick cost.  The same with
`valgrind --tool=callgrind` gives user-space instructions per tick.  Peak
RSS is the larger run's ru_maxrss (through bench/rusage, a small C
parent, so no interpreter's pages are counted).  The process-table walk is timed
against a bare walk by bench/walk, with SPAWN idle processes added.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile


def run(b, cmd):
    """Run cmd under bench/rusage; return (cpu seconds, maxrss KB)."""
    out = subprocess.run([b + "/bench/rusage"] + cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("failed: %s" % " ".join(cmd))
    u, s, rss = out.stdout.split()
    return float(u) + float(s), int(rss)


def callgrind(cmd, tmp):
    out = os.path.join(tmp, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(out) as f:
        for line in f:
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m:
                ir = int(m.group(2))
    os.unlink(out)
    return ir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--ticks", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cg-ticks", type=int, default=40)
    ap.add_argument("--spawn", type=int, default=1000)
    ap.add_argument("--walk-rounds", type=int, default=100)
    ap.add_argument("--builddir", default=".")
    a = ap.parse_args()
    b = a.builddir
    env_ok = "LSF_RESOURCES" not in os.environ or sys.exit("unset LSF_RESOURCES first")
    del env_ok
    tmp = tempfile.mkdtemp(prefix="elim-rank-bench.")
    hist = os.path.join(tmp, "history.db")
    iv = "%g" % a.interval

    def progs(n):
        return {
            "floor": [b + "/bench/floor", iv, str(n)],
            "elim --no-history": [b + "/elim/elim.rank", "--foreground", "--no-probe", "--interval", iv,
                                  "--count", str(n), "--no-history"],
            "elim with history": [b + "/elim/elim.rank", "--foreground", "--no-probe", "--interval", iv,
                                  "--count", str(n), "--history", hist],
            # the Prometheus textfile alone, against "elim --no-history"
            "elim with textfile": [b + "/elim/elim.rank", "--foreground", "--no-probe", "--interval", iv,
                                   "--count", str(n), "--no-history", "--textfile-dir", tmp],
        }

    n1, n2 = 10, 10 + a.ticks
    cpu = {name: [] for name in progs(0)}
    rss = {}
    # interleave the programs, and repeat, so load changes hit all alike;
    # the median of the repeats is reported
    for _ in range(a.repeat):
        got = {name: [0.0, 0.0] for name in progs(0)}
        for i, n in enumerate((n1, n2)):
            for name, cmd in progs(n).items():
                if os.path.exists(hist):
                    os.unlink(hist)
                c, r = run(b, cmd)
                got[name][i] = c
                if i == 1:
                    rss[name] = max(rss.get(name, 0), r)
        for name in got:
            cpu[name].append((got[name][1] - got[name][0]) / (n2 - n1))
    ir = {}
    c1, c2 = 5, 5 + a.cg_ticks
    for name in progs(0):
        irs = []
        for n in (c1, c2):
            if os.path.exists(hist):
                os.unlink(hist)
            irs.append(callgrind(progs(n)[name], tmp))
        ir[name] = (irs[1] - irs[0]) / (c2 - c1)

    per_tick = {k: statistics.median(v) for k, v in cpu.items()}
    f = "floor"
    print("interval %s s; CPU over %d ticks (median of %d), instructions over %d ticks"
          " (differences of two runs)" % (iv, n2 - n1, a.repeat, c2 - c1))
    for k, v in cpu.items():
        print("  %-20s cpu_us/tick runs: %s" % (k, " ".join("%.1f" % (x * 1e6) for x in v)))
    print("%-20s %12s %8s %14s %8s %10s %8s" %
          ("program", "cpu_us/tick", "x floor", "instr/tick", "x floor", "maxrss_kB", "x floor"))
    for k in per_tick:
        print("%-20s %12.1f %8.2f %14.0f %8.2f %10d %8.2f" % (
            k, per_tick[k] * 1e6, per_tick[k] / per_tick[f] if per_tick[f] > 0 else float("nan"),
            ir[k], ir[k] / ir[f], rss[k], rss[k] / rss[f]))

    nh = "elim --no-history"
    print("textfile: cpu x%.2f, instructions x%.3f of %s (+%.0f instructions/tick)" % (
        per_tick["elim with textfile"] / per_tick[nh] if per_tick[nh] > 0 else float("nan"),
        ir["elim with textfile"] / ir[nh], nh, ir["elim with textfile"] - ir[nh]))

    out = subprocess.run([b + "/bench/walk", str(a.walk_rounds), str(a.spawn)],
                         capture_output=True, text=True, check=True).stdout.strip()
    print("walk (CPU time per walk, interleaved): " + out)
    cg = {}
    for mode in ("bare", "groups"):
        cg[mode] = callgrind([b + "/bench/walk", "20", "0", mode], tmp)
    print("walk instructions (20 walks + set-up, user space): bare %d groups %d ratio %.2f" %
          (cg["bare"], cg["groups"], cg["groups"] / cg["bare"]))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
