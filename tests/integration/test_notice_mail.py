#!/usr/bin/env python3
"""Owner notices through the real mail system (doc/DESIGN.md §7.5): the
directory and its contacts come from the real userdb (`sync
--from-doveadm`, passwd-file extra fields), `notify --apply` hands the
notice to the sandbox's real Postfix (its sendmail with the sandbox's
config_directory), Postfix delivers it over LMTP to the real Dovecot, and
the owner, the manager, the alternate address and the notify_cc admin
each find it in their mailbox with an IMAP client. A reminder follows
before the suspension date, to the same people, once. The owner reads
hers last: her IMAP login is activity, after which nothing is due.
"""
import datetime
import email
import email.policy
import imaplib
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from sandbox import Sandbox, utc_now  # noqa: E402
from test_suspension import old_login  # noqa: E402

D = "@example.test"
OLIVE, MONA, HOME, ADMIN = (u + D for u in ("olive", "mona", "olive.home",
                                            "admin"))
USERS = [OLIVE, MONA, HOME, ADMIN]
FIELDS = {OLIVE: f"userdb_manager={MONA} userdb_alternate={HOME}"}
CONF = ["contact_manager_field = manager",
        "contact_alternate_field = alternate",
        f"notify_cc = {ADMIN}", f"notice_from = {ADMIN}",
        "notify_reminder_days = 5d", "max_suspend_fraction = 50%"]
IDLE_DAYS = 110          # suspend_after is 120d: suspension in 10 days


def inbox(sb, user):
    """USER's INBOX through IMAP: a list of parsed messages."""
    imap = imaplib.IMAP4("127.0.0.1", sb.ports["imap"], timeout=30)
    try:
        imap.login(user, sb.password(user))
        typ, _ = imap.select("INBOX", readonly=True)
        assert typ == "OK", typ
        typ, data = imap.search(None, "ALL")
        assert typ == "OK", typ
        msgs = []
        for num in data[0].split():
            typ, parts = imap.fetch(num, "(BODY.PEEK[])")
            assert typ == "OK", typ
            msgs.append(email.message_from_bytes(parts[0][1],
                                                 policy=email.policy.default))
        return msgs
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def notices_for(sb, user, count):
    """Wait until USER's INBOX holds COUNT notices about olive; them."""
    def got():
        msgs = [m for m in inbox(sb, user) if OLIVE in str(m["Subject"])]
        return msgs if len(msgs) >= count else None
    return sb.wait_until(got, 30.0, f"{count} notice(s) in {user}'s INBOX")


def setup():
    sb = Sandbox(users=USERS, milter=False, user_fields=FIELDS,
                 dormant_conf=CONF)
    try:
        sb.start()
        rc, out, err = sb.dormant("sync", "--from-doveadm", "--doveadm-config",
                                  sb.path("etc", "dovecot.conf"))
        assert rc == 0 and "synced 4 accounts" in out, (rc, out, err)
        for user in (MONA, HOME, ADMIN):
            sb.imap_login(user)
        old_login(sb, OLIVE, IDLE_DAYS)
    except BaseException:
        sb.stop()
        raise
    return sb


def check_notice(user, m):
    to = {a.addr_spec for a in m["To"].addresses}
    assert to == {OLIVE, MONA, HOME}, (user, m["To"])
    assert [a.addr_spec for a in m["Cc"].addresses] == [ADMIN], m["Cc"]
    assert m["From"].addresses[0].addr_spec == ADMIN, m["From"]
    # what Postfix and Dovecot add on the way: a real delivery
    assert m["Received"] is not None and m["Return-Path"] is not None, \
        m.keys()


def test_notice_reaches_owner_manager_alternate_and_cc(sb):
    before = sb.maildir_count(OLIVE)
    rc, out, err = sb.dormant("notify", "--apply")
    assert rc == 0 and "warning 1 owner" in out, (rc, out, err)
    for user in (MONA, HOME, ADMIN):
        msgs = notices_for(sb, user, 1)
        assert len(msgs) == 1, (user, [m["Subject"] for m in msgs])
        assert not str(msgs[0]["Subject"]).startswith("Reminder"), msgs[0]
        check_notice(user, msgs[0])
    # the owner's copy is there too (read by IMAP at the end)
    sb.wait_delivered(OLIVE, before)
    # the same day again: nothing new
    rc, out, err = sb.dormant("notify", "--apply")
    assert rc == 0 and OLIVE not in out, (rc, out, err)


def test_reminder_before_the_suspension_once(sb):
    later = (utc_now() + datetime.timedelta(days=6)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    rc, out, err = sb.dormant("--now", later, "notify", "--apply")
    assert rc == 0 and "reminder" in out and OLIVE in out, (rc, out, err)
    rc, out, err = sb.dormant("--now", later, "notify", "--apply")
    assert rc == 0 and OLIVE not in out, (rc, out, err)
    # everyone, the owner last: a notice and one reminder each
    for user in (MONA, HOME, ADMIN, OLIVE):
        msgs = notices_for(sb, user, 2)
        reminders = [m for m in msgs if str(m["Subject"]).startswith("Reminder: ")]
        assert len(msgs) == 2 and len(reminders) == 1, \
            (user, [m["Subject"] for m in msgs])
        for m in msgs:
            check_notice(user, m)
    # reading it was a login: olive is active, nothing more is due
    _, out, _ = sb.dormant("list", "--format", "csv", check=True)
    row = [line for line in out.splitlines() if line.startswith(OLIVE + ",")]
    assert row and row[0].split(",")[1] == "active", out


if __name__ == "__main__":
    tap.run([test_notice_reaches_owner_manager_alternate_and_cc,
             test_reminder_before_the_suspension_once],
            setup=setup, teardown=Sandbox.stop)
