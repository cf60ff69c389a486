#!/usr/bin/env python3
"""dormant import-log against hostile and real-world logs: a remote
client's words quoted in a line count for nothing, only local_domains
accounts are taken when it is set, a cut last line names no one, an unknown
--tz (or TZ) is an error, and the line forms Dovecot 2.3/2.4 and Postfix
really write (proxies, unpadded days, Dovecot's own log_timestamp, client
ports, IPv4-mapped addresses, submission refusals) are read.

Lines marked "real" were written by the sandboxed Dovecot 2.3.19 and
Postfix 3.7 of tests/integration; the others follow the format strings in
Dovecot's and Postfix's sources (versions named)."""
import csv
import errno
import gzip
import io
import json
import os
import resource
import subprocess

from clitest import DORMANT, NOW, Db
from taplib import Skip, run_tests

JAN_05 = 1767571200   # 2026-01-05T00:00:00Z
CONF = "local_domains = x.org, example.test\n"

# real: Postfix reject lines carrying a client's MAIL FROM and RCPT TO
FORGED = [
    'Jan  3 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from '
    'localhost[127.0.0.1]: 554 5.7.1 <imap-login: Login: '
    'user=<boss@example.test>, method=PLAIN, rip=1.2.3.4@elsewhere.invalid>: '
    'Relay access denied; from=<"x client=h[1.2.3.4], sasl_method=PLAIN, '
    'sasl_username=boss@example.test, y"@evil.invalid> to=<"imap-login: '
    'Login: user=<boss@example.test>, method=PLAIN, rip=1.2.3.4"'
    '@elsewhere.invalid> proto=ESMTP helo=<client.sandbox.test>\n',
    'Jan  3 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from '
    'localhost[127.0.0.1]: 554 5.7.1 <pop3-login: Disconnected (user '
    'disabled): user=<boss@example.test>, rip=1.2.3.4@elsewhere.invalid>: '
    'Relay access denied; from=<"x client=h[1.2.3.4], sasl_method=PLAIN, '
    'sasl_username=boss@example.test, y"@evil.invalid> to=<"pop3-login: '
    'Disconnected (user disabled): user=<boss@example.test>, rip=1.2.3.4"'
    '@elsewhere.invalid> proto=ESMTP helo=<client.sandbox.test>\n',
    'Jan  3 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from '
    'localhost[127.0.0.1]: 554 5.7.1 <imap-login: proxy(boss@example.test): '
    'Started proxying to <1.2.3.4> (0.001 secs): user=<boss@example.test>, '
    'rip=1.2.3.4@elsewhere.invalid>: Relay access denied; '
    'from=<x@evil.invalid> to=<"imap-login: proxy(boss@example.test): '
    'Started proxying to <1.2.3.4> (0.001 secs): user=<boss@example.test>, '
    'rip=1.2.3.4"@elsewhere.invalid> proto=ESMTP helo=<client.sandbox.test>\n',
]
# real: an authenticated send (smtpd_client_port_logging = yes)
SEND = ("Jan 03 04:08:46 mx postfix/smtpd[21698]: C597CA7221C: "
        "client=localhost[127.0.0.1]:44918, sasl_method=PLAIN, "
        "sasl_username={user}\n")
LOGIN = ("Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<{user}>, "
         "method=PLAIN, rip=192.0.2.1, lip=192.0.2.254, mpid=42, session=<s>\n")
REFUSED = ("Jan  3 11:00:00 mx dovecot: imap-login: Disconnected (user "
           "disabled): user=<{user}>, method=PLAIN, rip=192.0.2.7\n")


def import_ok(db, *args):
    """import-log, which must exit 0; its summary as text."""
    rc, out, err = db.run("import-log", *args)
    assert rc == 0, (rc, out, err)
    return out.decode()


def records(db):
    out = db.out("list", "--format", "csv")
    return {r["account"]: r for r in csv.DictReader(io.StringIO(out))}


def events(db):
    report = json.loads(db.out("report", "--month", "2026-01", "--format",
                               "json"))
    return [(e["event"], e["account"]) for e in report["events"]]


def test_a_clients_words_count_for_nothing():
    """Item 4: Postfix quotes MAIL FROM and RCPT TO in its reject lines;
    the names in them get no login, no send and no refusal."""
    db = Db("forged")
    db.write("log", "".join(FORGED) + SEND.format(user="alice@example.test"),
             mtime=JAN_05)
    out = import_ok(db, db.path("log"))
    assert "0 logins and 1 sends matched" in out and "refused" not in out, out
    r = records(db)
    assert list(r) == ["alice@example.test"], r
    assert r["alice@example.test"]["send_ip"] == "127.0.0.1"
    assert events(db) == [], events(db)


