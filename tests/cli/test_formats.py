#!/usr/bin/env python3
"""dormant list / show / report / metrics: the CSV and JSON contracts
(golden files, read back by real parsers), hostile account names through
every format, compressed and monthly reports, exit codes."""
import csv
import gzip
import io
import json
import os
import re
from html.parser import HTMLParser

from clitest import Db, fixture_db, golden
from taplib import run_tests

COLUMNS = ["account", "status", "idle_days", "last_login", "login_service",
           "login_ip", "last_send", "send_ip", "last_receive", "first_seen"]
HOSTILE = [
    '"quoted,comma"@example.org',
    "<script>alert(1)</script>@example.org",
    "=cmd|'/ccalc'!a0@example.org",
    "+plus@example.org",
    "-minus@example.org",
    "@at",
    "back\\slash@example.org",
]
NON_UTF8 = b"caf\xe9\xff@example.org"

_db = {}


def db():
    if "fixture" not in _db:
        _db["fixture"] = fixture_db("formats")
    return _db["fixture"]


def hostile_db():
    if "hostile" not in _db:
        h = Db("hostile")
        names = "\n".join(HOSTILE).encode() + b"\n" + NON_UTF8 + b"\n"
        h.write("users", names)
        # "@at" has an empty local part: refused (exit 1), the rest synced
        h.run("sync", "--file", h.path("users"), check=1)
        _db["hostile"] = h
    return _db["hostile"]


def test_list_csv_matches_golden_and_contract():
    out = db().run("list", "--format", "csv", check=0)[1]
    golden("list.csv", out)
    rows = list(csv.reader(io.StringIO(out.decode())))
    assert rows[0] == COLUMNS, rows[0]
    statuses = {r[0]: r[1] for r in rows[1:]}
    assert statuses == {
        "active@example.org": "active", "idle@example.org": "idle",
        "dormant@example.org": "dormant", "never@example.org": "never-used",
        "sales@example.com": "active", "shared@example.com": "exempt"}, statuses


def test_failed_logins_and_sasl_failures_are_not_activity():
    rows = {r["account"]: r for r in csv.DictReader(io.StringIO(
        db().out("list", "--format", "csv")))}
    assert rows["never@example.org"]["last_login"] == ""
    assert rows["never@example.org"]["last_send"] == ""


def test_list_json_matches_golden_and_parses():
    out = db().run("list", "--format", "json", check=0)[1]
    golden("list.json", out)
    data = json.loads(out)
    # JSON adds the unit (issue 15); the CSV columns stay as they were
    assert [set(o) for o in data] == [set(COLUMNS + ["unit"])] * len(data)
    idle = next(o for o in data if o["account"] == "idle@example.org")
    assert idle["login_service"] == "pop3" and idle["login_ip"] == "2001:db8::7"
    assert idle["last_send"] is None and idle["idle_days"] == 75


def test_list_filters_by_status_and_domain():
    out = db().out("list", "--format", "csv", "--status", "dormant")
    assert [r[0] for r in csv.reader(io.StringIO(out))][1:] == ["dormant@example.org"]
    out = db().out("list", "--format", "csv", "--domain", "EXAMPLE.com")
    assert [r[0] for r in csv.reader(io.StringIO(out))][1:] == [
        "sales@example.com", "shared@example.com"]


def test_report_csv_and_json_match_golden():
    out = db().run("report", "--format", "csv", check=0)[1]
    golden("report.csv", out)
    rows = list(csv.reader(io.StringIO(out.decode())))
    assert rows[0] == COLUMNS + ["domain"]
    assert len(rows) == 7
    out = db().run("report", "--format", "json", check=0)[1]
    golden("report.json", out)
    data = json.loads(out)
    assert set(data) == {"generated", "month", "summary", "totals", "accounts",
                         "events", "alerts_by_account", "units_are_domains",
                         "by_unit", "trend", "review"}
    assert data["month"] == "2026-11"
    assert data["summary"]["example.org"]["dormant"] == 1
    assert data["summary"]["example.org"]["never-used"] == 1
    assert data["summary"]["example.com"]["exempt"] == 1
    assert data["totals"]["total"] == 6


