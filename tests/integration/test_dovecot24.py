#!/usr/bin/env python3
"""Dovecot 2.4 only: the dormant_* settings are real, typed Dovecot settings.

On 2.4 the settings module (modules/settings/libdormant_settings.so, put
there by `make install`) tells the config process about dormant_*: doveconf
shows them with their defaults, a bad value stops Dovecot at start-up with
a message naming the setting, and dormant_services is a boolean list that
can drop one service (`dormant_services { pop3 = no }`). On Dovecot 2.3
this whole file reports a TAP skip.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import (Sandbox, SandboxError, default_builddir,  # noqa: E402
                     dovecot_is_24, dovecot_version)

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"
RECORD_TIMEOUT = 20.0
DOVECONF = (shutil.which("doveconf", path="/usr/bin:/usr/sbin:/bin:/sbin")
            or "/usr/bin/doveconf")
SETTINGS = ("dormant_db", "dormant_update_interval", "dormant_services",
            "dormant_count_master_user", "dormant_default_domain",
            "dormant_lowercase_local_part")
MINIMAL_CONF = "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n"


def default_dbdir():
    """The build's default database directory (configure --with-dbdir)."""
    path = os.path.join(default_builddir(), "dormant-config.h")
    try:
        with open(path) as f:
            m = re.search(r'#define DORMANT_DEFAULT_DBDIR "([^"]*)"', f.read())
    except OSError:
        m = None
    return m.group(1) if m else "/var/lib/dormant"


def doveconf(conf, *args):
    """Run doveconf on CONF: (exit status, stdout, stderr)."""
    p = subprocess.run([DOVECONF, "-c", conf] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    return (p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace"))


def doveconf_text(text, *args):
    """doveconf on a configuration file holding TEXT (a temporary file)."""
    with tempfile.TemporaryDirectory(prefix="dormant-dc-") as d:
        conf = os.path.join(d, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(text)
        return doveconf(conf, *args)


def settings_of(out):
    """`name = value` lines of doveconf output as a dict (flat values)."""
    return {m.group(1): m.group(2) for m in
            re.finditer(r"^(\w+) = (.*)$", out, re.M)}


def wait_record(sb, account):
    def ready():
        row = sb.records().get(account)
        return row if row and row["last_login"] else None
    return sb.wait_until(ready, RECORD_TIMEOUT,
                         f"last_login of {account} in `dormant list --format csv`")


def test_doveconf_shows_the_settings_with_defaults():
    rc, out, err = doveconf_text(MINIMAL_CONF, *SETTINGS)
    assert rc == 0, f"doveconf exit {rc}:\n{err}"
    got = settings_of(out)
    assert set(got) == set(SETTINGS), f"doveconf showed:\n{out}{err}"
    assert got["dormant_db"] == default_dbdir(), got
    # 60 s, however this Dovecot prints a time ("1 mins" in 2.4.1).
    assert re.fullmatch(r"1 mins?|60 ?s(ecs?)?", got["dormant_update_interval"]), got
    assert got["dormant_services"].split() == ["imap", "pop3", "submission",
                                               "managesieve"], got
    assert got["dormant_count_master_user"] == "no", got
    assert got["dormant_default_domain"] == "", got
    assert got["dormant_lowercase_local_part"] == "yes", got
    assert "Warning" not in err and "Error" not in err, err


def test_doveconf_refuses_an_invalid_interval():
    conf = MINIMAL_CONF + "dormant_update_interval = forever\n"
    rc, out, err = doveconf_text(conf, *SETTINGS)
    assert rc != 0, f"doveconf accepted `forever` (exit 0):\n{out}{err}"
    assert re.search(r"dormant_update_interval: .*forever", err), err
    assert "line 3" in err, f"no line number in the message: {err}"


def test_dovecot_refuses_to_start_with_bad_values():
    # A type error (parser), the range and path checks (the settings'
    # check function) and a bad boolean: each stops Dovecot at start-up
    # with a message naming the setting, before any login.
    cases = [({"update_interval": "forever"}, "dormant_update_interval"),
             ({"update_interval": "2d"}, "dormant_update_interval: at most 1 day"),
             ({"plugin_settings": {"dormant_db": "relative/db"}},
              "dormant_db: must be an absolute path"),
             ({"plugin_settings": {"dormant_count_master_user": "maybe"}},
              "dormant_count_master_user"),
             ({"plugin_settings": {"dormant_lowercase_local_part": "maybe"}},
              "dormant_lowercase_local_part")]
    for kwargs, message in cases:
        sb = Sandbox(plugin=True, milter=False, **kwargs)
        try:
            sb.start()
        except SandboxError as e:
            text = str(e)
            assert "dovecot exited" in text and message in text, \
                f"{kwargs}: not refused for the expected reason:\n{text}"
        else:
            raise AssertionError(f"Dovecot started with {kwargs}")
        finally:
            sb.stop()
        assert not sb.killed, f"{kwargs}: had to SIGKILL {sb.killed}"


def test_services_boollist_drops_pop3_keeps_imap():
    extra = ["dormant_services {", "  pop3 = no", "}"]
    with Sandbox(plugin=True, milter=False, users=[ALICE, BOB, CAROL],
                 dovecot_extra=extra) as sb:
        # The sandbox's own 2.4 configuration parses without a word.
        rc, out, err = doveconf(sb.path("etc", "dovecot.conf"), "dormant_services")
        assert rc == 0 and not err.strip(), f"doveconf exit {rc}:\n{err}"
        assert re.search(r"^\s*pop3 = no$", out, re.M), out
        assert re.search(r"^\s*imap = yes$", out, re.M), out

        # A POP3 session of bob: no record.
        off = sb.log_size("dovecot.log")
        sb.pop3_login(BOB)
        sb.wait_log("dovecot.log", r"pop3\(bob@example\.test\).*Logged out", off)
        # IMAP still counts.
        sb.imap_login(ALICE)
        alice = wait_record(sb, ALICE)
        assert alice["login_service"] == "imap", alice
        # A POP3 session of alice leaves her IMAP login as it was (were it
        # counted, a new service would be written at once, coalescing or not).
        off = sb.log_size("dovecot.log")
        sb.pop3_login(ALICE)
        sb.wait_log("dovecot.log", r"pop3\(alice@example\.test\).*Logged out", off)
        # A later IMAP login recorded means the POP3 sessions are long over.
        sb.imap_login(CAROL)
        wait_record(sb, CAROL)
        rows = sb.records()
        assert BOB not in rows, f"a POP3 login counted: {rows[BOB]}"
        assert rows[ALICE] == alice, \
            f"alice's row changed by POP3:\nbefore {alice}\nafter  {rows[ALICE]}"
    assert not sb.killed, f"had to SIGKILL {sb.killed}"
    assert not sb.problems, "\n".join(sb.problems)


if __name__ == "__main__":
    tap.check_prerequisites()
    if not dovecot_is_24():
        version = ".".join(map(str, dovecot_version())) or "unknown"
        tap.skip_all(f"Dovecot {version} is not 2.4")
    tap.run([test_doveconf_shows_the_settings_with_defaults,
             test_doveconf_refuses_an_invalid_interval,
             test_dovecot_refuses_to_start_with_bad_values,
             test_services_boollist_drops_pop3_keeps_imap])
