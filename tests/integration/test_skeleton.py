#!/usr/bin/env python3
"""End to end: real Dovecot, real Postfix, real clients, read back by CSV.

One sandbox (plugin + milter) is shared by the cases; the negative control
starts a second sandbox, identical but for the plugin, proving that the
logins seen in the other cases are recorded by dormant. The last case stops
the shared sandbox and checks that it went down cleanly: no SIGKILL, the
milter's exit status 0, no errors, crashes or sanitizer reports in the logs.
"""
import datetime
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import Sandbox, utc_now, parse_time, assert_recent  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"
DAVE = "dave@example.test"          # submission login
ERIN = "erin@example.test"          # ManageSieve login
FRANK = "frank@example.test"        # only ever receives mail
OUTSIDER = "stranger@outside.invalid"
RECORD_TIMEOUT = 20.0               # seconds for a record to appear








def wait_record(sb, account, field):
    """Poll the CSV until ACCOUNT's row has FIELD set; return the row."""
    def ready():
        row = sb.records().get(account)
        return row if row and row[field] else None
    return sb.wait_until(ready, RECORD_TIMEOUT,
                         f"{field} of {account} in `dormant list --format csv`")


def lmtp_sessions_over(sb, offset):
    """True when every LMTP session logged after OFFSET has ended.

    Postfix may reuse one LMTP connection for several messages, so count
    sessions rather than expecting one per message.
    """
    text = sb.log_since("dovecot.log", offset)
    opened = len(re.findall(r"lmtp\(\d+\): Info: Connect from ", text))
    closed = len(re.findall(r"lmtp\(\d+\): Info: Disconnect from ", text))
    return opened > 0 and opened == closed


def setup():
    return Sandbox(plugin=True, milter=True,
                   users=[ALICE, BOB, CAROL, DAVE, ERIN, FRANK]).start()


def teardown(sb):
    sb.stop()


def test_imap_login_is_recorded(sb):
    since = utc_now()
    sb.imap_login(ALICE)
    row = wait_record(sb, ALICE, "last_login")
    assert row["login_service"] == "imap", row
    assert row["login_ip"] == "127.0.0.1", row
    assert_recent(row["last_login"], since, "last_login")
    assert row["last_send"] == "" and row["send_ip"] == "", row


def test_pop3_login_is_recorded(sb):
    since = utc_now()
    sb.pop3_login(BOB)
    row = wait_record(sb, BOB, "last_login")
    assert row["login_service"] == "pop3", row
    assert row["login_ip"] == "127.0.0.1", row
    assert_recent(row["last_login"], since, "last_login")


def test_smtp_auth_send_is_recorded(sb):
    since = utc_now()
    sb.smtp_send_auth(CAROL, to="someone@elsewhere.invalid")
    row = wait_record(sb, CAROL, "last_send")
    assert row["send_ip"] == "127.0.0.1", row
    assert_recent(row["last_send"], since, "last_send")
    # SMTP AUTH goes through Dovecot's auth service, not a mail session.
    assert row["last_login"] == "" and row["login_service"] == "", row


def test_submission_and_managesieve_logins_are_recorded(sb):
    if not (sb.submission and sb.managesieve):
        raise tap.Skip("dovecot-submissiond or dovecot-managesieved missing")
    since = utc_now()
    sb.submission_login(DAVE)
    row = wait_record(sb, DAVE, "last_login")
    assert row["login_service"] == "submission", row
    assert_recent(row["last_login"], since, "last_login")
    sb.managesieve_login(ERIN)
    row = wait_record(sb, ERIN, "last_login")
    assert row["login_service"] == "managesieve", row
    assert row["login_ip"] == "127.0.0.1", row


ACTIVITY_FIELDS = ("status", "idle_days", "last_login", "login_service",
                   "login_ip", "last_send", "send_ip")


def test_unauthenticated_delivery_is_not_activity(sb):
    # Give alice a record first if this case runs alone.
    if ALICE not in sb.records():
        sb.imap_login(ALICE)
        wait_record(sb, ALICE, "last_login")
    before = sb.records_raw()
    before_rows = sb.records()
    alice_line = [line for line in before.splitlines()
                  if line.startswith(ALICE + ",")]
    assert len(alice_line) == 1, f"no single row for alice:\n{before}"
    counts = {u: sb.maildir_count(u) for u in (ALICE, FRANK)}
    started = utc_now() - datetime.timedelta(seconds=2)
    dlog = sb.log_size("dovecot.log")
    plog = sb.log_size("postfix.log")

    sb.smtp_send_noauth(OUTSIDER, ALICE)
    sb.smtp_send_noauth(OUTSIDER, FRANK)
    for user in (ALICE, FRANK):
        sb.wait_delivered(user, counts[user])
    # Wait for the ends of both transactions, so that anything the plugin
    # (LMTP session end) or the milter (end of SMTP transaction) might
    # write has been written before we look.
    for user in (ALICE, FRANK):
        sb.wait_log("postfix.log", rf"to=<{re.escape(user)}>.*status=sent", plog)
    sb.wait_until(lambda: lmtp_sessions_over(sb, dlog), RECORD_TIMEOUT,
                  "Dovecot's LMTP sessions to end")

    after = sb.records_raw()
    after_rows = sb.records()
    # A delivery is kept only as last_receive (doc/DESIGN.md §5.3):
    # no login, send or status of the recipient moves.
    for field in ACTIVITY_FIELDS:
        assert after_rows[ALICE][field] == before_rows[ALICE][field], \
            f"alice's {field} changed by a delivery:\n{before}\n{after}"
    for user in (ALICE, FRANK):
        assert after_rows[user]["last_receive"], f"no last_receive for {user}"
        assert_recent(after_rows[user]["last_receive"], started, user)
    assert after_rows[FRANK]["last_login"] == "" and \
        after_rows[FRANK]["last_send"] == "", after
    assert after_rows[FRANK]["status"] == "insufficient-history", after
    assert OUTSIDER not in after_rows, f"a record for the outside sender:\n{after}"
    assert set(after_rows) - set(before_rows) <= {FRANK}, \
        f"accounts changed:\nbefore:\n{before}\nafter:\n{after}"


def test_negative_control_without_plugin(_sb):
    """The same sandbox minus the plugin: an IMAP login leaves no record."""
    with Sandbox(plugin=False, milter=True) as bare:
        bare.imap_login(ALICE)
        # The session is over once its logout is logged; only then is
        # "no record" meaningful.
        bare.wait_log("dovecot.log", r"imap\(alice@example\.test\).*Logged out")
        rows = bare.records()
        assert ALICE not in rows, f"a record without the plugin: {rows}"
        assert rows == {}, f"records without the plugin: {rows}"


def test_clean_logs_and_shutdown(sb):
    """Last: no errors, crashes or sanitizer reports; the milter exits 0."""
    sb.stop()
    assert not sb.killed, f"had to SIGKILL {sb.killed}"
    assert sb.milter_status == 0, f"dormant-milter exited {sb.milter_status}"
    assert not sb.problems, "\n".join(sb.problems)


if __name__ == "__main__":
    tap.run([test_imap_login_is_recorded,
             test_pop3_login_is_recorded,
             test_smtp_auth_send_is_recorded,
             test_submission_and_managesieve_logins_are_recorded,
             test_unauthenticated_delivery_is_not_activity,
             test_negative_control_without_plugin,
             test_clean_logs_and_shutdown],
            setup=setup, teardown=teardown)
