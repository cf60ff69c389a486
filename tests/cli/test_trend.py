#!/usr/bin/env python3
"""The trend (issue 15) and the units in the reports.

- sync records the current month's counts in the history database, a
  later sync of the same month replacing the point; dormant trend shows
  the months in text (with one sentence), CSV and JSON, and per unit;
- read-only commands never write history (nor anything: data.mdb stays
  byte for byte): only sync records a month, the report in every format
  and month only reads;
- the report carries the trend (text, HTML, JSON "trend") and, when some
  account has a unit contact, a per-unit summary (text, HTML; JSON
  by_unit always, units_are_domains otherwise);
- a history record or key planted by whoever can write the database is
  reported and left out, the rest of the trend stands;
- metrics: per-unit gauges, label values escaped, at most
  metrics_max_units series of units, the rest in "others".
"""
import csv
import io
import json
import os
import struct

from clitest import Db
from taplib import run_tests
from test_hostile_db import dump, plant
from test_suspend import cycle_db, read

LOGIN = ("{t} mx dovecot: imap-login: Login: user=<{u}>, method=PLAIN, "
         "rip=192.0.2.1, lip=192.0.2.254, mpid=1, session=<s>\n")


def trend_db(name, extra_config=""):
    """Five accounts synced a year before NOW, never used: dormant from
    September on; then two of them log in, in October and in November."""
    db = cycle_db(name, n=5, extra_config=extra_config)
    db.run("sync", "--file", db.path("users"), now="2026-09-15T00:00:00Z", check=0)
    db.write("oct.log", LOGIN.format(t="2026-10-10T08:00:00Z", u="user01@example.org"))
    db.run("import-log", db.path("oct.log"), check=0)
    db.run("sync", "--file", db.path("users"), now="2026-10-31T23:00:00Z", check=0)
    db.write("nov.log", LOGIN.format(t="2026-11-20T08:00:00Z", u="user02@example.org"))
    db.run("import-log", db.path("nov.log"), check=0)
    return db


def trend_rows(db, *args, **kw):
    out = db.out("trend", "--format", "csv", *args, **kw)
    return list(csv.DictReader(io.StringIO(out)))


def test_sync_records_the_month_and_the_trend_shows_the_change():
    db = trend_db("months")
    before = trend_rows(db)
    assert [r["month"] for r in before] == ["2025-06", "2026-09", "2026-10"], before
    db.run("sync", "--file", db.path("users"), now="2026-11-02T00:00:00Z", check=0)
    db.run("sync", "--file", db.path("users"), check=0)        # NOW, 11-24
    rows = trend_rows(db)
    # one point a month: the month's latest sync replaced the earlier one
    assert [r["month"] for r in rows] == ["2025-06", "2026-09", "2026-10",
                                          "2026-11"], rows
    assert rows[-1]["recorded"] == "2026-11-24T12:00:00Z", rows[-1]
    # 4 never-used in September (user00 logged in a year before: dormant)
    sep, oct_, nov = rows[1], rows[2], rows[3]
    assert (sep["total"], sep["dormant"], sep["never_used"]) == ("5", "1", "4"), sep
    assert (oct_["dormant"], oct_["never_used"], oct_["never_used_change"]) == \
        ("1", "3", "-1"), oct_
    assert (nov["never_used"], nov["never_used_change"], nov["dormant_change"]) == \
        ("2", "-1", "0"), nov
    assert rows[0]["total_change"] == "" and rows[0]["dormant_change"] == ""
    text = db.out("trend")
    assert "Dormant accounts" in text and text.splitlines()[0].startswith("MONTH")
    data = json.loads(db.out("trend", "--format", "json", "--months", "2"))
    assert [p["month"] for p in data] == ["2026-10", "2026-11"], data
    assert data[0]["dormant_change"] is None and data[1]["never_used_change"] == -1
    # the sentence: fell, rose, unchanged, since the first month shown
    db.run("exempt", "add", "user00@example.org", "--reason", "archive", check=0)
    db.run("sync", "--file", db.path("users"), check=0)
    assert "Dormant accounts fell from 1 to 0 since 2026-09." in \
        db.out("trend", "--months", "3"), db.out("trend")
    assert "Dormant accounts unchanged at 1 since 2026-09." in \
        db.out("trend", "--months", "2", now="2026-10-31T23:30:00Z")


