#!/usr/bin/env python3
"""Milter benchmark: messages per second through a real Postfix (the test
sandbox, tests/integration/sandbox.py) with no milter, with bench/null-milter
negotiating the same steps as dormant-milter, with null-milter taking every
callback, and with dormant-milter; then the milters' peak RSS while 200 SMTP
sessions are open at once.

One sandbox (one Postfix, one queue, one Dovecot) with an smtpd listener
per configuration, each with its own smtpd_milters (master.cf -o), so the
configurations differ in nothing else. (A first version ran a sandbox per
configuration: the sandboxes differed by up to 10 % among themselves,
whatever milter they had.) Every round runs each configuration once, in a
rotated order; rates are medians over rounds, and each ratio is given per
round (neighbouring batches) as a median and a geometric mean with its
95 % confidence interval. smtpd never pauses a session for the queue
manager (in_flow_delay = 0), so the rate is the SMTP server's.
Two load shapes, each one message per connection, SESSIONS in parallel, to
a recipient that Postfix's discard transport drops:
  noauth: Postfix's smtp-source (1 KiB body), no AUTH;
  auth:   a small asyncio client of our own: EHLO, AUTH PLAIN, MAIL, RCPT,
          DATA, QUIT, round-robin over the sandbox's users, so
          dormant-milter looks up (and, once per account and
          update_interval, records) the sender at each MAIL.
Between batches the queue is left to drain, so every batch starts empty.
The milters listen on unix sockets, as in the README's Postfix set-up, and
are started here rather than by the sandbox (which uses inet): a milter on
TCP doubles the connections per message, and at these rates loopback fills
up with tens of thousands of TIME_WAIT sockets, which made batches noisy.
dormant-milter runs as the sandbox would run it (-f -c dormant.conf -d db).
Besides the rate, each milter's CPU time (utime + stime from /proc) per
message is added up over all rounds.

The machine may be shared (other builds and tests): before each round the
benchmark waits (bounded) for the other processes to be quiet, and a round
during which they took more than 5 % of a core in any batch is discarded
and run again (bounded); the output says how many were.

Usage: milter.py BUILDDIR [--rounds N] [--noauth-messages N]
                          [--auth-messages N] [--sessions N] [--hold N]
                          [--time-limit SECONDS]
Needs root, Dovecot, Postfix (smtp-source) and a built tree.
"""
import argparse
import asyncio
import base64
import grp
import math
import os

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
from sandbox import Sandbox, SandboxError  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
RCPT = "rcpt@elsewhere.invalid"      # default_transport = discard
USERS = [f"user{i:02d}" for i in range(50)]
BODY = ("Subject: milter benchmark\r\n\r\n" +
        ("x" * 78 + "\r\n") * 13).encode()     # ~1 KiB: smtp-source -l 1024
TIMEOUT = 60.0
DRAIN_TIMEOUT = 120.0

# Every sandbox: unauthenticated mail from 127.0.0.1 may relay (to the
# discard transport), 200+ sessions can reach smtpd at once, and smtpd
# never pauses a session for the queue manager to catch up (the default
# in_flow_delay = 1s stalls sessions at random: it measured the queue
# manager, with +-15 % noise, not the SMTP server the milter works in).
POSTFIX_COMMON = [
    "in_flow_delay = 0",
    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,"
    " reject_unauth_destination",
    "default_process_limit = 250",
    "smtpd_client_connection_count_limit = 0",
    "smtpd_client_connection_rate_limit = 0",
]

# name, label, what runs as the milter, loads. dormant-w (a second
# dormant-milter on the same database) writes a record at every
# authenticated MAIL (no coalescing): its worst case; without AUTH it does
# what "dormant" does, so it runs the auth load only.
CONFIGS = [
    ("none", "no milter", None, ("noauth", "auth")),
    ("same", "null milter, same steps", "same", ("noauth", "auth")),
    ("every", "null milter, every callback", "every", ("noauth", "auth")),
    ("dormant", "dormant-milter", "dormant", ("noauth", "auth")),
    ("dormant-w", "dormant-milter, update_interval = 0", "dormant", ("auth",)),
]
FOREIGN_MAX = 0.05      # other processes' CPU, in cores, that spoils a batch
QUIET_WAIT = 600.0      # longest wait for a quiet machine before a round


def cpu_seconds(pid):
    """utime + stime of PID (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid):
    """VmHWM, VmRSS (KiB) and Threads of PID."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


