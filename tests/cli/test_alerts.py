#!/usr/bin/env python3
"""dormant alerts: the wake-ups and refusals the plugin and the milter
record, listed, and delivered at once (issue 16):

- the listing shows them (text, CSV, JSON);
- delivery starts at its first run: events from before (imported history)
  are never alerts;
- each new event goes to syslog once (authpriv.warning, "dormant-alert
  KIND ..."), a second run repeats none; a key the mail uid planted is
  no account and never an alert;
- a storm of a thousand is one mail to alert_to, listing 200 and counting
  the rest; events within alert_mail_interval wait for the next mail;
- a dry run delivers and changes nothing;
- the monthly report groups the month's alerts by account (JSON
  alerts_by_account, text and HTML sections) and metrics count them by
  kind.

Syslog is read from a socket of the test's own at /dev/log: in a mount
namespace of its own (unshare) when a syslog daemon owns /dev/log; only
the lines of the process under test count.
"""
import json
import os

from clitest import DORMANT, Db
from test_hostile_db import dump, plant
from syslogcap import run_capturing_syslog
from taplib import run_tests

T0 = "2026-11-24T12:00:00Z"


def refused(stamp, user, ip="192.0.2.7"):
    """A Dovecot 2.3 deny-passdb refusal, as the system log has it."""
    return (f"{stamp} mx dovecot: imap-login: Disconnected (user disabled): "
            f"user=<{user}>, method=PLAIN, rip={ip}, lip=192.0.2.254, "
            "session=<s>\n")


def alerts_db(name, config=""):
    db = Db(name)
    db.write("sendmail.sh", "#!/bin/sh\n"
             f"cat >> {db.path('mail.out')}; echo '-- end --' >> {db.path('mail.out')}\n")
    os.chmod(db.path("sendmail.sh"), 0o755)
    with open(db.conf, "w") as f:
        f.write(f"sendmail = {db.path('sendmail.sh')}\n"
                "alert_to = security@example.org\n"
                "notice_from = dormant@example.org\n" + config)
    return db


def imported(db, name, lines):
    db.write(name, "".join(lines))
    db.run("import-log", db.path(name), check=0)


def mails(db):
    try:
        with open(db.path("mail.out")) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return [m for m in text.split("-- end --\n") if m.strip()]


def deliver(db, now, apply=True):
    """Run alerts --deliver; returns (rc, stdout, stderr, syslog lines)."""
    argv = [DORMANT, "-c", db.conf, "-d", db.dir, "--now", now, "alerts",
            "--deliver"] + (["--apply"] if apply else [])
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    return run_capturing_syslog(argv, env, db.dir)


def test_the_listing_shows_every_kind_of_alert():
    db = alerts_db("list")
    imported(db, "log", [refused("2026-11-23T08:00:00Z", "gone@example.org")])
    out = db.out("alerts")
    assert "refused-login" in out and "gone@example.org" in out, out
    assert "192.0.2.7" in out, out
    # the flags column has no title: nothing printed for it
    assert out.splitlines()[0].split() == \
        ["TIME", "ALERT", "ACCOUNT", "SERVICE", "FROM", "IDLE"], out
    csv = db.out("alerts", "--format", "csv")
    assert csv.splitlines()[0] == \
        "time,alert,account,service,ip,idle_days,flags", csv
    assert "2026-11-23T08:00:00Z,refused-login,gone@example.org,imap," \
        "192.0.2.7," in csv, csv
    assert '"alert":"refused-login"' in db.out("alerts", "--format", "json")
    # older than --since: left out
    assert "gone@" not in db.out("alerts", "--since", "2026-11-24T00:00:00Z")


def test_history_is_no_alert_and_nothing_is_delivered_twice():
    db = alerts_db("once", "alert_to =\n")
    imported(db, "old", [refused("2026-11-20T08:00:00Z", "old@example.org")])
    rc, out, err, logged = deliver(db, T0)
    assert rc == 0 and logged == [], (rc, out, err, logged)
    # after the first run: each new event is one syslog line
    imported(db, "new", [refused("2026-11-24T12:01:00Z", "new@example.org")])
    # a key the mail uid planted, with a terminal escape (a real event's
    # record under it)
    [(key, value)] = [(k, v) for k, v in dump(db, "events").items()
                      if k.endswith(b"new@example.org")]
    plant(db, "events", key[:8] + b"b\x1b[31m@example.org", value)
    rc, out, err, logged = deliver(db, "2026-11-24T12:03:00Z")
    assert rc == 0, (out, err)
    # the planted key is no account: never an alert
    assert len(logged) == 1, logged
    line = logged[0]
    assert line.startswith("<84>"), line             # authpriv.warning
    assert "dormant-alert refused-login account=new@example.org " \
        "service=imap ip=192.0.2.7 idle_days=-1 time=2026-11-24T12:01:00Z " \
        "flags=-" in line, line
    assert not any("\x1b" in m for m in logged), logged
    # the same events are never delivered again
    rc, out, err, logged = deliver(db, "2026-11-24T12:10:00Z")
    assert rc == 0 and logged == [], logged


