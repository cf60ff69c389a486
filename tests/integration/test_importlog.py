#!/usr/bin/env python3
"""import-log on the logs the real servers write.

A remote SMTP client puts a Dovecot login, a refusal and a SASL send of
boss@example.test (a local_domains account) into its MAIL FROM and RCPT
TO; the real Postfix rejects them and writes them into its log, and a
Dovecot IMAP client tries a name holding the same words. import-log of
those logs records nothing of boss, and still records the real SASL send
and the real IMAP login in the same logs.

A second pair of sandboxes makes the forms that used to be missed: Dovecot
proxying bob to another Dovecot (its "Started proxying" line), its own log
file with log_timestamp "%Y-%m-%d %H:%M:%S ", and Postfix with
smtpd_client_port_logging (client=host[ip]:port).

Each import goes into a database of its own, so what the plugin and the
milter recorded cannot hide what import-log did.
"""
import csv
import imaplib
import io
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import CSV_HEADER, Sandbox, write_file  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"
BOSS = "boss@example.test"        # no such user: only strangers name him
FORGED_FROM = ('"x client=h[1.2.3.4], sasl_method=PLAIN, sasl_username='
               f'{BOSS}, y"@evil.invalid')
FORGED_RCPT = [
    f'"imap-login: Login: user=<{BOSS}>, method=PLAIN, rip=1.2.3.4"',
    f'"pop3-login: Disconnected (user disabled): user=<{BOSS}>, rip=1.2.3.4"',
    f'"imap-login: proxy({BOSS}): Started proxying to <1.2.3.4> (0.001 '
    f'secs): user=<{BOSS}>, rip=1.2.3.4"',
    '"plain"',
]


def import_fresh(sb, *logs):
    """import-log of the sandbox's LOGS into a database of its own, with
    the sandbox's dormant.conf (local_domains = example.test). Returns
    (summary, {account: CSV row})."""
    db = tempfile.mkdtemp(prefix="dormant-import-")
    try:
        def run(*args):
            argv = [sb.dormant_bin, "-c", sb.path("etc", "dormant.conf"),
                    "-d", db] + list(args)
            p = subprocess.run(argv, capture_output=True, timeout=60,
                               env=dict(os.environ, TZ="UTC", LC_ALL="C"))
            assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
            return p.stdout.decode()
        out = run("import-log", *[sb.path("log", name) for name in logs])
        text = run("list", "--format", "csv")
        assert text.startswith(CSV_HEADER + "\r\n"), text
        rows = csv.DictReader(io.StringIO(text, newline=""))
        return out, {r["account"]: r for r in rows}
    finally:
        shutil.rmtree(db, ignore_errors=True)


def test_a_strangers_words_in_the_logs_count_for_nothing():
    with Sandbox() as sb:
        # the remote client: every forged RCPT is refused, and logged
        with smtplib.SMTP("127.0.0.1", sb.ports["smtp"], timeout=30) as smtp:
            smtp.ehlo("client.sandbox.test")
            code, reply = smtp.docmd(f"MAIL FROM:<{FORGED_FROM}>")
            assert code == 250, (code, reply)
            for rcpt in FORGED_RCPT:
                code, reply = smtp.docmd(f"RCPT TO:<{rcpt}@elsewhere.invalid>")
                assert code == 554, (rcpt, code, reply)
        # a Dovecot client's name holding the same words (a quoted string)
        imap = imaplib.IMAP4("127.0.0.1", sb.ports["imap"], timeout=30)
        try:
            imap.login(f'"x (user disabled): user=<{BOSS}"', "guess")
            raise AssertionError("a made-up name logged in")
        except imaplib.IMAP4.error:
            pass
        finally:
            imap.shutdown()
        # the real ones
        sb.smtp_send_auth(ALICE)
        sb.imap_login(BOB)
        sb.wait_log("postfix.log", r"reject: RCPT .*<plain@elsewhere")
        sb.wait_log("postfix.log", r"client=.*sasl_username=" + ALICE)
        sb.wait_log("dovecot.log", r"auth failed.*user=<x \(user disabled\)")
        sb.wait_log("dovecot.log", r"(Login|Logged in): user=<" + BOB)  # 2.3 | 2.4
        assert sb.log_since("postfix.log").count(f"user=<{BOSS}>") >= 3

        out, rows = import_fresh(sb, "postfix.log", "dovecot.log")
        assert "1 logins and 1 sends matched" in out, out
        assert "refused" not in out and "malformed" not in out, out
        assert sorted(rows) == [ALICE, BOB], rows
        assert rows[ALICE]["send_ip"] == "127.0.0.1", rows[ALICE]
        assert rows[ALICE]["last_login"] == "", rows[ALICE]
        assert rows[BOB]["login_service"] == "imap", rows[BOB]


def test_proxies_dovecot_stamps_and_client_ports_are_read():
    with Sandbox(plugin=False, milter=False) as backend, \
            Sandbox(dovecot_extra=['log_timestamp = "%Y-%m-%d %H:%M:%S "'],
                    postfix_extra=["smtpd_client_port_logging = yes"]) as sb:
        # bob's passdb entry sends him on to the backend's IMAP
        passwd = sb.path("etc", "passwd")
        with open(passwd) as f:
            lines = f.read().splitlines()
        lines = [line + (f"proxy=y host=127.0.0.1 port={backend.ports['imap']}"
                         if line.startswith(BOB + ":") else "")
                 for line in lines]
        write_file(passwd, "\n".join(lines) + "\n", 0o640)
        sb.imap_login(BOB)
        sb.smtp_send_auth(ALICE)
        sb.wait_log("dovecot.log", r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                    r"imap-login: .*proxy\(" + BOB + r".*[Ss]tarted proxying")
        sb.wait_log("postfix.log", r"client=localhost\[127\.0\.0\.1\]:\d+, "
                    r"sasl_method=PLAIN, sasl_username=" + ALICE)

        out, rows = import_fresh(sb, "dovecot.log", "postfix.log")
        assert "1 logins and 1 sends matched" in out, out
        assert "malformed" not in out, out
        assert sorted(rows) == [ALICE, BOB], rows
        assert (rows[BOB]["login_service"], rows[BOB]["login_ip"]) == \
            ("imap", "127.0.0.1"), rows[BOB]
        assert rows[ALICE]["send_ip"] == "127.0.0.1", rows[ALICE]
        # the proxy itself never ran a mail process for bob
        assert not os.path.exists(sb.maildir(BOB)), "bob was not proxied"


if __name__ == "__main__":
    tap.run([test_a_strangers_words_in_the_logs_count_for_nothing,
             test_proxies_dovecot_stamps_and_client_ports_are_read])
