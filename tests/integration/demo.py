#!/usr/bin/env python3
"""The Quick start demo: a sandboxed Dovecot + Postfix with dormant loaded.

Starts a real Dovecot (with the dormant plugin) and a real Postfix (with
dormant-milter) on 127.0.0.1 high ports in a temporary directory, lets a
few users log in by IMAP and POP3 and send mail with swaks, then prints
what dormant recorded: `dormant list` and `dormant list --format csv`.
Exits non-zero on any failure. Run as root, after `make`.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import Sandbox, SandboxError, missing_prerequisites  # noqa: E402

USERS = ["alice", "bob", "carol", "dave", "erin"]
D = "@example.test"


def say(text):
    print(f"demo: {text}", flush=True)


def wait_rows(sb, accounts):
    """Until every account in ACCOUNTS has a row (the writes are async)."""
    sb.wait_until(lambda: set(accounts) <= set(sb.records()), 20,
                  f"records for {', '.join(sorted(accounts))}")


def main():
    why = missing_prerequisites()
    if why:
        say(f"cannot run: {why}")
        return 2
    t0 = time.monotonic()
    say("starting Dovecot (dormant plugin), dormant-milter and Postfix "
        "on 127.0.0.1 ...")
    with Sandbox(plugin=True, milter=True, users=USERS) as sb:
        p = sb.ports
        say(f"up in {sb.timings['start']:.1f} s: IMAP {p['imap']}, "
            f"POP3 {p['pop3']}, SMTP {p['smtp']}, milter {p['milter']}; "
            f"directory {sb.dir}")
        say("alice logs in by IMAP")
        sb.imap_login("alice" + D)
        say("bob logs in by POP3")
        sb.pop3_login("bob" + D)
        say("carol sends a message with SMTP AUTH (swaks)")
        sb.smtp_send_auth("carol" + D, to="friend@elsewhere.invalid")
        say("dave logs in by IMAP and sends a message to alice")
        sb.imap_login("dave" + D)
        before = sb.maildir_count("alice" + D)
        sb.smtp_send_auth("dave" + D, to="alice" + D)
        sb.wait_delivered("alice" + D, before)
        say("an outsider sends erin a message without AUTH "
            "(delivered, but not activity)")
        before = sb.maildir_count("erin" + D)
        sb.smtp_send_noauth("stranger@outside.invalid", "erin" + D)
        sb.wait_delivered("erin" + D, before)
        wait_rows(sb, [u + D for u in ("alice", "bob", "carol", "dave")])

        print("\n$ dormant list", flush=True)
        print(sb.dormant("list", check=True)[1], flush=True)
        print("$ dormant list --format csv", flush=True)
        print(sb.dormant("list", "--format", "csv", check=True)[1]
              .replace("\r\n", "\n"), flush=True)
        erin = sb.records().get("erin" + D, {})
        if erin.get("last_login") or erin.get("last_send") or \
                not erin.get("last_receive"):
            say(f"UNEXPECTED: erin only received mail: {erin}")
            return 1
        say("erin only received mail: kept as last_receive, never as activity")

        say("learning every account from the directory (doveadm user '*')")
        print(f"$ dormant sync --from-doveadm", flush=True)
        print(sb.dormant("sync", "--from-doveadm", "--doveadm-config",
                         sb.path("etc", "dovecot.conf"), check=True)[1],
              flush=True)
        print("$ dormant report", flush=True)
        print(sb.dormant("report", check=True)[1], flush=True)
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(time.time() + 130 * 86400))
        say("what if nobody logs in for 130 days? (--now, nothing is changed)")
        print(f"$ dormant --now {later} list", flush=True)
        print(sb.dormant("--now", later, "list", check=True)[1], flush=True)
        print(f"$ dormant --now {later} suspend      # a dry run", flush=True)
        rc, out, err = sb.dormant("--now", later, "suspend")
        print(out + err, flush=True)
        say("stopping ...")
    say(f"stopped in {sb.timings['stop']:.1f} s; "
        f"total {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SandboxError as e:
        print(f"demo: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
