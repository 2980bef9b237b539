"""Filing end to end through the CLI (Art. 6): sources, sidecars, journal, rejections."""

from __future__ import annotations

import json
import os
import time
import tomllib
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from conftest import make_scan, run_cli, set_config

from archiver.atomic import sha256_file
from archiver.errors import EXIT_CONFIG, EXIT_LOCKED, EXIT_NOT_FOUND, EXIT_REJECTED
from archiver.store import Archive


def sidecars(root: Path) -> list[dict]:
    return [tomllib.loads(p.read_text("utf-8")) for p in sorted((root / "records").rglob("*.toml"))]


def ingest(root: Path, *extra: str):
    return run_cli(root, "ingest", *extra)


def rejected_names(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "inbox" / "rejected").iterdir())


def inbox_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root / "inbox").as_posix() for p in (root / "inbox").rglob("*")
                  if p.is_file() and "rejected" not in p.parts)


def test_file_by_filename(archive_root, drop):
    src = drop("C0001_credit-report_20261015_三季度信用评估.pdf", pages=3)
    data = src.read_bytes()
    result = ingest(archive_root)
    assert result.exit_code == 0, result.output
    assert "1 filed, 0 rejected" in result.output
    [meta] = sidecars(archive_root)
    assert meta["customer"] == "C0001" and meta["type"] == "credit-report"
    assert meta["title"] == "三季度信用评估" and meta["retention"] == "long-term"
    assert meta["file"]["page_count"] == 3 and meta["file"]["size"] == len(data)
    pdf = archive_root / "records" / "C0001" / "2026" / meta["file"]["name"]
    assert pdf.read_bytes() == data, "the scan is stored byte for byte, never re-encoded"
    assert meta["file"]["sha256"] == sha256_file(pdf)
    assert meta["filing"]["metadata_source"] == "filename"
    assert meta["filing"]["source"] == "C0001_credit-report_20261015_三季度信用评估.pdf"
    assert meta["filing"]["filed_by"]
    assert inbox_files(archive_root) == []


def test_file_by_sidecar_wins_over_the_name(archive_root, drop):
    drop("C0002_contract_20250101.pdf", meta={"customer": "C0001", "type": "contract", "date": "2025-06-30",
                                               "title": "年度供货合同", "doc_no": "明远合字〔2025〕3号"})
    assert ingest(archive_root).exit_code == 0
    [meta] = sidecars(archive_root)
    assert (meta["customer"], meta["title"], meta["doc_no"]) == ("C0001", "年度供货合同", "明远合字〔2025〕3号")
    assert meta["filing"]["metadata_source"] == "sidecar"
    assert (archive_root / "records" / "C0001" / "2025").is_dir()
    assert inbox_files(archive_root) == [], "the inbox sidecar goes with its scan"


def test_file_by_folder(archive_root, drop):
    drop("scan_20260930_0001.pdf", subdir="C0003/qualification-rating")
    assert ingest(archive_root).exit_code == 0
    [meta] = sidecars(archive_root)
    assert (meta["customer"], meta["type"], str(meta["date"])) == ("C0003", "qualification-rating", "2026-09-30")
    assert meta["filing"]["metadata_source"] == "folder"
    assert meta["filing"]["source"] == "C0003/qualification-rating/scan_20260930_0001.pdf"


def test_journal_has_one_line_per_document(archive_root, drop):
    drop("C0001_contract_20260105.pdf", seed=1)
    drop("nobody_knows.pdf", seed=2)
    ingest(archive_root)
    entries = list(Archive.open(archive_root).journal)
    assert [e["event"] for e in entries if e["event"] in ("filed", "rejected")] == ["rejected", "filed"] or \
        sorted(e["event"] for e in entries) == ["filed", "rejected"]
    log = run_cli(archive_root, "log", "--event", "filed", "--json")
    rows = json.loads(log.stdout)
    assert len(rows) == 1 and rows[0]["customer"] == "C0001"


