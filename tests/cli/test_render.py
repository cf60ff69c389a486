#!/usr/bin/env python3
"""The HTML report as a person sees it: rendered by headless Chromium to a
PNG and printed to PDF, with no network (the report must need none)."""
import os
import shutil
import struct
import subprocess
import zlib

from clitest import fixture_db, tmpdir
from taplib import Skip, run_tests, skip_all

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]

_state = {}


def report_html():
    if "html" not in _state:
        db = fixture_db("render")
        path = db.path("report.html")
        db.run("report", "--format", "html", "-o", path, check=0)
        _state["html"] = path
        _state["dir"] = tmpdir("chromium")
    return _state["html"]


def chromium(*args):
    profile = os.path.join(_state["dir"], "profile")
    p = subprocess.run([CHROMIUM] + FLAGS + [f"--user-data-dir={profile}"] +
                       list(args), capture_output=True, timeout=120)
    return p.returncode, p.stderr.decode(errors="replace")


def png_pixels(path):
    """(width, height, raw scanline bytes) of a non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_report_renders_to_a_png_with_content():
    html = report_html()
    png = os.path.join(_state["dir"], "report.png")
    rc, err = chromium("--window-size=1200,1600", f"--screenshot={png}",
                       "file://" + html)
    assert rc == 0 and os.path.exists(png), err[-2000:]
    width, height, raw = png_pixels(png)
    assert (width, height) == (1200, 1600), (width, height)
    # a page with text, tables and a chart: many distinct byte values, and
    # the lower part of the page is not empty either
    assert len(set(raw)) > 50, "the screenshot looks blank"
    stride = len(raw) // height
    middle = raw[stride * 300:stride * 900]
    assert len(set(middle)) > 20, "nothing drawn in the middle of the page"
    _state["png"] = png


def test_report_prints_to_pdf():
    html = report_html()
    pdf = os.path.join(_state["dir"], "report.pdf")
    rc, err = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       "file://" + html)
    assert rc == 0 and os.path.exists(pdf), err[-2000:]
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF-") and len(data) > 5000, len(data)


def test_keep_screenshot_for_a_person_to_look_at():
    keep = os.environ.get("DORMANT_KEEP_SCREENSHOT")
    if not keep:
        raise Skip("set DORMANT_KEEP_SCREENSHOT=FILE to keep the PNG")
    shutil.copy(_state["png"], keep)


if __name__ == "__main__":
    if CHROMIUM is None:
        skip_all("chromium is not installed")
    run_tests(globals())
