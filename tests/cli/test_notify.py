#!/usr/bin/env python3
"""Contacts and the notices that reach a person: sync reads contacts_file
(a bad one changes nothing), show displays the contacts; notify mails the
owner, the manager and the alternate with the admin in copy, once per idle
period, a reminder once at the right day, never outside local_domains
unless notify_external, every notice in the audit trail; the dry run says
who would get what and sends nothing. sendmail is a script that keeps
what it got (the real Dovecot userdb is in tests/integration)."""
import json
import os

from clitest import Db
from taplib import run_tests
from test_suspend import cycle_db, read

CONTACTS = """\ufeffaccount,unit,manager,alternate\r
user00@example.org,Finance,Boss@Example.org,owner.private@gmail.com\r
user01@example.org,"R&D, Lab",boss@example.org,\r
user02@example.org,,,\r
"""


def notify_db(name, extra_config="", contacts=CONTACTS):
    """test_suspend's three accounts (synced a year before, never used),
    with contacts, local_domains and a sendmail that keeps each message."""
    db = cycle_db(name, n=3, extra_config="local_domains = example.org\n" +
                  extra_config)
    with open(db.conf, "a") as f:
        f.write(f"contacts_file = {db.path('contacts.csv')}\n")
    # one file per message, so a test can tell the messages apart
    db.write("sendmail.sh", "#!/bin/sh\n"
             f"n=$(ls {db.dir}/mail.* 2>/dev/null | wc -l)\n"
             f"printf '%s\\n' \"$@\" > {db.dir}/argv.$n\n"
             f"cat > {db.dir}/mail.$n\n")
    db.write("contacts.csv", contacts)
    db.run("sync", "--file", db.path("users"), now="2025-06-01T00:00:00Z", check=0)
    return db


def mails(db):
    """[(headers dict, body, argv)] of every message sendmail got."""
    out = []
    n = 0
    while os.path.exists(db.path(f"mail.{n}")):
        text = read(db.path(f"mail.{n}")).decode()
        head, _, body = text.partition("\n\n")
        headers = {}
        for line in head.split("\n"):
            k, _, v = line.partition(": ")
            headers[k] = v
        out.append((headers, body, read(db.path(f"argv.{n}")).decode().split()))
        n += 1
    return out


def test_sync_reads_the_contacts_file_and_show_displays_it():
    db = notify_db("sync")
    out = db.out("show", "user00@example.org")
    assert "unit:           Finance (file)" in out, out
    assert "manager:        boss@example.org (file)" in out, out
    assert "alternate:      owner.private@gmail.com (file)" in out, out
    out = db.out("show", "user02@example.org")
    assert "unit:           example.org (domain)" in out, out
    assert "manager:        none known" in out, out
    show = json.loads(db.out("show", "--format", "json", "user01@example.org"))
    assert show["directory"]["contacts"] == {
        "unit": "R&D, Lab", "unit_source": "file",
        "manager": "boss@example.org", "manager_source": "file",
        "alternate": None, "alternate_source": None}, show


def test_a_bad_contacts_file_changes_nothing():
    db = notify_db("badfile")
    before = read(db.path("data.mdb"))
    db.write("contacts.csv", CONTACTS + "user02@example.org,X,a@b.org\r\nBcc: x@evil,\n")
    with open(db.path("users"), "a") as f:
        f.write("new@example.org\n")
    rc, out, err = db.run("sync", "--file", db.path("users"))
    assert rc == 2, (rc, out, err)
    assert "contacts.csv:5:" in err and "nothing synced" in err, err
    assert read(db.path("data.mdb")) == before
    assert "unknown account" in db.run("show", "new@example.org")[2]
    # a missing file: the same
    os.unlink(db.path("contacts.csv"))
    rc, out, err = db.run("sync", "--file", db.path("users"))
    assert rc == 2 and "No such file" in err, (rc, err)
    assert read(db.path("data.mdb")) == before

CC = "notify_cc = it@example.org\n"
WARN = "2025-09-20T00:00:00Z"     # 111 days idle: warned (from 106)


def by_owner(db):
    return {m[0]["To"].split(",")[0]: m for m in mails(db)
            if m[0].get("To") != "admin@example.org"}


def test_notice_reaches_owner_manager_alternate_and_cc():
    db = notify_db("rcpt", CC + "notify_external = yes\n")
    rc, out, err = db.run("notify", "--apply", now=WARN)
    assert rc == 0 and b"warning 3 owners" in out, (rc, out, err)
    got = by_owner(db)
    assert set(got) == {"user00@example.org", "user01@example.org",
                        "user02@example.org"}, got.keys()
    h = got["user00@example.org"][0]
    assert h["To"] == ("user00@example.org, boss@example.org, "
                       "owner.private@gmail.com"), h
    assert h["Cc"] == "it@example.org", h
    assert h["Subject"].startswith("Your mailbox user00@example.org will be "
                                   "suspended on 2025-09-29"), h
    assert got["user01@example.org"][0]["To"] == \
        "user01@example.org, boss@example.org"
    assert got["user02@example.org"][0]["To"] == "user02@example.org"
    # recipients come from the headers (-t), never from argv
    assert all(m[2] == ["-t", "-oi"] for m in mails(db)), [m[2] for m in mails(db)]
    # once per idle period
    rc, out, _ = db.run("notify", "--apply", now="2025-09-21T00:00:00Z")
    assert b"warning 0 owners (3 already warned" in out, out
    assert len(mails(db)) == 4           # three notices and the summary


