"""sandbox - a real Dovecot and a real Postfix on 127.0.0.1, in a temp dir.

    from sandbox import Sandbox
    with Sandbox(plugin=True, milter=True) as sb:
        sb.imap_login("alice@example.test", "secret-alice")
        rc, out, err = sb.dormant("list", "--format", "csv")

Everything lives in one fresh directory from tempfile: configuration,
sockets, queue, maildirs, logs and the dormant database (<dir>/db). The
servers listen on 127.0.0.1 only, on free high ports picked by the kernel
(bind to port 0), so several sandboxes can run side by side and nothing of
the system's own /etc/dovecot, /etc/postfix or running instances is used.
Postfix delivers the local domain (example.test) to Dovecot over LMTP and
hands everything else to its `discard` transport: no mail leaves loopback,
and master.cf has no smtp client service at all.

Life cycle: Dovecot (foreground, our child, own session) starts first, then
the milter (our child, own session), then Postfix (`postfix -c DIR start`,
its master leads its own session). Stopping signals every process of those
sessions, waits with a deadline and then SIGKILLs what is left. It runs on
__exit__, at interpreter exit (atexit) and on SIGTERM/SIGHUP. If this
process dies without stopping (SIGKILL), our direct children get SIGTERM
from the kernel (PR_SET_PDEATHSIG) and a watchdog process (this file run
with --watchdog) stops Postfix and removes the directory. Set
DORMANT_KEEP_SANDBOX=1 to keep the directory.

Must run as root (Dovecot and Postfix drop privileges themselves). Only the
Python standard library is used.
"""
import atexit
import base64
import csv
import datetime
import ctypes
import grp
import imaplib
import io
import os
import poplib
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

DOVECOT = shutil.which("dovecot", path="/usr/sbin:/usr/bin:/sbin:/bin") or "/usr/sbin/dovecot"
POSTFIX = shutil.which("postfix", path="/usr/sbin:/usr/bin:/sbin:/bin") or "/usr/sbin/postfix"
SWAKS = shutil.which("swaks") or "/usr/bin/swaks"
SENDMAIL = "/usr/sbin/sendmail"   # Postfix's, pointed at the sandbox with -C
STOCK_MODULES = "/usr/lib/dovecot/modules"
DOVECOT_LIBEXEC = "/usr/lib/dovecot"   # imap, pop3, lmtp, submission, ...
# Dovecot 2.4 only: where its config process loads settings modules from.
SETTINGS_MODULE = os.path.join(STOCK_MODULES, "settings", "libdormant_settings.so")
PIGEONHOLE_SETTINGS = os.path.join(STOCK_MODULES, "settings", "libpigeonhole_settings.so")

MAIL_UID = 5000           # the mail processes' uid/gid; needs no passwd entry
MAIL_GID = 5000
DOMAIN = "example.test"
DEFAULT_USERS = ("alice", "bob", "carol")

# Bounds for every wait; generous because CI machines are slow and noisy.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
KILL_TIMEOUT = 5.0

PLUGIN_SO = "dovecot-plugin/.libs/lib90_dormant_plugin.so"
MILTER_BIN = "milter/dormant-milter"
DORMANT_BIN = "reporter/dormant"

CSV_HEADER = ("account,status,idle_days,last_login,login_service,login_ip,"
              "last_send,send_ip,last_receive,first_seen")


class SandboxError(RuntimeError):
    """A sandbox step failed; the message carries the relevant log tails."""


def write_file(path, text, mode=0o644):
    """Write TEXT to PATH with MODE; returns PATH."""
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(text):
    """An RFC 3339 UTC time as the CSV contract writes it."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def assert_recent(text, since, what):
    """TEXT is an RFC 3339 UTC time between SINCE and now (times are stored
    to the second: two seconds of slack either side)."""
    assert text, f"{what} is empty"
    t = parse_time(text)
    lo = since - datetime.timedelta(seconds=2)
    hi = utc_now() + datetime.timedelta(seconds=2)
    assert lo <= t <= hi, \
        f"{what} {text} not within [{lo:%H:%M:%S}, {hi:%H:%M:%S}]"


def default_builddir():
    """DORMANT_BUILDDIR, else the tree this file sits in (in-tree build)."""
    env = os.environ.get("DORMANT_BUILDDIR")
    if env:
        return os.path.abspath(env)
    return os.path.abspath(os.path.join(HERE, "..", ".."))


def missing_prerequisites():
    """Why the sandbox cannot run here, or None: root and the servers."""
    if os.geteuid() != 0:
        return "needs root (Dovecot and Postfix drop privileges themselves)"
    for path, what in ((DOVECOT, "dovecot"), (POSTFIX, "postfix"),
                       (SWAKS, "swaks")):
        if not os.access(path, os.X_OK):
            return f"{what} not installed ({path})"
    if not os.path.isdir(STOCK_MODULES):
        return f"Dovecot modules not found ({STOCK_MODULES})"
    for proto in ("imap", "pop3", "lmtp"):
        if not os.access(os.path.join(DOVECOT_LIBEXEC, proto), os.X_OK):
            return f"dovecot-{proto}d not installed"
    return None


def dovecot_has(service):
    """Whether Dovecot's SERVICE binary (submission, managesieve) exists."""
    return os.access(os.path.join(DOVECOT_LIBEXEC, service), os.X_OK)


_dovecot_version = None


