"""Cover sheets: the QR payload, its checks (the sidecar's own, Art. 6), the printed A4
sheet and `archiver coversheet`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from conftest import CUSTOMERS, TODAY, run_cli

from archiver.batch.coversheet import (
    MARKER,
    MIN_MODULE_MM,
    SHEET_MARK,
    SOURCE,
    check_fields,
    decode_payload,
    encode_payload,
    is_ours,
    make_qr,
    module_mm,
    sheet_fields,
)
from archiver.errors import ArchiverError, Rejection
from archiver.filing.metadata import SIDECAR_FIELDS
from archiver.model import Metadata
from archiver.store import Archive

FULL = Metadata(
    customer="C0001", type="contract", date=dt.date(2026, 9, 1), title="上海明远贸易有限公司销售合同（复印件）",
    doc_no="沪明贸〔2026〕31号", responsible="张伟", classification="confidential", retention="permanent",
    sides="simplex", pages=3, copies=2, group="G-2026-01", role="main", kind="plan",
    period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), notes="第2页有褪色\n附复印件",
)


def qr_texts(pdf: bytes, dpi: int = 150) -> list[list[str]]:
    """The QR texts zxing reads on each page of a PDF rendered at ``dpi``."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [[c.text for c in zxingcpp.read_barcodes(doc[i].render(scale=dpi / 72, grayscale=True).to_pil())]
                for i in range(len(doc))]
    finally:
        doc.close()


def test_every_sidecar_field_survives_the_round_trip(archive: Archive) -> None:
    fields = sheet_fields(FULL)
    assert set(fields) <= SIDECAR_FIELDS
    text = encode_payload(fields)
    assert text.startswith("ARCV1|{") and is_ours(text)
    found = check_fields(decode_payload(text), archive.config, set(CUSTOMERS), TODAY)
    assert found.meta == FULL
    assert found.source == SOURCE == "coversheet"


def test_sheets_of_any_version_are_recognised_and_foreign_codes_are_not() -> None:
    assert is_ours("ARCV1|{}") and is_ours("ARCV2|…") and is_ours(SHEET_MARK)
    assert not is_ours("https://example.com/ARCV1|") and not is_ours("ARCV|x") and not is_ours("arcv1|{}")


def test_defaults_are_left_out_to_keep_the_code_small() -> None:
    meta = Metadata(customer="C0001", type="credit-report", date=dt.date(2026, 10, 15), title="信用评估报告")
    assert json.loads(encode_payload(sheet_fields(meta))[len(MARKER):]) == {
        "customer": "C0001", "type": "credit-report", "date": "2026-10-15", "title": "信用评估报告"}


@pytest.mark.parametrize("text, code", [
    ("https://invoice.example.com/123", "unreadable-coversheet"),  # not ours
    (SHEET_MARK, "unreadable-coversheet"),  # the marker says "a sheet", not what it is
    (MARKER + "{not json", "bad-coversheet"),
    (MARKER + "[1, 2]", "bad-coversheet"),
    (MARKER + '{"customer": "C0001", "colour": "red"}', "bad-coversheet"),
    ('ARCV2|{"customer": "C0001"}', "bad-coversheet"),  # a later version: a sheet, but not readable here
])
def test_payloads_that_hold_no_metadata_are_refused(text: str, code: str) -> None:
    with pytest.raises(Rejection) as err:
        decode_payload(text)
    assert err.value.code == code


def test_decoded_fields_get_the_sidecar_checks(archive: Archive) -> None:
    """Unknown customer, impossible date, unknown type: the very Rejections of filing."""
    for raw, code in [
        ({"customer": "C0999", "type": "contract", "date": "2026-09-01"}, "unknown-customer"),
        ({"customer": "C0001", "type": "contract", "date": "2026-02-30"}, "impossible-date"),
        ({"customer": "C0001", "type": "letter", "date": "2026-09-01"}, "unknown-type"),
        ({"customer": "C0001", "type": "contract"}, "incomplete-metadata"),
    ]:
        with pytest.raises(Rejection) as err:
            check_fields(raw, archive.config, set(CUSTOMERS), TODAY)
        assert err.value.code == code