def test_only_local_domains_accounts_when_set():
    """Item 4: with local_domains set, a login, a send or a refusal of
    another domain's name is counted as foreign and recorded nowhere; a
    bare name belongs to no other domain."""
    db = Db("local", config=CONF)
    db.write("log", "".join([
        LOGIN.format(user="a@x.org"), LOGIN.format(user="b@elsewhere.org"),
        LOGIN.format(user="bare"),
        SEND.format(user="A@X.ORG"), SEND.format(user="c@elsewhere.org"),
        REFUSED.format(user="a@x.org"), REFUSED.format(user="d@elsewhere.org"),
    ]), mtime=JAN_05)
    out = import_ok(db, db.path("log"))
    assert "2 logins and 1 sends matched" in out, out
    assert ("not counted: 3 lines of accounts outside local_domains "
            "(foreign)") in out, out
    assert "refused (user disabled): 1 logins" in out, out
    assert sorted(records(db)) == ["a@x.org", "bare"], records(db)
    assert events(db) == [("refused-login", "a@x.org")], events(db)
    # without local_domains every domain is taken
    other = Db("anydomain")
    other.write("log", LOGIN.format(user="b@elsewhere.org"), mtime=JAN_05)
    other.run("import-log", other.path("log"), check=0)
    assert list(records(other)) == ["b@elsewhere.org"]


