#!/usr/bin/env python3
"""The review campaign and the trend in Vietnamese (issue 15, doc/DESIGN.md
§7.7, §8.12): with `language = vi` the sheets a unit reads (HTML) and
fills in (CSV) are golden files, the CSV the same bytes as the English
one (import reads it: column names and values never change); the mail's
Subject is RFC 2047-encoded and its dates dd/mm/yyyy; a Vietnamese sheet
filled in with giữ lại / thu hồi imports, whatever language imports it;
errors, review status and `dormant trend` read in Vietnamese, months as
11/2026."""
import json
import re

from clitest import golden
from taplib import run_tests
from test_language import env
from test_review import (DUE, ID, LATER, NOW, audit, fill, mails, read,
                         render_in_chromium, review_db, rows, sheet_path, started)
from test_trend import trend_db


def started_vi(name):
    db = review_db(name, "language = vi\n")
    db.run("review", "start", "--due", DUE, "--apply", now=NOW, env=env())
    return db


def test_golden_vietnamese_sheets_and_the_csv_unchanged():
    db = started_vi("golden-vi")
    key = rows(sheet_path(db, "T__i"))[1][2].encode()
    for ext in ("csv", "html"):
        golden(f"review-sheet-vi.{ext}",
               read(sheet_path(db, "T__i", ext)).replace(key, b"K" * 32))
    html = read(sheet_path(db, "T__i", "html")).decode()
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"vi\">\n"), html[:100]
    assert "<h1>Rà soát tài khoản: Tài chính</h1>" in html, html[:800]
    assert "hạn chót 10/12/2026" in html and "2026-12-10" not in html, html[:1200]
    assert "<b>giữ lại</b>" in html and "<b>thu hồi</b>" in html
    assert '<td class="never-used">chưa từng sử dụng</td>' in html, html
    assert '<td class="dormant">không hoạt động</td><td>01/06/2025</td>' in html, html
    # the CSV people fill in is the English one, byte for byte
    en = started("golden-en")
    en_key = rows(sheet_path(en, "T__i"))[1][2].encode()
    assert read(sheet_path(db, "T__i")).replace(key, b"K" * 32) == \
        read(sheet_path(en, "T__i")).replace(en_key, b"K" * 32)


def test_mail_subject_encoded_dates_as_people_write_them():
    db = started_vi("mail-vi")
    m = next(m for m in mails(db) if m["To"] == "boss@example.org")
    assert m["Subject"] == "Rà soát tài khoản thư của đơn vị Tài chính (hạn chót 10/12/2026)", \
        m["Subject"]
    raw = next(read(db.path(f"mail.{i}")) for i in range(2)
               if b"To: boss@example.org" in read(db.path(f"mail.{i}")))
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii() and b"Subject: =?UTF-8?B?" in head, head
    body = next(m.iter_parts()).get_content()
    assert body.startswith("Kính gửi anh/chị,\n"), body
    assert ("đơn vị Tài chính (4 tài khoản, trong đó 4 tài khoản chưa có quyết định) "
            "chậm nhất ngày 10/12/2026.") in body, body
    out = db.out("review", "remind", "--apply", now=LATER, env=env())
    assert "đã gửi 2 thư nhắc lại" in out, out
    again = [m for m in mails(db) if m["To"] == "boss@example.org"]
    assert again[-1]["Subject"].startswith("Nhắc lại: Rà soát tài khoản thư"), again[-1]["Subject"]


def test_vietnamese_sheet_filled_in_imports():
    db = started_vi("import-vi")
    sheet = fill(db, "T__i", {"user00@example.org": ("Giữ lại", "Kế toán trưởng"),
                              "user01@example.org": ("thu hồi", ""),
                              "user02@example.org": ("THU HOI", "")}, "back.csv")
    rc, out, err = db.run("review", "import", sheet, "--apply", now=LATER, env=env())
    assert rc == 0, (rc, out, err)
    assert "1 giữ lại, 2 thu hồi, 0 không đổi, 1 chưa quyết định" in out.decode(), out
    e = json.loads(db.out("exempt", "list", "--format", "json", now=LATER))
    assert [(x["account"], x["reason"]) for x in e] == [
        ("user00@example.org", f"review {ID}: Kế toán trưởng")], e
    revoked = [x["account"] for x in audit(db) if x["action"] == "review-revoke"]
    assert revoked == ["user01@example.org", "user02@example.org"], revoked
    # an English dormant takes the Vietnamese words too: the sheet is the
    # reviewer's language, not the importer's
    db2 = started("import-vi-en")
    sheet = fill(db2, "Lab", {"user04@example.org": ("giu lai", "Dự án"),
                              "user05@example.org": ("Thu hồi", "")}, "back.csv")
    rc, out, err = db2.run("review", "import", sheet, "--apply", now=LATER)
    assert rc == 0 and "1 keep, 1 revoke" in out.decode(), (rc, out, err)


