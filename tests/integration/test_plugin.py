#!/usr/bin/env python3
"""The Dovecot plugin's rules (doc/DESIGN.md §5.1, §8.2), one case each, with
a real Dovecot (2.3 or 2.4) started by sandbox.py.

What never counts: doveadm commands, dsync, an LDA delivery (kept as
last_receive), master-user logins (unless dormant_count_master_user =
yes), opening another user's shared mailbox, the restore of a hibernated
IMAP session; services left out of dormant_services. What counts: a
session held open past dormant_update_interval is touched again, a
restored one too while the client keeps it busy. Coalescing: a second login
inside the interval writes nothing (the LMDB transaction id stays put).
Faults: a missing, unwritable or corrupt database, a map larger than
vsz_limit, a full disk and an invalid setting leave logins working and cost one log line
for many logins (in as many processes). Wake-up: a
login after dormant_after of silence is logged and reported.

Every "nothing changed" case first gives the account an old record
(imported from a log line days ago, from another address), so a wrongly
counted session would move last_login to now: coalescing cannot hide it.
Each also proves that the action really happened (doveadm's output, the
backup's files, the shared mailbox's message, a successful master login)
and, where it matters, that the same sandbox does record a real login.

LMTP delivery is covered by test_skeleton.py; so are submission and
ManageSieve logins being recorded. The extra configuration here (master
passdb, namespaces, ACLs, hibernation, doveadm -o) is written in the
installed Dovecot's syntax, 2.3 or 2.4 (sandbox.dovecot_is_24()). On 2.4,
where Dovecot itself refuses a bad dormant_update_interval in dovecot.conf,
the invalid-setting fault comes from the userdb, per user, as it can in
production.
"""
import contextlib
import datetime
import grp
import imaplib
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))

import tap  # noqa: E402
import sandbox  # noqa: E402
import smallfs  # noqa: E402
from sandbox import Sandbox, SandboxError, poll, utc_now, parse_time, assert_recent  # noqa: E402

D = "@example.test"
ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HENRY = (
    u + D for u in ("alice", "bob", "carol", "dave", "erin", "frank", "grace",
                    "henry"))
MAIN_USERS = [ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE]
OUTSIDER = "sender@outside.invalid"
MASTER, MASTER_PASSWORD = "admin", "secret-admin"
SEED_IP = "192.0.2.10"           # the address of every seeded old login
SEED_DAYS = 10                   # not dormant: no wake-up on a wrong count
DORMANT_DAYS = 120               # > dormant_after (90 d by default)
TIMEOUT = 20.0                   # seconds for anything we wait for
DOVEADM = (shutil.which("doveadm", path="/usr/bin:/usr/sbin:/bin:/sbin")
           or "/usr/bin/doveadm")
MDB_STAT = shutil.which("mdb_stat") or "/usr/bin/mdb_stat"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"
STAMP = f"/tmp/dormant-plugin.{sandbox.MAIL_UID}.lasterror"
# The login process's line for a successful login: "Login: user=<...>" on
# Dovecot 2.3, "Logged in: user=<...>" on 2.4 (a regex fragment).
LOGGED_IN = "Logged in" if sandbox.dovecot_is_24() else "Login"
# The plugin's complaint about dormant_update_interval = forever: its own
# message on 2.3 ("dormant: dormant_update_interval: invalid duration
# 'forever' ..."), Dovecot's parse error passed on by it on 2.4 ("dormant:
# dormant settings: ...: Invalid dormant_update_interval=forever: ...").
BAD_INTERVAL = re.compile(r"dormant: (dormant_update_interval: .*'forever'"
                          r"|.*Invalid dormant_update_interval=forever)")
# The same for a boolean that is neither yes nor no (2.3's plugin once took
# anything but "no" as yes).
BAD_BOOLEAN = re.compile(r"dormant: (dormant_lowercase_local_part: "
                         r"invalid boolean 'maybe'"
                         r"|.*Invalid dormant_lowercase_local_part=maybe)")


# --- helpers -----------------------------------------------------------------



def csv_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")






