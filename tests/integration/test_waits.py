#!/usr/bin/env python3
"""A login or an SMTP transaction never waits long on dormant's database.

A process running as the mail uid (any Dovecot mail process, or a dormant
command stopped with ^Z) holds the database's write lock, or a POSIX lock
on lock.mdb, for as long as it likes. The real Dovecot's IMAP logins and
the real Postfix's authenticated sends through dormant-milter must still
be answered at once (the store gives up after STORE_HOT_WAIT_MS, 200 ms,
logs and goes on); once the lock is gone, logins are recorded again.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import MAIL_UID, MAIL_GID, Sandbox, SandboxError  # noqa: E402

USERS = ["alice@example.test", "bob@example.test", "carol@example.test",
         "dave@example.test", "erin@example.test"]
# Generous beside the 200 ms bound (a login and its logout each may wait
# once), far below the holder's hold: the old code waited for the holder.
BOUND = 2.0
HOLD = 8.0


class Holder:
    """tests/unit/store-hold holding a lock as the mail uid."""

    def __init__(self, sb, mode):
        prog = os.path.join(sb.builddir, "tests", "unit", "store-hold")
        self.p = subprocess.Popen([prog, sb.db, mode, f"{MAIL_UID}:{MAIL_GID}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        line = self.p.stdout.readline()
        if line != b"held\n":
            self.p.kill()
            raise SandboxError(f"store-hold {mode}: {line!r} "
                               f"{self.p.stderr.read()!r}")
        self.since = time.monotonic()

    def release(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)
        assert self.p.returncode == 0, self.p.stderr.read()


def timed(fn, *args):
    t0 = time.monotonic()
    result = fn(*args)
    return result, time.monotonic() - t0


def recorded(sb, user):
    return sb.records().get(user, {}).get("last_login", "") != ""


def test_writer_held_by_the_mail_uid_delays_nothing(sb):
    sb.imap_login(USERS[0])
    sb.wait_until(lambda: recorded(sb, USERS[0]), 10, "alice recorded")
    offset = sb.log_size("dovecot.log")
    h = Holder(sb, "writer")
    try:
        _, took = timed(sb.imap_login, USERS[1])
        assert took < BOUND, f"IMAP login took {took:.2f} s"
        (rc, out), took = timed(sb.smtp_send_auth, USERS[2])
        assert rc == 0, out
        assert took < BOUND + 1.0, f"SMTP AUTH send took {took:.2f} s"
        assert time.monotonic() - h.since < HOLD
    finally:
        h.release()
    assert "database busy" in sb.log_since("dovecot.log", offset), \
        sb.log_since("dovecot.log", offset)[-2000:]
    # the lock is gone: logins are recorded again
    sb.imap_login(USERS[1])
    sb.wait_until(lambda: recorded(sb, USERS[1]), 10, "bob recorded")


def test_file_lock_held_by_the_mail_uid_delays_no_login(_unused):
    # Without the milter (a Dovecot-only set-up) nobody holds lock.mdb
    # between logins, so a mail-uid process can take a write lock on all
    # of it, which LMDB's open waits for without a bound.
    with Sandbox(users=USERS, milter=False) as sb:
        sb.imap_login(USERS[0])             # the database exists
        h = Holder(sb, "flock")
        try:
            _, took = timed(sb.imap_login, USERS[3])
            assert took < BOUND, f"IMAP login took {took:.2f} s"
            assert time.monotonic() - h.since < HOLD
        finally:
            h.release()
        sb.imap_login(USERS[3])
        sb.wait_until(lambda: recorded(sb, USERS[3]), 10, "dave recorded")


if __name__ == "__main__":
    tap.run([test_writer_held_by_the_mail_uid_delays_nothing,
             test_file_lock_held_by_the_mail_uid_delays_no_login],
            setup=lambda: Sandbox(users=USERS).__enter__(),
            teardown=lambda sb: sb.__exit__(None, None, None))
