"""archiver.filing.classify (Art. 6 step 2): a document's record — complete (Art. 11),
its retention class, its customer's year folder and an id that is the same on every run."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from filing_helpers import AT, context, document, found

from archiver.errors import Rejection
from archiver.filing.classify import check_page_count, classify, free_id, record_id
from archiver.filing.validate import PdfFacts

SHA = hashlib.sha256(b"a scan").hexdigest()


def test_a_document_declaring_more_pages_than_scanned_is_not_complete() -> None:
    check_page_count(found(pages=3), 3)
    check_page_count(found(pages=None), 1)
    with pytest.raises(Rejection) as info:
        check_page_count(found(pages=4), 3)
    assert info.value.code == "missing-pages" and "Art. 11" in info.value.reason


def test_the_record_id_is_date_type_and_content_hash() -> None:
    meta = found(date=dt.date(2026, 1, 5)).meta
    assert record_id(meta, SHA) == f"20260105-contract-{SHA[:8]}"
    assert record_id(meta, SHA, 12) == f"20260105-contract-{SHA[:12]}"


def test_an_id_taken_by_another_record_is_lengthened(tmp_path) -> None:
    meta = found().meta
    short = record_id(meta, SHA)
    assert free_id(tmp_path, meta, SHA, set(), tmp_path) == short
    (tmp_path / f"{short}.toml").write_text("# another record\n", "utf-8")
    assert free_id(tmp_path, meta, SHA, set(), tmp_path) == record_id(meta, SHA, 12)
    taken = {tmp_path / f"{record_id(meta, SHA, 12)}.pdf"}  # placed, not yet committed
    assert free_id(tmp_path, meta, SHA, taken, tmp_path) == record_id(meta, SHA, 16)


def test_a_pdf_left_by_a_killed_run_is_ours_or_anothers(tmp_path) -> None:
    meta = found().meta
    short = record_id(meta, SHA)
    (tmp_path / f"{short}.pdf").write_bytes(b"a scan")  # this very content, without sidecar
    assert free_id(tmp_path, meta, SHA, set(), tmp_path) == short
    (tmp_path / f"{short}.pdf").write_bytes(b"another scan")
    assert free_id(tmp_path, meta, SHA, set(), tmp_path) == record_id(meta, SHA, 12)


def test_a_filed_copy_whose_sidecar_cannot_be_read_is_a_duplicate(tmp_path) -> None:
    meta = found().meta
    short = record_id(meta, SHA)
    (tmp_path / f"{short}.pdf").write_bytes(b"a scan")
    (tmp_path / f"{short}.toml").write_text("not = [toml", "utf-8")
    with pytest.raises(Rejection) as info:
        free_id(tmp_path, meta, SHA, set(), tmp_path)
    assert info.value.code == "duplicate" and info.value.details == {"existing record": short}


def test_classify_makes_the_record(archive) -> None:
    ctx = context(archive)
    doc = document(b"a scan", source="sub/scan.pdf")
    record = classify(ctx, doc, found(type_="contract"), PdfFacts(page_count=2, active=("JavaScript",)))
    assert record.id == record_id(record.meta, doc.sha256)
    assert record.path == archive.record_dir("C0001", 2026) / f"{record.id}.pdf"
    assert record.retention == archive.config.type("contract").retention
    assert (record.file.page_count, record.file.size, record.file.active_content) == (2, 6, ("JavaScript",))
    assert (record.filing.source, record.filing.filed_at, record.filing.filed_by) == ("sub/scan.pdf", AT, "李四")
    assert record.filing.metadata_source == "sidecar"
    with pytest.raises(Rejection):
        classify(ctx, doc, found(pages=3), PdfFacts(page_count=2))