def test_duplicate_is_set_aside_naming_the_existing_record(archive_root, drop):
    data = make_scan(2, seed=5)
    drop("C0001_contract_20260105.pdf", data=data)
    assert ingest(archive_root).exit_code == 0
    drop("C0001_contract_20260105_again.pdf", data=data)
    result = ingest(archive_root)
    assert result.exit_code == EXIT_REJECTED
    [meta] = sidecars(archive_root)
    reason = (archive_root / "inbox/rejected/C0001_contract_20260105_again.pdf.reason.txt").read_text("utf-8")
    assert "duplicate" in reason and meta["id"] in reason
    assert len(sidecars(archive_root)) == 1, "never filed twice"


def test_rejected_file_keeps_its_bytes_and_gets_a_reason(archive_root, drop):
    src = drop("C0999_contract_20260105.pdf")
    data = src.read_bytes()
    result = ingest(archive_root)
    assert result.exit_code == EXIT_REJECTED
    target = archive_root / "inbox/rejected/C0999_contract_20260105.pdf"
    assert target.read_bytes() == data
    reason = (archive_root / "inbox/rejected/C0999_contract_20260105.pdf.reason.txt").read_text("utf-8")
    assert "Unknown customer C0999" in reason
    assert "archiver customer add C0999" in reason


def test_name_clash_in_rejected_never_overwrites(archive_root, drop):
    first = make_scan(1, seed=1)
    second = make_scan(1, seed=2)
    drop("C0999_contract_20260105.pdf", data=first)
    ingest(archive_root)
    drop("C0999_contract_20260105.pdf", data=second)
    ingest(archive_root)
    rej = archive_root / "inbox" / "rejected"
    assert (rej / "C0999_contract_20260105.pdf").read_bytes() == first
    assert (rej / "C0999_contract_20260105 (2).pdf").read_bytes() == second
    assert (rej / "C0999_contract_20260105 (2).pdf.reason.txt").exists()


def test_fixed_file_dropped_again_is_filed(archive_root, drop):
    drop("C0004_contract_20260105.pdf")
    ingest(archive_root)
    assert run_cli(archive_root, "customer", "add", "C0004", "--name", "深圳新创电子有限公司").exit_code == 0
    rej = archive_root / "inbox" / "rejected" / "C0004_contract_20260105.pdf"
    os.replace(rej, archive_root / "inbox" / rej.name)
    assert ingest(archive_root).exit_code == 0
    assert [m["customer"] for m in sidecars(archive_root)] == ["C0004"]
    assert (archive_root / "inbox/rejected/C0004_contract_20260105.pdf.reason.txt").exists(), \
        "nothing in rejected/ is deleted by the tool"


def _truncated() -> bytes:
    return make_scan(2)[:-400]


def _encrypted() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    import io

    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    return out.getvalue()


def _broken_page_tree() -> bytes:
    import io

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Pages.Kids = pikepdf.Array([pikepdf.Integer(5)])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty-file"),
        (b"Hello, this is a text file\n", "not-a-pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not-a-pdf"),
        (_truncated(), "truncated-pdf"),
        (_encrypted(), "encrypted-pdf"),
        (_broken_page_tree(), "no-pages"),
    ],
    ids=["empty", "text", "png", "truncated", "encrypted", "broken-page-tree"],
)
def test_bad_files_are_set_aside_with_a_reason(archive_root, drop, data, code):
    drop("C0001_contract_20260105.pdf", data=data)
    result = ingest(archive_root, "--json")
    assert result.exit_code == EXIT_REJECTED
    report = json.loads(result.stdout)
    assert report["rejected"] == 1 and report["outcomes"][0]["code"] == code
    assert (archive_root / "inbox/rejected/C0001_contract_20260105.pdf").read_bytes() == data
    assert sidecars(archive_root) == []


def test_declared_pages_the_pdf_does_not_have(archive_root, drop):
    """Art. 11: the pages of each document must be complete."""
    drop("a.pdf", pages=2, meta={"customer": "C0001", "type": "contract", "date": "2026-01-05", "pages": 5})
    result = ingest(archive_root, "--json")
    assert json.loads(result.stdout)["outcomes"][0]["code"] == "missing-pages"


