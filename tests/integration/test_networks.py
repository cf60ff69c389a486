#!/usr/bin/env python3
"""New-network and wake-up events as the plugin and the milter record them
(doc/DESIGN.md §5.4), and webmail seen as webmail (§5.1), with a real
Dovecot (2.3 or 2.4) and Postfix started by sandbox.py.

Dovecot trusts 127.0.0.0/8 (login_trusted_networks), so an IMAP ID sent
before LOGIN with "x-originating-ip" makes the mail process see that
address as the client's, as Roundcube's dovecot_ident or SOGo do: the
test presents many source addresses from 127.0.0.1. imap_id_retain and
the userdb's override_fields hand the ID ("name") and the real peer
(%{real_rip}) to the plugin; webmail_networks names 127.0.0.0/8.
Postfix lets 127.0.0.1 send XCLIENT, so a send can come "from" any
address too. dormant_update_interval is 0: every login writes, so "no
event" is the network set's doing, not coalescing's.
"""
import datetime
import imaplib
import json
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
import sandbox  # noqa: E402
from sandbox import Sandbox, SandboxError, poll, utc_now  # noqa: E402

D = "@example.test"
ANN, BEN, CAT, DAN = (u + D for u in ("ann", "ben", "cat", "dan"))
TIMEOUT = 20.0
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))


def login_from(sb, user, ip, name="Roundcube"):
    """An IMAP login from IP as a webmail forwards it (ID, then LOGIN)."""
    imap = imaplib.IMAP4("127.0.0.1", sb.ports["imap"], timeout=30)
    try:
        fields = f'"x-originating-ip" "{ip}"'
        if name is not None:
            fields += f' "name" "{name}"'
        typ, data = imap._simple_command("ID", f"({fields})")
        if typ != "OK":
            raise SandboxError(f"IMAP ID: {typ} {data}")
        imap.login(user, sb.password(user))
        typ, data = imap.select("INBOX")
        if typ != "OK":
            raise SandboxError(f"IMAP SELECT for {user}: {data}")
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def show(sb, user):
    _, out, _ = sb.dormant("show", "--format", "json", user, check=True)
    return json.loads(out)


def events(sb, user):
    _, out, _ = sb.dormant("report", "--format", "json", check=True)
    return [e for e in json.loads(out)["events"] if e["account"] == user]


def wait_login(sb, user, ip):
    """Wait until USER's last login is from IP (the plugin wrote it)."""
    def done():
        try:
            return show(sb, user)["login_ip"] == ip
        except SandboxError:
            return False
    sb.wait_until(done, TIMEOUT, f"{user}'s login from {ip}")


def setup():
    sb = Sandbox(users=[ANN, BEN, CAT, DAN], update_interval="0",
                 dovecot_extra=["login_trusted_networks = 127.0.0.0/8",
                                "imap_id_retain = yes"],
                 userdb_fields={
                     "dormant_client_id": Sandbox.userdb_variable("client_id"),
                     "dormant_real_ip": Sandbox.userdb_variable("real_remote_ip")},
                 plugin_settings={"dormant_webmail_networks": "127.0.0.0/8"},
                 postfix_extra=["smtpd_authorized_xclient_hosts = 127.0.0.1"])
    try:
        sb.start()
    except BaseException:
        sb.stop()
        raise
    return sb


def teardown(sb):
    sb.stop()


def test_first_login_teaches_and_is_shown_as_webmail(sb):
    login_from(sb, ANN, "203.0.113.7")
    wait_login(sb, ANN, "203.0.113.7")
    s = show(sb, ANN)
    assert s["login_service"] == "imap", s
    assert s["login_via"] == "webmail" and s["login_client"] == "Roundcube", s
    nets = s["networks"]
    assert [n["network"] for n in nets] == ["203.0.113.0/24"], nets
    assert nets[0]["login"] and not nets[0]["send"] and nets[0]["webmail"], nets
    assert events(sb, ANN) == [], events(sb, ANN)
    _, out, _ = sb.dormant("show", ANN, check=True)
    assert "(webmail (Roundcube) from 203.0.113.7)" in out, out
    assert "203.0.113.0/24" in out, out
    # list's text says so too; CSV and JSON keep the stored service
    _, out, _ = sb.dormant("list", check=True)
    row = [line for line in out.splitlines() if line.startswith(ANN)]
    assert row and "webmail (Roundcube)" in row[0], out
    _, out, _ = sb.dormant("list", "--format", "csv", check=True)
    row = [line for line in out.splitlines() if line.startswith(ANN)]
    assert row and ",imap,203.0.113.7," in row[0] and "webmail" not in out, out