class Aux:
    """A directory of our own beside the sandbox, for what dovecot.conf must
    name before the sandbox (and its directory) exists: the master users'
    passwd-file, the shared-mailbox dictionary, fault databases, backups."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dormant-plugin-aux-")
        os.chmod(self.dir, 0o755)
        # read by the auth process (user dovecot)
        self.master_passwd = self._write(
            "master-passwd", f"{MASTER}:{{PLAIN}}{MASTER_PASSWORD}\n", 0o640)
        os.chown(self.master_passwd, 0, grp.getgrnam("dovecot").gr_gid)
        # written by the mail processes (uid 5000)
        self.mail_dir = self.path("mail")
        os.mkdir(self.mail_dir, 0o755)
        os.chown(self.mail_dir, sandbox.MAIL_UID, sandbox.MAIL_GID)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _write(self, name, text, mode=0o644):
        return sandbox.write_file(self.path(name), text, mode)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def master_passdb(aux):
    """A master-users passdb (login as "user*admin")."""
    if sandbox.dovecot_is_24():
        return ["auth_master_user_separator = *",
                "passdb master_users {",
                "  driver = passwd-file",
                "  master = yes",
                f"  passwd_file_path = {aux.master_passwd}",
                "}"]
    return ["auth_master_user_separator = *",
            "passdb {",
            "  driver = passwd-file",
            "  master = yes",
            f"  args = scheme=PLAIN {aux.master_passwd}",
            "}"]


def shared_namespace_conf(aux):
    """Users' mailboxes shared under shared/<owner>/, with ACLs (vfile) and
    the shared-mailbox dictionary in a file."""
    if sandbox.dovecot_is_24():
        # $user in the prefix and %{owner_*} are the mailbox's owner; ~ is
        # the reader's home (where the reader's own indexes of it go).
        return ["mail_plugins {",
                "  acl = yes",
                "}",
                "protocol imap {",
                "  mail_plugins {",
                "    imap_acl = yes",
                "  }",
                "}",
                "namespace inbox {",
                "  inbox = yes",
                "  separator = /",
                "  prefix =",
                "}",
                "namespace shared {",
                "  type = shared",
                "  separator = /",
                "  prefix = shared/$user/",
                "  mail_driver = maildir",
                "  mail_path = %{owner_home}/Maildir",
                "  mail_index_path = ~/shared/%{owner_user}",
                "  list = yes",
                "  subscriptions = no",
                "}",
                "acl_driver = vfile",
                "acl_sharing_map {",
                "  dict file {",
                f"    path = {aux.mail_dir}/shared-mailboxes.db",
                "  }",
                "}"]
    return ["mail_plugins = $mail_plugins acl",
            "protocol imap {",
            "  mail_plugins = $mail_plugins imap_acl",
            "}",
            "namespace inbox {",
            "  inbox = yes",
            "  separator = /",
            "  prefix =",
            "}",
            "namespace shared {",
            "  type = shared",
            "  separator = /",
            "  prefix = shared/%%u/",
            "  location = maildir:%%h/Maildir:INDEX=~/shared/%%u",
            "  list = yes",
            "  subscriptions = no",
            "}",
            "plugin {",
            "  acl = vfile",
            f"  acl_shared_dict = file:{aux.mail_dir}/shared-mailboxes.db",
            "}"]


def hibernate_conf():
    """IMAP hibernation after 1 s of IDLE (the imap-hibernate process must
    reach the imap-master socket, as Dovecot's documentation says), and
    debug logging, whose lines name the process that holds the session."""
    # the same settings in both; 2.4 names another setting as $SET:name
    internal_user = ("$SET:default_internal_user" if sandbox.dovecot_is_24()
                     else "$default_internal_user")
    return ["imap_hibernate_timeout = 1s",
            "protocol imap {",
            "  mail_debug = yes",
            "}",
            "service imap {",
            "  unix_listener imap-master {",
            f"    user = {internal_user}",
            "  }",
            "}"]


def read_until_tagged(imap, tag):
    """Read raw lines from IMAP until the tagged reply TAG; returns it."""
    while True:
        line = imap.readline()
        assert line, f"connection closed before {tag}'s reply"
        if line.startswith(tag + b" "):
            return line


def seed_old_login(sb, aux, user, days, ip=SEED_IP):
    """Give USER a login DAYS ago from IP via `dormant import-log`; returns
    the row as (last_login, login_service, login_ip)."""
    when = utc_now().replace(microsecond=0) - datetime.timedelta(days=days)
    line = (f"{when:%Y-%m-%dT%H:%M:%S}+00:00 mx dovecot: imap-login: Login: "
            f"user=<{user}>, method=PLAIN, rip={ip}, lip=192.0.2.254, "
            f"mpid=1, session=<seed>\n")
    path = aux._write(f"seed-{user}.log", line)
    sb.dormant("import-log", path, check=True)
    want = (csv_time(when), "imap", ip)
    got = login_of(sb, user)
    assert got == want, f"seeding {user}: row {got}, want {want}"
    return want


def login_of(sb, user):
    """(last_login, login_service, login_ip) of USER, or None: no row."""
    try:
        row = sb.records().get(user)
    except SandboxError as e:
        if "no database here yet" in str(e):
            return None           # nothing was ever written
        raise
    if row is None:
        return None
    return (row["last_login"], row["login_service"], row["login_ip"])


def process_alive(pid):
    """Whether PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(")") + 2:].split()[0] != "Z"


