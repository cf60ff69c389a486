#!/usr/bin/env python3
"""A review campaign end to end on the real servers.

The sandbox has the deny passdb in front of Dovecot's passdb and the
milter in Postfix; its sendmail is the sandbox's Postfix, so every sheet
mail and reminder is a real message delivered into the reviewer's real
maildir, read back from there as the reviewer would. The directory comes
from the real Dovecot (`sync --from-doveadm`), units and managers from
contacts_file, Lab's reviewer from units_file. Time moves with --now (the
sync is 100 days old by the campaign's start: never-used is known).

- start mails Finance's sheets to boss and Lab's to head;
- boss returns Finance's sheet from his mailbox: alice kept (with a
  reason), bob revoked; a tampered copy (its key changed) and Lab's
  sheet deciding for Finance's dave are refused, changing nothing;
- Lab is late: status shows it, remind mails head again (once a day);
- close at the due date with review_default = revoke-never-used revokes
  the never-used accounts nobody decided on;
- suspend --apply suspends the revoked, not the kept: the real Dovecot
  refuses bob's IMAP login and the real Postfix his SMTP AUTH, alice
  still logs in;
- the audit trail holds every step with the reviewer's name.
"""
import csv
import datetime
import email
import email.policy
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tap  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from test_suspension import imap_works  # noqa: E402

D = "example.test"
ALICE, BOB, CAROL, DAVE, ERIN = (f"{u}@{D}" for u in ("alice", "bob", "carol",
                                                       "dave", "erin"))
BOSS, HEAD = f"boss@{D}", f"head@{D}"
USERS = [ALICE, BOB, CAROL, DAVE, ERIN, BOSS, HEAD]
CONTACTS = (f"account,unit,manager,alternate\n{ALICE},Finance,{BOSS},\n"
            f"{BOB},Finance,{BOSS},\n{DAVE},Finance,{BOSS},\n{CAROL},Lab,{BOSS},\n"
            f"{ERIN},Lab,,\n{BOSS},Board,,\n{HEAD},Board,,\n")
