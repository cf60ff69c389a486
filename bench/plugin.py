#!/usr/bin/env python3
"""Dovecot plugin benchmark: IMAP logins per second through a real Dovecot
(the test sandbox, tests/integration/sandbox.py) with no plugin, with the
dormant plugin, and with Dovecot's stock last_login plugin writing a file
dict, each in two process models:

  default: Dovecot's default, a new imap-login and a new imap process for
           every login (service_count = 1);
  reuse:   process reuse, imap-login serving many connections
           (service_count = 0) and imap serving 100 sessions a process
           (service_count = 100, process_min_avail = 2).

One sandbox per configuration (eight by default: the three plugin setups
and dormant without coalescing, below, in each model), all started before
the first measurement; every round runs each of them once for a fixed
time (in a rotated order), and the figures are medians over rounds. The load: WORKERS client processes, each looping
connect, LOGIN, LOGOUT, close over its own slice of USERS accounts (so no
account has two sessions at once), until the trial's time is up. A trial
also measures, from /proc:
  server CPU: utime + stime of every process of that Dovecot (the master's
              cutime/cstime holds the processes that exited), per login;
  foreign CPU: what the rest of the machine used meanwhile (user and
              system time from /proc/stat minus this Dovecot and the load
              generator; about -0.1 core when idle, accounting noise): a
              trial with more than FOREIGN_MAX cores of it was disturbed
              by other work and is left out of the medians;
  commits:    LMDB transactions dormant committed (mdb_stat -e), to show
              how many logins wrote and how many were coalesced.
dormant runs with its default dormant_update_interval (60 s): a login of
an account whose record is younger, from the same address and service,
costs a read-only transaction. last_login has no such interval (only
last_login_precision): every login writes the dict, and a file dict
rewrites its whole file on every commit.

A fourth configuration, dormant with dormant_update_interval = 0, shows
the cost when nothing is coalesced (at most one commit per account and
second remains: times are stored to the second). A diagnostic one, not run
by default (--plugins ...,dormant_idle), loads the module into every imap
process but leaves imap out of dormant_services: the cost of loading the
module alone, without opening the database.

Usage: plugin.py BUILDDIR [--rounds N] [--seconds S] [--workers N]
                          [--users N] [--models default,reuse]
                          [--plugins none,dormant,last_login,dormant0]
Needs root, Dovecot, Postfix and a built tree. Loopback only.
"""
import argparse
import multiprocessing
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import sandbox  # noqa: E402
import benchutil  # noqa: E402
from sandbox import Sandbox, SandboxError, session_members  # noqa: E402

MDB_STAT = shutil.which("mdb_stat") or "/usr/bin/mdb_stat"
CLK_TCK = os.sysconf("SC_CLK_TCK")
IO_TIMEOUT = 10.0          # seconds for any one client socket operation
MAX_LOGINS = 10_000_000    # bound of a worker's loop, besides the clock
# A trial during which the rest of the machine used more than this many
# cores is left out of the medians (other work disturbed it).
FOREIGN_MAX = 0.25

PLUGINS = {
    "none": "no plugin",
    "dormant": "dormant",
    "last_login": "last_login (file dict)",
    # the worst case: no coalescing, every login commits
    "dormant0": "dormant, interval 0",
    # diagnostic, not run by default: the module loaded into every imap
    # process, but imap not in dormant_services (no database work)
    "dormant_idle": "dormant, imap not counted",
}
DEFAULT_PLUGINS = "none,dormant,last_login,dormant0"
MODELS = {
    "default": [],
    "reuse": ["service imap-login {",
              "  service_count = 0",
              "  process_min_avail = 2",
              "}",
              "service imap {",
              "  service_count = 100",
              "  process_min_avail = 2",
              "}"],
}


# --- the load ----------------------------------------------------------------

class LoginError(Exception):
    pass


