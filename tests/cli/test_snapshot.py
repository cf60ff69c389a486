#!/usr/bin/env python3
"""dormant export and merge as the admin moves snapshots between hosts:
one compressed format whatever the file is called, standard output and
input, and a merge that applies exactly the bytes it verified."""
import gzip
import os
import random
import shutil
import subprocess
import threading
import zlib

from clitest import DORMANT, Db
from taplib import Skip, run_tests

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


def test_export_to_stdout_and_merge_from_stdin():
    src = host("stdio-src", 2)
    _, snap, _ = src.run("export", "-o", "-", check=0)
    assert snap[:2] == b"\x1f\x8b" and gzip.decompress(snap)[:8] == b"DORMSNAP"
    dst = Db("stdio-dst")
    rc, out, err = dst.run("merge", "-", stdin=snap)
    assert rc == 0 and b"merged 1 snapshot" in out, (rc, out, err)
    assert listing(dst) == listing(src)


def test_merge_applies_the_bytes_it_verified_never_reopening():
    """The snapshot comes through a FIFO, which can be read only once; as
    soon as it has been read, the path is replaced by another valid
    snapshot. A merge that opened the path again to apply it would block on
    the FIFO or apply the replacement, which it never verified."""
    good, other = host("fifo-good", 3), host("fifo-other", 4)
    other.write("log2", DOVECOT.format(stamp="2026-11-01T08:00:00Z",
                                       user="intruder@x.org", n=9))
    other.run("import-log", other.path("log2"), check=0)
    good.run("export", "-o", good.path("snap"), check=0)
    other.run("export", "-o", other.path("snap"), check=0)
    dst = Db("fifo-dst")
    fifo = dst.path("incoming")
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:      # waits for merge to open it
            f.write(open(good.path("snap"), "rb").read())
        shutil.copy(other.path("snap"), dst.path("incoming.new"))
        os.replace(dst.path("incoming.new"), fifo)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    rc, out, err = dst.run("merge", fifo, timeout=30)
    t.join(10)
    assert rc == 0 and b"merged 1 snapshot" in out, (rc, out, err)
    assert listing(dst) == listing(good)
    assert "intruder" not in listing(dst)


def test_merge_opens_each_file_once():
    strace = shutil.which("strace")
    if strace is None:
        raise Skip("strace is not installed")
    src = host("strace-src", 5)
    paths = [src.path("a.snap"), src.path("b.gz")]
    for p in paths:
        src.run("export", "-o", p, check=0)
    dst = Db("strace-dst")
    trace = dst.path("trace")
    # LeakSanitizer cannot work under ptrace (a sanitizer build)
    asan = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                  "detect_leaks=0"]))
    p = subprocess.run([strace, "-f", "-qq", "-e", "trace=open,openat,openat2",
                        "-o", trace, DORMANT, "-c", dst.conf, "-d", dst.dir,
                        "merge"] + paths, capture_output=True, timeout=120,
                       env=dict(os.environ, TZ="UTC", LC_ALL="C",
                                ASAN_OPTIONS=asan))
    assert p.returncode == 0, p.stderr
    calls = open(trace).read().splitlines()
    for path in paths:
        opens = [c for c in calls if f'"{path}"' in c]
        assert len(opens) == 1, (path, opens)


def test_the_other_hosts_name_is_printed_escaped():
    src = host("hostname-src", 6, n=5)
    src.run("export", "-o", src.path("snap"), check=0)
    raw = gzip.decompress(open(src.path("snap"), "rb").read())
    hlen = int.from_bytes(raw[32:34], "little")
    evil = b"\x1b]0;owned\x07\xe2\x80\xaemx"
    body = raw[:32] + len(evil).to_bytes(2, "little") + evil + raw[34 + hlen:-4]
    forged = body + zlib.crc32(body).to_bytes(4, "little")
    path = src.write("forged", gzip.compress(forged))
    rc, out, err = Db("hostname-dst").run("merge", "--dry-run", path)
    assert rc == 0, err
    assert b"from \\x1b]0;owned\\x07\\u202emx, verified" in out, out


if __name__ == "__main__":
    run_tests(globals())