def dovecot_version():
    """The installed Dovecot's version as a tuple of ints, from `dovecot
    --version` ("2.3.19.1 (9b53102964)" gives (2, 3, 19, 1), "2.4.1-4
    (7d8c0e5759)" gives (2, 4, 1)); () when it cannot be run."""
    global _dovecot_version
    if _dovecot_version is None:
        try:
            p = subprocess.run([DOVECOT, "--version"], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=30)
            m = re.match(r"\s*(\d+(?:\.\d+)+)", p.stdout.decode(errors="replace"))
            _dovecot_version = (tuple(int(n) for n in m.group(1).split("."))
                                if m else ())
        except (OSError, subprocess.SubprocessError):
            _dovecot_version = ()
    return _dovecot_version


def dovecot_is_24():
    """Whether the installed Dovecot speaks the 2.4 configuration syntax
    (mail_driver, passdb NAME {}, mail_plugins {}, settings at top level,
    typed plugin settings from settings modules)."""
    return dovecot_version() >= (2, 4)


def settings_module_missing():
    """On Dovecot 2.4: why the dormant_* settings would be unknown, or None.

    Dovecot 2.4's config process learns plugin settings only from modules
    in its compiled-in <moduledir>/settings (no setting moves it), so the
    sandbox needs `make install` to have put libdormant_settings.so there.
    """
    if dovecot_is_24() and not os.path.exists(SETTINGS_MODULE):
        return (f"Dovecot {'.'.join(map(str, dovecot_version()))} knows the "
                f"dormant_* settings only from {SETTINGS_MODULE}: run "
                "`make install` first")
    return None


def free_ports(count):
    """COUNT distinct free TCP ports on 127.0.0.1, picked by the kernel.

    All sockets stay bound until every port is known, so the ports are
    distinct; a race with another program between close() and the server's
    bind() is possible but rare, and start() retries once on EADDRINUSE.
    """
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def poll(predicate, timeout, interval=0.02, max_interval=0.25):
    """Call PREDICATE until it returns a true value or TIMEOUT passes.

    Returns the value, or None on timeout. The pause between polls grows
    from INTERVAL to MAX_INTERVAL; the loop is bounded by the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now >= deadline:
            return None
        time.sleep(min(interval, deadline - now))
        interval = min(interval * 1.5, max_interval)


def tail(path, lines=40):
    """The last LINES lines of a file, or a note that it does not exist."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"({path}: {e.strerror})"
    return "\n".join(data.splitlines()[-lines:])


# --- processes -------------------------------------------------------------

def _proc_stat(pid):
    """(ppid, pgrp, session, state) of PID from /proc, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after it.
    rest = data[data.rindex(")") + 2:].split()
    return int(rest[1]), int(rest[2]), int(rest[3]), rest[0]


def session_members(sid):
    """Live (non-zombie) pids whose session id is SID."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = _proc_stat(int(name))
        if st and st[2] == sid and st[3] != "Z":
            pids.append(int(name))
    return pids


