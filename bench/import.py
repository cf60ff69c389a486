#!/usr/bin/env python3
"""import-log benchmark: `dormant import-log` on a generated .gz mail log
against `zcat FILE | grep -c 'Login: user='` (the zlib limit plus a
trivial scan) and pflogsumm (Debian's Postfix log summariser), in one run;
then four rotated files imported with -j 1 against -j 2.

Usage: import.py BUILDDIR [MEGABYTES]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPEAT = 3


def timed(cmd, shell=False):
    t0 = time.perf_counter()
    subprocess.run(cmd, shell=shell, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def best(fn):
    return min(fn() for _ in range(REPEAT))


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    here = os.path.dirname(os.path.abspath(__file__))
    dormant = os.path.join(build, "reporter", "dormant")
    tmp = tempfile.mkdtemp(prefix="dormant-bench-import-")
    try:
        log = os.path.join(tmp, "mail.log.gz")
        subprocess.run([sys.executable, os.path.join(here, "gen-log.py"), log,
                        str(mb)], check=True)
        parts = []
        for i in range(4):
            p = os.path.join(tmp, f"mail.log.{i + 1}.gz")
            subprocess.run([sys.executable, os.path.join(here, "gen-log.py"), p,
                            str(mb // 4), str(i + 2)], check=True)
            parts.append(p)
        size = os.path.getsize(log)

        def imp(files, jobs):
            db = tempfile.mkdtemp(dir=tmp)
            try:
                return timed([dormant, "-c", "/dev/null", "-d", db, "import-log",
                              "-j", str(jobs)] + files)
            finally:
                shutil.rmtree(db)

        timed(f"zcat {log} > /dev/null", shell=True)          # warm cache
        t_zcat = best(lambda: timed(f"zcat {log} > /dev/null", shell=True))
        t_grep = best(lambda: timed(f"zcat {log} | grep -c 'Login: user='",
                                    shell=True))
        t_dorm = best(lambda: imp([log], 1))
        pflog = shutil.which("pflogsumm")
        t_pf = best(lambda: timed(f"zcat {log} | {pflog} > /dev/null", shell=True)) \
            if pflog else None
        t_seq = best(lambda: imp(parts, 1))
        t_par = best(lambda: imp(parts, 2))
        print(f"log: {mb} MB uncompressed, {size / 1e6:.0f} MB gzip")
        print(f"zcat alone          {t_zcat:6.2f} s")
        print(f"zcat | grep -c      {t_grep:6.2f} s  ({mb / t_grep:6.0f} MB/s)")
        print(f"dormant import-log  {t_dorm:6.2f} s  ({mb / t_dorm:6.0f} MB/s)  "
              f"{t_grep / t_dorm:.2f}x zcat|grep throughput")
        if t_pf:
            print(f"pflogsumm           {t_pf:6.2f} s  ({mb / t_pf:6.0f} MB/s)  "
                  f"dormant is {t_pf / t_dorm:.1f}x faster")
        print(f"4 rotated files, -j 1 {t_seq:6.2f} s, -j 2 {t_par:6.2f} s "
              f"({t_seq / t_par:.2f}x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