DEADLINE = 30.0

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def at(days):
    return (NOW + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


START, DUE = at(100), (NOW + datetime.timedelta(days=114)).strftime("%Y-%m-%d")
CID = (NOW + datetime.timedelta(days=100)).strftime("%Y%m%d-%H%M%S")


def newest_mail(sb, user, subject_part):
    """The newest message in user's maildir whose subject has the text."""
    found = []
    for sub in ("new", "cur"):
        d = os.path.join(sb.maildir(user), sub)
        for name in os.listdir(d) if os.path.isdir(d) else ():
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            if subject_part in str(msg["Subject"]):
                found.append((os.path.getmtime(path), name, msg))
    assert found, f"no mail '{subject_part}' for {user}"
    return sorted(found, key=lambda x: (x[0], x[1]))[-1][2]


def attachments(msg):
    return {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}


def sheet_rows(msg):
    data = next(v for k, v in attachments(msg).items() if k.endswith(".csv"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def save(sb, name, table, decisions=None):
    for r in table[1:]:
        if decisions and r[3] in decisions:
            r[8], r[9] = decisions[r[3]]
            r[10] = "Lê Văn Sếp"
    path = sb.path(name)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(table)
    return path


def audit(sb):
    out = sb.dormant("--now", at(200), "audit", "--format", "json", check=True)[1]
    return [json.loads(line) for line in out.splitlines()]


def test_campaign_on_the_real_servers():
    conf = ["max_suspend_fraction = 100%", "review_default = revoke-never-used",
            "notice_from = it@example.test"]
    with Sandbox(users=USERS, deny_file=True, dormant_conf=conf) as sb:
        with open(sb.path("etc", "contacts.csv"), "w") as f:
            f.write(CONTACTS)
        with open(sb.path("etc", "units.csv"), "w") as f:
            f.write(f"unit,reviewer\nLab,{HEAD}\n")
        with open(sb.path("etc", "dormant.conf"), "a") as f:
            f.write(f"contacts_file = {sb.path('etc', 'contacts.csv')}\n"
                    f"units_file = {sb.path('etc', 'units.csv')}\n")
        rc, out, err = sb.dormant("sync", "--from-doveadm", "--doveadm-config",
                                  sb.path("etc", "dovecot.conf"))
        assert rc == 0 and "synced 7 accounts" in out, (rc, out, err)
        for user in (ALICE, BOB):
            sb.imap_login(user)          # used today; idle 100 days at the start
        # start: Finance and Lab only (Board is IT's own)
        rc, out, err = sb.dormant("--now", START, "review", "start", "--due", DUE,
                                  "--unit", "Finance", "--unit", "Lab")
        assert rc == 0 and "2 units, 5 accounts" in out, (rc, out, err)
        boss0, head0 = sb.maildir_count(BOSS), sb.maildir_count(HEAD)
        rc, out, err = sb.dormant("--now", START, "review", "start", "--due", DUE,
                                  "--unit", "Finance", "--unit", "Lab", "--apply")
        assert rc == 0 and "2 mailed" in out, (rc, out, err)
        sb.wait_delivered(BOSS, boss0, DEADLINE)
        sb.wait_delivered(HEAD, head0, DEADLINE)
        fin = newest_mail(sb, BOSS, "unit Finance")
        assert fin["Auto-Submitted"] == "auto-generated", fin["Auto-Submitted"]
        assert sorted(attachments(fin)) == ["unit-0000-Finance.csv",
                                            "unit-0000-Finance.html"], attachments(fin)
        lab = newest_mail(sb, HEAD, "unit Lab")
        table = sheet_rows(fin)
        # dormant first, then never-used
        assert [r[3] for r in table[1:]] == [ALICE, BOB, DAVE], table
        assert all(r[0] == CID for r in table[1:]), table

        # refused sheets change nothing
        data = open(os.path.join(sb.db, "data.mdb"), "rb").read()
        tampered = [r[:] for r in table]
        for r in tampered[1:]:
            r[2] = "f" * 32
        other = sheet_rows(lab)
        other.append(other[1][:3] + [DAVE, "never-used", "", "", "100", "revoke", "",
                                     "head"])
        for name, t, why in (("tampered.csv", tampered, "the sheet key is not unit"),
                             ("other.csv", other, f"{DAVE} is not on unit Lab's list")):
            rc, out, err = sb.dormant("--now", at(101), "review", "import",
                                      save(sb, name, t, {BOB: ("revoke", "")}), "--apply")
            assert rc == 1 and why in err, (name, rc, out, err)
        assert open(os.path.join(sb.db, "data.mdb"), "rb").read() == data

        # boss answers: keep alice, revoke bob; dave left undecided
        path = save(sb, "finance.csv", table, {ALICE: ("keep", "kế toán trưởng"),
                                               BOB: ("revoke", "")})
        rc, out, err = sb.dormant("--now", at(101), "review", "import", path, "--apply")
        assert rc == 0 and "1 keep, 1 revoke" in out, (rc, out, err)

        # Lab is late: status, then a reminder that reaches head once a day
        out = sb.dormant("--now", at(115), "review", "status", "--format", "json",
                         check=True)[1]
        st = {u["unit"]: u for u in json.loads(out)}
        assert st["Lab"]["undecided"] == 2 and st["Lab"]["days_left"] == -1, st
        assert st["Finance"]["kept"] == 1 and st["Finance"]["revoked"] == 1, st
        head1 = sb.maildir_count(HEAD)
        boss1 = sb.maildir_count(BOSS)
        rc, out, err = sb.dormant("--now", at(115), "review", "remind", "--apply")
        assert rc == 0 and "2 reminders sent" in out, (rc, out, err)
        sb.wait_delivered(HEAD, head1, DEADLINE)
        sb.wait_delivered(BOSS, boss1, DEADLINE)
        rem = newest_mail(sb, HEAD, "Reminder")
        assert "unit Lab" in str(rem["Subject"]) and len(attachments(rem)) == 2
        rc, out, err = sb.dormant("--now", at(115), "review", "remind", "--apply")
        assert "0 reminders sent" in out, out

        # the due date is past: the default revokes the never-used undecided
        rc, out, err = sb.dormant("--now", at(115), "review", "close", "--apply")
        assert rc == 0 and "closed" in out, (rc, out, err)
        assert "3 revoked by review_default" in out, out

        # suspend: the revoked, not the kept, and every rail still holds:
        # a history shorter than suspend_after refuses the run...
        rc, out, err = sb.dormant("--now", at(116), "suspend", "--apply")
        assert rc == 1 and "history is shorter than suspend_after" in err, (rc, err)
        assert "nothing changed" in out, out
        # ...until the old logs are imported (as on a real installation)
        old = sb.path("old.log")
        with open(old, "w") as f:
            f.write(f"{at(-200)} mx dovecot: imap-login: Login: user=<{BOB}>, "
                    "method=PLAIN, rip=192.0.2.50, lip=192.0.2.1\n")
        sb.dormant("import-log", old, check=True)
        # the real servers refuse bob
        rc, out, err = sb.dormant("--now", at(116), "suspend", "--apply")
        assert rc == 0 and "suspended 4 accounts" in out, (rc, out, err)
        deny = open(sb.deny_path).read().splitlines()[1:]
        assert deny == [BOB, CAROL, DAVE, ERIN], deny
        sb.wait_until(lambda: not imap_works(sb, BOB), DEADLINE,
                      "Dovecot refusing bob's IMAP login")
        rc, out = sb.smtp_send_auth(BOB, check=False)
        assert rc != 0 and "535" in out, out
        assert imap_works(sb, ALICE)
        rc, out = sb.smtp_send_auth(ALICE, check=False)
        assert rc == 0, out

        trail = audit(sb)
        actions = [(e["action"], e["account"]) for e in trail]
        for want in (("review-start", ""), ("exempt", ALICE), ("review-revoke", BOB),
                     ("review-remind", "Lab"), ("review-default-revoke", DAVE),
                     ("review-close", ""), ("suspend", BOB)):
            assert want in actions, (want, actions)
        keep = next(e for e in trail if e["action"] == "exempt")
        assert keep["reviewer"] == "Lê Văn Sếp", keep
        sus = next(e for e in trail if e["action"] == "suspend" and e["account"] == BOB)
        assert sus["reason"] == f"revoked by review {CID} (Lê Văn Sếp)", sus


if __name__ == "__main__":
    tap.check_prerequisites()
    tap.run([test_campaign_on_the_real_servers])