def test_a_cut_last_line_names_no_one():
    """Item 5: a live log's last line without its newline is not read, and
    the summary says so; a truncated .gz invents no account either."""
    db = Db("partial")
    db.write("live.log", SEND.format(user="karepova001") +
             SEND.format(user="karepova002")[:-5], mtime=JAN_05)  # karepov
    out = import_ok(db, db.path("live.log"))
    assert "0 logins and 1 sends matched" in out, out
    assert ("skipped: 1 partial last lines (no newline: a log still being "
            "written, or a cut file)") in out, out
    assert list(records(db)) == ["karepova001"], records(db)
    # the same line completed later counts
    db.write("live.log", SEND.format(user="karepova001") +
             SEND.format(user="karepova002"), mtime=JAN_05)
    db.run("import-log", db.path("live.log"), check=0)
    assert sorted(records(db)) == ["karepova001", "karepova002"]

    names = [f"karepova{i:04d}" for i in range(3000)]
    data = gzip.compress("".join(SEND.format(user=n) for n in names).encode())
    for cut in (len(data) // 3, len(data) // 2, len(data) * 3 // 4):
        gz = Db(f"cut{cut}")
        gz.write("log.gz", data[:cut], mtime=JAN_05)
        rc, out, err = gz.run("import-log", gz.path("log.gz"))
        assert rc == 1 and "truncated" in err, (rc, err)
        got = set(records(gz))
        assert got and got <= set(names), sorted(got - set(names))[:5]


def run_env(db, env, *args):
    """dormant with a chosen environment (Db.run forces TZ=UTC)."""
    argv = [DORMANT, "-c", db.conf, "-d", db.dir, "--now", NOW] + list(args)
    p = subprocess.run(argv, capture_output=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C", **env))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_an_unknown_time_zone_is_an_error():
    """Item 9: glibc reads an unknown zone as UTC without a word; import-log
    refuses it (exit 2) from --tz and from the environment's TZ."""
    db = Db("tz")
    log = db.write("log", LOGIN.format(user="a@x.org"), mtime=JAN_05)
    rc, out, err = db.run("import-log", "--tz", "Asia/Bangkk", log)
    assert rc == 2 and "--tz Asia/Bangkk: unknown time zone" in err, (rc, err)
    assert not os.path.exists(db.path("data.mdb")), "imported in some zone"
    rc, out, err = run_env(db, {"TZ": "Asia/Bangkk"}, "import-log", log)
    assert rc == 2 and "TZ=Asia/Bangkk in the environment: unknown time " \
        "zone" in err, (rc, err)
    rc, out, err = run_env(db, {"TZ": "Europe/Berlinn"}, "import-log",
                           "--tz", "Asia/Bangkok", log)
    assert rc == 0, (rc, err)                # --tz wins over TZ
    assert records(db)["a@x.org"]["last_login"] == "2026-01-03T03:00:00Z"
    # zone files, POSIX rules and UTC are zones
    for tz in ("Asia/Bangkok", ":Europe/Berlin", "UTC", "UTC0", "<+07>-7",
               "CET-1CEST,M3.5.0,M10.5.0/3",
               "/usr/share/zoneinfo/America/New_York"):
        rc, out, err = db.run("import-log", "--dry-run", "--tz", tz, log)
        assert rc == 0, (tz, rc, err)
    for tz in ("utc", "Europe/", "/etc/passwd", ":CET-1", "Nowhere/Else"):
        rc, out, err = db.run("import-log", "--dry-run", "--tz", tz, log)
        assert rc == 2 and "unknown time zone" in err, (tz, rc, err)


def test_real_line_forms_are_read():
    """Item 10: proxies, unpadded days, Dovecot's own log_timestamp,
    client=host[ip]:port, ::ffff:a.b.c.d as IPv4, and submission-login's
    refusal on QUIT."""
    db = Db("forms")
    db.write("log", "".join([
        # real 2.3.19 (Debian 12), Dovecot log_path with
        # log_timestamp = "%Y-%m-%d %H:%M:%S "
        "2026-01-03 04:08:28 imap-login: Info: proxy(bob@example.test,"
        "127.0.0.1:40687): Started proxying to <127.0.0.1> (0.013 secs): "
        "user=<bob@example.test>, method=PLAIN, rip=192.0.2.40, "
        "lip=127.0.0.1, secured, session=<Ri9u6bJhmpd/AAAB>\n",
        "2026-01-03 04:08:28 imap-login: Info: proxy(bob@example.test,"
        "127.0.0.1:40687): Disconnected by server (0s idle, in=265, "
        "out=1081): user=<bob@example.test>, method=PLAIN, rip=127.0.0.1, "
        "lip=127.0.0.1, secured, session=<Ri9u6bJhmpd/AAAB>\n",
        # 2.4.1: "proxy(%s,%s): " + "Started proxying to remote host"
        "Jan  3 05:00:00 px dovecot: imap-login: proxy(p24@x.org,"
        "10.0.0.2:143): Started proxying to remote host (0.005 secs): "
        "user=<p24@x.org>, method=PLAIN, rip=198.51.100.24, lip=10.0.0.1, "
        "mpid=0, session=<s>\n",
        # 2.3.10: "proxy(%s): started proxying to %s:%u"
        "Jan  3 05:10:00 px dovecot: pop3-login: proxy(p23@x.org): started "
        "proxying to 10.0.0.2:110: user=<p23@x.org>, method=PLAIN, "
        "rip=198.51.100.23, lip=10.0.0.1\n",
        # syslog without day padding (fail2ban's and crowdsec's corpora)
        "Jan 3 06:00:00 mx dovecot: imap-login: Login: user=<unpadded@x.org>, "
        "method=PLAIN, rip=::ffff:192.0.2.6, lip=::ffff:192.0.2.254\n",
        # Postfix with smtpd_client_port_logging = yes; a mapped client
        "Jan  3 07:00:00 mx postfix/submission/smtpd[7]: 3bTQmq0N6Hz9sWp: "
        "client=pc.example[2001:db8::5]:53412, sasl_method=PLAIN, "
        "sasl_username=port@x.org\n",
        "Jan  3 07:10:00 mx postfix-out/smtpd[7]: 4F00D: "
        "client=unknown[::ffff:192.0.2.8]:1234, sasl_method=PLAIN, "
        "sasl_username=mapped@x.org\n",
        # 2.3.0-2.3.14 submission-login, QUIT after a deny passdb refused
        "Jan  3 08:00:00 mx dovecot: submission-login: Client has quit the "
        "connection (user disabled): user=<gone@x.org>, method=PLAIN, "
        "rip=192.0.2.9, lip=192.0.2.254, session=<s>\n",
    ]), mtime=JAN_05)
    out = import_ok(db, db.path("log"))
    assert "4 logins and 2 sends matched" in out, out
    assert "refused (user disabled): 1 logins, 1 events" in out, out
    r = records(db)
    got = {a: (v["last_login"], v["login_service"], v["login_ip"],
               v["last_send"], v["send_ip"]) for a, v in r.items()}
    assert got == {
        "bob@example.test": ("2026-01-03T04:08:28Z", "imap", "192.0.2.40",
                             "", ""),
        "p24@x.org": ("2026-01-03T05:00:00Z", "imap", "198.51.100.24", "", ""),
        "p23@x.org": ("2026-01-03T05:10:00Z", "pop3", "198.51.100.23", "", ""),
        "unpadded@x.org": ("2026-01-03T06:00:00Z", "imap", "192.0.2.6", "",
                           ""),
        "port@x.org": ("", "", "", "2026-01-03T07:00:00Z", "2001:db8::5"),
        "mapped@x.org": ("", "", "", "2026-01-03T07:10:00Z", "192.0.2.8"),
    }, got
    assert events(db) == [("refused-login", "gone@x.org")], events(db)


def test_a_thread_that_cannot_start_is_named_by_its_real_error():
    """pthread_create returns its error and leaves errno alone: the message
    must name what it returned (EAGAIN), not a stale errno. A stack limit
    larger than the address space makes glibc's thread stacks fail."""
    db = Db("nothread")
    line = ("Nov 20 09:00:00 mx dovecot: imap-login: Login: user=<a@x.org>, "
            "method=PLAIN, rip=192.0.2.1\n")
    logs = [db.write(f"l{i}.log", line) for i in range(2)]

    def huge_stack():
        resource.setrlimit(resource.RLIMIT_STACK,
                           (1 << 46, resource.RLIM_INFINITY))

    p = subprocess.run([DORMANT, "-c", db.conf, "-d", db.dir, "--now", NOW,
                        "import-log", "--dry-run", "-j", "2"] + logs,
                       capture_output=True, preexec_fn=huge_stack,
                       env=dict(os.environ, TZ="UTC"), timeout=60)
    err = p.stderr.decode()
    if "cannot start a thread" not in err:
        raise Skip(f"threads started anyway (exit {p.returncode}): {err[:200]}")
    assert f"cannot start a thread: {os.strerror(errno.EAGAIN)}\n" in err, err
    # the calling thread reads every file on its own
    assert p.returncode == 0 and b"read 2 lines from 2 files" in p.stdout, \
        (p.returncode, p.stdout)


if __name__ == "__main__":
    run_tests(globals())