def test_report_lists_dormant_and_never_used_in_text():
    out = db().out("report")
    assert "dormant accounts (1)" in out and "dormant@example.org" in out
    assert "never-used accounts (1)" in out and "never@example.org" in out


def test_past_month_is_evaluated_at_its_end():
    data = json.loads(db().out("report", "--month", "2026-10", "--format", "json"))
    active = next(a for a in data["accounts"] if a["account"] == "idle@example.org")
    # last login 2026-09-10: 51 days before 2026-10-31T23:59:59Z
    assert active["idle_days"] == 51 and active["status"] == "active", active


def test_report_gz_output_decompresses_to_the_plain_report():
    plain = db().run("report", "--format", "csv", check=0)[1]
    path = db().path("r.csv.gz")
    db().run("report", "--format", "csv", "-o", path, check=0)
    with gzip.open(path) as f:
        assert f.read() == plain
    assert oct(os.stat(path).st_mode & 0o777) == "0o640"


def test_report_refuses_to_replace_a_symlink():
    target = db().path("victim")
    with open(target, "w") as f:
        f.write("keep me")
    link = db().path("link.html")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)
    rc, _, err = db().run("report", "--format", "html", "-o", link)
    assert rc == 3 and "symbolic link" in err, (rc, err)
    assert open(target).read() == "keep me"


def test_monthly_writes_html_and_csv_gz_for_the_previous_month():
    d = db()
    with open(d.conf, "w") as f:
        f.write(f"report_dir = {d.path('reports')}\n")
    out = d.out("report", "--monthly")
    assert "dormant-2026-10" in out, out
    files = sorted(os.listdir(d.path("reports")))
    assert files == ["dormant-2026-10.csv.gz", "dormant-2026-10.html"], files
    with gzip.open(d.path("reports/dormant-2026-10.csv.gz"), "rt") as f:
        assert next(csv.reader(f))[-1] == "domain"
    with open(d.conf, "w") as f:
        f.write("")


def test_monthly_mail_sends_the_html_through_sendmail():
    d = Db("monthlymail")
    d.write("sendmail.sh", "#!/bin/sh\n"
            f"printf '%s\\n' \"$@\" > {d.path('argv')}\n"
            f"cat > {d.path('mail')}\n")
    os.chmod(d.path("sendmail.sh"), 0o755)
    with open(d.conf, "w") as f:
        f.write(f"report_dir = {d.path('reports')}\nreport_to = admin@example.org\n"
                f"sendmail = {d.path('sendmail.sh')}\n")
    d.write("users", "a@example.org\n")
    d.run("sync", "--file", d.path("users"), check=0)
    out = d.out("report", "--monthly", "--mail")
    assert "mailed the HTML" in out, out
    assert open(d.path("argv")).read().split() == ["-t", "-oi"]
    raw = open(d.path("mail"), "rb").read()
    import email
    msg = email.message_from_bytes(raw)
    assert msg["To"] == "admin@example.org"
    assert msg["Subject"] == "Dormant mailbox report 2026-10"
    assert msg["Content-Transfer-Encoding"] == "base64"
    html = msg.get_payload(decode=True)
    assert html == open(d.path("reports/dormant-2026-10.html"), "rb").read()
    assert max(len(l) for l in raw.split(b"\n")) <= 998


