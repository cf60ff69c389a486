#!/usr/bin/env python3
"""The database is input the mail uid writes: the root CLI believes none of
it blindly. Keys are planted with lmdb-utils' mdb_load (a real LMDB writer,
as any process with write access to the files could), records are copied
from real ones.

- a key with a NUL (boss@example.org\\0x) is not boss@example.org: it is
  never suspended, never handed to suspend_command, and the exempt boss
  stays exempt;
- a key with terminal escapes reaches neither stdout nor stderr raw;
- a record from the future pins nothing and blocks no later write;
- a truncated data.mdb (a page beyond the end: SIGBUS in LMDB) is an
  error message and exit 3, not a crash;
- a notices record that does not decode skips that owner's warning only;
- a directory record of a newer version skips that account in `sync`
  (named, escaped, exit 1), not the whole sync.
"""
import os
import subprocess

from clitest import DORMANT, NOW, Db
from syslogcap import run_capturing_syslog
from taplib import run_tests
from test_suspend import cycle_db, read


def dump(db, name):
    """{key bytes: value bytes} of database name, through mdb_dump."""
    out = subprocess.run(["mdb_dump", "-s", name, db.dir], check=True,
                         capture_output=True, text=True).stdout
    lines = out.split("HEADER=END\n", 1)[1].splitlines()
    pairs = {}
    for k, v in zip(lines[0::2], lines[1::2]):
        if k == "DATA=END":
            break
        pairs[bytes.fromhex(k.strip())] = bytes.fromhex(v.strip())
    return pairs


def plant(db, name, key, value):
    payload = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
               f" {key.hex()}\n {value.hex()}\nDATA=END\n")
    subprocess.run(["mdb_load", "-s", name, db.dir], input=payload.encode(),
                   check=True)


def test_a_key_with_a_nul_is_not_the_account_it_starts_with():
    db = cycle_db("nul", n=10)
    db.run("exempt", "add", "boss@example.org", "--reason", "the minister",
           check=0)
    # an old, suspendable account's records under a forged key
    activity = dump(db, "activity")[b"user00@example.org"]
    accounts = dump(db, "accounts")[b"user01@example.org"]
    plant(db, "activity", b"boss@example.org\0x", activity)
    plant(db, "accounts", b"boss@example.org\0x", accounts)
    rc, out, err = db.run("suspend", "--apply", "--force")
    assert rc == 0, (rc, out, err)
    assert "boss@example.org\\x00x" in err, err        # shown escaped
    deny = read(db.path("deny")).decode()
    assert "boss@example.org" not in deny, deny
    assert "boss@example.org" not in read(db.path("cmd.log")).decode()
    assert "exempt" in db.out("show", "boss@example.org")


def test_terminal_escapes_in_keys_never_reach_the_terminal():
    db = cycle_db("escape", n=3)
    activity = dump(db, "activity")[b"user00@example.org"]
    evil = b"\x1b]0;owned\x07\x1b[2Jx@example.org"
    plant(db, "activity", evil, activity)
    plant(db, "state", evil, b"\x00")
    for args in (("list",), ("report", "--format", "text"), ("check",),
                 ("suspend",), ("export", "-o", db.path("snap")),
                 ("metrics",)):
        rc, out, err = db.run(*args)
        assert b"\x1b" not in out and "\x1b" not in err, (args, out, err)
        assert b"\x07" not in out and "\x07" not in err, (args, out, err)


def test_a_record_from_the_future_pins_nothing_and_blocks_no_write():
    db = cycle_db("future", n=5)
    # imported while the clock said 2038 (a what-if, or a forged record)
    db.write("future.log", "2038-01-01T00:00:00Z mx dovecot: imap-login: "
             "Login: user=<user03@example.org>, method=PLAIN, "
             "rip=192.0.2.9\n")
    db.run("import-log", db.path("future.log"), now="2038-01-02T00:00:00Z",
           check=0)
    rc, out, err = db.run("list", "--format", "csv")
    assert "user03@example.org" in err and "future" in err, err
    assert b"user03@example.org" not in out
    # never suspended on a record it cannot read
    rc, out, err = db.run("suspend", "--apply", "--force")
    assert "user03@example.org" not in read(db.path("deny")).decode()
    # a real login replaces the forged time instead of losing to it
    db.write("now.log", "2026-11-20T08:00:00Z mx dovecot: imap-login: "
             "Login: user=<user03@example.org>, method=PLAIN, "
             "rip=192.0.2.10\n")
    db.run("import-log", db.path("now.log"), check=0)
    out = db.out("list", "--format", "csv")
    row = [l for l in out.splitlines() if l.startswith("user03@")]
    assert row and "2026-11-20T08:00:00Z" in row[0] and "2038" not in row[0], out