@pytest.mark.parametrize(
    "meta",
    [
        {"customer": "../../etc", "type": "contract", "date": "2026-01-05"},
        {"customer": "/tmp/x", "type": "contract", "date": "2026-01-05"},
        {"customer": "C0001/../C0002", "type": "contract", "date": "2026-01-05"},
        {"customer": "C0001", "type": "../contract", "date": "2026-01-05"},
        {"customer": "C0001\u0000", "type": "contract", "date": "2026-01-05"},
    ],
)
def test_hostile_codes_are_rejected(archive_root, drop, meta):
    drop("x.pdf", meta=meta)
    assert ingest(archive_root).exit_code == EXIT_REJECTED
    assert sidecars(archive_root) == []
    assert {p.name for p in archive_root.parent.iterdir()} == {"archive"}, "nothing written outside the archive"


@pytest.mark.parametrize("title", ["../../../etc/passwd", "/etc/shadow", "a\\b/c\u0000d", "合同/../../x"])
def test_hostile_titles_land_inside_records(archive_root, drop, title):
    drop("x.pdf", meta={"customer": "C0001", "type": "contract", "date": "2026-01-05", "title": title})
    assert ingest(archive_root).exit_code == 0
    [meta] = sidecars(archive_root)
    pdfs = list((archive_root / "records").rglob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].parent == archive_root / "records" / "C0001" / "2026"
    assert "\x00" not in meta["title"]


def test_over_long_name_is_rejected_with_a_reason_that_fits(archive_root, drop):
    name = "无法识别的扫描件" * 10 + ".pdf"  # 80 CJK characters = 240 bytes + .pdf
    assert len(name.encode()) <= 255
    drop(name)
    assert ingest(archive_root).exit_code == EXIT_REJECTED
    reasons = list((archive_root / "inbox" / "rejected").glob("*.reason.txt"))
    assert len(reasons) == 1 and all(len(p.name.encode()) <= 255 for p in reasons)
    assert len(list((archive_root / "inbox" / "rejected").glob("*.pdf"))) == 1


def test_nfc_and_nfd_names_of_one_customer_title_file_once(archive_root, drop):
    nfc = unicodedata.normalize("NFC", "C0001_contract_20260105_Café合同.pdf")
    nfd = unicodedata.normalize("NFD", nfc)
    data = make_scan(1, seed=9)
    drop(nfc, data=data)
    drop(nfd, data=data)
    ingest(archive_root)
    metas = sidecars(archive_root)
    assert len(metas) == 1 and metas[0]["title"] == "Café合同"
    assert len(list((archive_root / "inbox" / "rejected").glob("*.pdf"))) == 1  # the second is a duplicate


def test_ignored_and_young_files_are_left(archive_root, drop):
    for name in (".hidden.pdf", "~$lock.pdf", "scan.pdf.part", "x.tmp", "Thumbs.db"):
        (archive_root / "inbox" / name).write_bytes(b"x")
    drop("C0001_contract_20260105.pdf")
    set_config(archive_root, r"^stable_seconds = .*$", "stable_seconds = 600.0")  # the scan just dropped is young
    result = ingest(archive_root, "--json")
    report = json.loads(result.stdout)
    assert report["waiting"] == ["C0001_contract_20260105.pdf"] and report["filed"] == 0
    old = time.time() - 700
    os.utime(archive_root / "inbox" / "C0001_contract_20260105.pdf", (old, old))
    report = json.loads(ingest(archive_root, "--json").stdout)
    assert report["filed"] == 1 and report["rejected"] == 0
    assert sorted(p.name for p in (archive_root / "inbox").iterdir() if p.is_file()) == sorted(
        [".hidden.pdf", "Thumbs.db", "scan.pdf.part", "x.tmp", "~$lock.pdf"])


def test_ingest_refuses_while_another_holds_the_archive(archive_root, drop):
    archive = Archive.open(archive_root)
    drop("C0001_contract_20260105.pdf")
    with archive.lock("filing", purpose="archiver watch"):
        result = run_cli(archive_root, "ingest")
    assert result.exit_code == EXIT_LOCKED
    assert "archiver watch" in result.output
    assert inbox_files(archive_root) == ["C0001_contract_20260105.pdf"]


