#!/usr/bin/env python3
"""dormant review report, the report for the ministry (issue 15), and the
review timer's close --if-due.

- per unit: accounts, reviewed, kept, revoked (by the reviewer, by
  review_default), still open, sheets, last answer, a totals row and one
  sentence; the kept accounts with reason and reviewer, the revoked with
  who decided and whether they are suspended yet; in text, CSV (RFC 4180,
  formula-safe, a "row" column telling the totals apart), JSON and one
  self-contained HTML page, with a unit name chosen to break each of them;
- -o writes atomically, gzip for .gz; --campaign picks a campaign;
- the monthly report carries the campaign of its month (text, HTML, JSON
  "review"; null without one, or for a month before it started);
- close --if-due: exit 0 doing nothing until the due day is over or with
  no open campaign, then closes; without it, close still refuses before
  the due day.
"""
import csv
import gzip
import io
import json
import os
import re
import subprocess

from taplib import run_tests
from test_review import DUE, ID, LATER, NOW, CONTACTS, fill, read, review_db, rows, \
    sheet_dir, write_rows

HOSTILE = '=HYPERLINK("x")<b>&\u202e;'      # a formula, markup, a bidi control
CLOSE = "2026-12-10T08:00:00Z"


def hostile_sheet(db, decisions, name):
    """The hostile unit's sheet (found by its rows) filled in like fill()."""
    for f in os.listdir(sheet_dir(db)):
        if not f.endswith(".csv"):
            continue
        table = rows(os.path.join(sheet_dir(db), f))
        if table[1][1].lstrip("'") == HOSTILE:
            for r in table[1:]:
                if r[3] in decisions:
                    r[8], r[9] = decisions[r[3]]
                    r[10] = "Trần Văn B"
            return write_rows(db.path(name), table)
    raise AssertionError("no sheet of the hostile unit")


def campaign(name):
    """test_review's units plus user06 in a unit named to break every format:
    Tài chính keeps user00 and revokes user01 (user02 never used, user03
    dormant: open), the hostile unit revokes user06, Lab (two never-used)
    and example.org (user07) do not answer. review_default revokes the
    never-used at the close."""
    db = review_db(name, extra="review_default = revoke-never-used\n")
    hostile = '"' + HOSTILE.replace('"', '""') + '"'
    db.write("contacts.csv", CONTACTS + f"user06@example.org,{hostile},,\r\n")
    db.run("sync", "--file", db.path("users"), now=NOW, check=0)
    db.run("review", "start", "--due", DUE, "--apply", now=NOW, check=0)
    db.run("review", "import", fill(db, "T__i", {"user00@example.org": ("keep", "Kế toán trưởng"),
                                                 "user01@example.org": ("revoke", "")},
                                    "fin.csv"), "--apply", now=LATER, check=0)
    db.run("review", "import", hostile_sheet(db, {"user06@example.org": ("revoke", "")},
                                             "h.csv"), "--apply", now=LATER, check=0)
    return db


def by_unit(units):
    return {u["unit"]: u for u in units}


