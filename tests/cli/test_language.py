#!/usr/bin/env python3
"""Dormant in Vietnamese (issue 15, doc/DESIGN.md §8.12): `language = vi`
gives Vietnamese help, errors, report text and HTML (lang="vi", UTF-8
intact) and notices (MIME UTF-8, an RFC 2047 Subject), with dates as
dd/mm/yyyy and 24 h times; machine formats (CSV, JSON) are the same bytes
in every language; the locale chooses when language is unset (LANGUAGE
with a non-C locale, as gettext does; LC_ALL=C keeps English); programs
dormant runs get the environment it started with. The catalogue is
compiled from po/vi.po into a temporary directory (DORMANT_LOCALEDIR):
the tests run before `make install`."""
import base64
import email
import os
import re
import subprocess

from clitest import SRCDIR, fixture_db, golden, tmpdir
from taplib import run_tests
from test_notify import WARN, mails, notify_db

_LOCALEDIR = None


def localedir():
    global _LOCALEDIR
    if _LOCALEDIR is None:
        d = tmpdir("catalogue-vi")
        os.makedirs(os.path.join(d, "vi", "LC_MESSAGES"))
        subprocess.run(["msgfmt", "-c", "-o",
                        os.path.join(d, "vi", "LC_MESSAGES", "dormant.mo"),
                        os.path.join(SRCDIR, "po", "vi.po")], check=True)
        _LOCALEDIR = d
    return _LOCALEDIR