class TextOnly(HTMLParser):
    """Collects tags and text, to prove nothing from the data became markup."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_is_self_contained_and_escapes_everything():
    h = hostile_db()
    # half a year on, history covers them: listed as never used
    out = h.run("report", "--format", "html", now="2027-06-01T00:00:00Z",
                check=0)[1]
    html = out.decode()
    assert "<script" not in html.lower(), "a script tag reached the HTML"
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    p = TextOnly()
    p.feed(html)
    assert "script" not in p.tags and "svg" in p.tags and "style" in p.tags
    assert any("<script>alert(1)</script>@example.org" in t for t in p.text)
    assert any('"quoted,comma"@example.org' in t for t in p.text)
    assert NON_UTF8 not in out and "caf\ufffd\ufffd@example.org" in "".join(p.text)


def test_hostile_names_through_csv():
    # CSV carries account bytes unchanged (lossless for scripts)
    out = hostile_db().run("list", "--format", "csv", check=0)[1]
    rows = list(csv.reader(io.StringIO(out.decode(errors="surrogateescape"))))
    names = [r[0] for r in rows[1:]]
    assert len(rows[1:]) == len(HOSTILE) - 1 + 1, names
    assert '"quoted,comma"@example.org' in names
    # formulas are defused: the cell starts with a quote, never = + - @
    for r in rows[1:]:
        assert r[0][0] not in "=+-@", r[0]
    assert "'=cmd|'/ccalc'!a0@example.org" in names
    assert "'+plus@example.org" in names and "'-minus@example.org" in names
    assert all(len(r) == len(COLUMNS) for r in rows)
    assert NON_UTF8.decode(errors="surrogateescape") in names


def test_hostile_names_through_json():
    data = json.loads(hostile_db().out("list", "--format", "json"))
    names = [o["account"] for o in data]
    assert "<script>alert(1)</script>@example.org" in names
    assert '"quoted,comma"@example.org' in names
    assert "caf\ufffd\ufffd@example.org" in names, names


def test_hostile_names_through_text_and_show():
    out = hostile_db().run("list", check=0)[1]
    assert b"\\xe9\\xff" in out and NON_UTF8 not in out
    rc, out, _ = hostile_db().run("show", "--format", "json",
                                  "<script>alert(1)</script>@example.org")
    assert rc == 0 and json.loads(out)["status"] == "insufficient-history"


def test_metrics_are_prometheus_text():
    out = db().out("metrics")
    assert "# TYPE dormant_accounts gauge" in out
    line = re.compile(r'^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$')
    for l in out.splitlines():
        assert l.startswith("#") or line.match(l), l
    assert 'dormant_accounts{domain="example.org",status="dormant"} 1' in out
    assert "dormant_accounts_total 6" in out
    out = hostile_db().out("metrics")
    assert 'domain="example.org",status="insufficient-history"} 7' in out


def prometheus_parse(data):
    """Parse the text exposition format as node_exporter's textfile
    collector does (Prometheus' expfmt): returns [(name, labels, value)];
    raises on anything it would reject: a bad line, escape or UTF-8, a
    family split or typed twice, and a series (name and labels) twice."""
    ident = re.compile(rb"[a-zA-Z_:][a-zA-Z0-9_:]*")
    lname = re.compile(rb"[a-zA-Z_][a-zA-Z0-9_]*")
    number = re.compile(rb"[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)")
    samples, seen, typed, done, current = [], set(), set(), set(), None
    assert data.endswith(b"\n"), "no final newline"
    for n, line in enumerate(data[:-1].split(b"\n"), 1):
        if line.startswith(b"#"):
            parts = line.split(b" ", 3)
            if len(parts) >= 3 and parts[1] in (b"HELP", b"TYPE"):
                name = parts[2]
                assert name not in done, (n, "family split", name)
                if parts[1] == b"TYPE":
                    assert name not in typed, (n, "second TYPE", name)
                    assert parts[3] in (b"counter", b"gauge", b"histogram",
                                        b"summary", b"untyped"), (n, line)
                    typed.add(name)
            continue
        if not line.strip():
            continue
        m = ident.match(line)
        assert m, (n, "metric name", line)
        name, pos, labels = m.group(), m.end(), []
        if name != current:
            assert name not in done, (n, "family split", name)
            if current is not None:
                done.add(current)
            current = name
        if line[pos:pos + 1] == b"{":
            pos += 1
            while line[pos:pos + 1] != b"}":
                m = lname.match(line, pos)
                assert m and line[m.end():m.end() + 2] == b'="', (n, pos, line)
                key, pos, value = m.group(), m.end() + 2, bytearray()
                while line[pos:pos + 1] != b'"':
                    c = line[pos:pos + 1]
                    assert c, (n, "unterminated label value", line)
                    if c == b"\\":
                        esc = line[pos + 1:pos + 2]
                        assert esc in (b"\\", b'"', b"n"), (n, "escape", esc, line)
                        value += b"\n" if esc == b"n" else esc
                        pos += 2
                    else:
                        value += c
                        pos += 1
                value.decode("utf-8")        # invalid UTF-8 raises
                assert key not in dict(labels), (n, "label twice", line)
                labels.append((key, bytes(value)))
                pos += 1
                if line[pos:pos + 1] == b",":
                    pos += 1
            pos += 1
        rest = line[pos:].split(b" ")
        assert rest[0] == b"" and len(rest) in (2, 3), (n, line)
        assert number.fullmatch(rest[1]), (n, "value", line)
        series = (name, tuple(sorted(labels)))
        assert series not in seen, (n, "duplicate series", line)
        seen.add(series)
        samples.append((name, dict(labels), float(rest[1])))
    return samples


def test_metrics_series_are_unique_with_hostile_domains():
    """Domains that an older label escaping folded together (invalid UTF-8
    bytes all became U+FFFD), next to the literal U+FFFD and the escapes'
    own text: each is one distinct series, the file parses as the
    textfile collector parses it, and the counts add up."""
    domains = [b"a\xff.org", b"a\xfe.org", b"a\xef\xbf\xbd.org", b"a\\xff.org",
               b"a\xe9.org", b"a\xc3\xa9.org", b'a".org', b"a\\.org",
               b"a\\\\.org", b"a\\n.org", b"a\\\".org", b'x",y="z',
               b"x\xe2\x80\xae.org", b"\xc2\x85", b"\xc2\x85\xc2\x85",
               b"{}=,", b"example.org", b"EXAMPLE.org"]
    d = Db("metrics-hostile")
    users = [b"u@" + dom for dom in domains] + [b"nodomain", b"v@example.org"]
    d.write("users", b"\n".join(users) + b"\n")
    d.run("sync", "--file", d.path("users"), check=0)
    rc, data, err = d.run("metrics")
    assert rc == 0, err
    samples = prometheus_parse(data)
    accounts = [s for s in samples if s[0] == b"dormant_accounts"]
    labels = {s[1][b"domain"] for s in accounts}
    # one label per distinct domain: EXAMPLE.org is example.org, and
    # nodomain adds the empty one
    assert len(labels) == len(domains), sorted(labels)
    assert len(accounts) == 7 * len(labels)
    total = next(s[2] for s in samples if s[0] == b"dormant_accounts_total")
    # u@EXAMPLE.org and u@example.org are one account
    assert sum(s[2] for s in accounts) == total == len(users) - 1
    assert b"a\\xff.org" in labels and b"a\\x5cxff.org" in labels


def test_exit_codes():
    d = Db("exits", "warn_after = 9x\n")
    rc, _, err = d.run("list")
    assert rc == 2 and "dormant.conf:1: warn_after: invalid duration" in err, err
    d = Db("exits2")
    assert d.run("list", "--format", "xml")[0] == 2
    assert d.run("no-such-command")[0] == 2
    rc, _, err = d.run("list")
    assert rc == 3 and "no database" in err, err
    assert d.run("help", "report")[0] == 0
    assert db().run("report", "--month", "2026-13")[0] == 2
    assert db().run("report", "--month", "2027-01")[0] == 2


if __name__ == "__main__":
    run_tests(globals())
