#!/usr/bin/env python3
"""Reporter benchmark: `dormant report --format csv` against a bare LMDB
cursor dump of the same database, at 1k, 100k and 1M accounts, in one run.

Prints, per size: best-of-N wall time of each, the ratio, the report's cost
per account and its peak RSS. Usage: reporter.py BUILDDIR [SIZES...]
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPEAT = 5


def run(argv):
    """Run argv with stdout to /dev/null; return (seconds, peak RSS in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(argv, stdout=null, check=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(after, before)


def peak_rss(argv):
    """Peak RSS of one run, measured in a fresh child so it is its own."""
    code = ("import resource,subprocess,sys,os;"
            "subprocess.run(sys.argv[1:],stdout=open(os.devnull,'wb'),check=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + argv, check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip())


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    sizes = [int(s) for s in sys.argv[2:]] or [1000, 100000, 1000000]
    dormant = os.path.join(build, "reporter", "dormant")
    gen = os.path.join(build, "bench", "gen-db")
    bare = os.path.join(build, "bench", "bare-dump")
    print(f"{'accounts':>9} {'bare s':>8} {'report s':>9} {'ratio':>6} "
          f"{'us/acct':>8} {'RSS MiB':>8}")
    for n in sizes:
        db = tempfile.mkdtemp(prefix="dormant-bench-")
        try:
            subprocess.run([gen, db, str(n)], check=True)
            report = [dormant, "-c", "/dev/null", "-d", db, "report",
                      "--format", "csv"]
            dump = [bare, db]
            # warm the page cache, then interleave the two, best of REPEAT
            run(dump)
            run(report)
            t_bare = t_rep = float("inf")
            for _ in range(REPEAT):
                t_bare = min(t_bare, run(dump)[0])
                t_rep = min(t_rep, run(report)[0])
            rss = peak_rss(report) / 1024
            print(f"{n:>9} {t_bare:>8.3f} {t_rep:>9.3f} {t_rep / t_bare:>6.2f} "
                  f"{t_rep / n * 1e6:>8.2f} {rss:>8.1f}", flush=True)
        finally:
            shutil.rmtree(db, ignore_errors=True)


if __name__ == "__main__":
    main()
