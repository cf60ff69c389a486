#!/usr/bin/env python3
"""The Vietnamese catalogue is complete (issue 15): the template is made
again from the sources, with the keywords po/Makevars gives xgettext, and
every message in it must be in po/vi.po, translated and not fuzzy;
msgfmt -c (format strings, plural forms, header) must pass; and every
source file that marks messages must be listed in po/POTFILES.in, or its
messages would never reach the template. A new message without its
translation fails here: the lead runs `make -C po update-po` and
translates (po/README)."""
import glob
import os
import re
import shlex
import shutil
import subprocess

from clitest import SRCDIR, tmpdir
from taplib import run_tests

PO = os.path.join(SRCDIR, "po")
MARK = re.compile(r"\b(?:_|N_|C_|ngettext)\(")


def tool(name):
    path = shutil.which(name)
    assert path is not None, f"{name} not found: install gettext (scripts/install-deps.sh)"
    return path


def potfiles():
    with open(os.path.join(PO, "POTFILES.in")) as f:
        return [line.strip() for line in f
                if line.strip() and not line.startswith("#")]


def xgettext_options():
    """XGETTEXT_OPTIONS of po/Makevars, continuation lines joined."""
    with open(os.path.join(PO, "Makevars")) as f:
        text = f.read().replace("\\\n", " ")
    m = re.search(r"^XGETTEXT_OPTIONS\s*=(.*)$", text, re.M)
    assert m, "no XGETTEXT_OPTIONS in po/Makevars"
    return shlex.split(m.group(1))


def template():
    out = os.path.join(tmpdir("catalogue"), "dormant.pot")
    subprocess.run([tool("xgettext"), "--default-domain=dormant", "--language=C",
                    "--directory", SRCDIR, "--output", out] + xgettext_options() +
                   potfiles(), check=True, capture_output=True)
    return out


def test_every_file_with_messages_is_in_potfiles():
    listed = set(potfiles())
    missing = []
    for path in sorted(glob.glob(os.path.join(SRCDIR, "*", "*.c"))):
        rel = os.path.relpath(path, SRCDIR)
        if rel.startswith("tests/"):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            if MARK.search(f.read()) and rel not in listed:
                missing.append(rel)
    assert not missing, f"add to po/POTFILES.in: {missing}"
    assert all(os.path.exists(os.path.join(SRCDIR, p)) for p in listed), listed


def test_every_message_is_translated_in_vi():
    pot = template()
    # msgcmp: every msgid of the template must be in vi.po; untranslated
    # and fuzzy entries count as missing
    p = subprocess.run([tool("msgcmp"), os.path.join(PO, "vi.po"), pot],
                       capture_output=True, text=True)
    assert p.returncode == 0, "vi.po lacks translations:\n" + p.stderr[:4000]
    # none of vi.po's own entries untranslated or fuzzy either
    for flag in ("--only-fuzzy", "--untranslated"):
        p = subprocess.run([tool("msgattrib"), flag, "--no-obsolete",
                            os.path.join(PO, "vi.po")],
                           capture_output=True, text=True, check=True)
        assert "msgid" not in p.stdout, f"vi.po {flag}:\n{p.stdout[:4000]}"


def test_msgfmt_check_passes():
    p = subprocess.run([tool("msgfmt"), "-c", "--statistics", "-o", os.devnull,
                        os.path.join(PO, "vi.po")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "untranslated" not in p.stderr and "fuzzy" not in p.stderr, p.stderr


if __name__ == "__main__":
    run_tests(globals())
