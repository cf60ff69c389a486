#!/usr/bin/env python3
"""dormant import-log, export and merge: what counts in a log, idempotence,
the year rollover, damaged input, and merge's algebra (a property test:
snapshots of N hosts merged in every order equal one host that saw all)."""
import csv
import gzip
import io
import itertools
import json
import os
import random

from clitest import Db
from taplib import run_tests

DOVECOT = ("{stamp} mx dovecot: {svc}-login: Login: user=<{user}>, method=PLAIN, "
           "rip={ip}, lip=192.0.2.254, mpid=42, session=<s>\n")
POSTFIX = ("{stamp} mx postfix/submission/smtpd[7]: 4F00D: client=h.example[{ip}], "
           "sasl_method=PLAIN, sasl_username={user}\n")
DEC_31 = 1767139200   # 2025-12-31T00:00:00Z
JAN_05 = 1767571200   # 2026-01-05T00:00:00Z


def records(db):
    out = db.out("list", "--format", "csv")
    return {r["account"]: r for r in csv.DictReader(io.StringIO(out))}


def test_every_service_and_both_stamp_formats():
    db = Db("services")
    lines = [DOVECOT.format(stamp="Jan  3 10:00:00", svc=s, user=f"{s}@x.org",
                            ip="192.0.2.1")
             for s in ("imap", "pop3", "submission", "managesieve")]
    lines.append(POSTFIX.format(stamp="Jan  3 11:00:00", user="Sender@X.org",
                                ip="2001:db8::1"))
    lines.append(DOVECOT.format(stamp="2026-01-04T09:30:00.123456+01:00",
                                svc="imap", user="rfc@x.org", ip="192.0.2.2"))
    # Dovecot's own log_path format: no host, "Info:"
    lines.append("Jan  4 12:00:00 imap-login: Info: Login: user=<own@x.org>, "
                 "method=PLAIN, rip=192.0.2.3, lip=127.0.0.1, mpid=1, session=<s>\n")
    db.write("log", "".join(lines), mtime=JAN_05)
    rc, out, err = db.run("import-log", db.path("log"))
    assert rc == 0, (out, err)
    r = records(db)
    for s in ("imap", "pop3", "submission", "managesieve"):
        assert r[f"{s}@x.org"]["login_service"] == s
        assert r[f"{s}@x.org"]["last_login"] == "2026-01-03T10:00:00Z"
    assert r["sender@x.org"]["last_send"] == "2026-01-03T11:00:00Z"
    assert r["sender@x.org"]["send_ip"] == "2001:db8::1"
    assert r["sender@x.org"]["last_login"] == ""
    assert r["rfc@x.org"]["last_login"] == "2026-01-04T08:30:00Z"
    assert r["own@x.org"]["login_ip"] == "192.0.2.3"


def test_dovecot_24_lines():
    """Dovecot 2.4 words them differently: "Logged in:" for a login,
    "Login aborted: ... (auth failed, ...) (auth_failed)" for a failure."""
    db = Db("dovecot24")
    db.write("log", (
        "Jan  3 10:00:00 imap-login: Info: Logged in: user=<new@x.org>, "
        "method=PLAIN, rip=192.0.2.4, lip=127.0.0.1, mpid=12443, secured, "
        "session=<9tBLAw5hKIN/AAAB>\n"
        "Jan  3 10:05:00 mx dovecot: pop3-login: Logged in: user=<new@x.org>, "
        "method=PLAIN, rip=192.0.2.5, lip=127.0.0.1, mpid=2, session=<p>\n"
        "Jan  3 10:06:00 imap-login: Info: Login aborted: Connection closed "
        "(auth failed, 1 attempts in 2 secs) (auth_failed): user=<victim@x.org>, "
        "method=PLAIN, rip=192.0.2.66, lip=127.0.0.1, secured, session=<f>\n"
        "Jan  3 10:07:00 imap-login: Info: Login aborted: Connection closed "
        "(no auth attempts in 0 secs) (no_auth_attempts): user=<>, "
        "rip=127.0.0.1, lip=127.0.0.1, secured, session=<n>\n"), mtime=JAN_05)
    rc, out, err = db.run("import-log", db.path("log"))
    assert rc == 0 and "2 logins and 0 sends matched" in out.decode(), (out, err)
    r = records(db)
    assert (r["new@x.org"]["last_login"], r["new@x.org"]["login_service"],
            r["new@x.org"]["login_ip"]) == ("2026-01-03T10:05:00Z", "pop3",
                                            "192.0.2.5"), r["new@x.org"]
    assert "victim@x.org" not in r


