#!/usr/bin/env python3
"""Trust boundaries, as an administrator sets dormant up and as an attacker
who holds the mail uid (any Dovecot mail process) would try them.

The sandbox puts deny_file where the README says, in a root:root 0755
directory like Debian's /etc/dovecot, prepared by nothing but dormant
itself. The database directory belongs to the mail uid (5000), which the
real Dovecot runs the mail processes as. Every planting below is done as
uid 5000, never as root.
"""
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import MAIL_UID, MAIL_GID, Sandbox  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"
USERS = [ALICE, BOB, CAROL]
DEADLINE = 20.0


def as_mail_uid(*argv):
    """Run argv as the mail uid, as a (compromised) mail process would."""
    def drop():
        os.setgroups([])
        os.setgid(MAIL_GID)
        os.setuid(MAIL_UID)
    return subprocess.run(argv, preexec_fn=drop, capture_output=True,
                          check=True)


def imap_works(sb, user):
    try:
        sb.imap_login(user)
        return True
    except Exception:          # refused (IMAP4.error) or auth failure
        return False


def victim(sb, name):
    """A root-owned file outside the database that nobody may change."""
    path = sb.path(name)
    with open(path, "w") as f:
        f.write("precious\n")
    os.chmod(path, 0o644)
    return path


def test_deny_file_readable_by_dovecot_and_only_one_account_locked_out(sb):
    st = os.stat(sb.deny_path)
    assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o644, oct(st.st_mode)
    assert stat.S_IMODE(os.stat(os.path.dirname(sb.deny_path)).st_mode) == 0o755
    # everyone logs in through the deny passdb
    for user in USERS:
        assert imap_works(sb, user), user
    rc, out, err = sb.dormant("check", "--dovecot-config",
                              sb.path("etc", "dovecot.conf"))
    assert "readable by Dovecot's auth user dovecot" in out, (rc, out, err)
    # an old dormant left it 0640 root:root: logins failed for everyone
    os.chmod(sb.deny_path, 0o640)
    rc, out, err = sb.dormant("check", "--dovecot-config",
                              sb.path("etc", "dovecot.conf"))
    assert rc == 1 and "cannot be read by dovecot" in out, (rc, out, err)
    # suspending one account rewrites it readable again
    sb.dormant("exempt", "add", ALICE, "--reason", "boss", check=True)
    rc, out, err = sb.dormant("--now", "2099-01-01T00:00:00Z",
                              "suspend", "--apply", "--force")
    assert rc == 0, (rc, out, err)
    st = os.stat(sb.deny_path)
    assert stat.S_IMODE(st.st_mode) == 0o644, oct(st.st_mode)
    sb.wait_until(lambda: not imap_works(sb, BOB), DEADLINE,
                  "Dovecot refusing bob")
    assert imap_works(sb, ALICE)       # exempt
    assert not imap_works(sb, CAROL)   # suspended with bob
    sb.dormant("reactivate", CAROL, check=True)
    sb.dormant("reactivate", BOB, check=True)
    sb.wait_until(lambda: imap_works(sb, BOB) and imap_works(sb, CAROL),
                  DEADLINE, "Dovecot accepting bob and carol again")


def test_read_only_commands_never_create_the_deny_file(sb):
    os.unlink(sb.deny_path)
    try:
        for args in (("list",), ("report", "--format", "text"), ("audit",),
                     ("show", ALICE), ("suspend",)):
            sb.dormant(*args)
            assert not os.path.exists(sb.deny_path), args
        rc, out, _ = sb.dormant("check")
        assert rc == 1 and "dormant sync' writes it" in out, out
    finally:
        sb.dormant("sync", "--file", sb.path("etc", "passwd"), check=True)
    assert os.path.exists(sb.deny_path)


def test_planted_links_in_the_database_are_not_followed_by_root(sb):
    target = victim(sb, "victim-lock")
    for name in ("lock.mdb", "data.mdb"):
        moved = os.path.join(sb.db, name + ".real")
        as_mail_uid("mv", os.path.join(sb.db, name), moved)
        as_mail_uid("ln", "-s", target, os.path.join(sb.db, name))
        try:
            rc, out, err = sb.dormant("list")
            assert rc == 3 and "symbolic link" in err, (name, rc, err)
            assert open(target).read() == "precious\n", name
            assert os.stat(target).st_size == len("precious\n")
        finally:
            as_mail_uid("rm", os.path.join(sb.db, name))
            as_mail_uid("mv", moved, os.path.join(sb.db, name))
    assert sb.dormant("list", check=True)[0] == 0


def test_root_opens_the_store_as_the_directory_owner(sb):
    # a database created by root (first command before any login) must
    # still be writable by the mail processes: created as the owner
    fresh = sb.path("fresh-db")
    os.mkdir(fresh)
    os.chown(fresh, MAIL_UID, MAIL_GID)
    os.chmod(fresh, 0o2770)
    p = subprocess.run([sb.dormant_bin, "-c", sb.path("etc", "dormant.conf"),
                        "-d", fresh, "sync", "--file", sb.path("etc", "passwd")],
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    for name in ("data.mdb", "lock.mdb"):
        st = os.stat(os.path.join(fresh, name))
        assert st.st_uid == MAIL_UID, (name, st.st_uid)


def test_reports_never_follow_a_link_the_mail_uid_planted(sb):
    # report_dir inside the mail-writable database directory, swapped
    # for a link to a root-only directory by the mail uid
    protected = sb.path("protected")
    os.mkdir(protected, 0o755)
    as_mail_uid("mkdir", os.path.join(sb.db, "reports"))
    as_mail_uid("rmdir", os.path.join(sb.db, "reports"))
    as_mail_uid("ln", "-s", protected, os.path.join(sb.db, "reports"))
    out_path = os.path.join(sb.db, "reports", "x.csv")
    rc, out, err = sb.dormant("report", "--format", "csv", "-o", out_path)
    assert rc != 0, (rc, out, err)
    assert os.listdir(protected) == [], os.listdir(protected)
    # a file named by the attacker's link at the target itself
    target = victim(sb, "victim-report")
    as_mail_uid("ln", "-s", target, os.path.join(sb.db, "r.csv"))
    rc, out, err = sb.dormant("report", "--format", "csv", "-o",
                              os.path.join(sb.db, "r.csv"))
    assert rc != 0 and "symbolic link" in err, (rc, err)
    assert open(target).read() == "precious\n"
    # a directory the mail uid owns is written as the mail uid
    rc, out, err = sb.dormant("report", "--format", "csv", "-o",
                              os.path.join(sb.db, "ok.csv"))
    assert rc == 0, err
    assert os.stat(os.path.join(sb.db, "ok.csv")).st_uid == MAIL_UID


if __name__ == "__main__":
    tap.run([test_deny_file_readable_by_dovecot_and_only_one_account_locked_out,
             test_read_only_commands_never_create_the_deny_file,
             test_planted_links_in_the_database_are_not_followed_by_root,
             test_root_opens_the_store_as_the_directory_owner,
             test_reports_never_follow_a_link_the_mail_uid_planted],
            setup=lambda: Sandbox(users=USERS, deny_file=True,
                                  dormant_conf=["max_suspend_fraction = 100%"]
                                  ).__enter__(),
            teardown=lambda sb: sb.__exit__(None, None, None))
