#!/usr/bin/env python3
"""A full disk (doc/DESIGN.md §9.2: a broken environment gets a clear
error and loses nothing): the dormant command on a small tmpfs that is full.
It exits 3 with "No space left on device", never dies of a signal (LMDB's
lock file used to be mapped sparse: a SIGBUS on the first write), keeps
what was recorded, and a run after space is freed finishes the job. Output
files on a full disk are never left half-written.

Needs root and permission to mount a tmpfs; otherwise each case skips.
"""
import os
import random
import subprocess

from clitest import Db, DORMANT, NOW, tmpdir
from taplib import Skip, run_tests
import smallfs


def run(dbdir, conf, *args):
    argv = [DORMANT, "-c", conf, "-d", dbdir, "--now", NOW] + list(args)
    p = subprocess.run(argv, capture_output=True, timeout=120,
                       env=dict(os.environ, TZ="UTC", LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")



class Full:
    """with Full(path, size) as mnt: a mounted tmpfs, or Skip."""

    def __init__(self, path, size="1m"):
        self.cm = smallfs.small_fs(path, size=size)

    def __enter__(self):
        try:
            return self.cm.__enter__()
        except smallfs.Unavailable as e:
            raise Skip(str(e))

    def __exit__(self, *exc):
        return self.cm.__exit__(*exc)


def log_lines(n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(f"2026-11-{rng.randint(1, 20):02d}T10:00:00+00:00 mx "
                   f"dovecot: imap-login: Login: user=<user{i:05d}@example.org>, "
                   f"method=PLAIN, rip=192.0.2.{rng.randint(1, 254)}, "
                   f"lip=192.0.2.254, mpid=1, session=<s{i}>\n")
    return "".join(out)


def assert_failed_cleanly(rc, err, what):
    assert rc == 3, f"{what}: exit {rc} (negative: killed by a signal), " \
        f"not 3\n{err}"
    assert "No space left on device" in err or ": a full disk)" in err, \
        f"{what}: {err!r}"


def workdir(name, **logs):
    """A directory with an empty dormant.conf and one log file per keyword
    (name=(lines, seed)); returns (dir, conf, {name: path})."""
    base = tmpdir(name)
    conf = os.path.join(base, "dormant.conf")
    open(conf, "w").close()
    paths = {}
    for key, (n, seed) in logs.items():
        paths[key] = os.path.join(base, key + ".log")
        with open(paths[key], "w") as f:
            f.write(log_lines(n, seed))
    return base, conf, paths


def test_new_database_on_a_full_disk_is_an_error_not_a_crash():
    base, conf, logs = workdir("fresh", mail=(10, 1))
    log = logs["mail"]
    mnt = os.path.join(base, "db")
    with Full(mnt, "256k"):
        smallfs.fill(mnt)
        rc, _, err = run(mnt, conf, "import-log", log)
        assert_failed_cleanly(rc, err, "import-log into a new database")


def test_import_on_a_full_disk_keeps_what_was_there_and_finishes_later():
    base, conf, logs = workdir("import", first=(50, 2), big=(20000, 3))
    first, big = logs["first"], logs["big"]
    # the same imports on a roomy disk: what the end result must be
    ref = Db("import-ref")
    ref.run("import-log", first, check=0)
    ref.run("import-log", big, check=0)
    want = ref.out("list", "--format", "csv")

    mnt = os.path.join(base, "db")
    with Full(mnt, "8m"):
        rc, _, err = run(mnt, conf, "import-log", first)
        assert rc == 0, err
        rc, before, err = run(mnt, conf, "list", "--format", "csv")
        assert rc == 0 and before.count(b"\n") == 51, (rc, err)
        filler = smallfs.fill(mnt)
        rc, _, err = run(mnt, conf, "import-log", big)
        assert_failed_cleanly(rc, err, "import-log onto a full disk")
        # what was recorded before is all there, and readable
        rc, after, err = run(mnt, conf, "list", "--format", "csv")
        assert rc == 0, err
        kept = set(before.splitlines()[1:])
        assert kept <= set(after.splitlines()[1:]), \
            "accounts recorded before the disk filled were lost or changed"
        smallfs.free(filler)
        rc, _, err = run(mnt, conf, "import-log", big)
        assert rc == 0, f"import after freeing space: exit {rc}\n{err}"
        rc, got, err = run(mnt, conf, "list", "--format", "csv")
        assert rc == 0, err
        assert got == want.encode(), \
            "after the failed and the repeated import the database differs " \
            "from one that imported everything on a roomy disk"


def test_outputs_on_a_full_disk_leave_no_partial_file():
    """report -o and export -o: exit 3, the previous file untouched, no
    temporary file left behind."""
    db = Db("outputs")
    log = db.write("mail.log", log_lines(3000, 4))
    db.run("import-log", log, check=0)
    mnt = tmpdir("outputs-mnt")
    with Full(mnt, "64k"):
        for args, name in ((("report", "--format", "csv"), "report.csv"),
                           (("export",), "snap.gz")):
            path = os.path.join(mnt, name)
            with open(path, "w") as f:
                f.write("the previous one\n")
            filler = smallfs.fill(mnt)
            rc, _, err = db.run(*args, "-o", path)
            assert_failed_cleanly(rc, err, " ".join(args))
            with open(path) as f:
                assert f.read() == "the previous one\n", \
                    f"{name} was changed by a failed write"
            left = sorted(set(os.listdir(mnt)) - {name, ".filler"})
            assert not left, f"{' '.join(args)} left {left} behind"
            smallfs.free(filler)
            os.unlink(path)


if __name__ == "__main__":
    run_tests(globals())