def wait_sessions_over(sb, offset, user, count=1):
    """Until COUNT sessions of USER that logged in after OFFSET have ended
    and their mail processes (the Login line's mpid) have exited: the
    plugin's end-of-session work is done then (it runs when the process
    deinitialises the user, after the "Logged out" line)."""
    rx = re.compile(rf"-login: Info: {LOGGED_IN}: "
                    rf"user=<{re.escape(user)}>.*mpid=(\d+)")

    def over():
        pids = [int(p) for p in rx.findall(sb.log_since("dovecot.log", offset))]
        return len(pids) >= count and not any(map(process_alive, pids))
    sb.wait_until(over, TIMEOUT, f"{count} session(s) of {user} to end")


def wait_next_second(after):
    """Until the wall clock's second is later than AFTER (a datetime)."""
    target = after.replace(microsecond=0) + datetime.timedelta(seconds=1)
    assert poll(lambda: utc_now() >= target, 5.0), "clock did not advance"


def deliver(sb, user, subject):
    """Deliver one message straight to Dovecot's LMTP; wait for the file."""
    before = sb.maildir_count(user)
    msg = (f"From: {OUTSIDER}\r\nTo: {user}\r\nSubject: {subject}\r\n\r\n"
           "hello\r\n")
    with smtplib.LMTP("127.0.0.1", sb.ports["lmtp"], timeout=30) as lmtp:
        lmtp.sendmail(OUTSIDER, [user], msg)
    sb.wait_delivered(user, before)


def doveadm(sb, *args, check=True, options=()):
    argv = [DOVEADM] + list(options) + ["-c", sb.path("etc", "dovecot.conf")] \
        + list(args)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    out, err = (p.stdout.decode(errors="replace"),
                p.stderr.decode(errors="replace"))
    if check and p.returncode != 0:
        raise SandboxError(f"{' '.join(argv)}: exit {p.returncode}\n{out}{err}")
    return p.returncode, out, err


def last_txn_id(db):
    """LMDB's last committed transaction id of the environment in DB."""
    p = subprocess.run([MDB_STAT, "-e", db], capture_output=True, timeout=30)
    text = p.stdout.decode(errors="replace")
    m = re.search(r"Last transaction ID: (\d+)", text)
    assert p.returncode == 0 and m, \
        f"mdb_stat -e {db}: exit {p.returncode}\n{text}{p.stderr!r}"
    return int(m.group(1))


def imap_open(sb, user, password=None):
    imap = imaplib.IMAP4("127.0.0.1", sb.ports["imap"], timeout=30)
    imap.login(user, password if password is not None else sb.password(user))
    return imap


def dormant_lines(sb, offset):
    return [line for line in sb.log_since("dovecot.log", offset).splitlines()
            if "dormant:" in line]


def maildir_files(path):
    n = 0
    for sub in ("new", "cur"):
        try:
            n += sum(1 for e in os.listdir(os.path.join(path, sub))
                     if not e.startswith("."))
        except FileNotFoundError:
            pass
    return n


# --- setup -------------------------------------------------------------------

class Ctx:
    """The main sandbox (long interval, master passdb) shared by most cases;
    other cases start their own sandbox with the configuration they need."""

    def __init__(self):
        self.aux = Aux()
        self.main = None

    def sandbox(self, **kw):
        kw.setdefault("milter", False)
        return Sandbox(**kw)

    def stop(self):
        if self.main is not None:
            self.main.stop()
        self.aux.remove()


def setup():
    ctx = Ctx()
    try:
        ctx.main = ctx.sandbox(users=MAIN_USERS, update_interval="1h",
                               dovecot_extra=master_passdb(ctx.aux)).start()
    except BaseException:
        ctx.stop()
        raise
    return ctx


def teardown(ctx):
    ctx.stop()


# --- what never counts -------------------------------------------------------