def test_report_of_an_open_campaign_in_every_format():
    db = campaign("open")
    data = json.loads(db.out("review", "report", "--format", "json", now=LATER))
    assert (data["campaign"], data["state"], data["due"], data["closed"]) == \
        (ID, "open", "2026-12-10T23:59:59Z", None), data
    u = by_unit(data["units"])
    assert sorted(u) == sorted([HOSTILE, "Lab", "Tài chính", "example.org"]), u
    fin = u["Tài chính"]
    assert (fin["accounts"], fin["reviewed"], fin["kept"], fin["revoked"],
            fin["revoked_by_reviewer"], fin["revoked_by_default"], fin["open"],
            fin["sheets"], fin["last_answer"]) == (4, 2, 1, 1, 1, 0, 2, 1, LATER), fin
    assert (u["Lab"]["open"], u["Lab"]["sheets"], u["Lab"]["last_answer"]) == \
        (2, 0, None), u["Lab"]
    assert u["example.org"]["reviewer"] is None, u["example.org"]
    assert (u[HOSTILE]["revoked"], u[HOSTILE]["open"]) == (1, 0), u[HOSTILE]
    t = data["totals"]
    assert (t["units"], t["units_answered"], t["accounts"], t["kept"], t["revoked"],
            t["open"], t["sheets"]) == (4, 2, 8, 1, 2, 5, 2), t
    assert data["kept"] == [{"unit": "Tài chính", "account": "user00@example.org",
                             "reason": "Kế toán trưởng", "reviewer": "Nguyễn Thị Lan",
                             "decided": LATER, "until": None}], data["kept"]
    rev = {r["account"]: r for r in data["revoked"]}
    assert sorted(rev) == ["user01@example.org", "user06@example.org"], rev
    assert rev["user06@example.org"]["unit"] == HOSTILE
    assert (rev["user01@example.org"]["reviewer"], rev["user01@example.org"]["by_default"],
            rev["user01@example.org"]["suspended"]) == ("Nguyễn Thị Lan", False, False)

    text = db.out("review", "report", now=LATER)
    assert text.startswith(f"campaign {ID} (open), started 2026-11-24, due {DUE}: "
                           "4 units, 8 accounts\n"), text
    assert "2 of 4 units answered; of 8 accounts 1 kept, 2 revoked, 5 still open." in text
    assert "\u202e" not in text and "\\u202e" in text, text    # escaped
    assert re.search(r"\nall units +- +8 +3 +1 +2 +2 +0 +5 +2 +" + LATER, text), text
    assert "kept accounts (1)" in text and "Kế toán trưởng" in text, text
    assert re.search(r"user06@example.org +Trần Văn B +reviewer +" + LATER + " +no$",
                     text, re.M), text

    out = db.out("review", "report", "--format", "csv", now=LATER)
    assert out.endswith("\r\n") and "\r\n" in out
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["row", "unit", "reviewer", "accounts", "reviewed", "kept",
                        "revoked", "revoked_by_reviewer", "revoked_by_default", "open",
                        "sheets", "last_answer"], table[0]
    hostile = next(r for r in table if r[1].startswith("'"))
    assert hostile[1] == "'" + HOSTILE, hostile        # no formula for a spreadsheet
    assert table[-1] == ["total", "", "", "8", "3", "1", "2", "2", "0", "5", "2",
                         LATER], table[-1]
    assert [r[0] for r in table[1:]] == ["unit"] * 4 + ["total"]

    html = db.out("review", "report", "--format", "html", now=LATER)
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
    assert "<script" not in html and "http" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "=HYPERLINK(&quot;x&quot;)&lt;b&gt;&amp;" in html and "<b>&" not in html
    assert "<td>Kế toán trưởng</td>" in html and "not yet" in html, html
    assert "2 of 4 units answered; of 8 accounts 1 kept, 2 revoked, 5 still open." in html