def test_trend_before_any_month_and_usage_errors():
    db = Db("empty")
    db.write("old.log", LOGIN.format(t="2026-10-10T08:00:00Z", u="a@example.org"))
    db.run("import-log", db.path("old.log"), check=0)     # no sync yet
    rc, out, err = db.run("trend")
    assert rc == 0 and b"No month recorded yet" in out, (rc, out, err)
    assert db.out("trend", "--format", "json") == "[\n]\n" or \
        json.loads(db.out("trend", "--format", "json")) == []
    for bad in (["--months", "0"], ["--months", "1201"], ["--months", "x"],
                ["--format", "xml"], ["extra"]):
        assert db.run("trend", *bad)[0] == 2, bad


def test_read_only_commands_never_write_history():
    db = trend_db("ro")
    with open(db.conf, "a") as f:
        f.write(f"report_dir = {db.path('reports')}\n")
    readonly = [["list"], ["list", "--format", "json"], ["show", "user01@example.org"],
                ["trend"], ["trend", "--format", "json"], ["trend", "--format", "csv"],
                ["trend", "--unit", "example.org", "--months", "1200"],
                ["metrics"], ["metrics", "-o", db.path("dormant.prom")],
                ["report"], ["report", "--format", "json"],
                ["report", "--format", "html", "-o", db.path("r.html")],
                ["report", "--format", "csv"], ["report", "--month", "2026-10"],
                ["report", "--month", "2026-10", "--format", "json"],
                ["report", "--month", "2026-10", "--format", "html"],
                ["report", "--monthly"],
                ["audit"], ["exempt", "list"], ["check"], ["notify"],
                ["suspend"], ["alerts"],
                ["review", "status"], ["review", "report"],
                ["review", "report", "--format", "json"],
                ["review", "close", "--if-due"],
                ["import-log", "--dry-run", db.path("nov.log")],
                ["export", "-o", db.path("snap.gz")]]
    data = read(db.path("data.mdb"))
    history = dump(db, "history")
    assert sorted(history) == [b"2025-06", b"2026-09", b"2026-10"], history
    for args in readonly:
        rc = db.run(*args)[0]
        assert rc in (0, 1), (args, rc)      # ran (1: a dry run's findings)
        assert read(db.path("data.mdb")) == data, f"{args} wrote the database"
    assert os.path.exists(db.path("reports/dormant-2026-10.html"))
    assert dump(db, "history") == history
    # nor does a report create a database where there is none
    empty = Db("ro-empty")                  # a directory, no database yet
    for fmt in ("text", "json", "html"):
        rc, _, err = empty.run("report", "--format", fmt)
        assert rc == 3 and "no database here yet" in err, (fmt, rc, err)
        assert not os.path.exists(empty.path("data.mdb")), fmt


def test_the_report_carries_the_trend():
    db = trend_db("report")
    # the report shows what sync recorded; this month's point is sync's
    data = json.loads(db.out("report", "--format", "json"))
    assert [p["month"] for p in data["trend"]] == ["2025-06", "2026-09", "2026-10"], \
        data["trend"]
    db.run("sync", "--file", db.path("users"), check=0)
    data = json.loads(db.out("report", "--format", "json"))
    assert [p["month"] for p in data["trend"]] == ["2025-06", "2026-09", "2026-10",
                                                   "2026-11"], data["trend"]
    assert data["trend"][-1]["never_used"] == 2
    # a past month's report ends its trend with that month, records nothing
    data = json.loads(db.out("report", "--format", "json", "--month", "2026-09"))
    assert [p["month"] for p in data["trend"]] == ["2025-06", "2026-09"]
    text = db.out("report")
    assert "trend by month (4)" in text and "Dormant accounts" in text, text
    html = db.out("report", "--format", "html")
    assert "<h2>Trend by month</h2>" in html and "<td>2026-10</td>" in html
    # the last 12 months present, not 12 calendar months
    for m in range(1, 13):
        db.run("sync", "--file", db.path("users"), now=f"2024-{m:02d}-28T00:00:00Z",
               check=0)
    data = json.loads(db.out("report", "--format", "json"))
    assert len(data["trend"]) == 12 and data["trend"][0]["month"] == "2024-05", \
        [p["month"] for p in data["trend"]]


CONTACTS = ("account,unit,manager,alternate\n"
            "user00@example.org,Sở Tài chính,,\n"
            "user01@example.org,Sở Tài chính,,\n"
            "user02@example.org,\"Unit \"\"Q\"\" \\ 7\",,\n")