def test_failed_and_master_logins_are_not_counted():
    db = Db("failed")
    db.write("log", (
        "Jan  3 10:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
        "attempts in 2 secs): user=<victim@x.org>, method=PLAIN, rip=192.0.2.66\n"
        "Jan  3 10:01:00 mx postfix/smtpd[8]: warning: unknown[192.0.2.67]: SASL "
        "PLAIN authentication failed: UGFzc3dvcmQ6, sasl_username=victim@x.org\n"
        "Jan  3 10:02:00 mx dovecot: imap-login: Login: user=<victim@x.org>, "
        "method=PLAIN, rip=192.0.2.1, master=<admin>, session=<s>\n"),
        mtime=JAN_05)
    rc, out, _ = db.run("import-log", db.path("log"))
    assert rc == 0 and "1 master-user logins" in out.decode(), out
    assert "0 logins and 0 sends matched" in out.decode()


def test_refused_logins_become_events_not_activity():
    """Dovecot's "(user disabled)" (a deny passdb, as suspend writes it):
    the latest attempt of each account and day becomes a refused-login
    event; none of it is activity; importing twice writes nothing."""
    db = Db("refused")
    disabled = ("{stamp} mx dovecot: {svc}-login: Disconnected{how} (user "
                "disabled): user=<{user}>, method=PLAIN, rip={ip}, "
                "lip=192.0.2.254, session=<s>\n")
    db.write("log", "".join([
        disabled.format(stamp="Jan  3 10:00:00", svc="imap", how="",
                        user="gone@x.org", ip="192.0.2.7"),
        disabled.format(stamp="Jan  3 11:00:00", svc="pop3",
                        how=": Connection closed", user="gone@x.org",
                        ip="192.0.2.8"),
        disabled.format(stamp="Jan  4 09:00:00", svc="imap", how="",
                        user="Gone@X.org", ip="2001:db8::9"),
        # Dovecot 2.4's wording; the same day: only the later one is kept
        "Jan  4 08:00:00 imap-login: Info: Login aborted: Connection closed "
        "(user disabled, 1 attempts in 0 secs) (user_disabled): "
        "user=<gone@x.org>, method=PLAIN, rip=192.0.2.10, lip=127.0.0.1, "
        "secured, session=<zi3lBQ5hjNN/AAAB>\n",
        # no account: not an event
        disabled.format(stamp="Jan  4 09:30:00", svc="imap", how="",
                        user="", ip="192.0.2.9"),
        # a failed password is no refusal, even with a name that says so
        "Jan  4 09:40:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
        "attempts in 2 secs): user=<other@x.org>, method=PLAIN, rip=192.0.2.6\n",
        "Jan  4 09:41:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
        "attempts in 2 secs): user=<other@x.org (user disabled)>, "
        "method=PLAIN, rip=203.0.113.66\n",
        DOVECOT.format(stamp="Jan  2 08:00:00", svc="imap", user="gone@x.org",
                       ip="192.0.2.1")]),
        mtime=JAN_05)
    rc, out, err = db.run("import-log", db.path("log"))
    out = out.decode()
    assert rc == 0, (out, err)
    assert "1 logins and 0 sends matched" in out, out
    assert "refused (user disabled): 4 logins, 2 events recorded" in out, out
    r = records(db)
    assert r["gone@x.org"]["last_login"] == "2026-01-02T08:00:00Z", \
        "a refused login counted as activity"
    assert "other@x.org" not in r
    report = json.loads(db.out("report", "--month", "2026-01", "--format",
                               "json"))
    got = [(e["time"], e["event"], e["account"], e["service"], e["ip"],
            e["idle_days"]) for e in report["events"]]
    assert got == [
        ("2026-01-03T11:00:00Z", "refused-login", "gone@x.org", "pop3",
         "192.0.2.8", 1),
        ("2026-01-04T09:00:00Z", "refused-login", "gone@x.org", "imap",
         "2001:db8::9", 2)], got
    rc, out, err = db.run("import-log", db.path("log"))
    assert rc == 0 and "0 events recorded" in out.decode(), (out, err)
    # a later login makes the idle time before the refusals unknowable from
    # the database alone: the events recorded stay as they were
    later = db.write("later", DOVECOT.format(
        stamp="Jan  5 08:00:00", svc="imap", user="gone@x.org",
        ip="192.0.2.1"), mtime=JAN_05)
    db.run("import-log", later, check=0)
    rc, out, err = db.run("import-log", db.path("log"))
    assert rc == 0 and "0 events recorded" in out.decode(), (out, err)
    report = json.loads(db.out("report", "--month", "2026-01", "--format",
                               "json"))
    assert [e["idle_days"] for e in report["events"]] == [1, 2], \
        report["events"]


