#!/usr/bin/env python3
"""dormant suspend / reactivate / notify / exempt / audit: the safety rails,
dry runs that change nothing, the deny file, the admin's commands, and the
audit trail. The real-server half (Dovecot refusing the login, the milter
refusing the mail) is in tests/integration."""
import json
import os
import subprocess
import threading

from clitest import Db
from taplib import run_tests

DAY = 86400
HOSTILE = "evil;rm$(touch${ifs}pwned)`id`'\"|&*?@example.org"


def cycle_db(name, n=40, extra_config="", hostile=False):
    """n accounts synced a year before, never used; history long enough."""
    db = Db(name)
    with open(db.conf, "w") as f:
        f.write(f"deny_file = {db.path('deny')}\n"
                f"suspend_command = {db.path('cmd.sh')}\n"
                f"reactivate_command = {db.path('cmd.sh')}\n"
                f"sendmail = {db.path('sendmail.sh')}\n"
                "report_to = admin@example.org\n" + extra_config)
    db.write("cmd.sh", "#!/bin/sh\n"
             f"printf '%s\\n' \"$#\" \"$@\" >> {db.path('cmd.log')}\n")
    db.write("sendmail.sh", "#!/bin/sh\n"
             f"cat >> {db.path('mail.out')}; echo '-- end --' >> {db.path('mail.out')}\n")
    os.chmod(db.path("cmd.sh"), 0o755)
    os.chmod(db.path("sendmail.sh"), 0o755)
    users = [f"user{i:02d}@example.org" for i in range(n)]
    if hostile:
        users.append(HOSTILE)
    db.write("users", "\n".join(users) + "\n")
    db.run("sync", "--file", db.path("users"), now="2025-06-01T00:00:00Z", check=0)
    # history from a year before as well (an import of old logs would do it)
    db.write("old.log", "2025-06-01T00:00:00Z mx dovecot: imap-login: Login: "
             "user=<user00@example.org>, method=PLAIN, rip=192.0.2.1\n")
    db.run("import-log", db.path("old.log"), check=0)
    return db


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_dry_run_changes_nothing_byte_for_byte():
    db = cycle_db("dry", n=100)
    before = (read(db.path("data.mdb")), read(db.path("deny")))
    rc, out, err = db.run("suspend", "--force")
    assert rc == 0 and b"dry run: nothing changed" in out, (rc, out, err)
    assert (read(db.path("data.mdb")), read(db.path("deny"))) == before
    assert not os.path.exists(db.path("cmd.log"))


def test_fraction_rail_refuses_and_force_overrides():
    db = cycle_db("fraction", n=10)
    rc, out, err = db.run("suspend", "--apply")
    assert rc == 1 and "max_suspend_fraction" in err and b"nothing changed" in out
    # written by sync, with no account in it
    assert [l for l in read(db.path("deny")).splitlines()
            if not l.startswith(b"#")] == []
    rc, out, _ = db.run("suspend", "--apply", "--force")
    assert rc == 0 and b"suspended 10 accounts" in out, out


def reset_tracking_start(db, when):
    """Rewrite meta's tracking_start as a database reset would leave it
    (through lmdb-utils' mdb_load, a real LMDB writer)."""
    value = int(when).to_bytes(8, "little").hex()
    payload = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
               f" {b'tracking_start'.hex()}\n {value}\nDATA=END\n")
    subprocess.run(["mdb_load", "-s", "meta", db.dir], input=payload.encode(),
                   check=True)


def test_history_rail_refuses_a_database_that_looks_reset():
    db = cycle_db("reset", n=100)
    reset_tracking_start(db, 1795910400)     # 2026-11-23: a day of history
    rc, out, err = db.run("suspend", "--apply")
    assert rc == 1 and "history is shorter than suspend_after" in err, err
    assert read(db.path("deny")).startswith(b"") and b"nothing changed" in out
    # after a reset the never-used ones are insufficient-history again;
    # the one with old activity is what the rail stood in front of
    rc, out, err = db.run("suspend", "--apply", "--force")
    assert rc == 0 and b"suspended 1 account\n" in out, (out, err)
    assert read(db.path("deny")).endswith(b"user00@example.org\n")


def test_no_sync_rail():
    db = Db("nosync")
    db.write("log", "2025-01-01T00:00:00Z mx dovecot: imap-login: Login: "
             "user=<old@x.org>, method=PLAIN, rip=192.0.2.1\n")
    db.run("import-log", db.path("log"), check=0)
    rc, _, err = db.run("suspend", "--apply")
    assert rc == 1 and "run 'dormant sync' first" in err, err


def test_exempt_is_never_suspended_even_with_force():
    db = cycle_db("exempt", n=5)
    db.run("exempt", "add", "user01@example.org", "--reason", "on leave", check=0)
    db.run("suspend", "--apply", "--force", check=0)
    deny = read(db.path("deny")).decode()
    assert "user01@example.org" not in deny and "user02@example.org" in deny
    rc, _, err = db.run("exempt", "add", "user02@example.org", "--reason", "x")
    assert rc == 1 and "reactivate" in err