def test_report_after_the_close_and_suspension():
    db = campaign("closed")
    db.run("review", "close", "--apply", now=CLOSE, check=0)
    db.run("suspend", "--apply", now=CLOSE, check=0)
    data = json.loads(db.out("review", "report", "--format", "json", now=CLOSE))
    assert (data["state"], data["closed"]) == ("closed", CLOSE), data
    u = by_unit(data["units"])
    # never used and undecided: user02 (Tài chính), user04, user05 (Lab), user07
    assert (u["Lab"]["revoked_by_default"], u["Lab"]["open"]) == (2, 0), u["Lab"]
    assert (u["Tài chính"]["revoked_by_reviewer"], u["Tài chính"]["revoked_by_default"],
            u["Tài chính"]["open"]) == (1, 1, 1), u["Tài chính"]
    assert data["totals"]["revoked_by_default"] == 4, data["totals"]
    rev = {r["account"]: r for r in data["revoked"]}
    assert rev["user04@example.org"]["by_default"] is True
    assert rev["user04@example.org"]["reviewer"] == "review_default"
    assert all(r["suspended"] for r in rev.values()), rev
    html = db.out("review", "report", "--format", "html", now=CLOSE)
    assert "review_default (no answer)" in html and "not yet" not in html
    # a later campaign: --campaign still reports this one
    db.run("review", "start", "--due", "2027-01-20", "--apply",
           now="2026-12-20T00:00:00Z", check=0)
    latest = json.loads(db.out("review", "report", "--format", "json",
                               now="2026-12-21T00:00:00Z"))
    assert latest["campaign"] == "20261220-000000" and latest["totals"]["kept"] == 0
    old = json.loads(db.out("review", "report", "--format", "json", "--campaign", ID,
                            now="2026-12-21T00:00:00Z"))
    assert old["campaign"] == ID and old["totals"]["kept"] == 1, old


def test_planted_item_record_is_left_out():
    """An item record that does not decode (planted by whoever can write
    the database, through mdb_load, a real LMDB writer) is reported and
    not counted: exit 1, the rest of the report stands."""
    db = campaign("planted")
    key = b"I" + ID.encode() + b"\x00" + (1).to_bytes(4, "big") + b"zz@example.org"
    value = b"\x09garbage"
    payload = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
               f" {key.hex()}\n {value.hex()}\nDATA=END\n")
    subprocess.run(["mdb_load", "-s", "review", db.dir], input=payload.encode(), check=True)
    for fmt in ("text", "csv", "json", "html"):
        rc, out, err = db.run("review", "report", "--format", fmt, now=LATER)
        assert rc == 1 and "did not decode" in err, (fmt, rc, err)
    data = json.loads(db.run("review", "report", "--format", "json", now=LATER)[1])
    assert data["totals"]["accounts"] == 8, data["totals"]
    rc, out, err = db.run("report", "--format", "json", now=LATER)
    assert rc == 1 and json.loads(out)["review"]["totals"]["accounts"] == 8, (rc, err)


def test_report_and_status_are_read_only():
    db = campaign("readonly")
    data = read(db.path("data.mdb"))
    for args in (["report"], ["report", "--format", "csv"], ["report", "--format", "json"],
                 ["report", "--format", "html"], ["report", "--campaign", ID],
                 ["status"], ["status", "--format", "json"],
                 ["close", "--if-due"], ["close", "--if-due", "--apply"]):
        db.run("review", *args, now=LATER)
        assert read(db.path("data.mdb")) == data, f"review {args} wrote the database"


def test_output_file_gzip_and_errors():
    db = campaign("files")
    db.run("review", "report", "--format", "csv", "-o", db.path("r.csv.gz"),
           now=LATER, check=0)
    assert os.stat(db.path("r.csv.gz")).st_mode & 0o777 == 0o640
    plain = db.out("review", "report", "--format", "csv", now=LATER)
    assert gzip.decompress(read(db.path("r.csv.gz"))).decode() == plain
    os.symlink(db.path("elsewhere"), db.path("link.html"))
    rc, _, err = db.run("review", "report", "--format", "html", "-o", db.path("link.html"),
                        now=LATER)
    assert rc == 3 and not os.path.exists(db.path("elsewhere")), (rc, err)
    for bad in (["--format", "xml"], ["extra"], ["--campaign"]):
        assert db.run("review", "report", *bad, now=LATER)[0] == 2, bad
    for cid in ("20991231-000000", "../../x", "x" * 400):
        rc, _, err = db.run("review", "report", "--campaign", cid, now=LATER)
        assert rc == 1 and "no review campaign" in err, (cid, rc, err)
    empty = review_db("nocampaign")
    rc, _, err = empty.run("review", "report", now=LATER)
    assert rc == 1 and "no review campaign" in err, (rc, err)