def _signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_sessions(leaders, popens=(), timeout=STOP_TIMEOUT, nudge=None):
    """Stop every process in the sessions led by LEADERS (a list of pids).

    SIGTERM to the leaders (they shut their children down in order), wait
    until the sessions are empty, then SIGKILL whatever is left. A pid that
    is still a session id cannot be reused by the kernel, so this never
    hits an unrelated process. POPENS (our own children) are reaped.
    NUDGE, if given, is called on every poll while waiting.
    Returns the list of pids that had to be SIGKILLed.
    """
    leaders = [p for p in leaders if p]
    _signal_all(leaders, signal.SIGTERM)

    def reap():
        for p in popens:
            p.poll()
        if nudge:
            nudge()
        return not any(session_members(s) for s in leaders)

    killed = []
    if not poll(reap, timeout):
        for sid in leaders:
            pids = session_members(sid)
            killed += pids
            _signal_all(pids, signal.SIGKILL)
        poll(reap, KILL_TIMEOUT)
    for p in popens:
        try:
            p.wait(timeout=KILL_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    return killed


def _pdeathsig():
    """preexec_fn: the child gets SIGTERM if this (parent) process dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)   # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# Sandboxes still running; stopped at exit and on SIGTERM/SIGHUP.
_live = []
_handlers_installed = False


def _stop_all():
    for sb in list(_live):
        sb.stop()


def _on_signal(signum, frame):
    _stop_all()
    # Die of the same signal, as the caller expects.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)


# --- the sandbox -----------------------------------------------------------

class Sandbox:
    """A private Dovecot + Postfix (+ dormant-milter) on 127.0.0.1.

    plugin: load the dormant Dovecot plugin (mail_plugins).
    milter: run dormant-milter and put it in Postfix's smtpd_milters.
    builddir: top build directory (default: default_builddir()).
    users: local parts or full addresses in DOMAIN; password "secret-<local>".
    dovecot_extra: extra dovecot.conf lines (a string or a list), in the
        installed Dovecot's syntax: see .dovecot24.
    plugin_settings: extra plugin {} settings (a dict); on Dovecot 2.4
        they are written at top level, where 2.4 wants plugin settings.
    dormant_conf: extra dormant.conf lines for the milter and the CLI.
    deny_file: put the deny passdb dormant writes (deny_file in
        dormant.conf, etc/dovecot/dormant.deny) in front of the normal passdb,
        as the README tells admins to (Dovecot honours a deny only there).
    postfix_extra: extra main.cf lines.
    userdb_fields: extra userdb fields with auth variables, as an admin
        passes request data to the mail process: a dict {name: value}, the
        values in the installed Dovecot's variable syntax (see
        .userdb_variable). Dovecot 2.3 gets the userdb's override_fields,
        2.4 its fields {} block.
    update_interval: the plugin's dormant_update_interval.
    submission, managesieve: enable those Dovecot services (default: when
        installed); their ports are in .ports["submission"], ["sieve"].

    .dovecot24 is true when the installed Dovecot is 2.4 or later: the
    sandbox then writes a 2.4-syntax dovecot.conf (mail_driver, passdb
    passwd-file {}, mail_plugins {}, auth_allow_cleartext, dormant_* at
    top level) with the same listeners, users and behaviour.
    """

    def __init__(self, plugin=True, milter=True, builddir=None, users=None,
                 dovecot_extra=None, plugin_settings=None, dormant_conf=None,
                 postfix_extra=None, update_interval="60s", submission=None,
                 managesieve=None, deny_file=False, userdb_fields=None,
                 user_fields=None):
        self.plugin = plugin
        self.userdb_fields = dict(userdb_fields or {})
        # {user: "userdb_manager=... userdb_ou=..."}: passwd-file extra fields
        self.user_fields = dict(user_fields or {})
        self.deny_file = deny_file
        self.milter = milter
        self.builddir = os.path.abspath(builddir or default_builddir())
        self.users = [u if "@" in u else f"{u}@{DOMAIN}"
                      for u in (users or DEFAULT_USERS)]
        self.dovecot_extra = dovecot_extra or []
        if isinstance(self.dovecot_extra, str):
            self.dovecot_extra = [self.dovecot_extra]
        self.plugin_settings = dict(plugin_settings or {})
        self.dormant_conf = dormant_conf or []
        if isinstance(self.dormant_conf, str):
            self.dormant_conf = [self.dormant_conf]
        self.postfix_extra = postfix_extra or []
        self.update_interval = update_interval
        self.submission = (dovecot_has("submission") if submission is None
                           else submission)
        self.managesieve = (dovecot_has("managesieve") if managesieve is None
                            else managesieve)
        self.dovecot24 = dovecot_is_24()
        self.dir = None
        self.ports = {}
        self._dovecot = None       # Popen of `dovecot -F`
        self._milter = None        # Popen of dormant-milter -f
        self._postfix_pid = None   # master pid from the pid file
        self._watchdog = None
        self._watchdog_pipe = None
        self.timings = {}
        self.killed = []
        self.milter_status = None  # exit status once stopped
        self.problems = []         # log_problems() at stop

    # -- paths

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def db(self):
        return self.path("db")

    @property
    def plugin_so(self):
        return os.path.join(self.builddir, PLUGIN_SO)

    @property
    def milter_bin(self):
        return os.path.join(self.builddir, MILTER_BIN)

    @property
    def dormant_bin(self):
        return os.path.join(self.builddir, DORMANT_BIN)

    def password(self, user):
        return "secret-" + user.split("@")[0]

    def home(self, user):
        local, domain = user.lower().split("@")
        return self.path("home", domain, local)

    def maildir(self, user):
        return os.path.join(self.home(user), "Maildir")

    # -- life cycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def _missing_artefacts(self):
        need = [self.dormant_bin]
        if self.plugin:
            need.append(self.plugin_so)
        if self.milter:
            need.append(self.milter_bin)
        return [p for p in need if not os.path.exists(p)]

    def start(self):
        """Create the tree and start Dovecot, the milter and Postfix."""
        why = missing_prerequisites()
        if why:
            raise SandboxError(why)
        missing = self._missing_artefacts()
        if missing:
            raise SandboxError("build artefacts missing (builddir "
                               f"{self.builddir}): {', '.join(missing)}")
        if self.plugin and settings_module_missing():
            raise SandboxError(settings_module_missing())
        _install_handlers()
        t0 = time.monotonic()
        for attempt in range(2):
            _live.append(self)
            try:
                self._create_tree()
                self._watchdog_start()
                if self.deny_file:
                    # the README's set-up step before the deny passdb:
                    # the first sync writes the (empty) deny file
                    self.dormant("sync", "--file", self.path("etc", "passwd"),
                                 check=True)
                for name, step in (("dovecot", self._start_dovecot),
                                   ("milter", self._start_milter),
                                   ("postfix", self._start_postfix)):
                    if name == "milter" and not self.milter:
                        continue
                    t1 = time.monotonic()
                    step()
                    self.timings["start_" + name] = time.monotonic() - t1
                break
            except SandboxError as e:
                self.stop()
                # A port taken between free_ports() and the servers' bind():
                # start over once on fresh ports; anything else is fatal.
                if attempt == 0 and "Address already in use" in str(e):
                    continue
                raise
            except BaseException:
                self.stop()
                raise
        self.timings["start"] = time.monotonic() - t0
        return self

    def stop(self):
        """Stop everything this sandbox started; idempotent, and safe to
        call again from a signal handler while it runs."""
        if self not in _live:
            return
        _live.remove(self)
        t0 = time.monotonic()
        leaders = []
        popens = []
        if self._dovecot:
            leaders.append(self._dovecot.pid)
            popens.append(self._dovecot)
        if self._milter:
            leaders.append(self._milter.pid)
            popens.append(self._milter)
        pf = self._postfix_pid or self._read_postfix_pid()
        if pf:
            leaders.append(pf)
        # The three shut down independently, so all get SIGTERM at once:
        # the total is the slowest of them, not the sum.
        self.killed = stop_sessions(leaders, popens, nudge=self._nudge_milter)
        if self._milter is not None:
            self.milter_status = self._milter.returncode
        # Read before the directory goes: exit-time reports (sanitizers,
        # shutdown errors) are only there now.
        self.problems = self.log_problems() if self.dir else []
        if self.killed:
            print(f"# sandbox: SIGKILLed pids {self.killed} after "
                  f"{STOP_TIMEOUT:g} s", file=sys.stderr)
        self._dovecot = self._milter = None
        self._postfix_pid = None
        self.timings["stop"] = time.monotonic() - t0
        if self.dir and os.path.isdir(self.dir):
            if os.environ.get("DORMANT_KEEP_SANDBOX"):
                print(f"# sandbox kept in {self.dir}", file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        self._watchdog_done()

    # -- watchdog: cleans up if this process dies without running stop()

    def _watchdog_start(self):
        """Start `python3 sandbox.py --watchdog` with a pipe from us.

        We tell it each session leader as it starts. If the pipe reaches
        EOF without "done" (this process was SIGKILLed, or crashed), it
        stops those sessions and removes the directory. Postfix is the
        reason: it daemonises, so PR_SET_PDEATHSIG cannot reach it.
        """
        rfd, wfd = os.pipe()
        self._watchdog = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--watchdog",
             self.dir, str(rfd)],
            pass_fds=(rfd,), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True)
        os.close(rfd)
        self._watchdog_pipe = os.fdopen(wfd, "w", buffering=1)

    def _watchdog_tell(self, line):
        try:
            self._watchdog_pipe.write(line + "\n")
        except (OSError, ValueError, AttributeError):
            pass

    def _watchdog_done(self):
        pipe = getattr(self, "_watchdog_pipe", None)
        if pipe is None:
            return
        self._watchdog_tell("done")
        try:
            pipe.close()
        except OSError:
            pass
        self._watchdog_pipe = None
        try:
            self._watchdog.wait(timeout=KILL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._watchdog.kill()
            self._watchdog.wait()

    # -- tree and configuration

    def _create_tree(self):
        self.dir = tempfile.mkdtemp(prefix="dormant-sbx-")
        # mkdtemp makes 0700: dovenull, postfix and uid 5000 must enter it.
        os.chmod(self.dir, 0o755)
        names = ["smtp", "lmtp", "imap", "pop3", "milter"]
        if self.submission:
            names.append("submission")
        if self.managesieve:
            names.append("sieve")
        self.ports = dict(zip(names, free_ports(len(names))))
        for d in ("etc", "bin", "log", "run", "modules", "dovecot-state",
                  "reports",
                  "postfix", "postfix/etc", "postfix/spool"):
            os.makedirs(self.path(d), mode=0o755)
        # Postfix's data directory belongs to the mail_owner.
        os.makedirs(self.path("postfix", "data"), mode=0o700)
        os.chown(self.path("postfix", "data"), pwd.getpwnam("postfix").pw_uid,
                 pwd.getpwnam("postfix").pw_gid)
        # Homes are created by the mail processes (uid 5000) on first use.
        os.makedirs(self.path("home", DOMAIN), mode=0o755)
        for d in (self.path("home"), self.path("home", DOMAIN)):
            os.chown(d, MAIL_UID, MAIL_GID)
        # The dormant database: written by the mail processes (uid 5000)
        # and by root (milter, CLI); setgid so files keep group 5000.
        os.mkdir(self.db)
        os.chown(self.db, MAIL_UID, MAIL_GID)
        os.chmod(self.db, 0o2770)
        self._link_modules()
        self._write_passwd()
        self._write_dormant_conf()
        self._write_dovecot_conf()
        self._write_postfix_conf()

    def _link_modules(self):
        """mail_plugin_dir is one directory: stock modules + our plugin.

        A copy of the plugin installed by `make install` (CI installs it:
        Dovecot 2.4 needs the settings module) is left out: the sandbox
        tests the build tree's."""
        for name in sorted(os.listdir(STOCK_MODULES)):
            src = os.path.join(STOCK_MODULES, name)
            if name == os.path.basename(PLUGIN_SO):
                continue
            if os.path.isfile(src):
                os.symlink(src, self.path("modules", name))
        if self.plugin:
            os.symlink(self.plugin_so,
                       self.path("modules", os.path.basename(PLUGIN_SO)))

    def _write(self, name, text, mode=0o644):
        return write_file(self.path(name), text, mode)

    def _write_passwd(self):
        lines = [f"{u}:{{PLAIN}}{self.password(u)}:{MAIL_UID}:{MAIL_GID}"
                 f"::{self.home(u)}::{self.user_fields.get(u, '')}"
                 for u in self.users]
        # Read by the auth process, which runs as user dovecot.
        path = self._write("etc/passwd", "\n".join(lines) + "\n", 0o640)
        os.chown(path, 0, grp.getgrnam("dovecot").gr_gid)

    def _write_dormant_conf(self):
        # Notices and reports go through the sandbox's own Postfix.
        sendmail = self._write(
            "bin/sendmail", "#!/bin/sh\n"
            f"exec {SENDMAIL} -C {self.path('postfix', 'etc')} \"$@\"\n", 0o755)
        lines = ["# dormant.conf for a test sandbox",
                 f"db = {self.db}", f"local_domains = {DOMAIN}",
                 f"sendmail = {sendmail}",
                 f"report_dir = {self.path('reports')}"]
        if self.deny_file:
            # Where the README puts it: Dovecot's own configuration
            # directory, root:root 0755 as Debian ships /etc/dovecot, with
            # no preparation: dormant must make the file readable by
            # Dovecot's auth user (dovecot) itself.
            os.makedirs(self.path("etc", "dovecot"), mode=0o755)
            lines.append(f"deny_file = {self.deny_path}")
        self._write("etc/dormant.conf",
                    "\n".join(lines + list(self.dormant_conf)) + "\n")

    @property
    def deny_path(self):
        return self.path("etc", "dovecot", "dormant.deny")

    def _deny_passdb(self):
        """The deny passdb, to stand before the normal one; or ''."""
        if not self.deny_file:
            return ""
        path = self.deny_path
        if self.dovecot24:
            return (f"passdb dormant_deny {{\n  driver = passwd-file\n"
                    f"  passwd_file_path = {path}\n  deny = yes\n}}\n")
        return (f"passdb {{\n  driver = passwd-file\n  args = {path}\n"
                f"  deny = yes\n}}\n")

    def _userdb_fields_23(self):
        """The userdb's override_fields line (2.3), or ''."""
        if not self.userdb_fields:
            return ""
        return "  override_fields = " + " ".join(
            f"{k}={v}" for k, v in self.userdb_fields.items()) + "\n"

    def _userdb_fields_24(self):
        """The userdb's fields {} block (2.4: override_fields is gone, the
        block sets fields after the lookup), or ''."""
        if not self.userdb_fields:
            return ""
        return ("  fields {\n"
                + "".join(f"    {k} = {v}\n"
                          for k, v in self.userdb_fields.items())
                + "  }\n")

    @staticmethod
    def userdb_variable(name):
        """The installed Dovecot's auth variable for NAME ("client_id",
        "real_remote_ip"): 2.3 calls the real peer %{real_rip}, 2.4
        %{real_remote_ip}; the IMAP ID is %{client_id} in both."""
        if name == "real_remote_ip" and not dovecot_is_24():
            return "%{real_rip}"
        return "%{" + name + "}"

    def _write_dovecot_conf(self):
        if self.dovecot24:
            self._write("etc/dovecot.conf", self._dovecot_conf_24())
            return
        p = self.ports
        protocols = ["imap", "pop3", "lmtp"]
        if self.submission:
            protocols.append("submission")
        if self.managesieve:
            protocols.append("sieve")
        plugin = {"dormant_db": self.db,
                  "dormant_update_interval": self.update_interval,
                  "sieve": "file:~/sieve;active=~/.dovecot.sieve"}
        plugin.update(self.plugin_settings)
        conf = f"""\
# dovecot.conf for a dormant test sandbox: 127.0.0.1 only, no TLS.
base_dir = {self.path('run', 'dovecot')}
state_dir = {self.path('dovecot-state')}
instance_name = {os.path.basename(self.dir)}
log_path = {self.path('log', 'dovecot.log')}
protocols = {' '.join(protocols)}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
first_valid_uid = {MAIL_UID}
last_valid_uid = {MAIL_UID}
first_valid_gid = {MAIL_GID}
last_valid_gid = {MAIL_GID}
mail_location = maildir:~/Maildir
mail_plugin_dir = {self.path('modules')}
mail_plugins = $mail_plugins{' dormant' if self.plugin else ''}
{self._deny_passdb()}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.path('etc', 'passwd')}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.path('etc', 'passwd')}
{self._userdb_fields_23()}}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {p['imap']}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {p['pop3']}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p['lmtp']}
  }}
}}
service auth {{
  # Postfix's SASL client (user postfix) connects here.
  unix_listener {self.path('run', 'auth-postfix')} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""
        if self.submission:
            conf += f"""\
