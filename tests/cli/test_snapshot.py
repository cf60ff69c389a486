#!/usr/bin/env python3
"""dormant export and merge as the admin moves snapshots between hosts:
one compressed format whatever the file is called."""
import gzip
import os
import random

from clitest import Db
from taplib import run_tests

DOVECOT = ("{stamp} mx dovecot: imap-login: Login: user=<{user}>, method=PLAIN, "
           "rip=192.0.2.{n}, lip=192.0.2.254, mpid=42, session=<s>\n")


def host(name, seed, n=60):
    """A host that saw logins of n accounts."""
    rng = random.Random(seed)
    db = Db(name)
    lines = [DOVECOT.format(stamp=f"2026-{rng.randrange(1, 11):02d}-"
                            f"{rng.randrange(1, 28):02d}T08:00:00Z",
                            user=f"u{rng.randrange(n)}@x.org",
                            n=rng.randrange(1, 255))
             for _ in range(3 * n)]
    db.write("log", "".join(lines))
    db.run("import-log", db.path("log"), check=0)
    return db


def listing(db):
    return db.out("list", "--format", "csv")


def test_export_is_compressed_whatever_the_name():
    src = host("names-src", 1)
    expected = listing(src)
    for name in ("a.snap", "snapshot", "b.gz", "c.snap.gz", "d.tar"):
        src.run("export", "-o", src.path(name), check=0)
        data = open(src.path(name), "rb").read()
        # one gzip member holding the dormant format, never gzip in gzip
        assert data[:2] == b"\x1f\x8b", (name, data[:16])
        assert gzip.decompress(data)[:8] == b"DORMSNAP", name
        dst = Db("names-dst-" + name.replace(".", "-"))
        dst.run("merge", src.path(name), check=0)
        assert listing(dst) == expected, name


if __name__ == "__main__":
    run_tests(globals())