def test_qr_uses_high_error_correction_and_large_modules() -> None:
    qr = make_qr(FULL)
    assert qr.error in ("H", "Q")
    assert module_mm(qr) >= MIN_MODULE_MM
    short = make_qr(Metadata(customer="C0001", type="contract", date=dt.date(2026, 9, 1), title="合同"))
    assert short.error == "H" and module_mm(short) > 1.5


def test_metadata_too_long_for_a_sheet_is_refused_before_printing() -> None:
    with pytest.raises(ArchiverError, match="too long"):
        make_qr(Metadata(customer="C0001", type="contract", date=dt.date(2026, 9, 1), title="合同",
                         notes="很长的备注" * 400))


def test_cli_prints_a_sheet_whose_qr_and_text_say_the_same(archive_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    r = run_cli(archive_root, "coversheet", "C0001", "credit-report", "--date", "2026-10-15",
                "--title", "2026年第三季度信用评估报告", "--doc-no", "财信〔2026〕15号", "--pages", "4",
                "--out", str(out))
    assert r.exit_code == 0, r.output
    (texts,) = qr_texts(out.read_bytes())
    assert SHEET_MARK in texts  # the two marker codes
    (payload,) = [t for t in texts if t != SHEET_MARK]
    assert decode_payload(payload) == {"customer": "C0001", "type": "credit-report", "date": "2026-10-15",
                                       "title": "2026年第三季度信用评估报告", "doc_no": "财信〔2026〕15号", "pages": 4}
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("客户名称", CUSTOMERS["C0001"], "文件类型", "客户信用评估报告", "2026年10月15日",
                     "2026年第三季度信用评估报告", "财信〔2026〕15号", "请将本页放在该文件首页之前"):
        assert expected in text, expected
    png = tmp_path / "sheet"
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(out), str(png)], check=True)
    assert (tmp_path / "sheet-1.png").stat().st_size > 10_000  # looked at by hand while writing this


def test_cli_refuses_an_unknown_customer_before_printing(archive_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    r = run_cli(archive_root, "coversheet", "C0999", "contract", "--date", "2026-09-01", "--out", str(out))
    assert r.exit_code == 4
    assert "Unknown customer C0999" in r.output and "archiver customer add C0999" in r.output
    assert not out.exists()


def test_cli_many_sheets_from_a_csv_with_bom(archive_root: Path, tmp_path: Path) -> None:
    lst = tmp_path / "list.csv"
    lst.write_bytes("\ufeffcustomer,type,date,title,pages,period,kind\n"
                    "C0001,contract,2026-09-01,销售合同,3,,\n"
                    "C0002,credit-report,2026-10-15,,,,\n"
                    "C0003,analysis-report,2026-06-30,年度分析,,2026-01-01/2026-06-30,summary\n".encode())
    out = tmp_path / "many.pdf"
    r = run_cli(archive_root, "coversheet", "--from", str(lst), "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sheets"] == 3
    pages = qr_texts(out.read_bytes())
    payloads = [decode_payload(t) for texts in pages for t in texts if t != SHEET_MARK]
    assert [p["customer"] for p in payloads] == ["C0001", "C0002", "C0003"]
    assert payloads[0]["pages"] == 3
    assert payloads[1]["title"] == "客户信用评估报告（2026年10月15日）"  # the default title, printed and encoded
    assert payloads[2]["period"] == ["2026-01-01", "2026-06-30"]


def test_cli_csv_errors_name_the_line(archive_root: Path, tmp_path: Path) -> None:
    lst = tmp_path / "list.csv"
    lst.write_text("customer,type,date\nC0001,contract,2026-09-01\nC0001,letter,2026-09-02\n", "utf-8")
    r = run_cli(archive_root, "coversheet", "--from", str(lst), "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code != 0 and "list.csv, line 3" in r.output and "letter" in r.output
    assert not (tmp_path / "x.pdf").exists()
    lst.write_text("customer,type,date,colour\nC0001,contract,2026-09-01,red\n", "utf-8")
    r = run_cli(archive_root, "coversheet", "--from", str(lst), "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code != 0 and "colour" in r.output