def unix_connections(path):
    """Connected sockets on the unix socket PATH, the listener's side (from
    /proc/net/unix: the accepted sockets carry the listener's path)."""
    n = 0
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            # Num RefCount Protocol Flags Type St Inode Path; St 03 connected
            if len(fields) >= 8 and fields[7] == path and fields[5] == "03":
                n += 1
    return n


def _cpu_by_pid():
    """{pid: (session id, start time, own CPU ticks, reaped children's CPU
    ticks)} of every user process (kernel threads left out)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if name == "2" or rest[1] == "2":
            continue
        out[int(name)] = (int(rest[3]), int(rest[19]),
                          int(rest[11]) + int(rest[12]),
                          int(rest[13]) + int(rest[14]))
    return out


class ForeignLoad:
    """CPU time taken by processes outside our sessions (other people's
    builds and tests on a shared machine) between start() and cores().

    A process that lived through the interval counts its own CPU time in
    it, plus what its children that ended in it had used, unless that is
    more than the machine could have done in the interval (a long-lived
    child reaped: mostly spent before). A process started in the interval
    counts all of its time. Children that came and went without their
    parent surviving are not seen."""

    def __init__(self, sids_fn):
        self.sids_fn = sids_fn
        self.t0 = 0.0
        self.busy0 = 0
        self.snap = {}

    @staticmethod
    def _busy():
        """Busy CPU ticks of the whole machine (/proc/stat)."""
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]

    def start(self):
        self.snap = _cpu_by_pid()
        self.busy0 = self._busy()
        self.t0 = time.monotonic()

    def cores(self):
        """Average number of cores the others used since start()."""
        mine = self.sids_fn()
        hz = os.sysconf("SC_CLK_TCK")
        wall = max(time.monotonic() - self.t0, 1e-3)
        limit = wall * hz * (os.cpu_count() or 1)
        ticks = 0
        for pid, (sid, started, own, reaped) in _cpu_by_pid().items():
            if sid in mine:
                continue
            before = self.snap.get(pid)
            if before is None or before[1] != started:
                ticks += own + reaped            # new in the interval
                continue
            ticks += max(own - before[2], 0)
            if reaped - before[3] <= limit:
                ticks += reaped - before[3]
        # never more than the whole machine was busy
        ticks = min(ticks, self._busy() - self.busy0)
        return ticks / hz / wall

    def wait_quiet(self, timeout):
        """Wait until the others use under FOREIGN_MAX for a second; returns
        the seconds waited, or None if they never did within TIMEOUT."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            self.start()
            time.sleep(1.0)
            if self.cores() < FOREIGN_MAX:
                return time.monotonic() - t0
        return None


