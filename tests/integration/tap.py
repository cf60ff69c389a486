"""tap - run test functions and print TAP for automake's tap-driver.sh.

    tap.run([test_a, test_b], setup=start, teardown=stop)

Each test is called with the value setup() returned (or with no argument
when there is no setup). An exception is a failure, its traceback printed
as "# " comments; raising Skip("why") reports "ok N - name # SKIP why".
Failures are carried by the TAP lines, so the exit status is 0. When the
machine cannot run the sandbox at all (not root, no Dovecot or Postfix,
DORMANT_SKIP_INTEGRATION set) the whole file is skipped with the plan
"1..0 # SKIP reason" and exit status 0: automake's tap-driver.sh turns
any non-zero status, 77 included, into an ERROR (77 means "skipped" only
for the plain test driver). If setup() itself fails, every test is
reported "not ok" with setup's traceback.
"""
import os
import sys
import traceback

from sandbox import missing_prerequisites


class Skip(Exception):
    """Raise inside a test to report it as skipped."""


def skip_all(reason):
    print(f"1..0 # SKIP {reason}", flush=True)
    sys.exit(0)


def check_prerequisites():
    """Skip the whole file when the sandbox cannot run on this machine."""
    if os.environ.get("DORMANT_SKIP_INTEGRATION"):
        skip_all("DORMANT_SKIP_INTEGRATION is set")
    why = missing_prerequisites()
    if why:
        skip_all(why)


def _comment(text):
    for line in text.rstrip("\n").splitlines():
        print(f"# {line}", flush=True)


def _name(fn):
    name = fn.__name__
    return (name[5:] if name.startswith("test_") else name).replace("_", " ")


def run(tests, setup=None, teardown=None):
    """Run TESTS (functions) in order, print TAP, exit."""
    check_prerequisites()
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