def read_tagged(s, buf, tag):
    """Receive until a line tagged TAG (b"a ") is complete; returns it and
    what follows. Raw recv, no file object: the client's CPU per login is
    part of the machine's budget, so it is kept small."""
    for _ in range(100):                       # bounded: replies are short
        start = 0 if buf.startswith(tag) else buf.find(b"\n" + tag) + 1
        if start > 0 or buf.startswith(tag):
            end = buf.find(b"\r\n", start)
            if end >= 0:
                return buf[start:end], buf[end + 2:]
        data = s.recv(4096)
        if not data:
            raise LoginError(f"connection closed waiting for {tag!r}")
        buf += data
    raise LoginError(f"no {tag!r} reply in 100 reads")


LINGER0 = b"\x01\x00\x00\x00\x00\x00\x00\x00"      # struct linger {1, 0}


def login_once(port, user, password):
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    try:
        line, buf = read_tagged(s, b"", b"* ")
        if not line.startswith(b"* OK"):
            raise LoginError("no greeting")
        s.sendall(b"a LOGIN " + user + b" " + password + b"\r\n")
        line, buf = read_tagged(s, buf, b"a ")
        if not line.startswith(b"a OK"):
            raise LoginError(line.decode(errors="replace").strip())
        s.sendall(b"b LOGOUT\r\n")
        read_tagged(s, buf, b"b ")
        # Abortive close after the tagged reply: no TIME_WAIT pile-up of
        # tens of thousands of loopback connections.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    finally:
        s.close()


def worker(port, accounts, deadline, conn):
    """Log in and out over ACCOUNTS until DEADLINE (time.monotonic)."""
    ok = errors = 0
    first_error = None
    i = 0
    try:
        while time.monotonic() < deadline and ok + errors < MAX_LOGINS:
            user, password = accounts[i % len(accounts)]
            i += 1
            try:
                login_once(port, user, password)
                ok += 1
            except (OSError, LoginError) as e:
                errors += 1
                first_error = first_error or repr(e)
    finally:
        conn.send((ok, errors, first_error))
        conn.close()


def run_load(port, users, passwords, workers, seconds):
    """WORKERS processes for SECONDS; returns (logins, errors, elapsed,
    first error, the load generator's CPU seconds)."""
    ctx = multiprocessing.get_context("fork")
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    deadline = t0 + seconds
    procs = []
    for w in range(workers):
        mine = [(u.encode(), p.encode())
                for u, p in zip(users[w::workers], passwords[w::workers])]
        rx, tx = ctx.Pipe(duplex=False)
        p = ctx.Process(target=worker, args=(port, mine, deadline, tx))
        p.start()
        tx.close()
        procs.append((p, rx))
    ok = errors = 0
    first = None
    for p, rx in procs:
        # a worker ends by the deadline plus at most one login's timeouts
        if rx.poll(seconds + 4 * IO_TIMEOUT + 30):
            n, e, fe = rx.recv()
            ok += n
            errors += e
            first = first or fe
        else:
            errors += 1
            first = first or "worker did not report"
            p.kill()
        p.join(30)
    elapsed = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return ok, errors, elapsed, first, cpu


# --- measuring ---------------------------------------------------------------

def proc_cpu(pid, children=False):
    """utime + stime (+ cutime + cstime) of PID in seconds; 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(rest[11]) + int(rest[12])
    if children:
        ticks += int(rest[13]) + int(rest[14])
    return ticks / CLK_TCK


def machine_busy():
    """CPU seconds the machine's processes used since boot: user, nice and
    system time from /proc/stat (what utime and stime of processes add up
    to; interrupts and steal are left out)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2]) / CLK_TCK


def last_txn_id(db):
    p = subprocess.run([MDB_STAT, "-e", db], capture_output=True, timeout=30)
    m = re.search(rb"Last transaction ID: (\d+)", p.stdout)
    return int(m.group(1)) if m else None