def test_december_january_rollover():
    db = Db("rollover")
    db.write("log", DOVECOT.format(stamp="Dec 31 23:59:00", svc="imap",
                                   user="a@x.org", ip="192.0.2.1") +
             DOVECOT.format(stamp="Jan  1 00:01:00", svc="imap",
                            user="b@x.org", ip="192.0.2.1"), mtime=JAN_05)
    db.run("import-log", db.path("log"), check=0)
    r = records(db)
    assert r["a@x.org"]["last_login"] == "2025-12-31T23:59:00Z"
    assert r["b@x.org"]["last_login"] == "2026-01-01T00:01:00Z"


def test_tz_option_reads_classic_stamps_in_that_zone():
    db = Db("tz")
    db.write("log", DOVECOT.format(stamp="Jan  3 10:00:00", svc="imap",
                                   user="a@x.org", ip="192.0.2.1"), mtime=JAN_05)
    db.run("import-log", "--tz", "Europe/Berlin", db.path("log"), check=0)
    assert records(db)["a@x.org"]["last_login"] == "2026-01-03T09:00:00Z"


def test_import_twice_changes_nothing_and_extends_history():
    db = Db("twice")
    db.write("log", DOVECOT.format(stamp="Jan  3 10:00:00", svc="imap",
                                   user="a@x.org", ip="192.0.2.1"), mtime=JAN_05)
    with gzip.open(db.path("log.1.gz"), "wt") as f:
        f.write(DOVECOT.format(stamp="Dec 30 10:00:00", svc="pop3",
                               user="a@x.org", ip="192.0.2.2"))
        f.write(POSTFIX.format(stamp="Dec 30 11:00:00", user="b@x.org",
                               ip="192.0.2.3"))
    os.utime(db.path("log.1.gz"), (DEC_31, DEC_31))
    _, out1, _ = db.run("import-log", db.path("log"), db.path("log.1.gz"), check=0)
    before = db.out("list", "--format", "csv")
    _, out2, _ = db.run("import-log", db.path("log.1.gz"), db.path("log"), check=0)
    assert b", 0 records changed" in out2, out2
    assert db.out("list", "--format", "csv") == before
    r = records(db)
    assert r["a@x.org"]["last_login"] == "2026-01-03T10:00:00Z"   # max wins
    check = db.out("check")
    assert "tracking since 2025-12-30T10:00:00Z" in check, check


def test_check_says_when_the_plugin_map_outgrows_vsz_limit():
    """The Dovecot plugin maps data + half + 16 MiB inside mail processes
    limited to 256 MB by default: check says so before they fail."""
    db = Db("vsz")
    db.write("log", DOVECOT.format(stamp="Jan  3 10:00:00", svc="imap",
                                   user="a@x.org", ip="192.0.2.1"),
             mtime=JAN_05)
    db.run("import-log", db.path("log"), check=0)
    out = db.out("check")
    assert "ok       the Dovecot plugin maps 32 MiB for this database" in out, out
    os.truncate(db.path("data.mdb"), 200 << 20)     # sparse: a big database
    rc, out, err = db.run("check")
    out = out.decode()
    assert rc == 0, (out, err)                      # a note, not a problem
    assert ("note     the Dovecot plugin maps 316 MiB for this 200 MiB "
            "database") in out and "raise default_vsz_limit to at least " \
        "672M" in out, out


