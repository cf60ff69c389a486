#!/usr/bin/env python3
"""dormant review: a campaign as an administrator runs it, against a
database with units from contacts_file and units_file, managers, an
account of every kind and a sendmail that keeps what it got. Start (a dry
run that writes nothing, then the sheets and the mails), the sheets as
reviewers return them (filled in by a spreadsheet, tampered with, another
unit's, another campaign's, broken), status, reminders, the close with
review_default, suspension of the revoked, and the audit trail. The real
servers' half is tests/integration/test_review.py."""
import base64
import csv
import email
import email.policy
import io
import json
import os
import re
import shutil
import subprocess

from clitest import Db, golden, tmpdir
from taplib import run_tests

NOW = "2026-11-24T12:00:00Z"
LATER = "2026-11-26T09:00:00Z"
DUE = "2026-12-10"
ID = "20261124-120000"
CONTACTS = """\ufeffaccount,unit,manager,alternate\r
user00@example.org,Tài chính,boss@example.org,\r
user01@example.org,Tài chính,boss@example.org,\r
user02@example.org,Tài chính,deputy@example.org,\r
user03@example.org,Tài chính,boss@example.org,\r
user04@example.org,Lab,prof@example.org,\r
user05@example.org,Lab,,\r
"""
UNITS = "unit,reviewer,name\nLab,Lab-Head@example.org,Trưởng phòng Lab\n"
COLS = ["campaign", "unit", "sheet_key", "account", "status", "last_login",
        "last_send", "idle_days", "decision", "reason", "reviewer"]


def review_db(name, extra=""):
    """Eight accounts synced in mid-2025: Tài chính (four, managers boss
    three times and deputy once), Lab (two, reviewer from units_file),
    and two in no unit (the domain stands for it; no manager, no admin
    address: no reviewer). user00 logged in last week, user03 in June
    2025; the rest never."""
    db = Db(name)
    with open(db.conf, "w") as f:
        f.write(f"deny_file = {db.path('deny')}\n"
                f"sendmail = {db.path('sendmail.sh')}\n"
                f"report_dir = {db.path('reports')}\n"
                f"contacts_file = {db.path('contacts.csv')}\n"
                f"units_file = {db.path('units.csv')}\n"
                "notice_from = it@example.org\n"
                "max_suspend_fraction = 100%\n" + extra)
    db.write("sendmail.sh", "#!/bin/sh\n"
             f"n=$(ls {db.dir}/mail.* 2>/dev/null | wc -l)\n"
             f"printf '%s\\n' \"$@\" > {db.dir}/argv.$n\n"
             f"cat > {db.dir}/mail.$n\n")
    os.chmod(db.path("sendmail.sh"), 0o755)
    db.write("contacts.csv", CONTACTS)
    db.write("units.csv", UNITS)
    db.write("users", "".join(f"user{i:02d}@example.org\n" for i in range(8)))
    db.run("sync", "--file", db.path("users"), now="2025-06-01T00:00:00Z", check=0)
    db.write("old.log",
             "2025-06-01T00:00:00Z mx dovecot: imap-login: Login: "
             "user=<user03@example.org>, method=PLAIN, rip=192.0.2.1\n"
             "2026-11-20T08:00:00Z mx dovecot: imap-login: Login: "
             "user=<user00@example.org>, method=PLAIN, rip=192.0.2.1\n")
    db.run("import-log", db.path("old.log"), check=0)
    return db


def read(path):
    with open(path, "rb") as f:
        return f.read()


def mails(db):
    out = []
    n = 0
    while os.path.exists(db.path(f"mail.{n}")):
        out.append(email.message_from_bytes(read(db.path(f"mail.{n}")),
                                            policy=email.policy.default))
        n += 1
    return out


def sheet_dir(db, cid=ID):
    return db.path(f"reports/review-{cid}")


