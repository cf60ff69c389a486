#!/usr/bin/env python3
"""Suspension end to end, through the real servers.

Sandbox A has the deny passdb dormant writes in front of its normal passdb:
bob, whose last use lies 200 days back (backfilled from an old log line),
is warned by mail (delivered to his real mailbox), then suspended: the real
Dovecot refuses his IMAP login and his SMTP AUTH, its log line of the
refusal becomes a refused-login event (import-log), the audit holds it, and
after `dormant reactivate` both work again.

Sandbox B has no deny passdb (a directory dormant cannot write to): bob
still authenticates, and the real Postfix with dormant-milter refuses his
mail with 550 5.7.1 until he is reactivated.

Sandbox C: a peer of the milter's socket sends the packet that crashes
libmilter; the supervisor starts a new worker at once, and Postfix's next
session still refuses bob (with milter_default_action = accept, a dead
milter would let him send).

The account universe comes from the real Dovecot: `sync --from-doveadm`.
"""
import datetime
import imaplib
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import Sandbox, poll  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"          # last used 200 days ago
CAROL = "carol@example.test"
DAVE = "dave@example.test"
USERS = [ALICE, BOB, CAROL, DAVE]
DEADLINE = 20.0
CONF = ["max_suspend_fraction = 50%"]


def old_login(sb, user, days):
    """Backfill a login `days` ago, as import-log would from old logs."""
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    path = sb.path("old.log")
    with open(path, "w") as f:
        f.write(f"{when:%Y-%m-%dT%H:%M:%SZ} mx dovecot: imap-login: Login: "
                f"user=<{user}>, method=PLAIN, rip=192.0.2.50, lip=192.0.2.1\n")
    sb.dormant("import-log", path, check=True)


def imap_works(sb, user):
    try:
        sb.imap_login(user)
        return True
    except imaplib.IMAP4.error:
        return False


def prepare(sb):
    """Directory from doveadm, bob's old history, everyone else active."""
    rc, out, err = sb.dormant("sync", "--from-doveadm", "--doveadm-config",
                              sb.path("etc", "dovecot.conf"))
    assert rc == 0 and "synced 4 accounts" in out, (rc, out, err)
    for user in (ALICE, CAROL, DAVE):
        sb.imap_login(user)
    old_login(sb, BOB, 200)
    assert sb.records()[BOB]["status"] == "dormant", sb.records()[BOB]


def suspend_bob(sb):
    rc, out, err = sb.dormant("suspend")
    assert rc == 0 and BOB in out and ALICE not in out, (rc, out, err)
    rc, out, err = sb.dormant("suspend", "--apply")
    assert rc == 0 and "suspended 1 account" in out, (rc, out, err)
    assert sb.records()[BOB]["status"] == "suspended"


def start_a():
    return Sandbox(users=USERS, deny_file=True, dormant_conf=CONF).__enter__()


def test_owner_is_warned_by_mail(sb):
    prepare(sb)
    before = sb.maildir_count(BOB)
    rc, out, err = sb.dormant("notify", "--apply")
    assert rc == 0 and "warning 1 owner" in out, (rc, out, err)
    sb.wait_delivered(BOB, before)


def test_suspended_login_and_auth_are_refused_by_dovecot(sb):
    suspend_bob(sb)
    sb.wait_until(lambda: not imap_works(sb, BOB), DEADLINE,
                  "Dovecot refusing bob's IMAP login")
    rc, out = sb.smtp_send_auth(BOB, check=False)
    assert rc != 0 and "535" in out, out
    assert imap_works(sb, ALICE)
    # Dovecot logs the refusal when the refused client's connection ends
    # (through its log process): wait for the line, then import-log keeps
    # it as an event
    sb.wait_log("dovecot.log", r"imap-login: .*user[ _]disabled.*user=<"
                + BOB.replace(".", r"\.") + ">")
    rc, out, err = sb.dormant("import-log", sb.path("log", "dovecot.log"))
    assert rc == 0 and "refused (user disabled)" in out, (rc, out, err)
    _, out, _ = sb.dormant("report", "--format", "json", check=True)
    refused = [e for e in json.loads(out)["events"]
               if e["account"] == BOB and e["event"] == "refused-login"]
    assert refused and refused[-1]["service"] == "imap" and \
        refused[-1]["ip"] == "127.0.0.1", refused
    assert sb.records()[BOB]["status"] == "suspended"
    audit = [json.loads(l) for l in
             sb.dormant("audit", "--format", "json", check=True)[1].splitlines()]
    assert any(e["action"] == "suspend" and e["account"] == BOB for e in audit)


