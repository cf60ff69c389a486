#!/usr/bin/env python3
"""A long listing nobody reads (`dormant list | less`, the admin gone to
lunch) pins no LMDB reader slot: the store pages through the database and
the output blocks outside any read transaction. With one transaction held
for the whole listing, LMDB could reuse none of the pages the logins free
meanwhile, and data.mdb grew from 272 KB to 98 MB under 5,000 logins."""
import os
import subprocess
import time

from clitest import DORMANT, NOW, Db
from taplib import run_tests

DEADLINE = 30.0


def blocked_on_pipe(pid):
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return "pipe_w" in f.read()      # pipe_write, anon_pipe_write, pipe_wait
    except OSError:
        return False


def readers_of(db, pid):
    # mdb_stat exits 1 here (no -s), having printed the table
    out = subprocess.run(["mdb_stat", "-r", db.dir], capture_output=True,
                         text=True).stdout
    assert out.startswith("Reader Table Status"), out
    return [l for l in out.splitlines()[1:]
            if l.split() and l.split()[0] == str(pid)]


def test_a_listing_nobody_reads_holds_no_reader_slot():
    db = Db("longlist")
    db.write("users", "".join(f"user{i:05d}@example.org\n" for i in range(20000)))
    db.run("sync", "--file", db.path("users"), check=0)
    for args in (["list"], ["report", "--format", "csv"]):
        p = subprocess.Popen([DORMANT, "-c", db.conf, "-d", db.dir, "--now",
                              NOW] + args, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        try:
            end = time.monotonic() + DEADLINE
            while not blocked_on_pipe(p.pid):
                assert p.poll() is None, "it finished: output too short"
                assert time.monotonic() < end, "never blocked on its output"
                time.sleep(0.01)
            assert readers_of(db, p.pid) == [], (args, readers_of(db, p.pid))
            # the writers go on meanwhile
            db.write("log", "2026-11-20T08:00:00Z mx dovecot: imap-login: "
                     "Login: user=<user00001@example.org>, method=PLAIN, "
                     "rip=192.0.2.1\n")
            db.run("import-log", db.path("log"), check=0, timeout=30)
        finally:
            p.kill()
            p.wait()


if __name__ == "__main__":
    run_tests(globals())
