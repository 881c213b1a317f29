"""bench/emulated_hosts.py: hosts emulated as cgroups on one machine.

What bench/speed_proof and bench/scope_proof share.  A host is a cgroup
with its own CPUs (cpuset), in each hierarchy the proof asks for (cgroup
v1: cpu, cpuacct, cpuset, memory, each mounted at /sys/fs/cgroup/NAME,
co-mounted ones such as cpu,cpuacct once; cgroup v2: one tree with the cpu,
cpuset and memory controllers), under a top cgroup of the run's own.
Inside a host, as LSF starts jobs, every process runs in a child cgroup of
its own (`elim`, `job.N`, `test`), made in every hierarchy of the host.

    top = Top("elim-rank-scope-proof", ("cpu", "cpuacct", "cpuset", "memory"))
    a = Host(top, "A", "0", shares=262144)
    p = popen_in(a.child("job.0"), ["stress-ng", "--cpu", "1"])
    ...
    a.remove(); top.remove()

Also here: bench/proof loaded as a module (its test job, pairwise accuracy,
log, the LIM-like reader of a running elim), a `--once` elim inside a host,
and a job timed inside one.  Needs root.  The v2 path is written for
machines with the cpu controller on v2 and is not exercised on the v1
machine the proofs were measured on.
"""

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CG = "/sys/fs/cgroup"