def test_units_in_the_report_only_when_some_account_has_one():
    db = trend_db("units")
    text = db.out("report")
    assert "DOMAIN" in text and "UNIT" not in text, text
    assert "example.org" == json.loads(db.out("list", "--format", "json"))[0]["unit"]
    data = json.loads(db.out("report", "--format", "json"))
    assert data["units_are_domains"] is True
    assert [u["unit"] for u in data["by_unit"]] == ["example.org"], data["by_unit"]
    assert "By unit" not in db.out("report", "--format", "html")
    db.write("contacts.csv", CONTACTS)
    with open(db.conf, "a") as f:
        f.write(f"contacts_file = {db.path('contacts.csv')}\n")
    db.run("sync", "--file", db.path("users"), check=0)
    text = db.out("report")
    assert "\nUNIT " in text and "Sở Tài chính" in text, text
    data = json.loads(db.out("report", "--format", "json"))
    assert data["units_are_domains"] is False
    units = {u["unit"]: u["counts"] for u in data["by_unit"]}
    assert units["Sở Tài chính"]["total"] == 2 and \
        units['Unit "Q" \\ 7']["total"] == 1 and units["example.org"]["total"] == 2, units
    html = db.out("report", "--format", "html")
    assert "<h2>By unit</h2>" in html and "Unit &quot;Q&quot;" in html
    # list and show: the unit in JSON, the CSV columns as they were
    rows = {r["account"]: r for r in json.loads(db.out("list", "--format", "json"))}
    assert rows["user00@example.org"]["unit"] == "Sở Tài chính", rows
    assert rows["user04@example.org"]["unit"] == "example.org", rows
    header = db.out("list", "--format", "csv").splitlines()[0]
    assert header == ("account,status,idle_days,last_login,login_service,login_ip,"
                      "last_send,send_ip,last_receive,first_seen"), header
    assert db.out("report", "--format", "csv").splitlines()[0] == header + ",domain"
    report_rows = json.loads(db.out("report", "--format", "json"))["accounts"]
    assert {r["account"]: r["unit"] for r in report_rows}["user02@example.org"] == \
        'Unit "Q" \\ 7'
    out = db.out("list", "--unit", "Sở Tài chính", "--format", "csv")
    assert [l.split(",")[0] for l in out.splitlines()[1:]] == [
        "user00@example.org", "user01@example.org"], out
    show = json.loads(db.out("show", "user00@example.org", "--format", "json"))
    assert show["unit"] == "Sở Tài chính" and show["domain"] == "example.org"
    show = json.loads(db.out("show", "user04@example.org", "--format", "json"))
    assert show["unit"] == "example.org", show      # no contact: the domain
    # the history keeps the units: the trend of one
    rows = trend_rows(db, "--unit", "Sở Tài chính")
    assert [r["month"] for r in rows] == ["2026-11"] and rows[0]["total"] == "2", rows
    rows = trend_rows(db, "--unit", "example.org")
    assert [r["total"] for r in rows] == ["5", "5", "5", "2"], rows


def test_metrics_per_unit_escaped_and_bounded():
    db = trend_db("metrics")
    assert "dormant_unit_accounts" not in db.out("metrics")     # units = domains
    db.write("contacts.csv", CONTACTS)
    with open(db.conf, "a") as f:
        f.write(f"contacts_file = {db.path('contacts.csv')}\n")
    db.run("sync", "--file", db.path("users"), check=0)
    out = db.out("metrics")
    # the label value: backslash and double quote escaped, UTF-8 kept
    # (text_safe's \\x5c for the backslash, as domains get it)
    assert 'dormant_unit_accounts{unit="Unit \\"Q\\" \\\\x5c 7",status="active"} 1' \
        in out, out
    assert 'dormant_unit_accounts{unit="Sở Tài chính",status="active"} 1' in out, out
    assert 'dormant_unit_accounts_others{status="active"} 0' in out, out
    assert "dormant_units 3" in out, out
    series = [l.rsplit(" ", 1)[0] for l in out.splitlines() if not l.startswith("#")]
    assert len(series) == len(set(series)), "a series printed twice"
    # bounded: the two largest units keep their series, the third is summed
    with open(db.conf, "a") as f:
        f.write("metrics_max_units = 2\n")
    out = db.out("metrics")
    assert 'unit="Unit' not in out and 'unit="example.org"' in out, out
    assert 'dormant_unit_accounts_others{status="active"} 1' in out, out
    for bad in ("-1", "10001", "x"):
        with open(db.conf, "a") as f:
            f.write(f"metrics_max_units = {bad}\n")
        rc, _, err = db.run("metrics")
        assert rc == 2 and "metrics_max_units" in err, (bad, rc, err)
        with open(db.conf) as f:
            lines = f.read().splitlines()[:-1]
        with open(db.conf, "w") as f:
            f.write("\n".join(lines) + "\n")


