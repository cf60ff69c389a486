"""clitest - run the built `dormant` command against throwaway databases.

Everything runs in a temporary directory removed at exit, with TZ=UTC and
a fixed --now, so outputs are byte-for-byte reproducible (golden files).
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

BUILDDIR = os.environ.get("DORMANT_BUILDDIR",
                          os.path.abspath(os.path.join(HERE, "..", "..")))
SRCDIR = os.environ.get("DORMANT_SRCDIR",
                        os.path.abspath(os.path.join(HERE, "..", "..")))
DORMANT = os.path.join(BUILDDIR, "reporter", "dormant")
GOLDEN = os.path.join(SRCDIR, "tests", "cli", "golden")
NOW = "2026-11-24T12:00:00Z"

_tmp = tempfile.mkdtemp(prefix="dormant-cli-")
atexit.register(shutil.rmtree, _tmp, True)


def tmpdir(name):
    """A fresh directory below this run's temporary directory."""
    path = os.path.join(_tmp, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class Db:
    """A database directory plus an optional configuration file."""

    def __init__(self, name, config=""):
        self.dir = tmpdir(name)
        self.conf = os.path.join(self.dir, "dormant.conf")
        with open(self.conf, "w") as f:
            f.write(config)

    def run(self, *args, now=NOW, stdin=None, check=None, timeout=120, env=None):
        """Run dormant (env: variables to add); returns (rc, stdout bytes,
        stderr text)."""
        argv = [DORMANT, "-c", self.conf, "-d", self.dir]
        if now is not None:
            argv += ["--now", now]
        argv += list(args)
        # what a test gives wins, LC_ALL included
        env = {**os.environ, "TZ": "UTC", "LC_ALL": "C", **(env or {})}
        p = subprocess.run(argv, input=stdin, capture_output=True, env=env,
                           timeout=timeout)
        if check is not None and p.returncode != check:
            raise AssertionError(
                f"{' '.join(args)}: exit {p.returncode}, expected {check}\n"
                f"stdout: {p.stdout[:2000]!r}\nstderr: {p.stderr.decode()[:2000]}")
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    def out(self, *args, **kw):
        """stdout of a command that must succeed, as text."""
        kw.setdefault("check", 0)
        return self.run(*args, **kw)[1].decode()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data, mtime=None):
        path = self.path(name)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path


def golden(name, actual):
    """Compare with tests/cli/golden/NAME; DORMANT_UPDATE_GOLDEN=1 rewrites."""
    path = os.path.join(GOLDEN, name)
    if os.environ.get("DORMANT_UPDATE_GOLDEN"):
        with open(path, "wb") as f:
            f.write(actual)
        return
    with open(path, "rb") as f:
        expected = f.read()
    if expected != actual:
        raise AssertionError(f"output differs from golden file {name}:\n"
                             f"expected {expected[:600]!r}\nactual   {actual[:600]!r}")


# A day's worth of Dovecot and Postfix log in classic syslog format; the
# file's mtime (2026-11-20) makes its year 2026.
FIXTURE_LOG = """\
Mar  2 09:00:00 mx dovecot: imap-login: Login: user=<active@example.org>, method=PLAIN, rip=192.0.2.1, lip=192.0.2.254, mpid=1, TLS, session=<a>
Nov 20 09:00:00 mx dovecot: imap-login: Login: user=<active@example.org>, method=PLAIN, rip=192.0.2.1, lip=192.0.2.254, mpid=1, TLS, session=<b>
Sep 10 10:00:00 mx dovecot: pop3-login: Login: user=<idle@example.org>, method=PLAIN, rip=2001:db8::7, lip=::1, mpid=2, session=<c>
Jun  1 08:00:00 mx postfix/submission/smtpd[9]: 4F00D: client=pc.example[192.0.2.9], sasl_method=PLAIN, sasl_username=dormant@example.org
Jun  1 08:05:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<never@example.org>, method=PLAIN, rip=192.0.2.66, lip=192.0.2.254, session=<d>
Jun  1 08:06:00 mx postfix/smtpd[8]: warning: unknown[192.0.2.67]: SASL PLAIN authentication failed: UGFzc3dvcmQ6, sasl_username=never@example.org
Nov 19 07:00:00 mx dovecot: imap-login: Login: user=<sales@example.com>, method=PLAIN, rip=198.51.100.3, lip=192.0.2.254, mpid=3, session=<e>
"""
FIXTURE_MTIME = 1795651200   # 2026-11-20T00:00:00Z
FIXTURE_USERS = """\
# the directory, as a passwd-file
active@example.org:{PLAIN}x:5000:5000::/home/a
idle@example.org:{PLAIN}x:5000:5000::/home/b
dormant@example.org:{PLAIN}x:5000:5000::/home/c
never@example.org:{PLAIN}x:5000:5000::/home/d
sales@example.com:{PLAIN}x:5000:5000::/home/e
shared@example.com:{PLAIN}x:5000:5000::/home/f
"""


def fixture_db(name, config=""):
    """A database with the fixture directory (synced a year before NOW) and
    the fixture log imported: one account of every status."""
    db = Db(name, config)
    db.write("users", FIXTURE_USERS)
    db.run("sync", "--file", db.path("users"), now="2025-11-01T00:00:00Z",
           check=0)
    log = db.write("mail.log", FIXTURE_LOG, mtime=FIXTURE_MTIME)
    db.run("import-log", log, check=0)
    db.run("exempt", "add", "shared@example.com", "--reason", "shared mailbox",
           now="2026-01-01T00:00:00Z", check=0)
    return db
