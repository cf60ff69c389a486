"""taplib - run test functions and print TAP for automake's tap-driver.sh.

Usage in a test file:

    from taplib import run_tests
    def test_something(): assert ...
    if __name__ == "__main__": run_tests(globals())

or, with an explicit order and a shared context:

    taplib.run([test_a, test_b], setup=start, teardown=stop)

run_tests() runs every function named test_* in definition order. Each
test is called with the value setup() returned (with no argument when
there is no setup). An exception is a failure, its traceback printed as
"# " comments; raising Skip("why") reports "ok N - name # SKIP why". If
setup() itself fails, every test is reported "not ok" with setup's
traceback. Failures are carried by the TAP lines, so the exit status is 0;
a whole file is skipped with skip_all() ("1..0 # SKIP reason", exit 0:
automake's tap-driver turns any non-zero status, 77 included, into an
ERROR).
"""
import sys
import traceback


class Skip(Exception):
    """Raise inside a test to report it as skipped."""


def skip_all(reason):
    print(f"1..0 # SKIP {reason}", flush=True)
    sys.exit(0)


def _comment(text):
    for line in text.rstrip("\n").splitlines():
        print(f"# {line}", flush=True)


def _name(fn):
    name = fn.__name__
    return (name[5:] if name.startswith("test_") else name).replace("_", " ")


def run(tests, setup=None, teardown=None):
    """Run TESTS (functions) in order, print TAP, exit."""
    print(f"1..{len(tests)}", flush=True)
    ctx = None
    setup_error = None
    if setup is not None:
        try:
            ctx = setup()
        except Exception:  # noqa: BLE001 - reported on every test
            setup_error = traceback.format_exc()
    try:
        for i, fn in enumerate(tests, 1):
            label = _name(fn)
            if setup_error is not None:
                print(f"not ok {i} - {label}", flush=True)
                _comment("setup failed:\n" + setup_error if i == 1
                         else "setup failed (see test 1)")
                continue
            try:
                fn(ctx) if setup is not None else fn()
                print(f"ok {i} - {label}", flush=True)
            except Skip as e:
                print(f"ok {i} - {label} # SKIP {e}", flush=True)
            except Exception:  # noqa: BLE001 - any failure is reported
                print(f"not ok {i} - {label}", flush=True)
                _comment(traceback.format_exc())
    finally:
        if teardown is not None and setup_error is None:
            try:
                teardown(ctx)
            except Exception:  # noqa: BLE001
                _comment("teardown failed:\n" + traceback.format_exc())
    sys.exit(0)


def run_tests(namespace, setup=None, teardown=None):
    """Run every test_* function of NAMESPACE (a module's globals())."""
    run([fn for name, fn in namespace.items()
         if name.startswith("test_") and callable(fn)], setup, teardown)