class Setup:
    def __init__(self, plugin, model, users, aux):
        self.plugin, self.model = plugin, model
        self.name = f"{plugin}/{model}"
        self.label = f"{PLUGINS[plugin]}, {model}"
        extra = list(MODELS[model])
        if plugin == "last_login":
            self.dict_path = os.path.join(aux, f"last-login-{model}.db")
            extra += ["mail_plugins = $mail_plugins last_login",
                      "plugin {",
                      f"  last_login_dict = file:{self.dict_path}",
                      "  last_login_key = last-login/%u",
                      "}"]
        self.sb = Sandbox(plugin=plugin.startswith("dormant"), milter=False,
                          users=users, dovecot_extra=extra,
                          update_interval="0s" if plugin == "dormant0"
                          else "60s",
                          plugin_settings={"dormant_services": "pop3"}
                          if plugin == "dormant_idle" else None)
        self.rates, self.cpu_per_login, self.foreign = [], [], []
        self.client_per_login = []
        self.commits, self.errors = [], 0

    def start(self):
        self.sb.start()
        with open(self.sb.path("run", "dovecot", "master.pid")) as f:
            self.master = int(f.read().split()[0])

    def counts(self):
        """Whether this configuration records IMAP logins with dormant."""
        return self.plugin in ("dormant", "dormant0")

    def server_cpu(self):
        """CPU seconds of this Dovecot: live processes plus reaped ones."""
        total = proc_cpu(self.master, children=True)
        for pid in session_members(self.master):
            if pid != self.master:
                total += proc_cpu(pid, children=True)
        return total

    def trial(self, workers, seconds, record=True):
        sb = self.sb
        txn0 = last_txn_id(sb.db) if self.counts() else None
        busy0, srv0 = machine_busy(), self.server_cpu()
        ok, errors, elapsed, first, client = run_load(
            sb.ports["imap"], sb.users, [sb.password(u) for u in sb.users],
            workers, seconds)
        srv = self.server_cpu() - srv0
        foreign = machine_busy() - busy0 - srv - client
        if errors:
            print(f"  {self.name}: {errors} failed logins, first: {first}",
                  flush=True)
        if not record:
            return ok
        self.errors += errors
        self.rates.append(ok / elapsed)
        self.cpu_per_login.append(srv / ok * 1e6 if ok else float("nan"))
        self.foreign.append(foreign / elapsed)
        self.client_per_login.append(client / ok * 1e6 if ok else float("nan"))
        if txn0 is not None:
            self.commits.append((last_txn_id(sb.db) - txn0, ok))
        return ok / elapsed

    def check_baseline(self):
        """The plugin under test really records logins (or, for none,
        nothing does): a benchmark of a plugin that is not loaded would
        be a benchmark of nothing."""
        users = self.sb.users
        if self.counts():
            rows = self.sb.records()
            missing = [u for u in users if not rows.get(u, {}).get("last_login")]
            if missing:
                raise SandboxError(f"{self.name}: dormant recorded no login "
                                   f"for {len(missing)} accounts")
        elif self.plugin == "last_login":
            with open(self.dict_path, errors="replace") as f:
                text = f.read()
            missing = [u for u in users if f"last-login/{u}" not in text]
            if missing:
                raise SandboxError(f"{self.name}: last_login wrote no key for "
                                   f"{len(missing)} accounts ({self.dict_path})")

    def stop(self):
        self.sb.stop()


def machine():
    dv = subprocess.run([sandbox.DOVECOT, "--version"], capture_output=True,
                        text=True).stdout.strip()
    return f"{benchutil.machine()}, Dovecot {dv}"


def clean(setup, values):
    """VALUES (one per round) of the rounds whose trial was undisturbed."""
    return [v for v, f in zip(values, setup.foreign) if f <= FOREIGN_MAX]


