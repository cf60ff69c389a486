#!/usr/bin/env python3
"""Contacts from the real userdb: a passwd-file with extra fields
(userdb_manager=..., userdb_ou=..., userdb_alternate=...), read by
`dormant sync --from-doveadm` through the real doveadm, with a
contacts_file that wins field by field; `notify` then names the manager
and leaves out the address outside local_domains."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import Sandbox  # noqa: E402

ALICE = "alice@example.test"
BOB = "bob@example.test"
CAROL = "carol@example.test"
FIELDS = {
    ALICE: "userdb_manager=Boss@Example.TEST userdb_ou=Finance "
           "userdb_alternate=alice.home@example.net",
    # a value that is not an address: left out with a warning
    BOB: "userdb_manager=boss(at)example.test userdb_ou=Lab",
    CAROL: "userdb_manager=carol.boss@example.test",
}
CONF = ["unit_field = ou", "contact_manager_field = manager",
        "contact_alternate_field = alternate"]


def test_sync_reads_real_userdb_fields():
    with Sandbox(milter=False, user_fields=FIELDS, dormant_conf=CONF) as sb:
        contacts = sb.path("etc", "contacts.csv")
        with open(contacts, "w") as f:
            f.write("account,unit,manager,alternate\n"
                    f"{CAROL},Board,,\n")
        with open(sb.path("etc", "dormant.conf"), "a") as f:
            f.write(f"contacts_file = {contacts}\n")
        rc, out, err = sb.dormant("sync", "--from-doveadm", "--doveadm-config",
                                  sb.path("etc", "dovecot.conf"))
        assert rc == 1 and "synced 3 accounts" in out, (rc, out, err)
        assert "3 with contacts" in out, out
        assert f"doveadm user: {BOB}: manager: not a plain mail address" in err, err
        out = sb.dormant("show", ALICE, check=True)[1]
        assert "unit:           Finance (userdb)" in out, out
        assert "manager:        boss@example.test (userdb)" in out, out
        assert "alternate:      alice.home@example.net (userdb)" in out, out
        out = sb.dormant("show", BOB, check=True)[1]
        assert "unit:           Lab (userdb)" in out and \
            "manager:        none known" in out, out
        out = sb.dormant("show", CAROL, check=True)[1]
        assert "unit:           Board (file)" in out, out
        assert "manager:        carol.boss@example.test (userdb)" in out, out
        # everyone idle 200 days on: the dry run names the manager, not
        # the address outside local_domains
        rc, out, err = sb.dormant("--now", "2099-01-01T00:00:00Z", "notify")
        assert rc == 0, (rc, out, err)
        assert (f"notice to {ALICE}, boss@example.test\n"
                "    not mailed: alice.home@example.net (outside local_domains)"
                in out), out


if __name__ == "__main__":
    tap.check_prerequisites()
    tap.run([test_sync_reads_real_userdb_fields])