def test_hostile_unit_names_are_escaped_in_every_output():
    """Unit contacts are the mail uid's to plant (any byte from 0x20 on,
    up to 320): every output prints them escaped, JSON stays valid."""
    db = trend_db("hostile-units")
    units = [b"\xff\xfe bad <b>\"x\"</b>", b"evil\xe2\x80\xaegro", b"A" * 320,
             b"\xc3\x28 \\ ,;\xc2\x85"]
    db.write("contacts.csv", b"account,unit,manager,alternate\n" + b"".join(
        b"user0%d@example.org,\"%s\",,\n" % (i, u.replace(b'"', b'""'))
        for i, u in enumerate(units)))
    with open(db.conf, "a") as f:
        f.write(f"contacts_file = {db.path('contacts.csv')}\n")
    db.run("sync", "--file", db.path("users"), check=0)
    data = json.loads(db.run("report", "--format", "json", check=0)[1].decode("utf-8"))
    assert data["units_are_domains"] is False
    assert sorted(u["unit"] for u in data["by_unit"]) == sorted([
        "A" * 320, "evil\u202egro", "example.org", "\ufffd( \\ ,;\x85",
        '\ufffd\ufffd bad <b>"x"</b>']), data["by_unit"]
    text = db.run("report", check=0)[1]
    html = db.run("report", "--format", "html", check=0)[1]
    metrics = db.run("metrics", check=0)[1]
    for out in (text, html, metrics):
        out.decode("utf-8")                     # strict: no stray byte
        assert b"\xe2\x80\xae" not in out and b"\xc2\x85" not in out
    assert b"evil\\u202egro" in text and b"\\xff\\xfe bad" in text, text
    assert b"evil\\u202egro" in html and b"\\u0085" in html, html
    assert b"&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html and b"<b>\"x" not in html
    assert b'unit="evil\\\\u202egro"' in metrics, metrics
    assert b'unit="\\\\xff\\\\xfe bad <b>\\"x\\"</b>"' in metrics, metrics


def test_history_stays_on_its_host():
    """export/merge carry activity and the directory, not history: each
    host's counts are of its own accounts, and adding two hosts' counts
    would count twice the accounts both know."""
    db = trend_db("export")
    db.run("export", "-o", db.path("snap.gz"), check=0)
    other = Db("merged")
    other.run("merge", db.path("snap.gz"), check=0)
    assert dump(other, "history") == {}
    assert "No month recorded yet" in other.out("trend")


def test_a_planted_history_record_is_reported_and_skipped():
    db = trend_db("hostile")
    good = dump(db, "history")[b"2026-10"]
    plant(db, "history", b"2026-08", b"\x02" + good[1:])           # future version
    plant(db, "history", b"2026-07", good[:40])                    # truncated
    plant(db, "history", b"2026-06", good + b"x")                  # trailing
    plant(db, "history", b"2026-05", good[:2] + b"\xff\xff" + good[4:])  # units
    plant(db, "history", b"20\x1b[2J-1", good)                     # no month
    # times that are not the key's month: October's counts filed under
    # April, and a time from the far future
    plant(db, "history", b"2026-04", good)
    plant(db, "history", b"2026-03", good[:8] + struct.pack("<q", 1 << 62) + good[16:])
    rc, out, err = db.run("trend", "--format", "csv")
    assert rc == 1, (rc, out, err)
    months = [r["month"] for r in csv.DictReader(io.StringIO(out.decode()))]
    assert months == ["2025-06", "2026-09", "2026-10"], months
    assert "history 2026-08: history record written by a newer dormant" in err, err
    assert "history 2026-07: truncated history record" in err, err
    assert "history 2026-06: history record has trailing bytes" in err, err
    assert "history 2026-05: history record has too many units" in err, err
    assert "is no month" in err and "\x1b" not in err, err
    assert "history 2026-04: recorded at " in err and "outside its month" in err, err
    assert "history 2026-03: recorded at 4611686018427387904, outside" in err, err
    rc, out, err = db.run("report", "--format", "json")
    assert rc == 1 and "newer dormant" in err, (rc, err)
    assert [p["month"] for p in json.loads(out)["trend"]] == \
        ["2025-06", "2026-09", "2026-10"]


if __name__ == "__main__":
    run_tests(globals())
