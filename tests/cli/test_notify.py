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


if __name__ == "__main__":
    run_tests(globals())