def load_proof():
    """bench/proof as a module: its test job, pairwise accuracy, LiveElim."""
    path = os.path.join(TOP, "bench", "proof")
    sys.dont_write_bytecode = True   # no bench/__pycache__ in the tree
    loader = importlib.machinery.SourceFileLoader("bench_proof", path)
    spec = importlib.util.spec_from_loader("bench_proof", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def write(path, value):
    with open(path, "w") as fh:
        fh.write("%s\n" % value)


def read(path):
    with open(path) as fh:
        return fh.read().strip()


def v2_mount():
    """The cgroup v2 mount to use, or None on a v1 machine (no v1 cpu
    hierarchy)."""
    if os.path.exists(os.path.join(CG, "cpu", "cpu.shares")):
        return None
    return CG if os.path.exists(os.path.join(CG, "cgroup.controllers")) else os.path.join(CG, "unified")


V2_CONTROLLER = {"cpu": "cpu", "cpuacct": "cpu", "cpuset": "cpuset", "memory": "memory"}


class _Dirs:
    """Directories made, removed in reverse order."""

    def __init__(self):
        self.made = []

    def mkdir(self, path, keep=False):
        try:
            os.mkdir(path)
            self.made.append(path)
        except FileExistsError:
            if not keep:
                raise
        return path

    def remove(self):
        for d in reversed(self.made):
            for _ in range(50):   # killed tasks leave their cgroup a moment after the wait
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self.made = []


class Top(_Dirs):
    """The run's top cgroup, PREFIX.PID, in each hierarchy of controllers.

    cpus: its CPU set (default: the machine's); shares: its cpu.shares
    against the rest of the machine (0: leave; v2: cpu.weight 10000)."""

    def __init__(self, prefix, controllers, cpus=None, shares=0):
        super().__init__()
        self.controllers = tuple(controllers)
        self.v2 = v2_mount()
        self.dirs = {}   # hierarchy directory (real path) -> top cgroup there
        try:
            self._make("%s.%d" % (prefix, os.getpid()), cpus, shares)
        except BaseException:
            self.remove()
            raise

    def _make(self, name, cpus, shares):
        if self.v2:
            ctl = read(os.path.join(self.v2, "cgroup.controllers")).split()
            self.enable = sorted({V2_CONTROLLER[c] for c in self.controllers})
            missing = [c for c in self.enable if c not in ctl]
            if missing:
                raise RuntimeError("no cgroup v1 cpu hierarchy and no %s controller on cgroup v2 at %s"
                                   % (",".join(missing), self.v2))
            d = self.mkdir(os.path.join(self.v2, name), keep=True)
            for r in (self.v2, d):
                write(os.path.join(r, "cgroup.subtree_control"), " ".join("+" + c for c in self.enable))
            self.dirs[self.v2] = d
            if shares:
                write(os.path.join(d, "cpu.weight"), "10000")
            return
        self.mems = read(os.path.join(CG, "cpuset", "cpuset.mems")) if "cpuset" in self.controllers else None
        for c in self.controllers:
            h = os.path.realpath(os.path.join(CG, c))   # cpu and cpuacct may be one hierarchy
            if not os.path.isdir(h):
                raise RuntimeError("no cgroup v1 %s hierarchy at %s" % (c, os.path.join(CG, c)))
            if h in self.dirs:
                continue
            d = self.mkdir(os.path.join(h, name), keep=True)
            self.dirs[h] = d
            if os.path.exists(os.path.join(d, "cpuset.cpus")):
                write(os.path.join(d, "cpuset.cpus"), cpus or read(os.path.join(h, "cpuset.cpus")))
                write(os.path.join(d, "cpuset.mems"), self.mems)
            if shares and os.path.exists(os.path.join(d, "cpu.shares")):
                write(os.path.join(d, "cpu.shares"), str(shares))


class Host(_Dirs):
    """An emulated host: the cgroup NAME under top in each of its
    hierarchies, with CPU set cpus (a cpuset list such as "1" or "0-1"), a
    CPU quota of quota CPUs (None: none) and cpu.shares shares (0: leave),
    and child cgroups made on demand in each."""

    PERIOD = 100000

    def __init__(self, top, name, cpus, quota=None, shares=0):
        super().__init__()
        self.top, self.name, self.cpus = top, name, str(cpus)
        self.v2 = top.v2
        self.roots = []
        try:
            self._make(quota, shares)
        except BaseException:
            self.remove()
            raise

    def _make(self, quota, shares):
        top = self.top
        for t in top.dirs.values():
            d = self.mkdir(os.path.join(t, self.name))
            self.roots.append(d)
            if self.v2:
                write(os.path.join(d, "cgroup.subtree_control"), " ".join("+" + c for c in top.enable))
                if quota is not None:
                    write(os.path.join(d, "cpu.max"), "%d %d" % (int(quota * self.PERIOD), self.PERIOD))
                if "cpuset" in top.enable:
                    write(os.path.join(d, "cpuset.cpus"), self.cpus)
                if shares:
                    write(os.path.join(d, "cpu.weight"), "10000")
                continue
            if os.path.exists(os.path.join(d, "cpu.cfs_quota_us")):
                if quota is not None:
                    write(os.path.join(d, "cpu.cfs_period_us"), self.PERIOD)
                    write(os.path.join(d, "cpu.cfs_quota_us"), int(quota * self.PERIOD))
                if shares:
                    write(os.path.join(d, "cpu.shares"), str(shares))
            self._cpuset(d)

    def _cpuset(self, d):
        if not self.v2 and os.path.exists(os.path.join(d, "cpuset.cpus")):
            write(os.path.join(d, "cpuset.cpus"), self.cpus)
            write(os.path.join(d, "cpuset.mems"), self.top.mems)

    def child(self, sub):
        """The cgroup.procs files of child cgroup sub (made if new) in each
        hierarchy."""
        files = []
        for r in self.roots:
            d = os.path.join(r, sub)
            if not os.path.isdir(d):
                self.mkdir(d)
                self._cpuset(d)
            files.append(os.path.join(d, "cgroup.procs"))
        return files

    def cpu_root(self):
        """The host's cgroup in the cpu hierarchy (v2: its one cgroup)."""
        for r in self.roots:
            if self.v2 or os.path.exists(os.path.join(r, "cpu.shares")):
                return r
        return self.roots[0]

    def running(self, skip=("elim",)):
        """Tasks running (state R) in the host's child cgroups but skip."""
        n = 0
        root = self.cpu_root()
        for sub in os.listdir(root):
            d = os.path.join(root, sub)
            if sub in skip or not os.path.isdir(d):
                continue
            try:
                tasks = read(os.path.join(d, "cgroup.threads" if self.v2 else "tasks")).split()
            except OSError:
                continue
            for t in tasks:
                try:
                    with open("/proc/%s/stat" % t) as fh:
                        st = fh.read()
                    if st[st.rindex(")") + 2] == "R":
                        n += 1
                except (OSError, ValueError):
                    pass
        return n


def joiner(procs_files):
    """A preexec_fn that puts the child into the cgroups before it execs."""
    def enter():
        for f in procs_files:
            with open(f, "w") as fh:
                fh.write("0\n")
    return enter


def popen_in(procs_files, cmd, **kw):
    """Start cmd in its own session (as a batch system starts a job), joined
    to the cgroups before it execs."""
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=joiner(procs_files), **kw)


def elim_once(elim, host, state, args, env=None, timeout=120):
    """elim.rank --once --no-history --state-dir state args, in host/elim;
    its stdout."""
    cmd = [elim, "--once", "--no-history", "--state-dir", state] + args
    p = popen_in(host.child("elim"), cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = p.communicate(timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), p.returncode, err.strip()))
    return out


def value(text, name):
    """The last `name VALUE` line's value in an elim's output, or None."""
    v = None
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 2 and w[0] == name:
            v = float(w[1])
    return v


def fresh_copy(state, workdir):
    """A new state directory holding a copy of state's probe.baseline."""
    d = tempfile.mkdtemp(dir=workdir)
    shutil.copy(os.path.join(state, "probe.baseline"), d)
    return d


def time_in(host, cmd, sub="test"):
    """Seconds cmd takes as a job in host's child cgroup sub."""
    t0 = time.monotonic()
    p = popen_in(host.child(sub), cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.wait()
    if p.returncode != 0:
        raise RuntimeError("job %s failed: %d" % (cmd, p.returncode))
    return time.monotonic() - t0
