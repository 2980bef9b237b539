"""archiver.filing.index and registration: the filed records by content hash (resumed
or duplicate) and what is registered for a record (its sidecar and one journal line)."""

from __future__ import annotations

import tomllib

from conftest import make_scan, run_cli
from filing_helpers import AT, context, document, found, stat_of

from archiver.filing.classify import classify
from archiver.filing.index import RecordIndex, duplicate, same_source
from archiver.filing.registration import filed_entry, journal_entry, register
from archiver.filing.validate import PdfFacts


def filed_archive(archive_root):  # type: ignore[no-untyped-def]
    (archive_root / "inbox" / "C0001_contract_20260105_a.pdf").write_bytes(make_scan(1, seed=400))
    (archive_root / "inbox" / "C0999_contract_20260105_b.pdf").write_bytes(make_scan(1, seed=401))
    assert run_cli(archive_root, "ingest").exit_code == 8


def test_the_index_reads_records_and_hands_other_journal_entries_on(archive_root, archive) -> None:
    filed_archive(archive_root)
    others: list[dict] = []  # type: ignore[type-arg]
    index = RecordIndex.read(archive, others.append)
    [record] = index.by_hash.values()
    assert index.get(record.file.sha256) == record and record.path in index.paths
    assert index.journaled == {record.id}
    assert [e["event"] for e in others] == ["rejected"]


def test_same_source_and_duplicate(archive_root, archive) -> None:
    filed_archive(archive_root)
    [record] = RecordIndex.read(archive, lambda e: None).by_hash.values()
    stat = stat_of(record.filing.source_size, record.filing.source_mtime_ns)
    assert same_source(record, record.filing.source, stat)
    assert not same_source(record, "other.pdf", stat)
    assert not same_source(record, record.filing.source, stat_of(record.filing.source_size + 1,
                                                                   record.filing.source_mtime_ns))
    r = duplicate(record, record.file.sha256, "records/x.pdf")
    assert r.code == "duplicate" and record.id in r.reason and "records/x.pdf" in r.reason
    assert r.details == {"existing record": record.id}


def test_a_record_is_registered_with_its_sidecar_and_one_journal_line(archive) -> None:
    ctx = context(archive)
    record = classify(ctx, document(b"a scan"), found(), PdfFacts(page_count=1))
    registration = register(ctx, record, "scan.pdf")
    side = tomllib.loads(registration.sidecar.decode("utf-8"))
    assert side["id"] == record.id and side["file"]["sha256"] == record.file.sha256
    assert registration.entry == filed_entry(record, "scan.pdf", AT)
    assert registration.entry["event"] == "filed" and registration.entry["at"] == AT.isoformat()
    ctx.index.journaled.add(record.id)
    assert journal_entry(ctx, record, "scan.pdf") is None
