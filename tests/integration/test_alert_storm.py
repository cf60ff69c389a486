#!/usr/bin/env python3
"""A storm of wake-ups through the real servers is one alert mail (issue
16): a thousand accounts, idle for 120 days by their imported history,
log in to the real Dovecot with the plugin; each login is one wake-up
event; `dormant alerts --deliver --apply` (what dormant-alerts.service
runs every 15 s) sends alert_to one mail, through the real Postfix into
the security team's mailbox, listing 200 and counting the rest; a second
run sends nothing more.
"""
import concurrent.futures
import datetime
import email
import imaplib
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import tap  # noqa: E402
import sandbox  # noqa: E402
from sandbox import Sandbox, poll, utc_now  # noqa: E402

N = 1000
D = "@example.test"
USERS = [f"u{i:04d}{D}" for i in range(N)]
SECOPS = "secops" + D
TIMEOUT = 120.0


def setup():
    sb = Sandbox(users=USERS + [SECOPS], milter=False,
                 dormant_conf=[f"alert_to = {SECOPS}",
                               "alert_mail_interval = 15m"])
    try:
        sb.start()
    except BaseException:
        sb.stop()
        raise
    return sb


def teardown(sb):
    sb.stop()


def login(sb, user):
    imap = imaplib.IMAP4("127.0.0.1", sb.ports["imap"], timeout=30)
    try:
        imap.login(user, sb.password(user))
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def wakeups(sb):
    _, out, _ = sb.dormant("alerts", "--format", "csv", check=True)
    rows = [line.split(",") for line in out.splitlines()[1:]]
    return [r for r in rows if r[1] == "wakeup-login"]


def test_a_storm_of_wakeups_is_one_mail(sb):
    # the service's first run starts the count
    sb.dormant("alerts", "--deliver", "--apply", check=True)
    when = utc_now().replace(microsecond=0) - datetime.timedelta(days=120)
    seed = sb.path("seed.log")
    sandbox.write_file(seed, "".join(
        f"{when:%Y-%m-%dT%H:%M:%S}+00:00 mx dovecot: imap-login: Login: "
        f"user=<{u}>, method=PLAIN, rip=192.0.2.10, lip=192.0.2.254, "
        f"mpid=1, session=<seed>\n" for u in USERS))
    sb.dormant("import-log", seed, check=True)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda u: login(sb, u), USERS))
    got = sb.wait_until(lambda: len(wakeups(sb)) == N and wakeups(sb),
                        TIMEOUT, f"{N} wake-up events")
    assert len({r[2] for r in got}) == N, len(got)
    # a delivery covers events at least 5 s old: once the newest is, one
    # run takes them all
    newest = max(sandbox.parse_time(r[0]) for r in got)
    poll(lambda: utc_now() - newest > datetime.timedelta(seconds=6), 30)
    before = sb.maildir_count(SECOPS)
    _, out, _ = sb.dormant("alerts", "--deliver", "--apply", check=True)
    assert f"delivered {N} alerts to syslog, mailed" in out, out
    sb.wait_delivered(SECOPS, before, TIMEOUT)
    msgs = []
    for sub in ("new", "cur"):
        d = os.path.join(sb.maildir(SECOPS), sub)
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                msgs.append(email.message_from_bytes(f.read()))
    assert len(msgs) == 1, [m["Subject"] for m in msgs]
    m = msgs[0]
    assert m["Subject"] == f"dormant: {N} alerts (wake-ups, refused or " \
        "unusual logins)", m["Subject"]
    body = m.get_payload(decode=True).decode()
    assert body.count("wakeup-login") == 200, body.count("wakeup-login")
    assert f"... and {N - 200} more" in body, body[-300:]
    # nothing new: no second mail
    _, out, _ = sb.dormant("alerts", "--deliver", "--apply", check=True)
    assert "mailed" not in out, out
    assert sb.maildir_count(SECOPS) == 1


if __name__ == "__main__":
    tap.run([test_a_storm_of_wakeups_is_one_mail],
            setup=setup, teardown=teardown)