submission_relay_host = 127.0.0.1
submission_relay_port = {p['smtp']}
submission_relay_ssl = no
service submission-login {{
  inet_listener submission {{
    address = 127.0.0.1
    port = {p['submission']}
  }}
  inet_listener submissions {{
    port = 0
  }}
}}
"""
        if self.managesieve:
            conf += f"""\
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {p['sieve']}
  }}
}}
"""
        conf += "plugin {\n"
        conf += "".join(f"  {k} = {v}\n" for k, v in plugin.items())
        conf += "}\n"
        conf += "".join(line + "\n" for line in self.dovecot_extra)
        self._write("etc/dovecot.conf", conf)

    def _dovecot_conf_24(self):
        """dovecot.conf in Dovecot 2.4 syntax; the same sandbox as the 2.3
        file above, setting for setting."""
        p = self.ports
        protocols = ["imap", "pop3", "lmtp"]
        if self.submission:
            protocols.append("submission")
        if self.managesieve:
            protocols.append("sieve")
        # Plugin settings are top-level settings in 2.4; dormant_* exist
        # only with the settings module (start() insists on it when the
        # plugin is loaded; a bare sandbox without it simply omits them).
        settings = {}
        if self.plugin or not settings_module_missing():
            settings = {"dormant_db": self.db,
                        "dormant_update_interval": self.update_interval}
        settings.update(self.plugin_settings)
        passwd = self.path("etc", "passwd")
        # The config version fixes the meaning of defaults: 2.4.0 is the
        # oldest 2.4 syntax, accepted by every 2.4.x.
        conf = f"""\