def test_suspend_command_gets_a_hostile_name_as_one_argument():
    db = cycle_db("hostile", n=3, hostile=True)
    db.run("suspend", "--apply", "--force", check=0)
    log = read(db.path("cmd.log")).decode().split("\n")
    assert not os.path.exists("pwned") and not os.path.exists(db.path("pwned"))
    i = log.index(HOSTILE)
    assert log[i - 1] == "1", log      # $# == 1: one argument, as given
    assert HOSTILE in read(db.path("deny")).decode()


def test_deny_file_is_replaced_atomically_and_symlinks_refused():
    db = cycle_db("atomic", n=300)
    stop = threading.Event()
    seen = set()

    def reader():
        while not stop.is_set():
            try:
                data = read(db.path("deny"))
            except FileNotFoundError:
                seen.add("missing")
                continue
            lines = data.split(b"\n")
            # every version is whole: header plus complete lines
            if data and not data.endswith(b"\n"):
                seen.add("partial")
            seen.add(len(lines))

    t = threading.Thread(target=reader)
    t.start()
    try:
        db.run("suspend", "--apply", "--force", check=0)
        for i in range(0, 40):
            db.run("reactivate", f"user{i:02d}@example.org", check=0)
    finally:
        stop.set()
        t.join()
    assert "partial" not in seen and "missing" not in seen, seen
    os.rename(db.path("deny"), db.path("deny.real"))
    os.symlink(db.path("deny.real"), db.path("deny"))
    rc, _, err = db.run("reactivate", "user50@example.org")
    assert rc == 3 and "symbolic link" in err, (rc, err)


def test_reactivate_gives_a_grace_period_and_audit_records_all():
    db = cycle_db("grace", n=4)
    db.run("suspend", "--apply", "--force", check=0)
    db.run("reactivate", "--reason", "owner came back", "user01@example.org", check=0)
    assert "user01@example.org" not in read(db.path("deny")).decode()
    rc, out, _ = db.run("suspend", "--force", now="2027-01-01T00:00:00Z")
    assert b"user01" not in out and b"grace period" in out, out
    rc, out, _ = db.run("suspend", "--force", now="2027-04-01T00:00:00Z")
    assert b"user01@example.org" in out, out
    rc, _, err = db.run("reactivate", "user01@example.org")
    assert rc == 1 and "not suspended" in err
    lines = [json.loads(l) for l in db.out("audit", "--format", "json").splitlines()]
    actions = [(e["action"], e["account"]) for e in lines]
    assert ("suspend", "user01@example.org") in actions
    assert ("reactivate", "user01@example.org") in actions
    assert all({"time", "actor", "action", "account", "reason"} <= set(e) for e in lines)
    assert next(e for e in lines if e["action"] == "reactivate")["reason"] == \
        "owner came back"
    since = db.out("audit", "--since", "2026-11-24", "--format", "json")
    assert len(since.splitlines()) == len(lines)
    assert db.out("audit", "--since", "2030-01-01") == ""


def test_notify_warns_once_per_period_through_sendmail():
    db = cycle_db("notify", n=3, hostile=True)
    # 120-day suspension, 14-day notice: at 110 days idle they are warned
    rc, out, _ = db.run("notify", now="2025-09-20T00:00:00Z")
    assert rc == 0 and b"would warn 3 owners" in out, out
    assert not os.path.exists(db.path("mail.out"))
    rc, out, err = db.run("notify", "--apply", now="2025-09-20T00:00:00Z")
    assert rc == 0 and b"warning 3 owners" in out, (out, err)
    assert "not a plain mail address" in err
    mail = read(db.path("mail.out")).decode()
    assert mail.count("To: user0") == 3 and "To: admin@example.org" in mail
    assert "Subject: Your mailbox user00@example.org will be suspended on" in mail
    rc, out, _ = db.run("notify", "--apply", now="2025-09-21T00:00:00Z")
    assert b"warning 0 owners (3 already warned" in out, out


def test_reactivate_with_the_longest_reason_account_and_actor():
    """The audit entry of the largest valid input (a reason of control
    bytes, an account of invalid UTF-8, a sudo user of control bytes, each
    escaped six-fold in JSON) fits; one byte more of reason is a usage
    error, as for exempt add."""
    db = cycle_db("longreason", n=3)
    wide = b"\xfe" * 300 + b"@example.org"
    with open(db.path("users"), "ab") as f:
        f.write(wide + b"\n")
    db.run("sync", "--file", db.path("users"), now="2025-06-01T00:00:00Z", check=0)
    db.run("suspend", "--apply", "--force", check=0)
    sudo = {"SUDO_USER": "\x01" * 63}
    reason = b"\x01" * 1024
    rc, out, err = db.run("reactivate", "--reason", reason, wide, env=sudo)
    assert rc == 0 and b"reactivated" in out, (rc, out, err)
    entry = [json.loads(l) for l in db.out("audit", "--format", "json").splitlines()
             if '"reactivate"' in l]
    assert entry and entry[0]["reason"] == reason.decode(), entry
    assert entry[0]["actor"] == sudo["SUDO_USER"]
    for cmd in (["reactivate", "--reason", "r" * 1025, "user01@example.org"],
                ["exempt", "add", "user01@example.org", "--reason", "r" * 1025]):
        rc, out, err = db.run(*cmd)
        assert rc == 2 and "--reason: longer than 1024 bytes" in err, (cmd, rc, err)
    assert "user01@example.org" in read(db.path("deny")).decode()


