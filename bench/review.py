#!/usr/bin/env python3
"""Review benchmark: `dormant review start` over N accounts (default
100,000) in U units (default 500), as a dry run and applied (every sheet
written, every reviewer mailed through a sendmail that reads the message
and exits 0). gen-db builds the accounts and their activity; a sync with
a contacts_file gives each account a unit and each unit a manager.

Prints the best-of-REPEAT wall time and the peak RSS of each; the target
is under 10 s for 100,000 accounts. Usage: review.py BUILDDIR [N [U]]
"""
import csv
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from benchutil import machine

REPEAT = 3


def timed(argv):
    """(seconds, peak RSS KiB) of argv run in a fresh child of a fresh
    Python, so the RSS is its own."""
    code = ("import resource,subprocess,sys,os,time;t=time.perf_counter();"
            "subprocess.run(sys.argv[1:],stdout=open(os.devnull,'wb'),check=True);"
            "print(time.perf_counter()-t,"
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + argv, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    units = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    dormant = os.path.join(build, "reporter", "dormant")
    top = tempfile.mkdtemp(prefix="dormant-bench-review-")
    try:
        base = os.path.join(top, "base")
        os.makedirs(base)
        subprocess.run([os.path.join(build, "bench", "gen-db"), base, str(n)],
                       check=True)
        listing = subprocess.run([dormant, "-c", "/dev/null", "-d", base, "list",
                                  "--format", "csv"], check=True,
                                 capture_output=True, text=True).stdout
        accounts = [r[0] for r in csv.reader(io.StringIO(listing))][1:]
        with open(os.path.join(top, "users"), "w") as f:
            f.write("".join(a + "\n" for a in accounts))
        with open(os.path.join(top, "contacts.csv"), "w") as f:
            f.write("account,unit,manager,alternate\n")
            for i, a in enumerate(accounts):
                f.write(f"{a},Phòng {i % units:03d},head{i % units:03d}@ministry.example,\n")
        with open(os.path.join(top, "sendmail"), "w") as f:
            f.write("#!/bin/sh\nexec cat >/dev/null\n")
        os.chmod(os.path.join(top, "sendmail"), 0o755)
        conf = os.path.join(top, "dormant.conf")
        with open(conf, "w") as f:
            f.write(f"contacts_file = {top}/contacts.csv\n"
                    f"sendmail = {top}/sendmail\n"
                    f"report_dir = {top}/reports\n")
        subprocess.run([dormant, "-c", conf, "-d", base, "sync", "--file",
                        os.path.join(top, "users")], check=True,
                       stdout=subprocess.DEVNULL)
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
        start = [dormant, "-c", conf, "-d", base, "review", "start", "--due", due]
        dry = min(timed(start) for _ in range(REPEAT))
        best = None
        for i in range(REPEAT):
            db = os.path.join(top, f"apply{i}")
            shutil.copytree(base, db)
            shutil.rmtree(os.path.join(top, "reports"), ignore_errors=True)
            argv = [dormant, "-c", conf, "-d", db, "review", "start", "--due", due,
                    "--apply"]
            r = timed(argv)
            best = r if best is None or r[0] < best[0] else best
            shutil.rmtree(db)
        sheets = len(os.listdir(os.path.join(top, "reports", os.listdir(
            os.path.join(top, "reports"))[0])))
        print(f"machine: {machine()}")
        print(f"review start, {len(accounts)} accounts in {units} units "
              f"({sheets} sheet files), best of {REPEAT}:")
        print(f"  dry run          {dry[0]:7.2f} s  {dry[1] / 1024:7.1f} MiB max RSS")
        print(f"  --apply, mailed  {best[0]:7.2f} s  {best[1] / 1024:7.1f} MiB max RSS")
        print("  target: under 10 s:", "met" if best[0] < 10 and dry[0] < 10 else
              "NOT met")
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