def test_bad_configuration_names_the_key(archive_root):
    set_config(archive_root, r"^max_sheets = .*$", "max_sheets = -3")
    result = run_cli(archive_root, "ingest")
    assert result.exit_code == EXIT_CONFIG
    assert "volumes.max_sheets" in result.output and "-3" in result.output


def test_root_from_env_and_parent_folders(archive_root, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main

    monkeypatch.setenv("ARCHIVER_ROOT", str(archive_root))
    assert CliRunner().invoke(main, ["customer", "list"]).output.count("C000") == 3
    monkeypatch.delenv("ARCHIVER_ROOT")
    monkeypatch.chdir(archive_root / "records")
    assert "C0002" in CliRunner().invoke(main, ["customer", "list"]).output
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["customer", "list"])
    assert result.exit_code == EXIT_NOT_FOUND and "archiver init" in result.output


def test_init_refuses_an_existing_archive(archive_root):
    from click.testing import CliRunner

    from archiver.cli import main

    before = (archive_root / "archive.toml").read_text("utf-8")
    result = CliRunner().invoke(main, ["init", str(archive_root)])
    assert result.exit_code == 2 and "already" in result.output  # wrong input, not a bug (exit 1)
    assert (archive_root / "archive.toml").read_text("utf-8") == before


def test_customer_add_refuses_a_second_time_and_bad_codes(archive_root):
    assert run_cli(archive_root, "customer", "add", "C0001", "--name", "x").exit_code != 0
    assert run_cli(archive_root, "customer", "add", "../x", "--name", "x").exit_code != 0
    shown = run_cli(archive_root, "customer", "show", "C0001", "--json")
    profile = json.loads(shown.stdout)
    assert profile["name"] == "上海明远贸易有限公司" and profile["legal_representative"] == "张伟"


@pytest.mark.parametrize("name", ["", "   ", "\x00\n"])
def test_customer_add_refuses_an_empty_name(archive_root, name):
    """Art. 8: the name is the one required field; a profile without it would make every
    command that lists customers fail."""
    result = run_cli(archive_root, "customer", "add", "C0009", "--name", name)
    assert result.exit_code != 0 and "name" in result.output
    assert not (archive_root / "customers" / "C0009").exists()
    assert run_cli(archive_root, "customer", "list").exit_code == 0


def test_an_unreadable_sidecar_does_not_stop_filing_nor_lets_its_scan_in_twice(archive_root, drop):
    """One damaged sidecar (the audit's business, Art. 22–23) must not stop the inbox for
    everyone — and a copy of that record's scan is still not filed a second time."""
    first = drop("C0001_contract_20260105.pdf", seed=1)
    data = first.read_bytes()
    assert ingest(archive_root).exit_code == 0
    [sidecar] = (archive_root / "records/C0001/2026").glob("*.toml")
    sidecar.write_text("id = = broken", "utf-8")
    drop("C0002_contract_20260106.pdf", seed=2)
    drop("C0001_contract_20260105_again.pdf", data=data)
    result = ingest(archive_root)
    assert result.exit_code == EXIT_REJECTED, result.output
    assert len(list((archive_root / "records/C0002/2026").glob("*.pdf"))) == 1
    assert len(list((archive_root / "records/C0001/2026").glob("*.pdf"))) == 1  # not twice
    assert rejected_names(archive_root) == ["C0001_contract_20260105_again.pdf", "C0001_contract_20260105_again.pdf.reason.txt"]
    reason = (archive_root / "inbox/rejected/C0001_contract_20260105_again.pdf.reason.txt").read_text("utf-8")
    assert sidecar.stem in reason and "cannot be read" in reason


def test_stored_scans_are_read_only(archive_root, drop):
    """A stored scan is replaced whole or not at all: a write in place (e.g. through a
    catalogue's hard link) is refused by its mode (Art. 21, 24)."""
    import stat

    drop("C0001_contract_20260105.pdf")
    assert ingest(archive_root).exit_code == 0
    [pdf] = (archive_root / "records").rglob("*.pdf")
    [side] = (archive_root / "records").rglob("*.toml")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o440
    assert stat.S_IMODE(side.stat().st_mode) == 0o640