def test_exempt_remove_leaves_a_grace_period_alone():
    db = cycle_db("unexempt", n=4)
    db.run("suspend", "--apply", "--force", check=0)
    db.run("reactivate", "user01@example.org", check=0)
    audit_before = db.out("audit", "--format", "json")
    rc, out, err = db.run("exempt", "remove", "user01@example.org")
    assert rc == 1 and "not exempt" in err and "grace period" in err, (rc, err)
    assert db.out("audit", "--format", "json") == audit_before
    # still in its grace period: not a candidate for suspension
    rc, out, _ = db.run("suspend", "--force", now="2027-01-01T00:00:00Z")
    assert b"user01" not in out and b"1 account in the grace period" in out, out
    # an exemption is still removed as before, and nothing else is exempt
    db.run("reactivate", "user02@example.org", check=0)
    db.run("exempt", "add", "user02@example.org", "--reason", "on leave", check=0)
    rc, out, err = db.run("exempt", "remove", "user02@example.org")
    assert rc == 0 and b"no longer exempt" in out, (rc, out, err)
    rc, _, err = db.run("exempt", "remove", "user03@example.org")
    assert rc == 1 and "is suspended" in err, (rc, err)
    rc, _, err = db.run("exempt", "remove", "nobody@example.org")
    assert rc == 1 and "nobody@example.org is not exempt" in err, (rc, err)

def test_commands_never_get_an_account_that_reads_as_an_option():
    """-rf and --help are accounts a directory can hold; passed as $1 to
    the admin's script they would reach usermod or rm as options. They are
    suspended, denied and audited like any other, but the command is not
    run for them, and the run says so and exits 3."""
    db = cycle_db("dash", n=3)
    with open(db.path("users"), "a") as f:
        f.write("-rf\n--help@example.org\n")
    db.run("sync", "--file", db.path("users"), now="2025-06-01T00:00:00Z", check=0)
    rc, out, err = db.run("suspend", "--apply", "--force")
    assert rc == 3 and b"suspended 5 accounts" in out, (rc, out, err)
    assert "not run for account -rf" in err and \
        "not run for account --help@example.org" in err, err
    deny = read(db.path("deny")).decode().splitlines()
    assert "-rf" in deny and "--help@example.org" in deny, deny
    argv = read(db.path("cmd.log")).decode().splitlines()
    assert argv.count("1") == 3 and "user00@example.org" in argv, argv
    assert not any(a.startswith("-") for a in argv), argv
    rc, out, err = db.run("reactivate", "--", "-rf")   # getopt's own --
    assert rc == 3 and b"-rf reactivated" in out and "not run" in err, (rc, out, err)
    assert "-rf" not in read(db.path("deny")).decode().splitlines()
    assert not any(a.startswith("-") for a in read(db.path("cmd.log")).decode().split())
    actions = [(e["action"], e["account"]) for e in
               map(json.loads, db.out("audit", "--format", "json").splitlines())]
    assert ("suspend", "-rf") in actions and ("reactivate", "-rf") in actions


def test_only_commands_that_change_suspensions_write_the_deny_file():
    """sync creates a missing deny file, suspend --apply and reactivate
    rewrite it; every other command, dry runs included, leaves it alone:
    neither created when missing nor replaced when there."""
    db = cycle_db("denyro", n=10)
    readonly = [["list"], ["list", "--format", "json"], ["show", "user01@example.org"],
                ["report"], ["report", "--format", "html"], ["metrics"],
                ["audit"], ["exempt", "list"], ["check"], ["notify"],
                ["suspend"], ["suspend", "--force"],
                ["import-log", "--dry-run", db.path("old.log")],
                ["export", "-o", db.path("snap.gz")],
                ["merge", "--dry-run", db.path("snap.gz")]]
    os.unlink(db.path("deny"))
    for args in readonly:
        db.run(*args)
        assert not os.path.exists(db.path("deny")), f"{args} created it"
    db.run("sync", "--file", db.path("users"), check=0)
    st = os.stat(db.path("deny"))
    for args in readonly:
        db.run(*args)
        now = os.stat(db.path("deny"))
        assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), \
            f"{args} rewrote it"
    db.run("suspend", "--apply", "--force", check=0)
    assert os.stat(db.path("deny")).st_ino != st.st_ino, "suspend left it"


if __name__ == "__main__":
    run_tests(globals())