def test_doveadm_commands_leave_the_record_alone(ctx):
    sb, aux = ctx.main, ctx.aux
    seeded = seed_old_login(sb, aux, ALICE, SEED_DAYS)
    deliver(sb, ALICE, "for doveadm fetch")
    offset = sb.log_size("dovecot.log")
    _, out, _ = doveadm(sb, "mailbox", "list", "-u", ALICE)
    assert "INBOX" in out.split(), f"doveadm mailbox list: {out!r}"
    _, out, _ = doveadm(sb, "fetch", "-u", ALICE, "hdr", "mailbox", "INBOX",
                        "all")
    assert "Subject: for doveadm fetch" in out, f"doveadm fetch: {out!r}"
    assert login_of(sb, ALICE) == seeded, \
        f"doveadm moved alice's login: {login_of(sb, ALICE)}, was {seeded}"
    # The plugin does run inside doveadm (so the above was its filter, not
    # its absence): a bad setting passed with -o makes it speak. (2.4 parses
    # -o values only when the plugin asks for its settings, so the plugin
    # logs Dovecot's own complaint; 2.3 hands it the string.)
    if os.path.exists(STAMP):
        os.unlink(STAMP)
    setting = "dormant_update_interval=forever"
    if not sandbox.dovecot_is_24():
        setting = "plugin/" + setting
    _, out, err = doveadm(sb, "mailbox", "list", "-u", ALICE,
                          options=("-o", setting))
    assert "INBOX" in out.split(), f"doveadm mailbox list -o: {out!r}"
    said = err + sb.log_since("dovecot.log", offset)
    assert BAD_INTERVAL.search(said), \
        f"the plugin is not loaded in doveadm?\n{said}"
    if os.path.exists(STAMP):
        os.unlink(STAMP)
    assert login_of(sb, ALICE) == seeded


def test_dsync_backup_and_sync_leave_the_record_alone(ctx):
    sb, aux = ctx.main, ctx.aux
    seeded = seed_old_login(sb, aux, BOB, SEED_DAYS)
    deliver(sb, BOB, "for dsync")
    backup = os.path.join(aux.mail_dir, "backup-bob")
    doveadm(sb, "backup", "-u", BOB, f"maildir:{backup}")
    assert maildir_files(backup) == 1, \
        f"doveadm backup copied {maildir_files(backup)} messages, not 1"
    deliver(sb, BOB, "for dsync, second")
    doveadm(sb, "sync", "-u", BOB, f"maildir:{backup}")
    assert maildir_files(backup) == 2, \
        f"doveadm sync left {maildir_files(backup)} messages, not 2"
    assert login_of(sb, BOB) == seeded, \
        f"dsync moved bob's login: {login_of(sb, BOB)}, was {seeded}"


