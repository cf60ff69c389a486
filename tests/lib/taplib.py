"""taplib - run test functions and print TAP for automake's tap-driver.

Usage in a test file:

    from taplib import run_tests
    def test_something(): assert ...
    if __name__ == "__main__": run_tests(globals())

Every function named test_* runs in definition order; an exception is a
failure, printed as TAP comments. A test may raise Skip("why"). The whole
file is skipped ("1..0 # SKIP reason", exit 0: automake's tap-driver
reports any non-zero exit as an error) when skip_all() is called before
run_tests.
"""
import sys
import traceback


class Skip(Exception):
    """Raise inside a test to report it as skipped."""


def skip_all(reason):
    print(f"1..0 # SKIP {reason}")
    sys.exit(0)


def run_tests(namespace, setup=None, teardown=None):
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith("test_") and callable(fn)]
    print(f"1..{len(tests)}", flush=True)
    failed = 0
    ctx = setup() if setup else None
    try:
        for i, (name, fn) in enumerate(tests, 1):
            label = name[5:].replace("_", " ")
            try:
                if ctx is None:
                    fn()
                else:
                    fn(ctx)
                print(f"ok {i} - {label}", flush=True)
            except Skip as e:
                print(f"ok {i} - {label} # SKIP {e}", flush=True)
            except Exception:  # noqa: BLE001 - any failure is reported
                failed += 1
                print(f"not ok {i} - {label}", flush=True)
                for line in traceback.format_exc().splitlines():
                    print(f"# {line}", flush=True)
    finally:
        if teardown:
            teardown(ctx)
    sys.exit(0)