def sheet_path(db, unit_stem, ext="csv", cid=ID):
    d = sheet_dir(db, cid)
    names = [n for n in os.listdir(d) if n.endswith("." + ext) and unit_stem in n]
    assert len(names) == 1, (unit_stem, os.listdir(d))
    return os.path.join(d, names[0])


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_rows(path, table, delimiter=",", encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return path


def fill(db, unit_stem, decisions, name, **kw):
    """The unit's sheet with decisions {account: (decision, reason)} filled
    in by reviewer name, saved as the file name (in db's directory)."""
    table = rows(sheet_path(db, unit_stem))
    for r in table[1:]:
        if r[3] in decisions:
            r[8], r[9] = decisions[r[3]]
            r[10] = "Nguyễn Thị Lan"
    return write_rows(db.path(name), table, **kw)


def audit(db, now=LATER):
    return [json.loads(line) for line in
            db.out("audit", "--format", "json", now=now).splitlines()]


def started(name, extra=""):
    db = review_db(name, extra)
    db.run("review", "start", "--due", DUE, "--apply", now=NOW, check=0)
    return db


def test_dry_run_lists_units_and_writes_nothing():
    db = review_db("dry")
    before = read(db.path("data.mdb"))
    rc, out, err = db.run("review", "start", "--due", DUE, now=NOW)
    out = out.decode()
    assert rc == 0, (rc, out, err)
    assert f"would start campaign {ID} due {DUE}: 3 units, 8 accounts" in out, out
    assert ("Tài chính  4 accounts (1 dormant, 2 never used)  reviewer "
            "boss@example.org (manager)") in out, out
    assert "Lab  2 accounts" in out and "lab-head@example.org (units_file)" in out, out
    assert "example.org  2 accounts" in out and "reviewer none (no reviewer" in out, out
    assert "1 units without a reviewer" in out, out
    assert "dry run: nothing written" in out, out
    assert read(db.path("data.mdb")) == before
    assert not os.path.exists(db.path("reports")) and mails(db) == []


def test_start_writes_sheets_mails_reviewers_and_audits():
    db = started("start")
    files = sorted(os.listdir(sheet_dir(db)))
    assert files == ["unit-0000-Lab.csv", "unit-0000-Lab.html",
                     "unit-0001-T__i_ch__nh.csv", "unit-0001-T__i_ch__nh.html",
                     "unit-0002-example.org.csv", "unit-0002-example.org.html"], files
    for f in files:
        assert os.stat(os.path.join(sheet_dir(db), f)).st_mode & 0o777 == 0o640, f
    got = mails(db)
    # one mail per unit with a reviewer; none for the unit without one
    assert sorted(m["To"] for m in got) == ["boss@example.org",
                                            "lab-head@example.org"], [m["To"] for m in got]
    m = next(m for m in got if m["To"] == "boss@example.org")
    assert m["From"] == "it@example.org" and m["Auto-Submitted"] == "auto-generated"
    assert m["Subject"] == f"Account review of unit Tài chính (due {DUE})", m["Subject"]
    raw = next(read(db.path(f"mail.{i}")) for i in range(2)
               if b"To: boss@example.org" in read(db.path(f"mail.{i}")))
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii() and b"=?UTF-8?B?" in head, head   # RFC 2047, no 8-bit header
    assert m.get_content_type() == "multipart/mixed"
    parts = {p.get_filename(): p.get_payload(decode=True) for p in m.iter_attachments()}
    assert parts == {"unit-0001-T__i_ch__nh.csv": read(sheet_path(db, "T__i", "csv")),
                     "unit-0001-T__i_ch__nh.html": read(sheet_path(db, "T__i", "html"))}
    body = next(m.iter_parts()).get_content()
    assert "unit Tài chính (4 accounts, 4 without a decision) by 2026-12-10" in body
    argv = read(db.path("argv.0")).decode().split()
    assert argv == ["-t", "-oi"], argv
    # dormant and never-used first, the longest idle first, the key in every row
    table = rows(sheet_path(db, "T__i"))
    assert table[0] == COLS
    assert [r[3] for r in table[1:]] == ["user03@example.org", "user01@example.org",
                                         "user02@example.org", "user00@example.org"]
    assert len({r[2] for r in table[1:]}) == 1 and re.fullmatch("[0-9a-f]{32}", table[1][2])
    keys = {rows(sheet_path(db, u))[1][2] for u in ("Lab", "T__i", "example.org")}
    assert len(keys) == 3, "units share a sheet key"
    entries = [e for e in audit(db) if e["action"] == "review-start"]
    assert len(entries) == 1 and entries[0]["due"] == "2026-12-10T23:59:59Z", entries
    # one campaign at a time
    rc, _, err = db.run("review", "start", "--due", "2026-12-20", "--apply", now=LATER)
    assert rc == 1 and f"campaign {ID} is still open" in err, (rc, err)


def test_golden_english_sheets():
    db = started("golden")
    for ext in ("csv", "html"):
        data = read(sheet_path(db, "T__i", ext))
        key = rows(sheet_path(db, "T__i"))[1][2].encode()
        golden(f"review-sheet.{ext}", data.replace(key, b"K" * 32))


def test_html_sheet_is_escaped_and_has_no_script():
    db = review_db("html-hostile")
    with open(db.path("contacts.csv"), "a") as f:
        f.write('user06@example.org,"<script>alert(1)</script>",,\r\n')
    db.run("sync", "--file", db.path("users"), now="2025-06-02T00:00:00Z", check=0)
    db.run("review", "start", "--due", DUE, "--apply", now=NOW, check=0)
    html = read(sheet_path(db, "_script_alert_1___script", "html"))
    assert b"<script" not in html and b"&lt;script&gt;" in html, html[:400]
    assert b"http://" not in html and b"https://" not in html


def test_unit_filter():
    db = review_db("filter")
    out = db.out("review", "start", "--due", DUE, "--unit", "Lab", now=NOW)
    assert "1 units, 2 accounts" in out, out
    rc, _, err = db.run("review", "start", "--due", DUE, "--unit", "Nowhere", now=NOW)
    assert rc == 2 and "--unit Nowhere: no account" in err, (rc, err)


def test_bad_units_file_is_an_error_with_its_line():
    db = review_db("badunits")
    db.write("units.csv", "unit,reviewer\nLab,lab@example.org\nKho,not an address\n")
    rc, _, err = db.run("review", "start", "--due", DUE, "--apply", now=NOW)
    assert rc == 2 and f"{db.path('units.csv')}:3: reviewer" in err, (rc, err)
    assert not os.path.exists(db.path("reports")) and mails(db) == []


def test_usage_errors():
    db = review_db("usage")
    for args, msg in ((["start"], "needs --due"),
                      (["start", "--due", "2026-13-01"], "not a date"),
                      (["start", "--due", "2026-11-23"], "that day is over"),
                      (["nothing"], "unknown subcommand"),
                      (["status", "--format", "xml"], "xml")):
        rc, _, err = db.run("review", *args, now=NOW)
        assert rc == 2 and msg in err, (args, rc, err)
    rc, _, err = db.run("review", "import", db.path("users"), now=NOW)
    assert rc == 1 and "no review campaign" in err, (rc, err)


def test_import_applies_keep_and_revoke_and_audits_the_reviewer():
    db = started("import")
    sheet = fill(db, "T__i", {"user00@example.org": ("keep", "Kế toán trưởng"),
                              "user01@example.org": ("Revoke", "")}, "back.csv")
    rc, out, err = db.run("review", "import", sheet, now=LATER)
    assert rc == 0 and "would apply 1 keep, 1 revoke" in out.decode(), (rc, out, err)
    assert "exempt" not in db.out("show", "user00@example.org", now=LATER)
    rc, out, err = db.run("review", "import", sheet, "--apply", now=LATER)
    assert rc == 0 and "1 keep, 1 revoke, 0 unchanged, 2 undecided" in out.decode(), \
        (rc, out, err)
    exempt = db.out("exempt", "list", "--format", "json", now=LATER)
    e = json.loads(exempt)
    assert [x["account"] for x in e] == ["user00@example.org"], e
    assert e[0]["reason"] == f"review {ID}: Kế toán trưởng" and e[0]["until"] is None, e
    assert e[0]["actor"] == "Nguyễn Thị Lan", e
    entries = [x for x in audit(db) if x["action"] in ("exempt", "review-revoke")]
    assert [(x["action"], x["account"], x["reviewer"]) for x in entries] == [
        ("exempt", "user00@example.org", "Nguyễn Thị Lan"),
        ("review-revoke", "user01@example.org", "Nguyễn Thị Lan")], entries
    # importing the same sheet again changes nothing
    out = db.out("review", "import", sheet, "--apply", now=LATER)
    assert "0 keep, 0 revoke, 2 unchanged" in out, out
    assert len(audit(db)) == len(audit(db, now=LATER))
    st = json.loads(db.out("review", "status", "--format", "json", now=LATER))
    fin = next(x for x in st if x["unit"] == "Tài chính")
    assert (fin["kept"], fin["revoked"], fin["undecided"], fin["sheets"]) == (1, 1, 2, 2), fin
    assert fin["days_left"] == 14 and fin["last_answer"] == LATER, fin


def test_keep_until_date():
    db = started("keepuntil")
    sheet = fill(db, "Lab", {"user04@example.org": ("keep", "on leave")}, "lab.csv")
    db.run("review", "import", "--keep-until", "2027-03-01", sheet, "--apply",
           now=LATER, check=0)
    e = json.loads(db.out("exempt", "list", "--format", "json", now=LATER))
    assert e[0]["until"] == "2027-03-01T23:59:59Z", e


def refused(db, path, message, now=LATER):
    before = read(db.path("data.mdb"))
    rc, out, err = db.run("review", "import", path, "--apply", now=now)
    assert rc == 1 and message in err and "1 keep" not in out.decode(), (rc, out, err)
    assert read(db.path("data.mdb")) == before, "a refused sheet changed the database"


def test_hostile_sheets_are_refused_whole():
    db = started("hostile")
    good = {"user01@example.org": ("revoke", ""), "user00@example.org": ("keep", "x")}
    # a key changed by hand
    t = rows(fill(db, "T__i", good, "t.csv"))
    for r in t[1:]:
        r[2] = "0" * 32
    refused(db, write_rows(db.path("tampered.csv"), t),
            "the sheet key is not unit Tài chính's")
    # Lab's sheet deciding for a Tài chính account
    t = rows(sheet_path(db, "Lab"))
    t.append(t[1][:3] + ["user01@example.org", "never-used", "", "", "1", "revoke", "", "x"])
    refused(db, write_rows(db.path("other-unit.csv"), t),
            "user01@example.org is not on unit Lab's list")
    # a unit name changed to another unit's, with its own key
    t = rows(fill(db, "Lab", {"user04@example.org": ("revoke", "")}, "l.csv"))
    for r in t[1:]:
        r[1] = "Tài chính"
    refused(db, write_rows(db.path("renamed.csv"), t), "the sheet key is not unit")
    # keep without a reason: nothing of the sheet, not even the revoke
    refused(db, fill(db, "T__i", {"user01@example.org": ("revoke", ""),
                                  "user00@example.org": ("keep", "")}, "noreason.csv"),
            "noreason.csv:5: keep needs a reason")
    refused(db, fill(db, "T__i", {"user01@example.org": ("delete", "")}, "bad.csv"),
            "bad.csv:3: unknown decision 'delete'")
    # saved in the Windows code page, not UTF-8
    t = rows(fill(db, "T__i", {"user00@example.org": ("keep", "Café für Müller")},
                  "u.csv"))
    for r in t[1:]:
        r[1] = "Unit"        # the Windows code page has no Vietnamese letters
        r[10] = "Lan"
    refused(db, write_rows(db.path("cp1252.csv"), t, encoding="cp1252"),
            "not UTF-8: save the sheet as \"CSV UTF-8\"")
    binary = db.write("binary.csv", read(sheet_path(db, "Lab")) + b"\x00\x01\x02")
    refused(db, binary, "a NUL byte")
    # a good sheet beside the bad ones is applied; the exit says some were refused
    ok = fill(db, "T__i", good, "ok.csv", delimiter=";")
    rc, out, err = db.run("review", "import", db.path("bad.csv"), ok, "--apply", now=LATER)
    assert rc == 1 and "1 keep, 1 revoke" in out.decode(), (rc, out, err)


def test_status_text_and_csv():
    db = started("status")
    out = db.out("review", "status", now=LATER)
    assert out.startswith(f"campaign {ID} (open), due {DUE}, 14 days left: 3 units, "
                          "8 accounts\n"), out
    assert "(no reviewer)" in out, out
    csv_out = db.out("review", "status", "--format", "csv", now="2026-12-12T08:00:00Z")
    lines = csv_out.splitlines()
    assert lines[0] == ("unit,reviewer,accounts,kept,revoked,undecided,sheets,"
                        "last_answer,days_left"), lines
    assert lines[1] == "Lab,lab-head@example.org,2,0,0,2,0,,-2", lines


def test_remind_once_a_day_only_the_undecided():
    db = started("remind")
    db.run("review", "import", fill(db, "Lab", {"user04@example.org": ("revoke", ""),
                                                "user05@example.org": ("keep", "y")},
                                    "lab.csv"), "--apply", now=LATER, check=0)
    n = len(mails(db))
    out = db.out("review", "remind", now=LATER)
    assert "would remind boss@example.org for unit Tài chính: 4 undecided" in out, out
    assert "Lab" not in out and "example.org: 2 undecided, no reviewer" in out, out
    assert len(mails(db)) == n
    db.out("review", "remind", "--apply", now=LATER)
    got = mails(db)[n:]
    assert [m["To"] for m in got] == ["boss@example.org"], got
    assert got[0]["Subject"].startswith("Reminder: Account review of unit Tài chính")
    assert len(list(got[0].iter_attachments())) == 2
    out = db.out("review", "remind", "--apply", now="2026-11-26T18:00:00Z")
    assert "reminded today already" in out and len(mails(db)) == n + 1, out
    db.out("review", "remind", "--apply", now="2026-11-27T08:00:00Z")
    assert len(mails(db)) == n + 2
    r = [e for e in audit(db, now="2026-11-28T00:00:00Z") if e["action"] == "review-remind"]
    assert len(r) == 2 and r[0]["reviewer"] == "boss@example.org", r


def test_close_default_revokes_never_used_then_suspend():
    db = started("close", extra="review_default = revoke-never-used\n")
    db.run("review", "import", fill(db, "T__i", {"user02@example.org": ("keep", "new hire"),
                                                 "user03@example.org": ("revoke", "")},
                                    "fin.csv"), "--apply", now=LATER, check=0)
    rc, _, err = db.run("review", "close", "--apply", now=LATER)
    assert rc == 1 and "it closes on or after that day" in err, (rc, err)
    out = db.out("review", "close", now="2026-12-10T08:00:00Z")
    assert "would revoke user01@example.org (never used" in out, out
    assert "user02" not in out and "user00" not in out, out
    out = db.out("review", "close", "--apply", now="2026-12-10T08:00:00Z")
    assert f"campaign {ID} closed" in out, out
    # never used and undecided: user01, user05, user06, user07 (user04 too)
    revoked = sorted(e["account"] for e in audit(db, now="2026-12-11T00:00:00Z")
                     if e["action"] == "review-default-revoke")
    assert revoked == ["user01@example.org", "user04@example.org", "user05@example.org",
                       "user06@example.org", "user07@example.org"], revoked
    rc, _, err = db.run("review", "import", db.path("fin.csv"), now="2026-12-11T00:00:00Z")
    assert rc == 1 and "is closed" in err, (rc, err)
    # suspend takes the revoked, not the kept, and says why
    out = db.out("suspend", now="2026-12-11T00:00:00Z")
    assert (f"user03@example.org  dormant, idle 558 days, last login "
            f"2025-06-01T00:00:00Z, revoked by review {ID} (Nguyễn Thị Lan)") in out, out
    assert "user02" not in out and "user00" not in out, out
    db.out("suspend", "--apply", now="2026-12-11T00:00:00Z")
    deny = read(db.path("deny")).decode().splitlines()[1:]
    assert deny == ["user01@example.org", "user03@example.org", "user04@example.org",
                    "user05@example.org", "user06@example.org", "user07@example.org"], deny
    s = [e for e in audit(db, now="2026-12-12T00:00:00Z") if e["action"] == "suspend"]
    assert any(e["account"] == "user03@example.org" and
               e["reason"] == f"revoked by review {ID} (Nguyễn Thị Lan)" for e in s), s
    # reactivated, it stays active: the revoke has done its work
    db.out("reactivate", "user03@example.org", now="2026-12-12T00:00:00Z")
    out = db.out("suspend", now="2026-12-13T00:00:00Z")
    assert "user03" not in out, out


def test_revoked_exempt_account_is_not_suspended():
    db = started("exemptwins")
    db.run("review", "import", fill(db, "T__i", {"user00@example.org": ("revoke", "")},
                                    "f.csv"), "--apply", now=LATER, check=0)
    db.out("exempt", "add", "user00@example.org", "--reason", "director", now=LATER)
    out = db.out("suspend", now=LATER)
    assert "user00" not in out, out


def test_next_campaign_ends_review_keeps_and_refuses_old_sheets():
    db = started("next")
    old = fill(db, "T__i", {"user00@example.org": ("keep", "in use")}, "old.csv")
    db.run("review", "import", old, "--apply", now=LATER, check=0)
    db.run("review", "close", "--apply", "--force", now=LATER, check=0)
    # an admin's own exemption is no review's, whatever its reason says
    db.out("exempt", "add", "user04@example.org", "--reason", "review pending",
           now=LATER)
    out = db.out("review", "start", "--due", "2027-06-01", "--apply",
                 now="2027-05-01T00:00:00Z")
    assert "campaign 20270501-000000" in out, out
    left = db.out("exempt", "list", now="2027-05-01T00:00:01Z")
    assert "user04@example.org" in left and "user00" not in left, left
    un = [e for e in audit(db, now="2027-05-02T00:00:00Z") if e["action"] == "unexempt"]
    assert [e["account"] for e in un] == ["user00@example.org"], un
    # the frozen status is the account's own, not the old keep's
    t = rows(sheet_path(db, "T__i", cid="20270501-000000"))
    assert any(r[3] == "user00@example.org" and r[4] != "exempt" for r in t[1:]), t
    rc, _, err = db.run("review", "import", old, now="2027-05-02T00:00:00Z")
    assert rc == 1 and f"a sheet of campaign {ID}, not of the open campaign" in err, err


def test_hostile_review_records_are_skipped():
    """Revoked records planted by whoever writes the database (mdb_load, a
    real LMDB writer): a key with a control byte and a record that does
    not decode are reported and never suspended."""
    db = started("planted")
    for key, value in ((b"Ruser0\n1@example.org",
                        b"\x01" + b"\x00" * 15 + b"\x0f" + ID.encode() + b"\x01x"),
                       (b"Ruser00@example.org", b"\x09garbage")):
        payload = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
                   f" {key.hex()}\n {value.hex()}\nDATA=END\n")
        subprocess.run(["mdb_load", "-s", "review", db.dir], input=payload.encode(),
                       check=True)
    rc, out, err = db.run("suspend", now=LATER)
    assert b"user0\\n1" not in out and b"user00" not in out, out
    assert err.count("not considered") == 2, err
    assert "\n1@example" not in err, err


def test_sheet_renders_in_headless_chromium():
    render_in_chromium(sheet_path(started("render"), "T__i", "html"), "review-chromium")


def render_in_chromium(html, name):
    """The sheet printed to PDF and shot as PNG by headless Chromium;
    returns the PDF's bytes."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        from taplib import Skip
        raise Skip("no chromium")
    d = tmpdir(name)
    pdf = os.path.join(d, "sheet.pdf")
    p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", f"--user-data-dir={d}/profile",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                        "file://" + html], capture_output=True, timeout=120)
    assert p.returncode == 0 and os.path.exists(pdf), p.stderr[-2000:]
    data = read(pdf)
    assert data.startswith(b"%PDF-") and len(data) > 3000, len(data)
    png = os.path.join(d, "sheet.png")
    p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", f"--user-data-dir={d}/profile",
                        "--window-size=1000,800", f"--screenshot={png}",
                        "file://" + html], capture_output=True, timeout=120)
    assert p.returncode == 0 and os.path.getsize(png) > 10000, p.stderr[-2000:]
    return data


if __name__ == "__main__":
    run_tests(globals())
