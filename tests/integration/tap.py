"""tap - TAP for the integration tests: tests/lib/taplib.py, plus a skip of
the whole file when the machine cannot run the sandbox at all (not root, no
Dovecot or Postfix, DORMANT_SKIP_INTEGRATION set).

    tap.run([test_a, test_b], setup=start, teardown=stop)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))

import taplib  # noqa: E402
from taplib import Skip, skip_all  # noqa: E402,F401 - re-exported
from sandbox import missing_prerequisites  # noqa: E402


def check_prerequisites():
    """Skip the whole file when the sandbox cannot run on this machine."""
    if os.environ.get("DORMANT_SKIP_INTEGRATION"):
        skip_all("DORMANT_SKIP_INTEGRATION is set")
    why = missing_prerequisites()
    if why:
        skip_all(why)


def run(tests, setup=None, teardown=None):
    """Run TESTS (functions) in order, print TAP, exit."""
    check_prerequisites()
    taplib.run(tests, setup, teardown)