class Milter:
    """A milter (bench/null-milter or dormant-milter) listening on the unix
    socket SOCK, our child in its own session; stop() ends it (SIGTERM,
    then SIGKILL after a deadline)."""

    def __init__(self, argv, sock, log):
        self.sock = sock
        self.log = log
        err = open(log, "wb")
        self.proc = subprocess.Popen(
            argv + ["-p", f"unix:{sock}"], stdin=subprocess.DEVNULL,
            stdout=err, stderr=err, start_new_session=True,
            preexec_fn=sandbox._pdeathsig)
        err.close()
        if not sandbox.poll(lambda: self.proc.poll() is not None
                            or self.connects(), 10):
            self.stop()
            raise SandboxError(f"{argv[0]} did not start: {sandbox.tail(log)}")
        if self.proc.poll() is not None:
            raise SandboxError(f"{argv[0]} exited: {sandbox.tail(log)}")
        # smtpd runs as postfix: the group may connect (dormant-milter
        # makes its socket 0660 root:root, null-milter leaves the umask's)
        os.chown(sock, -1, grp.getgrnam("postfix").gr_gid)
        os.chmod(sock, 0o660)

    @property
    def pid(self):
        """The process that does the work: dormant-milter's worker (the
        supervisor's one child, doc/DESIGN.md §2.3), or the milter itself
        (null-milter, or dormant-milter -S)."""
        me = self.proc.pid
        try:
            with open(f"/proc/{me}/task/{me}/children") as f:
                kids = f.read().split()
        except OSError:
            kids = []
        return int(kids[0]) if kids else me

    def connects(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(0.2)
                s.connect(self.sock)
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        # libmilter notices the stop flag when its listener wakes up: an
        # empty connection wakes it at once (see sandbox._nudge_milter).
        for _ in range(50):
            self.connects()
            try:
                self.proc.wait(timeout=0.2)
                return
            except subprocess.TimeoutExpired:
                pass
        self.proc.kill()
        self.proc.wait()


class Setup:
    """One configuration: an smtpd listener of the shared sandbox and its
    milter, if any."""

    def __init__(self, name, label, kind, loads, sb, port, tmp):
        self.name, self.label, self.kind, self.loads = name, label, kind, loads
        self.sb, self.port, self.tmp = sb, port, tmp
        self.milter = None
        self.sock = os.path.join(tmp, f"{name}.sock")
        self.rates = {"noauth": [], "auth": []}
        self.reset()

    def reset(self):
        """Forget the CPU and time sums (after the warm-up)."""
        self.cpu = {"noauth": 0.0, "auth": 0.0}    # the milter's, seconds
        self.sys = {"noauth": 0.0, "auth": 0.0}    # the machine's, seconds
        self.time = {"noauth": 0.0, "auth": 0.0}   # wall, seconds
        self.sent = {"noauth": 0, "auth": 0}

    def master_cf(self):
        """This configuration's smtpd line for master.cf."""
        milters = f"unix:{self.sock}" if self.kind else ""
        return (f"127.0.0.1:{self.port} inet n - n - - smtpd "
                f"-o smtpd_milters={milters}\n")

    def start_milter(self, build):
        if not self.kind:
            return
        log = os.path.join(self.tmp, f"{self.name}.log")
        if self.kind == "dormant":
            conf = self.sb.path("etc", "dormant.conf")
            if self.name == "dormant-w":
                with open(conf) as f:
                    text = f.read()
                conf = os.path.join(self.tmp, "dormant-w.conf")
                with open(conf, "w") as f:
                    f.write(text + "update_interval = 0s\n")
            # as the sandbox runs it, but on a unix socket
            argv = [self.sb.milter_bin, "-f", "-c", conf, "-d", self.sb.db]
        else:
            argv = [os.path.join(build, "bench", "null-milter"), "-m",
                    self.kind]
        self.milter = Milter(argv, self.sock, log)

    @property
    def milter_pid(self):
        return self.milter.pid if self.milter else None

    def stop(self):
        if self.milter:
            self.milter.stop()

    def problems(self):
        """The milter's error lines."""
        if not self.milter:
            return []
        try:
            with open(self.milter.log, errors="replace") as f:
                return [f"{self.name} milter: {line.rstrip()}"
                        for line in f if "error" in line.lower()]
        except OSError:
            return []


def sandbox_sids(sb):
    """Session ids of everything the sandbox runs."""
    pids = [getattr(getattr(sb, "_dovecot", None), "pid", None),
            getattr(getattr(sb, "_watchdog", None), "pid", None),
            getattr(sb, "_postfix_pid", None)]
    return {p for p in pids if p}


def add_listeners(sb, setups):
    """Append the configurations' smtpd listeners to the sandbox's
    master.cf, reload Postfix and wait for their banners."""
    path = sb.path("postfix", "etc", "master.cf")
    with open(path, "a") as f:
        f.write("".join(s.master_cf() for s in setups))
    # Postfix ignores a file changed less than a second ago: date it back
    past = time.time() - 10
    os.utime(path, (past, past))
    p = subprocess.run([sandbox.POSTFIX, "-c", sb.path("postfix", "etc"),
                        "reload"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        raise SandboxError("postfix reload: "
                           + p.stderr.decode(errors="replace"))
    for s in setups:
        sb.wait_until(lambda port=s.port: Sandbox._banner(port, b"220"),
                      sandbox.START_TIMEOUT, f"smtpd on port {s.port}")


class Queue:
    """The sandbox's Postfix queue."""

    def __init__(self, sb):
        self.sb = sb

    def files(self):
        n = 0
        spool = self.sb.path("postfix", "spool")
        for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(spool, sub)):
                n += len(files)
        return n

    def drain(self):
        if not sandbox.poll(lambda: self.files() == 0, DRAIN_TIMEOUT):
            raise SandboxError(f"queue not empty after {DRAIN_TIMEOUT:g} s\n"
                               f"{self.sb.log_tail()}")


# --- load generators -------------------------------------------------------

def run_smtp_source(port, messages, sessions):
    argv = [SMTP_SOURCE, "-l", "1024", "-m", str(messages),
            "-s", str(sessions),
            "-f", "sender@example.test", "-t", RCPT, f"127.0.0.1:{port}"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=600)
    if p.returncode != 0:
        raise SandboxError(f"smtp-source exit {p.returncode}: "
                           f"{p.stderr.decode(errors='replace')}")


class SmtpError(Exception):
    pass


async def reply(reader, want):
    """Read one (multi-line) SMTP reply; raise unless its code is WANT."""
    while True:
        line = await reader.readline()
        if not line:
            raise SmtpError(f"connection closed, wanted {want}")
        if line[3:4] != b"-":
            break
    if not line.startswith(want):
        raise SmtpError(f"wanted {want!r}, got {line!r}")


async def smtp_session(port, user, password, hold=None):
    """One message with AUTH PLAIN. With HOLD, a (semaphore, event) pair:
    stop after RCPT, release the semaphore, wait for the event, QUIT."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        await reply(reader, b"220")
        for cmd, want in ((b"EHLO client.bench.test", b"250"),
                          (f"AUTH PLAIN {token}".encode(), b"235"),
                          (f"MAIL FROM:<{user}>".encode(), b"250"),
                          (f"RCPT TO:<{RCPT}>".encode(), b"250")):
            writer.write(cmd + b"\r\n")
            await reply(reader, want)
        if hold is not None:
            hold[0].release()
            await hold[1].wait()
        else:
            writer.write(b"DATA\r\n")
            await reply(reader, b"354")
            writer.write(BODY + b".\r\n")
            await reply(reader, b"250")
        writer.write(b"QUIT\r\n")
        await reply(reader, b"221")
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def auth_load(port, messages, sessions, users):
    """MESSAGES authenticated sends, SESSIONS at a time."""
    counter = iter(range(messages))

    async def worker():
        for i in counter:
            user = users[i % len(users)]
            await asyncio.wait_for(
                smtp_session(port, user, "secret-" + user.split("@")[0]),
                TIMEOUT)
    await asyncio.gather(*(worker() for _ in range(sessions)))


def run_auth(port, messages, sessions, users):
    asyncio.run(auth_load(port, messages, sessions, users))


def measure(setup, load, messages, sessions, foreign, queue):
    """One batch: returns (messages per second, the others' CPU in cores);
    adds the milter's CPU time to setup.cpu, the machine's to setup.sys."""
    queue.drain()
    pid = setup.milter_pid
    cpu0 = cpu_seconds(pid) if pid else 0.0
    port = setup.port
    foreign.start()
    busy0 = foreign.busy0
    t0 = time.perf_counter()
    if load == "noauth":
        run_smtp_source(port, messages, sessions)
    else:
        run_auth(port, messages, sessions, setup.sb.users)
    elapsed = time.perf_counter() - t0
    others = foreign.cores()
    if pid:
        setup.cpu[load] += cpu_seconds(pid) - cpu0
    setup.sys[load] += (foreign._busy() - busy0) / os.sysconf("SC_CLK_TCK")
    setup.time[load] += elapsed
    setup.sent[load] += messages
    return messages / elapsed, others


# --- memory at many sessions -----------------------------------------------

async def hold_sessions(setup, count):
    """COUNT authenticated sessions held after RCPT; returns the milter's
    status and the number of milter connections while all are open."""
    sb = setup.sb
    ready = asyncio.Semaphore(0)
    go = asyncio.Event()
    tasks = [asyncio.create_task(asyncio.wait_for(
        smtp_session(setup.port, u, sb.password(u), (ready, go)), 120))
        for u in (sb.users[i % len(sb.users)] for i in range(count))]
    try:
        async def all_ready():
            for _ in range(count):
                await ready.acquire()
        waiter = asyncio.ensure_future(all_ready())
        pending = set(tasks) | {waiter}
        deadline = time.monotonic() + 90
        while not waiter.done():
            left = deadline - time.monotonic()
            if left <= 0:
                waiter.cancel()
                raise SmtpError(f"not all {count} sessions got to RCPT")
            done, pending = await asyncio.wait(
                pending, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if t is not waiter and t.exception():
                    waiter.cancel()
                    raise t.exception()
        conns = unix_connections(setup.sock)
        status = proc_status(setup.milter_pid)
    finally:
        go.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return status, conns


# --- main ------------------------------------------------------------------

def machine():
    return benchutil.machine()


def med(values):
    return statistics.median(values) if values else float("nan")


# two-sided 95 % quantiles of Student's t, by degrees of freedom
T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36,
       8: 2.31, 9: 2.26, 10: 2.23, 12: 2.18, 15: 2.13, 20: 2.09, 25: 2.06,
       30: 2.04, 40: 2.02, 60: 2.00}


def ratio_summary(per):
    """Median, geometric mean and its 95 % confidence interval of the
    per-round ratios PER, as text."""
    text = f"median {med(per):.3f}"
    if len(per) >= 3:
        logs = [math.log(r) for r in per]
        mean = statistics.mean(logs)
        df = len(per) - 1
        t = T95[max(k for k in T95 if k <= df)] if df < 120 else 1.96
        half = t * statistics.stdev(logs) / math.sqrt(len(per))
        text += (f", mean {math.exp(mean):.3f} (95 % CI "
                 f"{math.exp(mean - half):.3f}..{math.exp(mean + half):.3f})")
    return text + f", rounds {min(per):.3f}..{max(per):.3f}"


def run_rounds(setups, args, foreign, queue):
    """The interleaved rounds; fills setup.rates, returns (rounds kept,
    rounds discarded, rounds run without a quiet start)."""
    loads = (("noauth", args.noauth_messages), ("auth", args.auth_messages))
    kept = discarded = unquiet = 0
    attempt = 0
    deadline = time.monotonic() + args.time_limit
    while kept < args.rounds and attempt < 3 * args.rounds:
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"time limit ({args.time_limit:g} s) reached")
            break
        if foreign.wait_quiet(min(QUIET_WAIT, left)) is None:
            unquiet += 1
        # rotate the order, so no configuration always follows another
        k = attempt % len(setups)
        order = setups[k:] + setups[:k]
        attempt += 1
        rates, worst, line = [], 0.0, []
        sums = [(s, dict(s.cpu), dict(s.sys), dict(s.time), dict(s.sent))
                for s in setups]
        for load, n in loads:
            for setup in order:
                if load not in setup.loads:
                    continue
                rate, others = measure(setup, load, n, args.sessions, foreign,
                                       queue)
                rates.append((setup, load, rate))
                worst = max(worst, others)
                line.append(f"{setup.name}/{load} {rate:.0f}")
        verdict = f"kept, others {worst:.2f} cores"
        if worst > FOREIGN_MAX:
            verdict = f"discarded: other processes used {worst:.2f} cores"
            discarded += 1
            for s, c, y, t, n in sums:   # forget its CPU figures too
                s.cpu, s.sys, s.time, s.sent = c, y, t, n
        else:
            kept += 1
            for setup, load, rate in rates:
                setup.rates[load].append(rate)
        print(f"round {attempt}: " + ", ".join(line) + f" ({verdict})",
              flush=True)
    return kept, discarded, unquiet


def report(setups, kept, discarded, unquiet):
    by = {s.name: s for s in setups}
    print()
    print(f"rounds kept {kept}, discarded for other load {discarded}, "
          f"started without a quiet machine {unquiet}")
    for load in ("noauth", "auth"):
        print(f"\n{load}: {'configuration':<36} {'msg/s':>6} {'machine':>8}"
              f" {'CPU us/msg':>10} {'milter us/msg':>13}")
        for s in setups:
            if not s.rates[load]:
                continue
            n = s.sent[load]
            cpu = f"{s.cpu[load] / n * 1e6:.0f}" if s.milter_pid else "-"
            print(f"{'':>{len(load) + 1}} {s.label:<36} "
                  f"{med(s.rates[load]):>6.0f} "
                  f"{s.sys[load] / s.time[load]:>6.2f} c "
                  f"{s.sys[load] / n * 1e6:>10.0f} {cpu:>13}")
        # what dormant's own work costs the whole machine, per message:
        # a throughput ratio with far less noise than the rates'
        d, b = by["dormant"], by["same"]
        if not (d.sent[load] and b.sent[load]):
            continue
        extra = (d.cpu[load] / d.sent[load] - b.cpu[load] / b.sent[load])
        # Postfix's side of the exchange is the same for both (same steps,
        # macros and verdicts): on a saturated machine the rates differ by
        # the milters' CPU alone
        share = extra / (b.sys[load] / b.sent[load])
        print(f"{'':>{len(load) + 1}} dormant-milter's CPU over the null "
              f"milter's: {extra * 1e6:+.1f} us/msg, {share * 100:+.2f} % of "
              f"the machine's CPU per message: rate ratio "
              f"{1 / (1 + share):.3f} expected")
    print()
    for load in ("noauth", "auth"):
        d = by["dormant"].rates[load]
        # the ratio in each round (neighbouring batches), then the median
        for base, target in (("same", 0.97), ("every", 1.2), ("none", None)):
            per = [a / b for a, b in zip(d, by[base].rates[load])]
            if not per:
                continue
            goal = f" (target >= {target})" if target else ""
            print(f"{load:>6}: dormant / {by[base].label}: "
                  f"{ratio_summary(per)}{goal}")
    w, d = by["dormant-w"].rates["auth"], by["dormant"].rates["auth"]
    if w and d:
        per = [a / b for a, b in zip(w, d)]
        print(f"  auth: update_interval = 0 / dormant-milter: "
              f"{ratio_summary(per)}")


def memory(setups, count):
    print()
    print(f"memory at {count} concurrent authenticated SMTP sessions held "
          "after RCPT:")
    for s in setups:
        if not s.milter_pid or s.name == "dormant-w":
            continue
        before = proc_status(s.milter_pid)
        status, conns = asyncio.run(hold_sessions(s, count))
        print(f"  {s.label:<28} milter connections {conns:>3}, threads "
              f"{status['Threads']:>3}, VmRSS "
              f"{status['VmRSS'] / 1024:5.1f} MiB, VmHWM "
              f"{status['VmHWM'] / 1024:5.1f} MiB (before: VmRSS "
              f"{before['VmRSS'] / 1024:.1f} MiB)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builddir", nargs="?", default=".")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--noauth-messages", type=int, default=2000)
    ap.add_argument("--auth-messages", type=int, default=1500)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--hold", type=int, default=200)
    ap.add_argument("--time-limit", type=float, default=3600,
                    help="seconds for the rounds, waits for quiet included")
    args = ap.parse_args()
    build = os.path.abspath(args.builddir)
    why = sandbox.missing_prerequisites()
    if why is None and not os.access(SMTP_SOURCE, os.X_OK):
        why = f"{SMTP_SOURCE} not installed"
    for prog in ("bench/null-milter", sandbox.MILTER_BIN):
        if why is None and not os.access(os.path.join(build, prog), os.X_OK):
            why = f"{prog} not built"
    if why:
        print(f"milter benchmark skipped: {why}")
        return 0

    tmp = tempfile.mkdtemp(prefix="dormant-bench-milter-")
    os.chmod(tmp, 0o755)         # smtpd (user postfix) reaches the sockets
    sb = Sandbox(plugin=False, milter=False, builddir=build, users=USERS,
                 postfix_extra=POSTFIX_COMMON)
    setups = []

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)     # the finally below stops all
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sb.start()
        ports = sandbox.free_ports(len(CONFIGS))
        for (name, label, kind, loads), port in zip(CONFIGS, ports):
            setup = Setup(name, label, kind, loads, sb, port, tmp)
            setups.append(setup)
            setup.start_milter(build)
        add_listeners(sb, setups)
        mine = {os.getsid(0)} | sandbox_sids(sb)
        mine |= {s.milter.proc.pid for s in setups if s.milter}   # session leaders
        foreign = ForeignLoad(lambda: mine)
        queue = Queue(sb)
        print(f"machine: {machine()}")
        print(f"up to {args.rounds} rounds; batches of {args.noauth_messages}"
              f" (noauth) and {args.auth_messages} (auth) messages, "
              f"{args.sessions} sessions at a time", flush=True)
        # warm-up: smtpd processes, caches, the accounts' first records
        for setup in setups:
            for load in setup.loads:
                measure(setup, load, 200, args.sessions, foreign, queue)
            setup.reset()
        kept, discarded, unquiet = run_rounds(setups, args, foreign, queue)
        report(setups, kept, discarded, unquiet)
        memory(setups, args.hold)
        recs = sb.records()
        sent = sum(1 for u in sb.users if recs.get(u, {}).get("last_send"))
        print(f"dormant-milter recorded a last_send for {sent} of "
              f"{len(sb.users)} senders")
        for s in setups:
            s.stop()
        sb.stop()
        problems = sb.problems + [p for s in setups for p in s.problems()]
        if problems:
            print("log problems:\n  " + "\n  ".join(problems[:20]))
    except Exception:
        for s in setups:
            if s.milter and os.path.getsize(s.milter.log) > 0:
                print(f"--- {s.name} milter log\n{sandbox.tail(s.milter.log)}",
                      file=sys.stderr)
        raise
    finally:
        for s in setups:
            s.stop()
        sb.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