def test_lda_delivery_is_kept_as_receive_not_as_login(ctx):
    """dovecot-lda (service "lda"), as Postfix's mailbox_command runs it:
    the message is delivered, last_receive moves, last_login does not."""
    sb, aux = ctx.main, ctx.aux
    seeded = seed_old_login(sb, aux, ERIN, SEED_DAYS)
    before = sb.maildir_count(ERIN)
    since = utc_now()
    msg = (f"From: {OUTSIDER}\nTo: {ERIN}\nSubject: by the LDA\n\nhello\n")
    p = subprocess.run([DOVECOT_LDA, "-c", sb.path("etc", "dovecot.conf"),
                        "-d", ERIN, "-f", OUTSIDER], input=msg.encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, \
        f"dovecot-lda: exit {p.returncode}\n{p.stdout!r}\n{p.stderr!r}"
    sb.wait_delivered(ERIN, before)
    row = sb.records()[ERIN]
    assert (row["last_login"], row["login_service"], row["login_ip"]) \
        == seeded, f"the LDA delivery moved erin's login: {row}"
    assert_recent(row["last_receive"], since, "erin's last_receive")


def test_master_user_login_does_not_count(ctx):
    sb, aux = ctx.main, ctx.aux
    seeded = seed_old_login(sb, aux, CAROL, SEED_DAYS)
    deliver(sb, CAROL, "for the admin")
    offset = sb.log_size("dovecot.log")
    imap = imap_open(sb, f"{CAROL}*{MASTER}", MASTER_PASSWORD)
    try:
        typ, data = imap.select("INBOX")
        assert typ == "OK" and int(data[0]) == 1, (typ, data)
    finally:
        imap.logout()
    wait_sessions_over(sb, offset, CAROL)
    assert login_of(sb, CAROL) == seeded, \
        f"a master-user login moved carol's login: {login_of(sb, CAROL)}"
    # Control: carol's own login in the same sandbox is recorded.
    since = utc_now()
    sb.imap_login(CAROL)
    got = login_of(sb, CAROL)
    assert got[1:] == ("imap", "127.0.0.1"), got
    assert_recent(got[0], since, "carol's own login")


def test_master_user_counts_with_count_master_user_yes(ctx):
    with ctx.sandbox(users=[DAVE], update_interval="1h",
                     plugin_settings={"dormant_count_master_user": "yes"},
                     dovecot_extra=master_passdb(ctx.aux)) as sb:
        seed_old_login(sb, ctx.aux, DAVE, SEED_DAYS)
        since = utc_now()
        imap = imap_open(sb, f"{DAVE}*{MASTER}", MASTER_PASSWORD)
        try:
            typ, data = imap.select("INBOX")
            assert typ == "OK", (typ, data)
        finally:
            imap.logout()
        got = login_of(sb, DAVE)
        assert got[1:] == ("imap", "127.0.0.1"), got
        assert_recent(got[0], since, "dave's login by the admin")


def test_shared_mailbox_counts_the_reader_not_the_owner(ctx):
    aux = ctx.aux
    with ctx.sandbox(users=[ALICE, BOB], update_interval="1h",
                     dovecot_extra=shared_namespace_conf(aux)) as sb:
        seeded = seed_old_login(sb, aux, ALICE, SEED_DAYS)
        deliver(sb, ALICE, "shared with bob")
        doveadm(sb, "acl", "set", "-u", ALICE, "INBOX", f"user={BOB}",
                "lookup", "read")
        since = utc_now()
        offset = sb.log_size("dovecot.log")
        imap = imap_open(sb, BOB)
        try:
            typ, data = imap.select(f'"shared/{ALICE}/INBOX"', readonly=True)
            assert typ == "OK" and int(data[0]) == 1, (typ, data)
            typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            assert typ == "OK" and b"shared with bob" in data[0][1], data
        finally:
            imap.logout()
        wait_sessions_over(sb, offset, BOB)
        assert login_of(sb, ALICE) == seeded, \
            f"reading alice's shared mailbox moved her login: {login_of(sb, ALICE)}"
        got = login_of(sb, BOB)
        assert got is not None and got[1:] == ("imap", "127.0.0.1"), got
        assert_recent(got[0], since, "bob's login")


def test_services_setting_limits_what_counts(ctx):
    """dormant_services = imap: POP3, submission and ManageSieve sessions
    leave no record; an IMAP session of the same user does."""
    with ctx.sandbox(users=[ERIN], update_interval="1h",
                     plugin_settings={"dormant_services": "imap"}) as sb:
        seeded = seed_old_login(sb, ctx.aux, ERIN, SEED_DAYS)
        offset = sb.log_size("dovecot.log")
        sb.pop3_login(ERIN)
        sessions = 1
        if sb.submission:
            sb.submission_login(ERIN)
            sessions += 1
        if sb.managesieve:
            sb.managesieve_login(ERIN)
            sessions += 1
        wait_sessions_over(sb, offset, ERIN, sessions)
        assert login_of(sb, ERIN) == seeded, \
            f"a service outside dormant_services counted: {login_of(sb, ERIN)}"
        since = utc_now()
        sb.imap_login(ERIN)
        got = login_of(sb, ERIN)
        assert got is not None and got[1:] == ("imap", "127.0.0.1"), got
        assert_recent(got[0], since, "erin's IMAP login")


# --- what counts, and when it is written --------------------------------------

def test_open_session_is_touched_every_interval(ctx):
    with ctx.sandbox(users=[FRANK], update_interval="2s") as sb:
        imap = imap_open(sb, FRANK)
        try:
            first = sb.wait_until(lambda: login_of(sb, FRANK), TIMEOUT,
                                  "frank's login")
            t0 = parse_time(first[0])

            def touched():
                typ, _ = imap.noop()      # keeps the session busy and open
                assert typ == "OK"
                got = login_of(sb, FRANK)
                return got if parse_time(got[0]) > t0 else None
            got = sb.wait_until(touched, TIMEOUT,
                                "last_login to move while the session is open")
            assert got[1:] == ("imap", "127.0.0.1"), got
            assert imap.noop()[0] == "OK", "the session did not stay open"
        finally:
            imap.logout()


def test_unhibernation_is_not_a_login_but_a_busy_restored_session_is(ctx):
    """IMAP hibernation: an IDLE session moves to imap-hibernate and its
    imap process exits; new mail restores it into a new process (the same
    session id, session_restored), which hibernates again a second later.
    That restore is not a login: last_login stays where the session's own
    process left it, though more than the update interval has passed.
    Then the client ends IDLE and keeps working: the restored session stays
    in a process, and like any open session it is touched."""
    with ctx.sandbox(users=[HENRY], update_interval="2s",
                     dovecot_extra=hibernate_conf()) as sb:
        offset = sb.log_size("dovecot.log")
        imap = imap_open(sb, HENRY)
        try:
            typ, _ = imap.select("INBOX")
            assert typ == "OK"
            mpid = int(sb.wait_log(
                "dovecot.log", rf"{LOGGED_IN}: user=<{re.escape(HENRY)}>.*"
                r"mpid=(\d+)", offset, TIMEOUT).group(1))
            imap.send(b"h1 IDLE\r\n")
            assert imap.readline().startswith(b"+ "), "IDLE refused"
            sb.wait_until(lambda: not process_alive(mpid), TIMEOUT,
                          "the IDLE session to hibernate (its process to exit)")
            hibernated = login_of(sb, HENRY)
            assert hibernated[1:] == ("imap", "127.0.0.1"), hibernated
            t_hib = parse_time(hibernated[0])
            # past the update interval: a restore that counted would write
            later = t_hib + datetime.timedelta(seconds=3)
            assert poll(lambda: utc_now() >= later, 10.0), "clock stuck"
            offset = sb.log_size("dovecot.log")
            since = utc_now()
            deliver(sb, HENRY, "wakes the session")
            line = imap.readline()
            assert b"EXISTS" in line, f"no EXISTS in IDLE, got {line!r}"
            finished = re.compile(rf"imap\({re.escape(HENRY)}\)<(\d+)><[^>]*>: "
                                  r"Debug: User session is finished")

            def restored_and_gone():
                pids = [int(p) for p in finished.findall(
                    sb.log_since("dovecot.log", offset))]
                return [p for p in pids if p != mpid and not process_alive(p)]
            sb.wait_until(restored_and_gone, TIMEOUT,
                          "a restored process to run and hibernate again")
            row = sb.records()[HENRY]
            assert (row["last_login"], row["login_service"], row["login_ip"]) \
                == hibernated, f"the restore counted as a login: {row}"
            assert_recent(row["last_receive"], since, "henry's last_receive")

            # the client ends IDLE and goes on working: touched
            imap.send(b"DONE\r\n")
            reply = read_until_tagged(imap, b"h1")
            assert b" OK " in reply, reply

            def touched():
                typ, _ = imap.noop()
                assert typ == "OK"
                got = login_of(sb, HENRY)
                return got if parse_time(got[0]) > t_hib else None
            got = sb.wait_until(touched, TIMEOUT,
                                "a busy restored session to be touched")
            assert got[1:] == ("imap", "127.0.0.1"), got
        finally:
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


def test_login_within_interval_writes_nothing(ctx):
    sb = ctx.main
    offset = sb.log_size("dovecot.log")
    sb.imap_login(GRACE)
    wait_sessions_over(sb, offset, GRACE)
    first = login_of(sb, GRACE)
    assert first is not None and first[1:] == ("imap", "127.0.0.1"), first
    txn = last_txn_id(sb.db)
    # Only a login in a later second could change the stored time.
    wait_next_second(parse_time(first[0]))
    offset = sb.log_size("dovecot.log")
    sb.imap_login(GRACE)
    wait_sessions_over(sb, offset, GRACE)
    logins = re.findall(rf"{LOGGED_IN}: user=<{re.escape(GRACE)}>",
                        sb.log_since("dovecot.log", offset))
    assert len(logins) == 1, f"second login not seen in the log: {logins}"
    assert last_txn_id(sb.db) == txn, \
        f"the database was written: last txn id {txn} -> {last_txn_id(sb.db)}"
    assert login_of(sb, GRACE) == first, \
        f"last_login moved within the interval: {first} -> {login_of(sb, GRACE)}"


def test_wakeup_after_dormant_after_is_logged_and_reported(ctx):
    sb, aux = ctx.main, ctx.aux
    seed_old_login(sb, aux, DAVE, DORMANT_DAYS)
    status = sb.records()[DAVE]["status"]
    assert status == "dormant", f"seeded dave is {status}, not dormant"
    offset = sb.log_size("dovecot.log")
    since = utc_now()
    sb.imap_login(DAVE)
    m = sb.wait_log("dovecot.log",
                    rf"imap\({re.escape(DAVE)}\).*Warning: dormant: wake-up: "
                    rf"{re.escape(DAVE)} logged in by imap from 127\.0\.0\.1 "
                    r"after (\d+) days idle", offset, TIMEOUT)
    assert abs(int(m.group(1)) - DORMANT_DAYS) <= 1, m.group(0)
    got = login_of(sb, DAVE)
    assert_recent(got[0], since, "dave's login")
    _, out, _ = sb.dormant("report", "--format", "json", check=True)
    events = [e for e in json.loads(out)["events"]
              if e["account"] == DAVE and e["event"] == "wakeup-login"]
    assert len(events) == 1, f"wake-up events for dave: {events}"
    e = events[0]
    assert e["service"] == "imap" and e["ip"] == "127.0.0.1", e
    assert abs(e["idle_days"] - DORMANT_DAYS) <= 1, e
    assert_recent(e["time"], since, "the wake-up event's time")


# --- faults: logins go on, one log line --------------------------------------

LOGINS_PER_FAULT = 4


def fault_case(ctx, prepare, expect, after=None, within=None, **kw):
    """Start a sandbox, PREPARE(sb) its fault, log in LOGINS_PER_FAULT times
    by IMAP: every login works and the log holds exactly one dormant: line,
    matching regex EXPECT; then AFTER(sb), before the sandbox stops. WITHIN,
    if given, is a context manager factory entered with the sandbox and
    left before it stops (whether or not the case fails)."""
    if os.path.exists(STAMP):
        os.unlink(STAMP)
    with ctx.sandbox(users=[ALICE], **kw) as sb, \
            contextlib.ExitStack() as stack:
        if within:
            stack.enter_context(within(sb))
        if prepare:
            prepare(sb)
        offset = sb.log_size("dovecot.log")
        for i in range(LOGINS_PER_FAULT):
            assert sb.imap_login(ALICE) == 0, f"login {i + 1}"
        wait_sessions_over(sb, offset, ALICE, LOGINS_PER_FAULT)
        # one process per login (Dovecot's default): the dedup is across
        # processes, through the stamp file
        mpids = set(re.findall(rf"{LOGGED_IN}: user=<.*mpid=(\d+)",
                               sb.log_since("dovecot.log", offset)))
        assert len(mpids) == LOGINS_PER_FAULT, f"mail processes: {mpids}"
        lines = dormant_lines(sb, offset)
        assert len(lines) == 1, \
            f"{len(lines)} dormant: lines for {LOGINS_PER_FAULT} logins:\n" \
            + "\n".join(lines)
        assert re.search(expect, lines[0]), lines[0]
        if after:
            after(sb)


def test_fault_missing_database_directory(ctx):
    missing = ctx.aux.path("no-such-db")
    fault_case(ctx, None, rf"dormant: database directory {re.escape(missing)}: No such file",
               plugin_settings={"dormant_db": missing})
    assert not os.path.exists(missing), "the plugin created the directory"


def test_fault_unwritable_database_directory(ctx):
    def prepare(sb):
        assert os.listdir(sb.db) == [], os.listdir(sb.db)
        os.chown(sb.db, 0, sandbox.MAIL_GID)
        os.chmod(sb.db, 0o550)
    fault_case(ctx, prepare, r"dormant: .*Permission denied")


def test_fault_corrupt_database(ctx):
    garbage = bytes(range(256)) * 64          # 16 KiB, no LMDB magic

    def prepare(sb):
        path = os.path.join(sb.db, "data.mdb")
        with open(path, "wb") as f:
            f.write(garbage)
        os.chown(path, sandbox.MAIL_UID, sandbox.MAIL_GID)
        os.chmod(path, 0o660)

    def after(sb):
        with open(os.path.join(sb.db, "data.mdb"), "rb") as f:
            assert f.read() == garbage, "the plugin overwrote the bad file"
    fault_case(ctx, prepare, r"dormant: .*not a usable LMDB database", after)


def test_fault_map_larger_than_vsz_limit(ctx):
    """A database whose map does not fit the mail process's vsz_limit
    (256 MB by default): here a valid database whose file is stretched,
    sparse, to 1 GiB, so the plugin asks for a 1.5 GiB map."""
    def prepare(sb):
        seed_old_login(sb, ctx.aux, BOB, SEED_DAYS)
        os.truncate(os.path.join(sb.db, "data.mdb"), 1 << 30)
        assert login_of(sb, BOB)[2] == SEED_IP, "the stretched db is unusable"
    fault_case(ctx, prepare, r"dormant: .*cannot open database: Cannot "
               r"allocate memory \(the map does not fit.*vsz_limit\)")


def test_fault_full_disk(ctx):
    """The database directory on a full file system (a small tmpfs), no
    database yet: LMDB would map its sparse lock file and die of SIGBUS on
    the first write, taking the login with it; dormant reserves the file's
    blocks first and gets a clean error."""
    @contextlib.contextmanager
    def full_db_dir(sb):
        try:
            with smallfs.small_fs(sb.db, size="256k", uid=sandbox.MAIL_UID,
                                  gid=sandbox.MAIL_GID, mode=0o2770):
                smallfs.fill(sb.db)
                yield
        except smallfs.Unavailable as e:
            raise tap.Skip(str(e))
    fault_case(ctx, None, r"dormant: .*cannot reserve the lock file lock\.mdb: "
               r"No space left on device", within=full_db_dir)


def test_fault_database_outgrows_the_process(ctx):
    """Process reuse: one imap process serves every login and keeps the
    database open (a 32 MiB map). Another process grows the data to about
    150 MiB; the next login's transaction must follow with a map of about
    250 MiB, which the process's vsz_limit (160M) refuses. LMDB has then
    dropped the old map: using the handle again crashed the process. Now
    every login works, in the same process, with one dormant: line."""
    reuse = "restart_request_count = unlimited" if sandbox.dovecot_is_24() \
        else "service_count = 0"
    extra = ["service imap {", f"  {reuse}", "  process_limit = 1",
             "  vsz_limit = 160M", "}"]
    if os.path.exists(STAMP):
        os.unlink(STAMP)
    with ctx.sandbox(users=[ALICE], dovecot_extra=extra) as sb:
        offset = sb.log_size("dovecot.log")
        assert sb.imap_login(ALICE) == 0
        first = login_of(sb, ALICE)
        assert first is not None, "the first login was not recorded"
        gen = subprocess.run([os.path.join(sb.builddir, "bench", "gen-db"),
                              sb.db, "800000"], capture_output=True,
                             timeout=300)
        assert gen.returncode == 0, gen.stderr
        size = os.path.getsize(os.path.join(sb.db, "data.mdb"))
        assert size > 120 << 20, f"data.mdb only {size >> 20} MiB"
        for i in range(LOGINS_PER_FAULT):
            assert sb.imap_login(ALICE) == 0, f"login {i + 2}"
        log = sb.log_since("dovecot.log", offset)
        mpids = set(re.findall(rf"{LOGGED_IN}: user=<.*mpid=(\d+)", log))
        assert len(mpids) == 1 and all(map(process_alive, map(int, mpids))), \
            f"not one living imap process: {mpids}"
        lines = dormant_lines(sb, offset)
        assert len(lines) == 1, "\n".join(lines)
        assert re.search(r"dormant: .*Cannot allocate memory .*vsz_limit",
                         lines[0]), lines[0]
        assert not re.search(r"Fatal|killed with signal|Panic", log), log
        # the database itself is fine: the CLI reads it whole
        assert login_of(sb, ALICE) == first


def test_fault_invalid_setting(ctx):
    if not sandbox.dovecot_is_24():
        fault_case(ctx, None, BAD_INTERVAL, update_interval="forever")
        return
    # 2.4 checks dovecot.conf itself and does not start with this value
    # (test_dovecot24.py); a per-user value from the userdb reaches the
    # mail process unchecked, and the plugin meets it there.
    fault_case(ctx, None, BAD_INTERVAL, dovecot_extra=[
        "userdb passwd-file {",      # the sandbox's userdb, by its name
        "  fields {",
        "    dormant_update_interval = forever",
        "  }",
        "}"])


def assert_not_recorded(sb, user):
    got = login_of(sb, user)
    assert got is None, f"{user} recorded with a refused setting: {got}"


def test_fault_invalid_boolean(ctx):
    """A bad boolean is refused like any bad value: logged once, the
    session goes on unrecorded, no login fails."""
    if not sandbox.dovecot_is_24():
        fault_case(ctx, None, BAD_BOOLEAN,
                   plugin_settings={"dormant_lowercase_local_part": "maybe"},
                   after=lambda sb: assert_not_recorded(sb, ALICE))
        return
    fault_case(ctx, None, BAD_BOOLEAN, dovecot_extra=[
        "userdb passwd-file {",
        "  fields {",
        "    dormant_lowercase_local_part = maybe",
        "  }",
        "}"], after=lambda sb: assert_not_recorded(sb, ALICE))


# --- last: the main sandbox's logs -------------------------------------------

def test_main_sandbox_logs_are_clean(ctx):
    """No errors, crashes or dormant: complaints from everything above
    (doveadm's deliberate bad setting aside); a clean shutdown."""
    sb = ctx.main
    ctx.main = None
    sb.stop()
    assert not sb.killed, f"had to SIGKILL {sb.killed}"
    problems = [p for p in sb.problems if not BAD_INTERVAL.search(p)]
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    tap.run([test_doveadm_commands_leave_the_record_alone,
             test_dsync_backup_and_sync_leave_the_record_alone,
             test_lda_delivery_is_kept_as_receive_not_as_login,
             test_master_user_login_does_not_count,
             test_master_user_counts_with_count_master_user_yes,
             test_shared_mailbox_counts_the_reader_not_the_owner,
             test_services_setting_limits_what_counts,
             test_open_session_is_touched_every_interval,
             test_unhibernation_is_not_a_login_but_a_busy_restored_session_is,
             test_login_within_interval_writes_nothing,
             test_wakeup_after_dormant_after_is_logged_and_reported,
             test_fault_missing_database_directory,
             test_fault_unwritable_database_directory,
             test_fault_corrupt_database,
             test_fault_map_larger_than_vsz_limit,
             test_fault_full_disk,
             test_fault_database_outgrows_the_process,
             test_fault_invalid_setting,
             test_fault_invalid_boolean,
             test_main_sandbox_logs_are_clean],
            setup=setup, teardown=teardown)