def test_reactivate_restores_login_and_send(sb):
    rc, out, err = sb.dormant("reactivate", "--reason", "back from leave", BOB)
    assert rc == 0, (out, err)
    sb.wait_until(lambda: imap_works(sb, BOB), DEADLINE,
                  "Dovecot accepting bob's IMAP login again")
    rc, out = sb.smtp_send_auth(BOB, check=False)
    assert rc == 0, out
    assert sb.records()[BOB]["status"] == "active"


def test_milter_refuses_mail_where_dovecot_cannot_deny(_unused):
    with Sandbox(users=USERS, dormant_conf=CONF) as sb:
        prepare(sb)
        suspend_bob(sb)
        assert imap_works(sb, BOB)          # no deny passdb here
        rc, out = sb.smtp_send_auth(BOB, check=False)
        assert rc != 0 and "550 5.7.1" in out, out
        rc, out = sb.smtp_send_auth(ALICE, check=False)
        assert rc == 0, out
        sb.dormant("reactivate", BOB, check=True)
        rc, out = sb.smtp_send_auth(BOB, check=False)
        assert rc == 0, out


def milter_worker(sb):
    """The pid of the milter supervisor's worker (its only child), or None."""
    pid = sb._milter.pid
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def fatal_milter_packet(port):
    """Negotiate, then send MAIL macros with an odd number of strings:
    libmilter's smfi_getsymval reads one pointer past its array. The two
    packets before leave a non-canonical pointer there, so the read
    faults for sure (tests/milter/mclient.c -H explains how). Returns
    what came back: nothing when the worker died."""
    def packet(cmd, data=b""):
        return struct.pack(">I", 1 + len(data)) + cmd + data

    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(packet(b"O", struct.pack(">III", 6, 0x1ff, 0x1fffff)))
        head = s.recv(5, socket.MSG_WAITALL)
        s.recv(struct.unpack(">I", head[:4])[0] - 1, socket.MSG_WAITALL)
        s.sendall(packet(b"D", b"M\0" + b"A" * 21)
                  + packet(b"D", b"Ma\0b\0c\0" + b"d" * 50 + b"\0")
                  + packet(b"D", b"M{client_addr_padding_padding_padding_pad}\0")
                  + packet(b"M", b"<a@b>\0"))
        try:
            return s.recv(64)
        except ConnectionResetError:
            return b""


def test_milter_survives_a_fatal_packet(_unused):
    with Sandbox(users=USERS, dormant_conf=CONF) as sb:
        prepare(sb)
        suspend_bob(sb)
        port = sb.ports["milter"]
        worker = milter_worker(sb)
        assert fatal_milter_packet(port) == b"", "the packet did not crash it"
        # A new worker listens within 2 s of the crash, or Postfix lets
        # bob send. (It exists only once the dead one is reaped, and so
        # its sockets closed: Postfix cannot reach the dead one's queue.)
        back = poll(lambda: milter_worker(sb) not in (None, worker)
                    and listening(port), 2.0)
        rc, out = sb.smtp_send_auth(BOB, check=False)
        assert rc != 0 and "550 5.7.1" in out, \
            f"a new worker listening within 2 s: {bool(back)}; bob's mail:\n{out}"
        rc, out = sb.smtp_send_auth(ALICE, check=False)
        assert rc == 0, out
        now = milter_worker(sb)
        assert worker and now and now != worker, (worker, now)
        with open(sb.path("log", "milter.log")) as f:
            log = f.read()
        assert f"worker (pid {worker}) " in log and ": restarting" in log, log
    assert sb.milter_status == 0, f"dormant-milter exited {sb.milter_status}"


if __name__ == "__main__":
    tap.run([test_owner_is_warned_by_mail,
             test_suspended_login_and_auth_are_refused_by_dovecot,
             test_reactivate_restores_login_and_send,
             test_milter_refuses_mail_where_dovecot_cannot_deny,
             test_milter_survives_a_fatal_packet],
            setup=start_a, teardown=lambda sb: sb.__exit__(None, None, None))