def test_damaged_input_is_reported_and_what_was_read_kept():
    db = Db("damaged")
    with gzip.open(db.path("full.gz"), "wt") as f:
        for i in range(2000):
            f.write(DOVECOT.format(stamp="Jan  3 10:00:00", svc="imap",
                                   user=f"u{i}@x.org", ip="192.0.2.1"))
    data = open(db.path("full.gz"), "rb").read()
    db.write("trunc.gz", data[: len(data) // 2], mtime=JAN_05)
    db.write("garbage.gz", bytes(random.Random(1).randrange(256)
                                 for _ in range(4096)), mtime=JAN_05)
    db.write("bad.log", "Jan  3 10:00:00 mx dovecot: imap-login: Login: "
             "user=<broken@x.org, method=PLAIN\n" + "x" * 100000 + "\n",
             mtime=JAN_05)
    rc, out, err = db.run("import-log", db.path("trunc.gz"))
    assert rc == 1 and "truncated" in err, (rc, err)
    kept = len(records(db))
    assert 0 < kept < 2000, kept
    rc, out, err = db.run("import-log", db.path("garbage.gz"))
    assert rc == 1 and "not gzip data" in err, err
    rc, out, err = db.run("import-log", db.path("bad.log"))
    out = out.decode()
    assert rc == 1 and "malformed: 1 lines" in out and "bad.log:1:" in out, out
    assert "skipped: 1 lines over" in out, out
    assert len(records(db)) == kept


def random_log(rng, accounts, n):
    lines = []
    for _ in range(n):
        day = rng.randrange(1, 28)
        stamp = f"2026-{rng.randrange(1, 12):02d}-{day:02d}T{rng.randrange(24):02d}:" \
                f"{rng.randrange(60):02d}:00Z"
        user = rng.choice(accounts)
        ip = f"192.0.2.{rng.randrange(1, 255)}"
        if rng.random() < 0.7:
            lines.append(DOVECOT.format(stamp=stamp, svc=rng.choice(["imap", "pop3"]),
                                        user=user, ip=ip))
        else:
            lines.append(POSTFIX.format(stamp=stamp, user=user, ip=ip))
    return lines


def test_merge_is_commutative_associative_idempotent():
    rng = random.Random(20261124)
    accounts = [f"user{i}@x.org" for i in range(40)]
    hosts = [random_log(rng, accounts, 150) for _ in range(3)]
    snaps = []
    for i, lines in enumerate(hosts):
        h = Db(f"host{i}")
        h.write("log", "".join(lines))
        h.run("import-log", h.path("log"), check=0)
        h.run("export", "-o", h.path("snap.gz"), check=0)
        snaps.append(h.path("snap.gz"))
    everything = Db("everything")
    everything.write("log", "".join(sum(hosts, [])))
    everything.run("import-log", everything.path("log"), check=0)
    expected = everything.out("list", "--format", "csv")
    for order in itertools.permutations(range(3)):
        m = Db("merged-" + "".join(map(str, order)))
        m.run("merge", *[snaps[i] for i in order], check=0)
        assert m.out("list", "--format", "csv") == expected, order
        # merging again, and in pairs, changes nothing
        _, out, _ = m.run("merge", snaps[order[0]], snaps[order[1]], check=0)
        assert b": 0 records changed" in out, out
    # associativity through an intermediate host: (a+b) exported, then +c
    ab = Db("ab")
    ab.run("merge", snaps[0], snaps[1], check=0)
    ab.run("export", "-o", ab.path("ab.gz"), check=0)
    abc = Db("abc")
    abc.run("merge", snaps[2], ab.path("ab.gz"), check=0)
    assert abc.out("list", "--format", "csv") == expected


def test_bad_snapshots_are_refused_and_change_nothing():
    src = Db("snapsrc")
    src.write("log", "".join(random_log(random.Random(5),
                                        [f"u{i}@x.org" for i in range(300)], 600)))
    src.run("import-log", src.path("log"), check=0)
    src.run("export", "-o", src.path("good.gz"), check=0)
    good = open(src.path("good.gz"), "rb").read()
    raw = bytearray(gzip.decompress(good))
    bad = {
        "truncated.gz": good[: len(good) - 5],
        "half.gz": good[: len(good) // 2],
        "flipped.gz": gzip.compress(bytes(raw[:200] + bytes([raw[200] ^ 1]) + raw[201:])),
        "future.gz": gzip.compress(bytes(raw[:8] + b"\x09\x00\x00\x00" + raw[12:])),
        "notgzip.gz": bytes(raw),
        "trailing.gz": gzip.compress(bytes(raw) + b"extra"),
    }
    target = Db("snaptarget")
    target.write("log", DOVECOT.format(stamp="2026-05-05T05:05:05Z", svc="imap",
                                       user="mine@x.org", ip="192.0.2.1"))
    target.run("import-log", target.path("log"), check=0)
    before = target.out("list", "--format", "csv")
    for name, data in bad.items():
        path = src.write(name, data)
        rc, _, err = target.run("merge", src.path("good.gz"), path)
        assert rc == 3 and "nothing merged" in err, (name, rc, err)
        assert target.out("list", "--format", "csv") == before, name
    assert "newer than this program" in target.run("merge", src.path("future.gz"))[2]


if __name__ == "__main__":
    run_tests(globals())