def test_no_mail_outside_local_domains():
    db = notify_db("local", CC)
    rc, out, err = db.run("notify", "--apply", now=WARN)
    assert rc == 0, (rc, out, err)
    everything = "".join(read(db.path(f)).decode() for f in os.listdir(db.dir)
                         if f.startswith("mail."))
    assert "gmail.com" not in everything, everything
    assert by_owner(db)["user00@example.org"][0]["To"] == \
        "user00@example.org, boss@example.org"
    assert b"not mailed: owner.private@gmail.com (outside local_domains)" in out, out
    # no local_domains at all: owners only
    db = notify_db("nolocal", CC + "local_domains =\n")
    db.run("notify", "--apply", now=WARN, check=0)
    tos = [m[0]["To"] for m in mails(db) if m[0]["To"] != "admin@example.org"]
    assert sorted(tos) == [f"user0{i}@example.org" for i in range(3)], tos


def test_reminder_once_at_the_right_day():
    db = notify_db("remind", "notify_reminder_days = 3d\n")
    db.run("notify", "--apply", now=WARN, check=0)
    assert len(mails(db)) == 4
    # 116 days idle: not yet (the window opens at 117, 3 days before 120)
    rc, out, _ = db.run("notify", "--apply", now="2025-09-25T23:00:00Z")
    assert b"warning 0 owners" in out and len(mails(db)) == 4, out
    rc, out, _ = db.run("notify", "--apply", now="2025-09-26T00:00:00Z")
    assert rc == 0 and b"warning 3 owners" in out, out
    reminders = [m for m in mails(db)[4:] if m[0]["To"] != "admin@example.org"]
    assert len(reminders) == 3, mails(db)[4:]
    assert all(m[0]["Subject"].startswith("Reminder: Your mailbox ") for m in reminders)
    assert reminders[0][0]["To"] == "user00@example.org, boss@example.org"
    n = len(mails(db))
    rc, out, _ = db.run("notify", "--apply", now="2025-09-27T00:00:00Z")
    assert b"warning 0 owners (3 already" in out and len(mails(db)) == n, out
    # a login starts a new period: a new notice later, then a new reminder
    db.write("new.log", "2025-09-28T00:00:00Z mx dovecot: imap-login: Login: "
             "user=<user01@example.org>, method=PLAIN, rip=192.0.2.1\n")
    db.run("import-log", db.path("new.log"), check=0)
    rc, out, _ = db.run("notify", now="2026-01-20T00:00:00Z")
    assert b"user01@example.org  idle 114 days  notice to" in out, out


def test_a_late_first_notice_gets_no_reminder():
    db = notify_db("late", "notify_reminder_days = 3d\n")
    db.run("notify", "--apply", now="2025-09-27T00:00:00Z", check=0)
    n = len(mails(db))
    assert n == 4 and all(not m[0]["Subject"].startswith("Reminder")
                          for m in mails(db))
    rc, out, _ = db.run("notify", "--apply", now="2025-09-28T00:00:00Z")
    assert b"warning 0 owners" in out and len(mails(db)) == n, out


def test_every_notice_in_the_audit_trail():
    db = notify_db("audit", CC + "notify_reminder_days = 3d\n")
    db.run("notify", "--apply", now=WARN, check=0)
    db.run("notify", "--apply", now="2025-09-26T00:00:00Z", check=0)
    entries = [json.loads(l) for l in db.out("audit", "--format", "json").splitlines()]
    notices = [e for e in entries if e["action"] == "notice"]
    reminders = [e for e in entries if e["action"] == "reminder"]
    assert len(notices) == 3 and len(reminders) == 3, entries
    e = next(e for e in notices if e["account"] == "user00@example.org")
    assert e["recipients"] == "user00@example.org, boss@example.org; cc it@example.org", e
    assert e["reason"] == "idle 111 days, suspension from 2025-09-29", e
    assert e["time"] == WARN
    assert {e["account"] for e in reminders} == {f"user0{i}@example.org" for i in range(3)}


def test_dry_run_lists_who_would_get_what_and_sends_nothing():
    db = notify_db("dry", CC)
    before = read(db.path("data.mdb"))
    rc, out, err = db.run("notify", now=WARN)
    assert rc == 0, (rc, out, err)
    out = out.decode()
    assert "would warn 3 owners" in out, out
    assert ("  user00@example.org  idle 111 days  notice to user00@example.org, "
            "boss@example.org; cc it@example.org\n"
            "    not mailed: owner.private@gmail.com (outside local_domains)\n") in out, out
    assert "  user02@example.org  idle 111 days  notice to user02@example.org; cc" in out
    assert mails(db) == [] and read(db.path("data.mdb")) == before
    assert db.out("audit") == ""


def test_contacts_planted_in_the_database_are_checked_again():
    """The mail uid can write the database: a manager that could add
    recipients is never mailed, whatever the record says."""
    from test_hostile_db import dump, plant
    db = notify_db("planted", "notify_external = yes\n")
    rec = bytearray(dump(db, "accounts")[b"user02@example.org"][:26])
    rec[0] = 2
    for text in (b"", b"x@evil.example, y@example.org", b""):
        rec += bytes([2 if text else 0]) + len(text).to_bytes(2, "little") + text
    plant(db, "accounts", b"user02@example.org", bytes(rec))
    rc, out, err = db.run("notify", "--apply", now=WARN)
    assert rc == 0, (rc, out, err)
    assert b"not mailed: x@evil.example, y@example.org (not a plain mail address)" in out
    assert by_owner(db)["user02@example.org"][0]["To"] == "user02@example.org"
    assert "evil" not in "".join(str(m) for m in mails(db))


if __name__ == "__main__":
    run_tests(globals())