def env(**extra):
    """The environment variables to add: the catalogue, and a locale with
    LC_ALL and LANGUAGE unset unless given (clitest sets LC_ALL=C)."""
    e = {"DORMANT_LOCALEDIR": localedir(), "LC_ALL": "", "LANGUAGE": "",
         "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    e.update(extra)
    return e


def set_language(db, value):
    with open(db.conf) as f:
        lines = [line for line in f if not line.startswith("language")]
    with open(db.conf, "w") as f:
        f.writelines(lines + [f"language = {value}\n"])


def test_help_and_errors_in_vietnamese():
    db = fixture_db("help")
    set_language(db, "vi")
    out = db.out("help", env=env(LC_ALL="C"))
    assert out.startswith("cách dùng: dormant [-c TỆP]"), out
    assert "  report       báo cáo tài khoản không hoạt động" in out, out
    out = db.out("help", "suspend", env=env())
    assert "Các ngưỡng an toàn từ chối toàn bộ lần chạy" in out, out
    rc, _, err = db.run("nosuch", env=env())
    assert rc == 2 and err == "dormant: không có lệnh: nosuch (thử 'dormant help')\n", err
    rc, _, err = db.run("report", "--month", "2027-01", env=env())
    assert rc == 2 and "--month 2027-01 nằm trong tương lai" in err, err
    rc, _, err = db.run("list", "--format", "xml", env=env())
    assert rc == 2 and "định dạng không xác định 'xml'" in err, err
    assert "cách dùng: dormant" in err, err


def test_report_text_in_vietnamese_with_dd_mm_yyyy():
    db = fixture_db("text")
    set_language(db, "vi")
    out = db.out("report", "--month", "2026-11", env=env())
    first = out.splitlines()[0]
    assert first == ("Báo cáo hộp thư không hoạt động tháng 11/2026 "
                     "(lập lúc 24/11/2026 12:00:00 UTC)"), first
    assert "TÊN MIỀN" in out and "không HĐ" in out, out
    assert "\nTài khoản không hoạt động (1)\n" in out, out
    assert "\nTài khoản chưa từng sử dụng (1)\n" in out, out
    # the account tables: statuses and dates as people read them
    assert re.search(r"\ndormant@example.org +không hoạt động +176d +- +- +- +"
                     r"01/06/2026 08:00 +192.0.2.9\n", out), out
    # no ISO date left anywhere in the text people read
    assert not re.search(r"\d{4}-\d\d-\d\d", out), out
    text = db.out("list", env=env())
    assert "chưa từng sử dụng" in text and "20/11/2026 09:00" in text, text
    assert not re.search(r"\d{4}-\d\d-\d\d", text), text
    # an English run of the same database: today's words
    set_language(db, "en")
    out = db.out("report", "--month", "2026-11", env=env())
    assert out.startswith("Dormant mailbox report for 2026-11 (generated "
                          "2026-11-24T12:00:00Z)\n"), out


def test_report_html_lang_vi_and_utf8():
    db = fixture_db("html")
    set_language(db, "vi")
    raw = db.run("report", "--format", "html", env=env(), check=0)[1]
    html = raw.decode("utf-8")          # strict: intact UTF-8
    assert '<html lang="vi">' in html, html[:200]
    assert "<title>Báo cáo hộp thư không hoạt động 11/2026</title>" in html
    assert "Lập lúc 24/11/2026 12:00:00 UTC." in html, html
    assert "<h2>Theo tên miền</h2>" in html and "<th>Tên miền</th>" in html
    assert "chưa từng sử dụng" in html
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d:\d\d UTC</td>", html), html
    assert not re.search(r"<td>\d{4}-\d\d-\d\dT", html), html
    set_language(db, "en")
    html = db.run("report", "--format", "html", env=env(), check=0)[1].decode()
    assert '<html lang="en">' in html and "<h2>By domain</h2>" in html


def test_machine_formats_identical_in_every_language():
    db = fixture_db("machine")
    runs = {}
    for lang in ("en", "vi"):
        set_language(db, lang)
        runs[lang] = [db.run(*args, env=env(), check=0)[1] for args in (
            ("list", "--format", "csv"), ("list", "--format", "json"),
            ("report", "--format", "csv"), ("report", "--format", "json"),
            ("show", "--format", "json", "idle@example.org"),
            ("audit", "--format", "json"), ("metrics",))]
    assert runs["en"] == runs["vi"]
    # and the same as the golden files of the format contracts
    golden("list.csv", runs["vi"][0])
    golden("report.json", runs["vi"][3])


def decode_subject(value):
    """The RFC 2047 "B" words of a Subject, decoded and joined."""
    words = re.findall(r"=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=", value)
    assert words and re.fullmatch(r"(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\s*)+",
                                  value.strip()), value
    return b"".join(base64.b64decode(w) for w in words).decode("utf-8")


def test_notice_in_vietnamese_golden():
    db = notify_db("notice-vi", "language = vi\n")
    rc, out, err = db.run("notify", "--apply", now=WARN, env=env())
    assert rc == 0, (rc, out, err)
    assert "đang thông báo cho 3 chủ tài khoản" in out.decode(), out
    raw = open(db.path("mail.0"), "rb").read()
    golden("notice-vi.eml", raw)
    head, _, body = raw.decode("utf-8").partition("\n\n")
    assert "Content-Type: text/plain; charset=utf-8\n" in head, head
    # the Subject: encoded words only, each at most 75 characters, folded
    subject = re.search(r"^Subject: (.*(?:\n .*)*)", head, re.M).group(1)
    assert all(ord(c) < 128 for c in subject), subject
    assert all(len(w) <= 75 for w in subject.split()), subject
    assert decode_subject(subject) == ("Hộp thư user00@example.org sẽ bị tạm "
                                       "khóa vào ngày 29/09/2025"), subject
    assert "Hộp thư user00@example.org đã không được sử dụng trong 111 ngày" in body
    assert ("(đăng nhập lần cuối: 01/06/2025 00:00:00 UTC; gửi thư lần cuối: "
            "chưa bao giờ)") in body, body
    # the summary to the admins, in Vietnamese as well
    summary = [m for m in mails(db) if m[0]["To"] == "admin@example.org"][0]
    assert decode_subject(summary[0]["Subject"]) == \
        "dormant: đã gửi 3 thông báo tạm khóa", summary[0]
    assert "không sử dụng 111 ngày, tạm khóa từ 29/09/2025" in summary[1], summary[1]


def test_monthly_report_mail_in_vietnamese():
    db = fixture_db("monthly-vi")
    db.write("sendmail.sh", f"#!/bin/sh\ncat > {db.path('mail')}\n")
    os.chmod(db.path("sendmail.sh"), 0o755)
    with open(db.conf, "a") as f:
        f.write(f"report_dir = {db.path('reports')}\nreport_to = admin@example.org\n"
                f"sendmail = {db.path('sendmail.sh')}\nlanguage = vi\n")
    out = db.out("report", "--monthly", "--mail", env=env())
    assert "và đã gửi thư bản HTML" in out, out
    msg = email.message_from_bytes(open(db.path("mail"), "rb").read())
    assert decode_subject(msg["Subject"]) == "Báo cáo hộp thư không hoạt động 10/2026"
    html = msg.get_payload(decode=True).decode("utf-8")
    assert '<html lang="vi">' in html and "Báo cáo hộp thư không hoạt động: 10/2026" in html


def test_alert_mail_in_vietnamese_syslog_line_unchanged():
    import test_alerts as ta
    os.environ["DORMANT_LOCALEDIR"] = localedir()   # deliver()'s environment
    db = ta.alerts_db("alerts-vi", "language = vi\n")
    ta.deliver(db, ta.T0)
    ta.imported(db, "log", [ta.refused("2026-11-24T12:01:00Z", "gone@example.org")])
    rc, out, err, logged = ta.deliver(db, "2026-11-24T12:05:00Z")
    assert rc == 0 and "đã chuyển 1 cảnh báo vào syslog và gửi thư" in out, (out, err)
    assert len(logged) == 1 and "dormant-alert refused-login account=gone@example.org" \
        in logged[0], logged
    [mail] = ta.mails(db)
    msg = email.message_from_bytes(mail.encode("utf-8"))
    assert decode_subject(msg["Subject"]) == ("dormant: 1 cảnh báo (hoạt động trở lại, "
                                              "đăng nhập bị từ chối hoặc bất thường)")
    body = msg.get_payload(decode=True).decode("utf-8")
    assert "24/11/2026 12:01:00 UTC  đăng nhập bị từ chối gone@example.org" in body, body
    assert "từ 192.0.2.7" in body and "tài khoản bị bỏ quên" in body, body


def test_programs_dormant_runs_get_its_own_environment():
    db = notify_db("child-env", "language = vi\n")
    db.write("sendmail.sh", "#!/bin/sh\n"
             f"env > {db.path('env.out')}\ncat > /dev/null\n")
    db.run("notify", "--apply", now=WARN, env=env(LANG="en_US.UTF-8"), check=0)
    child = open(db.path("env.out")).read().splitlines()
    assert "LANG=en_US.UTF-8" in child, child
    # dormant's LANGUAGE=vi stays dormant's: the child gets the empty one
    # it was started with
    assert "LANGUAGE=" in child and "LANGUAGE=vi" not in child, child


def test_language_from_the_locale_when_unset():
    db = fixture_db("locale")
    # LANGUAGE with a non-C locale (C.UTF-8: what a bare Debian has)
    out = db.out("help", env=env(LANGUAGE="vi"))
    assert out.startswith("cách dùng:"), out
    # a vi_VN locale that is not generated is still Vietnamese
    out = db.out("help", env=env(LANG="", LC_MESSAGES="vi_VN.UTF-8"))
    assert out.startswith("cách dùng:"), out
    # LC_ALL=C is how scripts ask for English: it beats LANGUAGE
    english = db.out("help", env=env(LC_ALL="C", LANGUAGE="vi"))
    assert english.startswith("usage: dormant"), english
    # language = en beats the locale
    set_language(db, "en")
    assert db.out("help", env=env(LANGUAGE="vi")) == english
    # no language, an English or C locale: the English of before
    set_language(db, "")
    for e in (env(LANG="en_US.UTF-8"), env(LANG="C"), env(LANG="")):
        assert db.out("help", env=e) == english


def test_an_unreadable_catalogue_is_said_and_all_english():
    # no catalogue where dormant looks (as on Debian 13 without the
    # vi_VN.UTF-8 locale, where glibc ignores LANGUAGE under C.UTF-8):
    # one warning, then English throughout, dates too, never half of each
    db = fixture_db("nocat")
    set_language(db, "vi")
    empty = tmpdir("no-catalogue")
    rc, out, err = db.run("report", "--month", "2026-11",
                          env=env(DORMANT_LOCALEDIR=empty))
    assert rc == 0, (rc, err)
    assert "language = vi: its messages cannot be read here" in err, err
    first = out.decode().splitlines()[0]
    assert first == ("Dormant mailbox report for 2026-11 "
                     "(generated 2026-11-24T12:00:00Z)"), first
    # asked by the environment only: no warning (gettext's own rule)
    set_language(db, "")
    rc, out, err = db.run("help", env=env(DORMANT_LOCALEDIR=empty,
                                          LANGUAGE="vi"))
    assert rc == 0 and err == "" and out.decode().startswith("usage:"), err


def test_a_bad_language_is_a_configuration_error():
    db = fixture_db("badlang")
    set_language(db, "fr")
    rc, _, err = db.run("list", env=env())
    assert rc == 2 and "language: en, vi, or empty" in err, err


if __name__ == "__main__":
    run_tests(globals())