def test_new_network_login_is_one_event(sb):
    login_from(sb, ANN, "203.0.113.7")      # taught (or known already)
    wait_login(sb, ANN, "203.0.113.7")
    offset = sb.log_size("dovecot.log")
    login_from(sb, ANN, "198.51.100.7", name="Thunderbird")
    sb.wait_log("dovecot.log", r"dormant: new network: " + ANN.replace(".", r"\.")
                + r" logged in by imap from 198\.51\.100\.7", offset, TIMEOUT)
    got = sb.wait_until(lambda: events(sb, ANN), TIMEOUT, "ann's event")
    assert len(got) == 1, got
    e = got[0]
    assert e["event"] == "new-network-login" and e["ip"] == "198.51.100.7", e
    assert e["service"] == "imap" and e["new_network"] and not e["suspended"], e
    # the same address again, and another host of that /24: no event
    poll(lambda: False, 1.1)                 # a new second: a new write
    login_from(sb, ANN, "198.51.100.7")
    poll(lambda: False, 1.1)
    login_from(sb, ANN, "198.51.100.200")
    wait_login(sb, ANN, "198.51.100.200")
    assert len(events(sb, ANN)) == 1, events(sb, ANN)
    nets = {n["network"]: n for n in show(sb, ANN)["networks"]}
    assert set(nets) == {"203.0.113.0/24", "198.51.100.0/24"}, nets
    assert nets["198.51.100.0/24"]["client"] == "Roundcube", nets


def test_login_without_id_name_from_a_webmail_host_is_webmail(sb):
    login_from(sb, BEN, "192.0.2.9", name=None)
    wait_login(sb, BEN, "192.0.2.9")
    s = show(sb, BEN)
    assert s["login_via"] == "webmail" and s["login_client"] is None, s
    _, out, _ = sb.dormant("list", check=True)
    row = [line for line in out.splitlines() if line.startswith(BEN)]
    assert row and " webmail " in row[0] and "(" not in row[0], out


def test_new_network_send_through_postfix(sb):
    # taught by a login; then a send from elsewhere (XCLIENT)
    login_from(sb, CAT, "203.0.113.50")
    wait_login(sb, CAT, "203.0.113.50")
    offset = sb.log_size("milter.log") if os.path.exists(
        sb.path("log", "milter.log")) else 0
    sb._swaks(["--from", CAT, "--to", "someone@elsewhere.invalid",
               "--xclient-addr", "192.0.2.77", "--auth", "PLAIN",
               "--auth-user", CAT, "--auth-password", sb.password(CAT)], True)
    got = sb.wait_until(lambda: events(sb, CAT), TIMEOUT, "cat's send event")
    assert len(got) == 1, got
    e = got[0]
    assert e["event"] == "new-network-send" and e["ip"] == "192.0.2.77", e
    assert e["service"] == "smtp", e
    nets = {n["network"]: n for n in show(sb, CAT)["networks"]}
    assert nets["192.0.2.0/24"]["send"] and not nets["192.0.2.0/24"]["login"], nets
    del offset


def test_wakeup_login_of_a_dormant_account_is_one_event(sb):
    when = utc_now().replace(microsecond=0) - datetime.timedelta(days=120)
    line = (f"{when:%Y-%m-%dT%H:%M:%S}+00:00 mx dovecot: imap-login: Login: "
            f"user=<{DAN}>, method=PLAIN, rip=192.0.2.10, lip=192.0.2.254, "
            f"mpid=1, session=<seed>\n")
    path = sb.path("seed-dan.log")
    sandbox.write_file(path, line)
    sb.dormant("import-log", path, check=True)
    login_from(sb, DAN, "198.51.100.8")
    wait_login(sb, DAN, "198.51.100.8")
    got = sb.wait_until(lambda: events(sb, DAN), TIMEOUT, "dan's wake-up")
    assert len(got) == 1, got
    e = got[0]
    # no network set yet (imported history has none): it teaches, so the
    # wake-up is not flagged as a new network
    assert e["event"] == "wakeup-login" and not e["new_network"], e
    assert abs(e["idle_days"] - 120) <= 1, e
    poll(lambda: False, 1.1)
    login_from(sb, DAN, "198.51.100.8")
    assert len(events(sb, DAN)) == 1, events(sb, DAN)


if __name__ == "__main__":
    tap.run([test_first_login_teaches_and_is_shown_as_webmail,
             test_new_network_login_is_one_event,
             test_login_without_id_name_from_a_webmail_host_is_webmail,
             test_new_network_send_through_postfix,
             test_wakeup_login_of_a_dormant_account_is_one_event],
            setup=setup, teardown=teardown)
