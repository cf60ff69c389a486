#!/usr/bin/env python3
"""Write a realistic mail log for the import benchmark: Dovecot logins
(some failed), LMTP deliveries, Postfix smtpd/cleanup/qmgr/smtp lines and
authenticated submissions, in classic syslog format over ~300 days.

Usage: gen-log.py FILE.gz MEGABYTES [SEED]
"""
import gzip
import random
import sys

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def main():
    path, mb = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    users = [f"user{i:05d}@unit{i % 40:02d}.ministry.example" for i in range(20000)]
    limit = mb * 1024 * 1024
    written = 0
    t = 0
    with gzip.open(path, "wt", compresslevel=6) as out:
        buf = []
        while written < limit:
            t += rng.randrange(1, 3)
            day = t // 86400 % 300
            mon, mday = MONTHS[day // 28 % 12], day % 28 + 1
            stamp = f"{mon} {mday:2d} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
            u = rng.choice(users)
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            qid = f"{rng.randrange(16**10):010X}"
            r = rng.random()
            if r < 0.10:
                line = (f"{stamp} mx dovecot: imap-login: Login: user=<{u}>, method=PLAIN, "
                        f"rip={ip}, lip=10.0.0.1, mpid={rng.randrange(99999)}, TLS, "
                        f"session=<{qid}>")
            elif r < 0.13:
                line = (f"{stamp} mx dovecot: pop3-login: Disconnected (auth failed, 1 "
                        f"attempts in 2 secs): user=<{u}>, method=PLAIN, rip={ip}, "
                        f"lip=10.0.0.1, TLS, session=<{qid}>")
            elif r < 0.16:
                line = (f"{stamp} mx postfix/submission/smtpd[{rng.randrange(9999)}]: "
                        f"{qid}: client=pc.example[{ip}], sasl_method=PLAIN, "
                        f"sasl_username={u}")
            elif r < 0.40:
                line = (f"{stamp} mx dovecot: lmtp({u})<{rng.randrange(9999)}><{qid}>: "
                        f"msgid=<{qid}@mx>: saved mail to INBOX")
            elif r < 0.60:
                line = (f"{stamp} mx postfix/qmgr[812]: {qid}: from=<{u}>, "
                        f"size={rng.randrange(1000, 900000)}, nrcpt=1 (queue active)")
            elif r < 0.80:
                line = (f"{stamp} mx postfix/smtp[{rng.randrange(9999)}]: {qid}: "
                        f"to=<someone@elsewhere.example>, relay=mx.elsewhere.example"
                        f"[{ip}]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, "
                        f"status=sent (250 2.0.0 Ok: queued)")
            else:
                line = (f"{stamp} mx postfix/smtpd[{rng.randrange(9999)}]: connect from "
                        f"unknown[{ip}]")
            buf.append(line)
            written += len(line) + 1
            if len(buf) >= 10000:
                out.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            out.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
