#!/usr/bin/env python3
"""Record timing of elim.rank under history trouble, side by side.

Runs one or more elim.rank binaries at a short interval, reads their records
the way LIM does (select + read), and reports how late each record arrives
relative to the previous one (gap - interval), in two conditions:
  idle      history on a healthy local directory
  locked    another process holds the history in an EXCLUSIVE transaction
            2 s at a time (a trainer or an admin's sqlite3 shell)
Compare a build of the walking skeleton (history appended inline) with this
one, e.g.:  bench/lim_latency.py /tmp/old/elim/elim.rank elim/elim.rank
Usage: bench/lim_latency.py [--seconds S] [--interval I] BIN [BIN...]
Prints one line per binary and condition: p50, p99 and max lateness in ms.
Run on demand, not in make check.
"""
import argparse, os, select, sqlite3, statistics, subprocess, sys, tempfile, threading, time


def run(binary, interval, seconds, condition):
    d = tempfile.mkdtemp(prefix="lim-bench.")
    state = os.path.join(d, "state")
    # create the history first so the locker has something to lock
    subprocess.run([binary, "--interval", "0.1", "--count", "2", "--state-dir", state],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    db = os.path.join(state, "history.db")
    stop = threading.Event()

    def locker():
        while not stop.is_set():
            c = sqlite3.connect(db, timeout=5, isolation_level=None)
            c.execute("BEGIN EXCLUSIVE")
            stop.wait(2.0)
            c.execute("COMMIT")
            c.close()
            stop.wait(0.05)

    p = subprocess.Popen([binary, "--interval", str(interval), "--state-dir", state],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    t = None
    if condition == "locked":
        t = threading.Thread(target=locker)
        t.start()
    fd = p.stdout.fileno()
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 1.0)
        if r:
            data = os.read(fd, 512)
            if not data:
                break
            times.append(time.monotonic())
    stop.set()
    if t:
        t.join()
    p.terminate()
    p.wait()
    gaps = [(b - a - interval) * 1000 for a, b in zip(times[2:], times[3:])]
    subprocess.run(["rm", "-rf", d])
    return gaps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    print("%-40s %-8s %8s %8s %8s %6s" % ("binary", "history", "p50 ms", "p99 ms", "max ms", "n"))
    for cond in ("idle", "locked"):
        for b in a.bins:
            g = run(b, a.interval, a.seconds, cond)
            g.sort()
            if not g:
                print("%-40s %-8s no records" % (b[-40:], cond))
                continue
            p99 = g[min(len(g) - 1, int(len(g) * 0.99))]
            print("%-40s %-8s %8.1f %8.1f %8.1f %6d" % (b[-40:], cond, statistics.median(g), p99,
                                                       max(g), len(g)))


if __name__ == "__main__":
    main()