# dovecot.conf (Dovecot 2.4 syntax) for a dormant test sandbox: 127.0.0.1
# only, no TLS.
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = {self.path('run', 'dovecot')}
state_dir = {self.path('dovecot-state')}
instance_name = {os.path.basename(self.dir)}
log_path = {self.path('log', 'dovecot.log')}
protocols = {' '.join(protocols)}
listen = 127.0.0.1
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
first_valid_uid = {MAIL_UID}
last_valid_uid = {MAIL_UID}
first_valid_gid = {MAIL_GID}
last_valid_gid = {MAIL_GID}
mail_driver = maildir
mail_path = ~/Maildir
mail_plugin_dir = {self.path('modules')}
"""
        if self.plugin:
            conf += "mail_plugins {\n  dormant = yes\n}\n"
        conf += self._deny_passdb()
        conf += f"""\
passdb passwd-file {{
  passwd_file_path = {passwd}
}}
userdb passwd-file {{
  passwd_file_path = {passwd}
{self._userdb_fields_24()}}}
service imap-login {{
  inet_listener imap {{
    port = {p['imap']}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {p['pop3']}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {p['lmtp']}
  }}
}}
service auth {{
  # Postfix's SASL client (user postfix) connects here.
  unix_listener auth-postfix {{
    path = {self.path('run', 'auth-postfix')}
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""
        if self.submission:
            conf += f"""\
submission_relay_host = 127.0.0.1
submission_relay_port = {p['smtp']}
submission_relay_ssl = no
service submission-login {{
  inet_listener submission {{
    port = {p['submission']}
  }}
  inet_listener submissions {{
    port = 0
  }}
}}
"""
        if self.managesieve:
            conf += f"""\
service managesieve-login {{
  inet_listener sieve {{
    port = {p['sieve']}
  }}
}}
"""
        if self.managesieve and os.path.exists(PIGEONHOLE_SETTINGS):
            conf += """\
sieve_script personal {
  driver = file
  path = ~/sieve
  active_path = ~/.dovecot.sieve
}
"""
        conf += "".join(f"{k} = {v}\n" for k, v in settings.items())
        conf += "".join(line + "\n" for line in self.dovecot_extra)
        return conf

    def _write_postfix_conf(self):
        p = self.ports
        main = f"""\
# main.cf for a dormant test sandbox: 127.0.0.1 only; example.test goes
# to Dovecot by LMTP, everything else is discarded.
compatibility_level = 3.6
queue_directory = {self.path('postfix', 'spool')}
data_directory = {self.path('postfix', 'data')}
maillog_file = {self.path('log', 'postfix.log')}
maillog_file_prefixes = {self.path('log')}
myhostname = mx.{DOMAIN}
mydomain = {DOMAIN}
myorigin = $myhostname
mydestination =
# Relay needs SASL: mynetworks is not in the restrictions, so mail from
# 127.0.0.1 without AUTH (Dovecot's submission relay included) may only
# go to example.test.
mynetworks = 127.0.0.1/32
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:local delivery is disabled in the sandbox
default_transport = discard:sandbox
relay_transport = discard:sandbox
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_maps = texthash:{self.path('postfix', 'etc', 'vmailbox')}
virtual_transport = lmtp:inet:127.0.0.1:{p['lmtp']}
lmtp_host_lookup = native
smtpd_banner = $myhostname ESMTP sandbox
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self.path('run', 'auth-postfix')}
broken_sasl_auth_clients = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_tls_security_level = none
smtp_tls_security_level = none
biff = no
delay_warning_time = 0
"""
        if self.milter:
            main += f"""\
smtpd_milters = inet:127.0.0.1:{p['milter']}
milter_default_action = accept
"""
        main += "".join(line + "\n" for line in self.postfix_extra)
        # Every service un-chrooted (absolute socket paths); no smtp/relay
        # client services: there is no way to send mail off this host.
        master = f"""\
127.0.0.1:{p['smtp']} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
lmtp       unix  - - n -  - lmtp
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
"""
        files = [self._write("postfix/etc/main.cf", main),
                 self._write("postfix/etc/master.cf", master),
                 self._write("postfix/etc/vmailbox",
                             "".join(f"{u} {u}\n" for u in self.users))]
        # Postfix re-reads a configuration file until its mtime is over a
        # second old (it may be half written), 300 ms a try: date them back.
        past = time.time() - 10
        for path in files:
            os.utime(path, (past, past))

    # -- starting

    def _start_dovecot(self):
        conf = self.path("etc", "dovecot.conf")
        err = open(self.path("log", "dovecot.stderr"), "wb")
        # -F: our child in its own session, so stop() finds every process.
        self._dovecot = subprocess.Popen(
            [DOVECOT, "-F", "-c", conf], stdin=subprocess.DEVNULL,
            stdout=err, stderr=err, start_new_session=True,
            preexec_fn=_pdeathsig)
        err.close()
        self._watchdog_tell(f"leader {self._dovecot.pid}")
        for name in ("imap", "pop3"):
            self._wait_banner(name, b"* OK" if name == "imap" else b"+OK",
                              self._dovecot)
        self._wait_banner("lmtp", b"220", self._dovecot)
        self.wait_until(lambda: os.path.exists(self.path("run", "auth-postfix")),
                        START_TIMEOUT, "Dovecot's auth socket for Postfix")

    def _start_milter(self):
        err = open(self.path("log", "milter.log"), "wb")
        argv = [self.milter_bin, "-f", "-c", self.path("etc", "dormant.conf"),
                "-d", self.db, "-p", f"inet:{self.ports['milter']}@127.0.0.1"]
        self._milter = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            start_new_session=True, preexec_fn=_pdeathsig)
        err.close()
        self._watchdog_tell(f"leader {self._milter.pid}")
        self._watchdog_tell(f"milter {self.ports['milter']}")
        self.wait_until(lambda: self._alive_or_fail(self._milter, "milter")
                        and self._connects(self.ports["milter"]),
                        START_TIMEOUT, "dormant-milter accepting connections")

    def _start_postfix(self):
        pfdir = self.path("postfix", "etc")
        p = subprocess.run([POSTFIX, "-c", pfdir, "start"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=START_TIMEOUT * 2)
        self._postfix_pid = self._read_postfix_pid()
        if self._postfix_pid:
            self._watchdog_tell(f"leader {self._postfix_pid}")
        if p.returncode != 0:
            raise SandboxError(
                f"postfix start failed (exit {p.returncode}):\n"
                f"{p.stdout.decode(errors='replace')}"
                f"{p.stderr.decode(errors='replace')}\n" + self.log_tail())
        self._wait_banner("smtp", b"220", None)

    def _nudge_milter(self):
        """Wake a stopping milter: libmilter notices smfi_stop() only when
        its listener's select() returns, which otherwise happens every
        MI_CHK_TIME (5 s). An empty connection makes it return at once."""
        if self._milter is not None and self._milter.poll() is None:
            self._connects(self.ports["milter"], timeout=0.2)

    def _read_postfix_pid(self):
        if not self.dir:
            return None
        try:
            with open(self.path("postfix", "spool", "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _alive_or_fail(self, popen, what):
        if popen.poll() is not None:
            raise SandboxError(f"{what} exited with status {popen.returncode}"
                               f" during start-up\n" + self.log_tail())
        return True

    @staticmethod
    def _connects(port, timeout=2.0):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout):
                return True
        except OSError:
            return False

    @staticmethod
    def _banner(port, prefix):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.settimeout(5)
                return s.recv(512).startswith(prefix)
        except OSError:
            return False

    def _wait_banner(self, name, prefix, popen):
        port = self.ports[name]

        def ready():
            if popen is not None:
                self._alive_or_fail(popen, "dovecot")
            return self._banner(port, prefix)
        try:
            self.wait_until(ready, START_TIMEOUT,
                            f"{name} banner on 127.0.0.1:{port}")
        except SandboxError as e:
            if "Address already in use" in self.log_tail():
                raise SandboxError(f"port {port} ({name}) in use\n{e}") from e
            raise

    # -- diagnostics

    def wait_until(self, predicate, timeout, what):
        """Poll PREDICATE; on timeout raise SandboxError naming WHAT."""
        value = poll(predicate, timeout)
        if not value:
            raise SandboxError(f"timed out after {timeout:g} s waiting for "
                               f"{what}\n{self.log_tail()}")
        return value

    def log_size(self, name):
        """Current size of log NAME (e.g. "dovecot.log"): an offset for wait_log."""
        try:
            return os.path.getsize(self.path("log", name))
        except OSError:
            return 0

    def log_since(self, name, offset=0):
        """Text of log NAME from byte OFFSET on."""
        try:
            with open(self.path("log", name), "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, name, pattern, offset=0, timeout=START_TIMEOUT):
        """Wait for regex PATTERN in log NAME after OFFSET; returns the match."""
        rx = re.compile(pattern, re.M)
        return self.wait_until(lambda: rx.search(self.log_since(name, offset)),
                               timeout, f"/{pattern}/ in {name}")

    def log_problems(self):
        """Log lines that point at a bug: Dovecot errors, panics and
        fatals, crashed processes, sanitizer reports, dormant errors."""
        rx = re.compile(r"(Error|Panic|Fatal|fatal|panic|killed by signal"
                        r"|AddressSanitizer|LeakSanitizer|runtime error"
                        r"|dormant.*(error|failed))")
        found = []
        for name in ("dovecot.stderr", "dovecot.log", "postfix.log",
                     "milter.log"):
            found += [f"{name}: {line}" for line in
                      self.log_since(name).splitlines() if rx.search(line)]
        return found

    def log_tail(self, lines=30):
        """The tails of the Dovecot, Postfix and milter logs, labelled."""
        if not self.dir:
            return "(no sandbox directory)"
        out = []
        for name in ("dovecot.stderr", "dovecot.log", "postfix.log",
                     "milter.log"):
            path = self.path("log", name)
            if os.path.exists(path) and os.path.getsize(path) > 0:
                out.append(f"--- {name} (last {lines} lines)\n"
                           f"{tail(path, lines)}")
        return "\n".join(out) or "(no logs yet)"

    # -- clients

    def imap_login(self, user, password=None):
        """Log in by IMAP, SELECT INBOX, log out; returns the message count."""
        password = password if password is not None else self.password(user)
        imap = imaplib.IMAP4("127.0.0.1", self.ports["imap"], timeout=30)
        try:
            imap.login(user, password)
            typ, data = imap.select("INBOX")
            if typ != "OK":
                raise SandboxError(f"IMAP SELECT INBOX for {user}: {data}")
            return int(data[0])
        finally:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def pop3_login(self, user, password=None):
        """Log in by POP3, STAT, QUIT; returns the message count."""
        password = password if password is not None else self.password(user)
        pop = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=30)
        try:
            pop.user(user)
            pop.pass_(password)
            count, _ = pop.stat()
            return count
        finally:
            try:
                pop.quit()
            except (poplib.error_proto, OSError):
                pass

    def submission_login(self, user, password=None):
        """Log in to Dovecot's submission service (AUTH PLAIN) and QUIT."""
        password = password if password is not None else self.password(user)
        with smtplib.SMTP("127.0.0.1", self.ports["submission"],
                          timeout=30) as smtp:
            smtp.ehlo("client.sandbox.test")
            smtp.login(user, password)

    def managesieve_login(self, user, password=None):
        """Log in by ManageSieve (AUTHENTICATE PLAIN), LISTSCRIPTS, LOGOUT."""
        password = password if password is not None else self.password(user)
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        with socket.create_connection(("127.0.0.1", self.ports["sieve"]),
                                      timeout=30) as s:
            f = s.makefile("rwb")

            def reply(command=None):
                if command is not None:
                    f.write(command.encode() + b"\r\n")
                    f.flush()
                for _ in range(100):           # bounded: a greeting is short
                    line = f.readline().decode(errors="replace")
                    if not line:
                        break
                    if line.startswith(("OK", "NO", "BYE")):
                        return line.strip()
                raise SandboxError(f"ManageSieve: no reply to {command!r}")
            reply()
            for command in (f'AUTHENTICATE "PLAIN" "{token}"', "LISTSCRIPTS",
                            "LOGOUT"):
                line = reply(command)
                if not line.startswith("OK"):
                    raise SandboxError(f"ManageSieve {command.split()[0]} "
                                       f"for {user}: {line}")

    def _swaks(self, args, check):
        argv = [SWAKS, "--server", "127.0.0.1", "--port",
                str(self.ports["smtp"]), "--helo", "client.sandbox.test",
                "--timeout", "30"] + args
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=90)
        out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise SandboxError(f"swaks exit {p.returncode}: {' '.join(argv)}\n"
                               f"{out}\n{self.log_tail()}")
        return p.returncode, out

    def smtp_send_auth(self, user, password=None, to=None, check=True):
        """Send one message with AUTH PLAIN; returns (rc, swaks output)."""
        password = password if password is not None else self.password(user)
        to = to or "someone@elsewhere.invalid"
        return self._swaks(["--from", user, "--to", to, "--auth", "PLAIN",
                            "--auth-user", user, "--auth-password", password,
                            "--header", f"Subject: from {user}"], check)

    def smtp_send_noauth(self, sender, to, check=True):
        """Send one message without AUTH; returns (rc, swaks output)."""
        return self._swaks(["--from", sender, "--to", to,
                            "--header", f"Subject: from {sender}"], check)

    def maildir_count(self, user):
        """Messages in USER's INBOX (Maildir new/ + cur/)."""
        n = 0
        for sub in ("new", "cur"):
            try:
                n += sum(1 for e in os.listdir(os.path.join(self.maildir(user), sub))
                         if not e.startswith("."))
            except FileNotFoundError:
                pass
        return n

    def wait_delivered(self, user, before=0, timeout=START_TIMEOUT):
        """Wait until USER's maildir holds more than BEFORE messages."""
        return self.wait_until(lambda: self.maildir_count(user) > before,
                               timeout, f"delivery to {user}'s maildir")

    def dormant(self, *args, check=False):
        """Run the CLI on the sandbox database: (rc, stdout, stderr)."""
        argv = [self.dormant_bin, "-c", self.path("etc", "dormant.conf"),
                "-d", self.db] + [str(a) for a in args]
        env = dict(os.environ, TZ="UTC", LC_ALL="C")
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           env=env, timeout=60)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise SandboxError(f"dormant {' '.join(map(str, args))}: exit "
                               f"{p.returncode}\n{err}")
        return p.returncode, out, err

    def records_raw(self):
        """`dormant list --format csv` verbatim (must succeed)."""
        return self.dormant("list", "--format", "csv", check=True)[1]

    def records(self):
        """`dormant list --format csv` as {account: {column: value}}."""
        text = self.records_raw()
        # CSV lines end in CRLF (RFC 4180, doc/DESIGN-NOTES.md).
        if not text.startswith(CSV_HEADER + "\r\n"):
            raise SandboxError("unexpected CSV header line: "
                               f"{text.split(chr(10), 1)[0]!r}")
        return {row["account"]: row
                for row in csv.DictReader(io.StringIO(text, newline=""))}


def _watchdog_main(directory, fd):
    """The watchdog process: see Sandbox._watchdog_start."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    leaders = []
    milter_port = None
    done = False
    with os.fdopen(fd) as pipe:
        for line in pipe:
            word, _, arg = line.strip().partition(" ")
            if word == "leader" and arg.isdigit():
                leaders.append(int(arg))
            elif word == "milter" and arg.isdigit():
                milter_port = int(arg)
            elif word == "done":
                done = True
    if done:
        return 0
    nudge = None
    if milter_port:
        def nudge():
            Sandbox._connects(milter_port, timeout=0.2)
    stop_sessions(leaders, nudge=nudge)
    if not os.environ.get("DORMANT_KEEP_SANDBOX"):
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--watchdog":
        sys.exit(_watchdog_main(sys.argv[2], int(sys.argv[3])))
    sys.exit("usage: sandbox.py --watchdog DIR FD (internal)")