def test_a_storm_is_one_mail_and_the_rate_limit_holds_the_rest():
    db = alerts_db("storm", "alert_mail_interval = 15m\n")
    deliver(db, T0)
    imported(db, "storm", [refused(f"2026-11-24T12:01:{i % 60:02d}Z",
                                   f"u{i:04d}@example.org")
                           for i in range(1000)])
    rc, out, err, logged = deliver(db, "2026-11-24T12:05:00Z")
    assert rc == 0, (out, err)
    assert len(logged) == 1000, len(logged)
    got = mails(db)
    assert len(got) == 1, got
    assert "To: security@example.org" in got[0]
    assert "Subject: dormant: 1000 alerts" in got[0], got[0][:400]
    assert got[0].count("refused-login") == 200, got[0].count("refused-login")
    assert "... and 800 more" in got[0]
    # five minutes later: logged at once, mailed only when 15 min passed
    imported(db, "more", [refused("2026-11-24T12:07:00Z", "late@example.org")])
    rc, out, err, logged = deliver(db, "2026-11-24T12:10:00Z")
    assert len(logged) == 1 and len(mails(db)) == 1, (logged, mails(db))
    rc, out, err, logged = deliver(db, "2026-11-24T12:21:00Z")
    assert logged == [] and len(mails(db)) == 2, (logged, mails(db))
    assert "late@example.org" in mails(db)[1] and \
        "Subject: dormant: 1 alert " in mails(db)[1], mails(db)[1]


def test_a_dry_run_delivers_and_changes_nothing():
    db = alerts_db("dry")
    deliver(db, T0)
    imported(db, "new", [refused("2026-11-24T12:01:00Z", "new@example.org")])
    for _ in range(2):
        rc, out, err, logged = deliver(db, "2026-11-24T12:05:00Z", apply=False)
        assert rc == 0 and logged == [] and mails(db) == [], (out, err)
        assert "would log: dormant-alert refused-login account=new@example.org" \
            in out, out
        assert "would mail security@example.org: 1 alert" in out, out
    rc, out, err, logged = deliver(db, "2026-11-24T12:05:00Z")
    assert len(logged) == 1 and len(mails(db)) == 1, (logged, out, err)


def test_the_report_and_metrics_count_alerts_per_account():
    db = alerts_db("report")
    imported(db, "log", [refused("2026-11-02T08:00:00Z", "gone@example.org"),
                         refused("2026-11-03T08:00:00Z", "gone@example.org"),
                         refused("2026-11-03T09:00:00Z", "left@example.org"),
                         # last month: not this month's
                         refused("2026-10-30T09:00:00Z", "old@example.org")])
    data = json.loads(db.out("report", "--format", "json"))
    rows = {r["account"]: r for r in data["alerts_by_account"]}
    assert set(rows) == {"gone@example.org", "left@example.org"}, rows
    assert rows["gone@example.org"]["alerts"] == {"refused-login": 2}, rows
    assert rows["left@example.org"]["networks"] == [], rows
    text = db.out("report")
    assert "alerts in 2026-11 by account (2)" in text, text
    assert "gone@example.org  refused-login 2  networks: -" in text, text
    assert "Alerts in 2026-11 by account (2)" in db.out("report", "--format", "html")
    metrics = db.out("metrics")
    assert 'dormant_alerts_month{kind="refused-login"} 3' in metrics, metrics
    assert 'dormant_alerts_month{kind="wakeup-login"} 0' in metrics, metrics


def test_a_place_in_the_future_silences_nothing():
    db = alerts_db("future", "alert_to =\n")
    # a what-if run far ahead (or a clock that jumped) stored its place
    deliver(db, "2030-01-01T00:00:00Z")
    imported(db, "new", [refused("2026-11-24T12:01:00Z", "new@example.org")])
    rc, out, err, logged = deliver(db, "2026-11-24T12:03:00Z")
    assert "lies in the future" in err, err
    # from now on: the alert of 12:01 is history, the next one is not lost
    imported(db, "next", [refused("2026-11-24T12:04:00Z", "next@example.org")])
    rc, out, err, logged = deliver(db, "2026-11-24T12:05:00Z")
    assert rc == 0 and len(logged) == 1 and "next@example.org" in logged[0], \
        (out, err, logged)


def test_a_mail_that_fails_repeats_no_syslog_line():
    db = alerts_db("mailfail")
    deliver(db, T0)
    db.write("sendmail.sh", "#!/bin/sh\nexit 75\n")
    imported(db, "new", [refused("2026-11-24T12:01:00Z", "new@example.org")])
    rc, out, err, logged = deliver(db, "2026-11-24T12:03:00Z")
    assert rc != 0 and len(logged) == 1, (rc, out, err, logged)
    rc, out, err, logged = deliver(db, "2026-11-24T12:04:00Z")
    assert logged == [], logged


if __name__ == "__main__":
    run_tests(globals())