def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builddir", nargs="?", default=".")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--users", type=int, default=240)
    ap.add_argument("--models", default="default,reuse")
    ap.add_argument("--plugins", default=DEFAULT_PLUGINS,
                    help="a subset of " + ",".join(PLUGINS))
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    plugins = [p for p in args.plugins.split(",") if p]
    if not all(m in MODELS for m in models) or args.workers < 1 \
            or not all(p in PLUGINS for p in plugins) \
            or args.users < args.workers or args.rounds < 1:
        ap.error("bad --models, --workers, --users or --rounds")
    why = sandbox.missing_prerequisites()
    if why:
        print(f"plugin benchmark skipped: {why}")
        return 0
    if not os.path.exists(os.path.join(os.path.abspath(args.builddir),
                                       sandbox.PLUGIN_SO)):
        print(f"plugin benchmark skipped: {sandbox.PLUGIN_SO} not built")
        return 0
    os.environ["DORMANT_BUILDDIR"] = os.path.abspath(args.builddir)
    users = [f"user{i:03d}@{sandbox.DOMAIN}" for i in range(args.users)]

    # the file dicts live here: the mail processes (uid 5000) write them
    aux = tempfile.mkdtemp(prefix="dormant-bench-plugin-")
    os.chmod(aux, 0o755)
    os.chown(aux, sandbox.MAIL_UID, sandbox.MAIL_GID)
    setups = []
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for model in models:
            for plugin in plugins:
                s = Setup(plugin, model, users, aux)
                setups.append(s)
                s.start()
        print(f"machine: {machine()}")
        print(f"{len(setups)} sandboxes up; {args.rounds} rounds of "
              f"{args.seconds:g} s per configuration; {args.workers} client "
              f"processes; {args.users} accounts", flush=True)
        # warm-up: every account logs in once (homes, records, dict keys,
        # page cache), then the plugin is checked to be at work
        for s in setups:
            for u in users:
                login_once(s.sb.ports["imap"], u.encode(),
                           s.sb.password(u).encode())
            s.trial(args.workers, min(2.0, args.seconds), record=False)
            s.check_baseline()
        for r in range(args.rounds):
            order = setups[r % len(setups):] + setups[:r % len(setups)]
            line = []
            for s in order:
                rate = s.trial(args.workers, args.seconds)
                line.append(f"{s.name} {rate:.0f} ({s.foreign[-1]:+.2f}c)")
            print(f"round {r + 1}: " + ", ".join(line), flush=True)

        by = {s.name: s for s in setups}
        print()
        print(f"{'configuration':<36} {'logins/s':>9} {'server CPU us/login':>20}"
              f" {'client us/login':>16} {'foreign CPU':>12} {'commits/login':>14}")
        for s in setups:
            commits = ""
            if s.commits:
                c = sum(n for n, _ in s.commits)
                t = sum(n for _, n in s.commits)
                commits = f"{c / t:.3f}" if t else "-"
            print(f"{s.label:<36} {med(clean(s, s.rates)):>9.0f} "
                  f"{med(clean(s, s.cpu_per_login)):>20.0f} "
                  f"{med(clean(s, s.client_per_login)):>16.0f} "
                  f"{med(s.foreign):>11.2f}c {commits:>14}")
        dropped = sum(len(s.foreign) - len(clean(s, s.foreign))
                      for s in setups)
        print(f"({dropped} of {len(setups) * args.rounds} trials left out "
              f"of the medians: other work used > {FOREIGN_MAX} cores)")
        print()
        for model in models:
            for dname in ("dormant", "dormant0", "dormant_idle"):
                d = by.get(f"{dname}/{model}")
                for base in ("none", "last_login"):
                    b = by.get(f"{base}/{model}")
                    if d is None or b is None:
                        continue
                    # ratio per round (neighbouring trials), then the median
                    per = [x / y for x, y, fx, fy in zip(
                        d.rates, b.rates, d.foreign, b.foreign)
                        if max(fx, fy) <= FOREIGN_MAX]
                    if not per:
                        continue
                    cpu = (med(clean(d, d.cpu_per_login)) /
                           med(clean(b, b.cpu_per_login)))
                    goal = (" (target >= 0.95)" if (dname, base, model) ==
                            ("dormant", "none", "reuse") else "")
                    print(f"{model:>8}: {PLUGINS[dname]:<25} / "
                          f"{PLUGINS[base]:<22} logins/s median "
                          f"{med(per):.3f}, rounds {min(per):.3f}.."
                          f"{max(per):.3f}{goal}; server CPU per login "
                          f"{cpu:.3f}")
        failed = sum(s.errors for s in setups)
        if failed:
            print(f"\n{failed} logins failed during measured trials")
        problems = []
        for s in setups:
            s.stop()
            problems += [f"{s.name}: {p}" for p in s.sb.problems]
        if problems:
            print("log problems:\n  " + "\n  ".join(problems[:20]))
    finally:
        for s in setups:
            s.stop()
        shutil.rmtree(aux, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