def test_monthly_report_carries_the_review():
    db = campaign("monthly")
    data = json.loads(db.out("report", "--format", "json", now=LATER))
    r = data["review"]
    assert r["campaign"] == ID and r["totals"]["kept"] == 1, r
    assert "kept" not in r and "revoked" not in r, r      # compact
    assert [p["month"] for p in data["trend"]][-1] == "2026-11"
    # a month before the campaign started has none
    past = json.loads(db.out("report", "--format", "json", "--month", "2026-10",
                             now=LATER))
    assert past["review"] is None, past["review"]
    text = db.out("report", now=LATER)
    trend_at, review_at = text.index("trend by month"), text.index("unit review: campaign")
    assert trend_at < review_at < text.index("dormant accounts ("), text
    assert "2 of 4 units answered" in text and "kept accounts (" not in text, text
    html = db.out("report", "--format", "html", now=LATER)
    assert html.index("<h2>Trend by month</h2>") < html.index("<h2>Unit review</h2>")
    assert "&lt;b&gt;" in html and "<b>&" not in html
    # the --monthly files of November (written in December) carry it too
    db.run("review", "close", "--apply", now=CLOSE, check=0)
    db.run("report", "--monthly", now="2026-12-01T01:00:00Z", check=0)
    html = read(db.path("reports/dormant-2026-11.html")).decode()
    assert "<h2>Unit review</h2>" in html and "2 of 4 units answered" in html
    # closed in December: January's report no longer shows it
    jan = json.loads(db.out("report", "--format", "json", "--month", "2027-01",
                            now="2027-01-15T00:00:00Z"))
    assert jan["review"] is None
    dec = json.loads(db.out("report", "--format", "json", "--month", "2026-12",
                            now="2027-01-15T00:00:00Z"))
    assert dec["review"]["state"] == "closed"


def test_report_without_campaign_has_review_null():
    db = review_db("none")
    data = json.loads(db.out("report", "--format", "json"))
    assert data["review"] is None, data
    assert "unit review" not in db.out("report")


def test_close_if_due():
    db = review_db("ifdue")
    rc, out, err = db.run("review", "close", "--if-due", "--apply", now=NOW)
    assert rc == 0 and b"no review campaign is open" in out, (rc, out, err)
    db.run("review", "start", "--due", DUE, "--apply", now=NOW, check=0)
    data = read(db.path("data.mdb"))
    # before the due day, and on the day itself (the reviewers have all of it)
    for now in (LATER, CLOSE, "2026-12-10T23:59:59Z"):
        rc, out, err = db.run("review", "close", "--if-due", "--apply", now=now)
        assert rc == 0 and f"campaign {ID} is due {DUE}: it closes after that day".encode() \
            in out, (now, rc, out, err)
    assert read(db.path("data.mdb")) == data
    # without --if-due, close still refuses before the due day
    rc, _, err = db.run("review", "close", "--apply", now=LATER)
    assert rc == 1 and "it closes on or after that day" in err, (rc, err)
    assert db.run("review", "close", "--if-due", "--force", now=LATER)[0] == 2
    # the day after: closed, with review_default applied
    rc, out, err = db.run("review", "close", "--if-due", "--apply",
                          now="2026-12-11T00:00:00Z")
    assert rc == 0 and f"campaign {ID} closed".encode() in out, (rc, out, err)
    # and the next day's timer finds nothing open
    rc, out, err = db.run("review", "close", "--if-due", "--apply",
                          now="2026-12-12T08:00:00Z")
    assert rc == 0 and b"no review campaign is open" in out, (rc, out, err)
    rc, _, err = db.run("review", "close", "--apply", now="2026-12-12T08:00:00Z")
    assert rc == 1 and "is closed" in err, (rc, err)


if __name__ == "__main__":
    run_tests(globals())