def test_a_bad_notice_record_stops_no_other_warning():
    db = cycle_db("notice", n=5)
    # user00 logged in a year ago: idle, due a warning, as are the others
    rc, out, err = db.run("notify")
    assert rc == 0 and b"user00@example.org" in out, (rc, out, err)
    plant(db, "notices", b"user00@example.org", b"\x01")
    rc, out, err = db.run("notify", "--apply")
    # the old code stopped at the bad record and printed "(null)"
    assert "(null)" not in err, err
    assert "user00@example.org" in err and "skipped" in err, err
    assert rc == 0, (rc, out, err)
    mail = read(db.path("mail.out")).decode()
    assert "To: user01@example.org" in mail, mail


def test_a_newer_directory_record_skips_that_account_only():
    db = cycle_db("newer", n=4)
    bidi = "ann\u202eslat@example.org"    # a right-to-left override
    newer = b"\xff" + b"\x00" * 40        # a record version from the future
    plant(db, "accounts", b"user02@example.org", newer)
    plant(db, "accounts", bidi.encode(), newer)
    users = [f"user{i:02d}@example.org" for i in range(5)] + [bidi]
    db.write("users", "\n".join(users) + "\n")
    rc, out, err = db.run("sync", "--file", db.path("users"))
    # the old code: "dormant: user02@example.org: ... newer", exit 3, and
    # no account after it in the batch synced
    assert rc == 1, (rc, out, err)
    assert "user02@example.org" in err and "newer" in err, err
    assert "ann\\u202eslat@example.org" in err and "\u202e" not in err, err
    assert b"synced 6 accounts: 1 new" in out, out
    assert b"user04@example.org" in db.run("list", "--format", "csv")[1]
    # left as the newer program wrote them
    after = dump(db, "accounts")
    assert after[b"user02@example.org"] == newer, after
    assert after[bidi.encode()] == newer, after


def test_a_truncated_database_is_an_error_not_a_crash():
    db = Db("trunc")
    db.write("users", "".join(f"user{i:05d}@example.org\n" for i in range(3000)))
    db.run("sync", "--file", db.path("users"), check=0)
    for i in range(20):
        db.run("exempt", "add", f"user{i:05d}@example.org", "--reason",
               "x" * 900, check=0)
    size = os.path.getsize(db.path("data.mdb"))
    assert size > 64 * 4096, size
    with open(db.path("data.mdb"), "r+b") as f:
        f.truncate(4 * 4096)            # the meta pages survive
    for args in (("audit",), ("list",)):
        rc, out, err = db.run(*args)
        assert rc == 3 and "damaged" in err, (args, rc, err)


def test_every_audit_entry_also_goes_to_syslog():
    # the database is the mail uid's to rewrite; the system log is not
    db = cycle_db("syslog", n=3)
    argv = [DORMANT, "-c", db.conf, "-d", db.dir, "--now", NOW, "exempt",
            "add", "user01@example.org", "--reason", "on leave"]
    rc, out, err, lines = run_capturing_syslog(
        argv, dict(os.environ, TZ="UTC", LC_ALL="C"), db.dir)
    assert rc == 0, (rc, err)
    assert len(lines) == 1, lines
    msg = lines[0]
    assert "dormant[" in msg and '"action":"exempt' in msg and \
        "user01@example.org" in msg, msg
    assert msg.startswith("<85>"), msg      # authpriv.notice


if __name__ == "__main__":
    run_tests(globals())