def test_review_report_in_vietnamese_dates_and_titles():
    # the ministry's report: words and dates people read in Vietnamese,
    # CSV and JSON as in English (machine formats)
    db = started_vi("report-vi")
    sheet = fill(db, "T__i", {"user00@example.org": ("giữ lại", "Kế toán trưởng"),
                              "user01@example.org": ("thu hồi", "")}, "back.csv")
    db.run("review", "import", sheet, "--apply", now=LATER, env=env(), check=0)
    out = db.out("review", "report", now=LATER, env=env())
    assert "bắt đầu 24/11/2026, hạn chót 10/12/2026" in out, out
    assert "NGƯỜI QĐ" in out and "26/11/2026 09:00" in out, out
    assert "2026-11-26T09:00:00Z" not in out, out
    for fmt in ("csv", "json"):
        vi = db.out("review", "report", "--format", fmt, now=LATER, env=env())
        en = db.out("review", "report", "--format", fmt, now=LATER)
        assert vi == en, fmt
        assert "2026-11-26T09:00:00Z" in en, en
    html = db.out("review", "report", "--format", "html", now=LATER, env=env())
    assert '<html lang="vi">' in html and "26/11/2026 09:00" in html, html


def test_refused_sheet_and_status_in_vietnamese():
    db = started_vi("refuse-vi")
    sheet = fill(db, "T__i", {"user00@example.org": ("xóa", ""),
                              "user01@example.org": ("revoke", "")}, "bad.csv")
    rc, out, err = db.run("review", "import", sheet, "--apply", now=LATER, env=env())
    assert rc == 1 and "quyết định không xác định 'xóa'" in err, (rc, err)
    assert "(không áp dụng nội dung nào của phiếu này)" in err, err
    assert not [x for x in audit(db) if x["action"] == "review-revoke"]
    db.write("nul.csv", "campaign\0\n")
    rc, _, err = db.run("review", "import", db.path("nul.csv"), now=LATER, env=env())
    assert rc == 1 and "nul.csv:1: có byte NUL (không phải tệp văn bản CSV)" in \
        err, err
    ok = fill(db, "T__i", {"user01@example.org": ("thu hồi", "")}, "ok.csv")
    db.run("review", "import", ok, "--apply", now=LATER, env=env())
    out = db.out("review", "status", now=LATER, env=env())
    assert out.startswith(f"đợt rà soát {ID} (đang mở), hạn chót 10/12/2026, còn 14 ngày: "
                          "3 đơn vị, 8 tài khoản\n"), out
    assert re.search(r"\nTài chính +boss@example.org +4 +0 +1 +3 +1 +"
                     r"26/11/2026 09:00 +14\n", out), out
    # columns line up by characters: a UTF-8 unit, a translated "none"
    head, lab, fin, dom = out.splitlines()[1:5]
    assert fin.index("boss") == head.index("NGƯỜI") == dom.index("(không"), out
    assert len(fin) == len(lab) == len(dom), out
    assert "(không có người rà soát)" in out and "NGƯỜI RÀ SOÁT" in out, out
    # machine formats stay as they are
    csv_out = db.out("review", "status", "--format", "csv", now=LATER, env=env())
    assert csv_out == db.out("review", "status", "--format", "csv", now=LATER), csv_out
    assert f",{LATER}," in csv_out, csv_out


def test_start_dry_run_and_usage_in_vietnamese():
    db = review_db("start-vi", "language = vi\n")
    out = db.out("review", "start", "--due", DUE, now=NOW, env=env())
    assert f"sẽ bắt đầu đợt rà soát {ID}, hạn chót 10/12/2026: 3 đơn vị, 8 tài khoản" \
        in out, out
    rc, _, err = db.run("review", "start", now=NOW, env=env())
    assert rc == 2 and "review start cần --due YYYY-MM-DD" in err, err
    db.write("units.csv", "unit,reviewer\nLab,lab@example.org\nKho,\"x\n")
    rc, _, err = db.run("review", "start", "--due", DUE, now=NOW, env=env())
    assert rc == 2 and "units.csv:3: trường trong ngoặc kép chưa được đóng" in \
        err, err


def test_trend_in_vietnamese_months_as_mm_yyyy():
    db = trend_db("trend-vi", extra_config="language = vi\n")
    db.run("sync", "--file", db.path("users"), check=0)        # NOW, 11-24
    out = db.out("trend", env=env())
    lines = out.splitlines()
    assert lines[0].startswith("THÁNG     ") and "KHÔNG HĐ" in lines[0], out
    assert [line.split()[0] for line in lines[1:-1]] == \
        ["06/2025", "09/2026", "10/2026", "11/2026"], out
    assert lines[-1] == ("Số tài khoản không hoạt động đã tăng từ 0 lên 1 kể từ "
                         "tháng 06/2025."), out
    out = db.out("trend", "--months", "3", env=env())
    assert out.splitlines()[-1] == ("Số tài khoản không hoạt động không đổi, ở mức 1 "
                                    "kể từ tháng 09/2026."), out
    # CSV keeps the ISO month
    assert "\r\n2026-11," in db.out("trend", "--format", "csv", env=env())
    rc, _, err = db.run("trend", "--months", "0", env=env())
    assert rc == 2 and "--months: không phải là số từ 1 đến 1200: 0" in err, err
    # the report's trend section
    text = db.out("report", env=env())
    assert "\ndiễn biến theo tháng (4)\nTHÁNG" in text and "\n11/2026 " in text, text


def test_vietnamese_sheet_renders_in_headless_chromium():
    pdf = render_in_chromium(sheet_path(started_vi("render-vi"), "T__i", "html"),
                             "review-chromium-vi")
    # the PDF names the fonts Chromium found for the text: one at least
    assert b"/FontName" in pdf, len(pdf)


if __name__ == "__main__":
    run_tests(globals())
