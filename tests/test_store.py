"""store.py: the archive's locks say who holds them and what to do."""

from __future__ import annotations

import pytest

from archiver.errors import LockedError
from archiver.store import Archive


def test_a_busy_build_lock_names_the_build_not_the_watcher(archive_root):
    archive = Archive.open(archive_root)
    with archive.lock("build", purpose="archiver build"), pytest.raises(LockedError) as info, \
            Archive.open(archive_root).lock("build", purpose="archiver build"):
        pass
    text = f"{info.value}"
    assert "archiver build" in text and "build lock" in text
    assert "watcher" not in text and "filing" not in text


def test_a_busy_filing_lock_says_one_watcher_or_ingest(archive_root):
    archive = Archive.open(archive_root)
    with archive.lock("filing", purpose="archiver watch"), pytest.raises(LockedError) as info, \
            Archive.open(archive_root).lock("filing", purpose="archiver ingest"):
        pass
    assert "archiver watch" in f"{info.value}" and "watcher or ingest" in f"{info.value}"


def test_an_unreadable_sidecar_is_an_integrity_problem(tmp_path) -> None:
    """Exit 6 (stored data), not 3 (settings): an IntegrityError, and no ConfigError (one
    hierarchy, single inheritance; code going on past such a file catches this class)."""
    from archiver.errors import EXIT_INTEGRITY, ConfigError, IntegrityError, UnreadableFileError
    from archiver.store import read_record

    broken = tmp_path / "x.toml"
    broken.write_text('id = "x"\ncustomer = ', "utf-8")
    with pytest.raises(UnreadableFileError) as info:
        read_record(broken)
    assert info.value.exit_code == EXIT_INTEGRITY and isinstance(info.value, IntegrityError)
    assert not isinstance(info.value, ConfigError)
    assert str(broken) in str(info.value)


# One record type: sidecar ⇄ Record, retention declared vs applies -----------------------
OLD_DECLARED = """\
# 归档文件元数据 · record sidecar, written by archiver when the document was filed.
# The PDF beside this file is the scan; sha256 below is its checksum (Art. 22–23).
id = "20260105-contract-0a1b2c3d"
customer = "C0001"
type = "contract"
date = 2026-01-05
title = "供货合同"
doc_no = "明远合字〔2026〕1号"
classification = "ordinary"
retention = "permanent"
sides = "duplex"
group = "HT-1"
role = "main"
period = [
    2026-01-01,
    2026-12-31,
]

[file]
name = "20260105-contract-0a1b2c3d.pdf"
sha256 = "abababababababababababababababababababababababababababababababab"
size = 1234
page_count = 2

[filing]
source = "C0001_contract_20260105.pdf"
source_size = 1234
source_mtime_ns = 1767600000000000000
metadata_source = "filename"
filed_at = 2026-01-06 09:30:00+08:00
filed_by = "王芳"
"""
# The same document without a declared class, as the same versions wrote it: the
# resolved class was appended at the end of the top-level keys.
OLD_RESOLVED = OLD_DECLARED.replace('retention = "permanent"\n', "").replace(
    "]\n\n[file]", ']\nretention = "long-term"\n\n[file]')


def _record(declared: str, applies: str):
    import datetime as dt

    from archiver.model import FileInfo, FilingInfo, Metadata, Record

    return Record(
        id="20260105-contract-0a1b2c3d",
        meta=Metadata("C0001", "contract", dt.date(2026, 1, 5), "供货合同", doc_no="明远合字〔2026〕1号",
                      retention=declared, group="HT-1", role="main",
                      period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        retention=applies,
        file=FileInfo("20260105-contract-0a1b2c3d.pdf", "ab" * 32, 1234, 2),
        filing=FilingInfo("C0001_contract_20260105.pdf", 1234, 1767600000000000000, "filename",
                          dt.datetime(2026, 1, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), "王芳"),
    )


@pytest.mark.parametrize(("text", "applies"), [(OLD_DECLARED, "permanent"), (OLD_RESOLVED, "long-term")])
def test_a_sidecar_of_the_old_form_is_read_as_before(tmp_path, text, applies) -> None:
    """Before the split, ``retention`` was the one key: it is what applies, and (as those
    versions read it) what was declared; written again, the sidecar takes the new form."""
    from archiver.store import read_record, write_record

    sidecar = tmp_path / "20260105-contract-0a1b2c3d.toml"
    sidecar.write_text(text, "utf-8")
    record = read_record(sidecar)
    assert record.retention == applies and record.meta.retention == applies
    assert record == _record(applies, applies)
    assert record.path == tmp_path / "20260105-contract-0a1b2c3d.pdf"
    write_record(record)
    again = sidecar.read_text("utf-8")
    assert f'retention = "{applies}"\nretention_declared = "{applies}"\n' in again
    assert read_record(sidecar) == record


@pytest.mark.parametrize("declared", ["", "permanent"])
def test_a_sidecar_keeps_what_was_declared_apart_from_what_applies(tmp_path, declared) -> None:
    import dataclasses
    import tomllib

    from archiver.store import read_record, write_record

    applies = declared or "long-term"
    record = dataclasses.replace(_record(declared, applies), path=tmp_path / "20260105-contract-0a1b2c3d.pdf")
    write_record(record)
    data = tomllib.loads(record.sidecar_path.read_text("utf-8"))
    assert (data["retention"], data["retention_declared"]) == (applies, declared)
    back = read_record(record.sidecar_path)
    assert back == record and (back.meta.retention, back.retention) == (declared, applies)


def test_ingest_writes_both_retention_keys(archive_root, drop) -> None:
    import tomllib

    from conftest import run_cli

    drop("C0001_contract_20260105_a.pdf", seed=1)
    drop("b.pdf", seed=2, meta={"customer": "C0001", "type": "contract", "date": "2026-01-06", "title": "b",
                                "retention": "permanent"})
    assert run_cli(archive_root, "ingest").exit_code == 0
    found = {}
    for path in sorted((archive_root / "records" / "C0001" / "2026").glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        found[data["title"]] = (data["retention"], data["retention_declared"])
    assert found == {"a": ("long-term", ""), "b": ("permanent", "permanent")}

