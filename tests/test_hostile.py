"""Filing that no file can stop (issue 9): hostile and broken inbox entries, driven through
the CLI. Each entry is filed or set aside with a reason; the rest of the run goes on."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pikepdf
import pytest
from batch_helpers import Doc, batch_pdf, document_pages, sheet_images, sheet_pdf
from conftest import make_scan, run_cli, set_config

from archiver.register import Register

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
REPO = Path(__file__).resolve().parent.parent
GOOD = "C0001_contract_20260105_good.pdf"


def journal(root: Path) -> list[dict]:  # type: ignore[type-arg]
    return list(Register(root / "registers" / "journal.jsonl"))


def records(root: Path) -> list[dict]:  # type: ignore[type-arg]
    return [tomllib.loads(p.read_text("utf-8")) for p in sorted((root / "records").rglob("*.toml"))]


def rejected(root: Path) -> Path:
    return root / "inbox" / "rejected"


def reason(root: Path, name: str) -> str:
    return (rejected(root) / f"{name}.reason.txt").read_text("utf-8")


def ingest(root: Path):
    return run_cli(root, "ingest", "--json")


def outcomes(result) -> dict[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    return {o["source"]: o for o in json.loads(result.stdout)["outcomes"]}


def drop_good(root: Path) -> bytes:
    data = make_scan(1, seed=77)
    (root / "inbox" / GOOD).write_bytes(data)
    return data


def assert_good_filed(root: Path) -> None:
    assert [r["filing"]["source"] for r in records(root)] == [GOOD], "the rest of the run goes on"


# 1. Containment ---------------------------------------------------------------------------
def test_any_exception_sets_that_file_aside_and_the_run_goes_on(archive_root, monkeypatch):
    from archiver.filing import pipeline

    drop_good(archive_root)
    (archive_root / "inbox" / "C0002_contract_20260105_boom.pdf").write_bytes(make_scan(1, seed=78))
    real = pipeline.classify

    def classify(ctx, doc, found, *args, **kwargs):  # type: ignore[no-untyped-def]
        if found.meta.customer == "C0002":
            raise RuntimeError("injected failure\nwith a second line")
        return real(ctx, doc, found, *args, **kwargs)

    monkeypatch.setattr(pipeline, "classify", classify)
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    assert "Traceback" not in r.output and "injected failure" not in r.output
    out = outcomes(r)["C0002_contract_20260105_boom.pdf"]
    assert out["code"] == "could-not-file" and out["status"] == "rejected"
    assert (rejected(archive_root) / "C0002_contract_20260105_boom.pdf").is_file()
    text = reason(archive_root, "C0002_contract_20260105_boom.pdf")
    assert "RuntimeError" in text and ".archiver/log/filing.log" in text and "administrator" in text
    logged = (archive_root / ".archiver" / "log" / "filing.log").read_text("utf-8")
    assert "Traceback" in logged and "injected failure" in logged and "classify" in logged
    assert_good_filed(archive_root)


def test_a_failure_while_reading_the_journal_is_not_a_file_problem(archive_root):
    """Exit 1 only when the run itself cannot go on: a broken archive folder stops it at once."""
    (archive_root / "records").rmdir()
    (archive_root / "records").write_text("not a folder")
    drop_good(archive_root)
    r = ingest(archive_root)
    assert r.exit_code == 6 and "records" in r.output
    assert (archive_root / "inbox" / GOOD).exists()


# 2. Bounded work: only regular files are opened --------------------------------------------
def test_a_fifo_is_set_aside_without_blocking(archive_root):
    drop_good(archive_root)
    fifo = archive_root / "inbox" / "x.pdf"
    os.mkfifo(fifo)
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    assert outcomes(r)["x.pdf"]["code"] == "not-a-file"
    moved = rejected(archive_root) / "x.pdf"
    assert moved.is_fifo() and not fifo.exists(), "the FIFO entry itself is moved"
    assert "named pipe" in reason(archive_root, "x.pdf")
    assert_good_filed(archive_root)


def test_a_symlink_to_dev_zero_is_set_aside_unread(archive_root):
    drop_good(archive_root)
    (archive_root / "inbox" / "zero.pdf").symlink_to("/dev/zero")
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["zero.pdf"]["code"] == "symlink"
    assert os.readlink(rejected(archive_root) / "zero.pdf") == "/dev/zero"
    assert_good_filed(archive_root)


def test_an_unreadable_file_is_set_aside_with_what_to_do(archive_root, monkeypatch):
    drop_good(archive_root)
    secret = archive_root / "inbox" / "C0001_contract_20260105_locked.pdf"
    secret.write_bytes(make_scan(1, seed=79))
    real_open = os.open

    def deny(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fsdecode(path).endswith("locked.pdf"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["C0001_contract_20260105_locked.pdf"]["code"] == "unreadable"
    assert "chmod g+r" in reason(archive_root, "C0001_contract_20260105_locked.pdf")
    assert_good_filed(archive_root)


def test_a_file_over_the_size_budget_is_set_aside_saying_how_to_raise_it(archive_root):
    set_config(archive_root, r"^max_file_mb = .*$", "max_file_mb = 0.001")
    (archive_root / "inbox" / "C0001_contract_20260105_big.pdf").write_bytes(make_scan(2, seed=80))
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["C0001_contract_20260105_big.pdf"]["code"] == "too-large"
    assert "raise filing.max_file_mb in archive.toml" in reason(archive_root, "C0001_contract_20260105_big.pdf")


def test_a_file_over_the_page_budget_is_set_aside_saying_how_to_raise_it(archive_root):
    set_config(archive_root, r"^max_pages = .*$", "max_pages = 2")
    (archive_root / "inbox" / "C0001_contract_20260105_long.pdf").write_bytes(make_scan(3, seed=81))
    drop_good(archive_root)
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["C0001_contract_20260105_long.pdf"]["code"] == "too-many-pages"
    assert "filing.max_pages" in reason(archive_root, "C0001_contract_20260105_long.pdf")
    assert_good_filed(archive_root)


def test_a_sidecar_nested_a_thousand_levels_deep_is_set_aside_with_its_pdf(archive_root):
    pdf = archive_root / "inbox" / "deep.pdf"
    pdf.write_bytes(make_scan(1, seed=82))
    pdf.with_suffix(".toml").write_text("x = " + "[" * 1000 + "]" * 1000 + "\n", "utf-8")
    drop_good(archive_root)
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["deep.pdf"]["code"] == "bad-sidecar"
    assert "nested too deeply" in reason(archive_root, "deep.pdf")
    assert (rejected(archive_root) / "deep.toml").is_file(), "the sidecar goes with its scan"
    assert_good_filed(archive_root)


def test_a_sidecar_that_is_a_fifo_is_never_opened(archive_root):
    pdf = archive_root / "inbox" / "piped.pdf"
    pdf.write_bytes(make_scan(1, seed=83))
    os.mkfifo(pdf.with_suffix(".toml"))
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["piped.pdf"]["code"] == "not-a-file"
    assert (rejected(archive_root) / "piped.toml").is_fifo()


# 3. Symlinks ------------------------------------------------------------------------------
def test_a_symlink_to_a_pdf_is_set_aside_and_its_target_untouched(archive_root, tmp_path):
    target = tmp_path / "top-secret.pdf"
    data = make_scan(1, seed=84)
    target.write_bytes(data)
    (archive_root / "inbox" / "C0001_contract_20260105_leak.pdf").symlink_to(target)
    (archive_root / "inbox" / "C0001").mkdir()
    (archive_root / "inbox" / "C0001" / "contract").symlink_to(tmp_path, target_is_directory=True)
    r = ingest(archive_root)
    assert r.exit_code == 8
    got = outcomes(r)
    assert got["C0001_contract_20260105_leak.pdf"]["code"] == "symlink"
    assert got["C0001/contract"]["code"] == "symlink", "a link to a folder is not followed either"
    assert records(archive_root) == []
    link = rejected(archive_root) / "C0001_contract_20260105_leak.pdf"
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == data and target.is_file() and not target.is_symlink()
    assert "never follows links" in reason(archive_root, "C0001_contract_20260105_leak.pdf")


@pytest.mark.parametrize("folder", ["inbox/rejected", "records", "registers", "volumes", ".archiver"])
@pytest.mark.parametrize("command", [("ingest",), ("build",), ("log",), ("audit",)])
def test_an_archive_folder_that_is_a_symlink_is_refused_by_every_command(archive_root, tmp_path, folder, command):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = archive_root / folder
    if path.exists():
        shutil.rmtree(path)
    path.symlink_to(elsewhere, target_is_directory=True)
    (archive_root / "inbox" / "C0999_contract_20260105.pdf").write_bytes(make_scan(1, seed=85))
    journal_before = (archive_root / "registers" / "journal.jsonl").exists() if folder != "registers" else None
    r = run_cli(archive_root, *command)
    assert r.exit_code == 6, r.output
    assert folder in r.output and "symbolic link" in r.output
    assert list(elsewhere.iterdir()) == [], "nothing written outside the archive"
    assert (archive_root / "inbox" / "C0999_contract_20260105.pdf").exists()
    if journal_before is not None:
        assert (archive_root / "registers" / "journal.jsonl").exists() == journal_before


# 4. Names ---------------------------------------------------------------------------------
def test_a_non_utf8_name_is_filed_with_its_sidecar_and_the_name_kept_escaped(archive_root):
    inbox = os.fsencode(archive_root / "inbox")
    name = b"C0001_contract_20260105_\xff\xfe\xb0\xec.pdf"
    with open(os.path.join(inbox, name), "wb") as fh:
        fh.write(make_scan(1, seed=86))
    with open(os.path.join(inbox, b"\xe9t\xe9.pdf"), "wb") as fh:  # Latin-1 "été": nothing says what it is
        fh.write(make_scan(1, seed=87))
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    [rec] = records(archive_root)
    assert rec["filing"]["source"] == "C0001_contract_20260105_\\xff\\xfe\\xb0\\xec.pdf"
    for pdf in (archive_root / "records").rglob("*.pdf"):
        assert pdf.with_suffix(".toml").exists(), "no record PDF without its sidecar"
    assert run_cli(archive_root, "build", "--checker", "李四").exit_code == 0
    got = outcomes(r)
    assert got["\\xe9t\\xe9.pdf"]["code"] == "no-metadata"
    assert os.path.exists(os.path.join(os.fsencode(rejected(archive_root)), b"\xe9t\xe9.pdf"))
    text = Path(os.fsdecode(os.path.join(os.fsencode(rejected(archive_root)), b"\xe9t\xe9.pdf.reason.txt")))
    assert "File: \\xe9t\\xe9.pdf" in text.read_text("utf-8")
    entries = [e for e in journal(archive_root) if e["event"] == "rejected"]
    assert [e["source"] for e in entries] == ["\\xe9t\\xe9.pdf"]
    assert entries[0]["rejected_to"] == "inbox/rejected/\\xe9t\\xe9.pdf"


def test_control_characters_and_bidi_overrides_never_reach_a_log_line_raw(archive_root):
    name = "evil\n\x1b[31m\u202egpj.pdf"
    (archive_root / "inbox" / name).write_bytes(make_scan(1, seed=88))
    r = run_cli(archive_root, "ingest")
    assert r.exit_code == 8
    assert "\x1b" not in r.output and "\u202e" not in r.output
    assert "evil\\x0a\\x1b[31m\\u202egpj.pdf" in r.output
    line = (archive_root / "registers" / "journal.jsonl").read_text("utf-8")
    assert "\u202e" not in line and "\\u202e" not in json.loads(line.splitlines()[-1])["source"][:4]
    assert json.loads(line.splitlines()[-1])["source"] == "evil\\x0a\\x1b[31m\\u202egpj.pdf"
    shown = run_cli(archive_root, "log").output
    assert "\x1b" not in shown and "\u202e" not in shown
    assert (rejected(archive_root) / name).exists(), "the file keeps its real name"
    assert "\u202e" not in reason(archive_root, name)


# 6. Active content -------------------------------------------------------------------------
def active_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(make_scan(1, seed=89)))
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.attachments["run.bat"] = pikepdf.AttachedFileSpec(pdf, b"@echo off\r\nformat c:\r\n", filename="run.bat")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_active_content_is_set_aside_by_default_saying_how_to_accept_it(archive_root):
    (archive_root / "inbox" / "C0001_contract_20260105_js.pdf").write_bytes(active_pdf())
    r = ingest(archive_root)
    assert r.exit_code == 8
    assert outcomes(r)["C0001_contract_20260105_js.pdf"]["code"] == "active-content"
    text = reason(archive_root, "C0001_contract_20260105_js.pdf")
    assert "JavaScript" in text and "embedded file" in text
    assert "filing.accept_active_content = true" in text


def test_accepted_active_content_is_filed_byte_for_byte_and_listed_in_the_sidecar(archive_root):
    set_config(archive_root, r"^accept_active_content = false$", "accept_active_content = true")
    data = active_pdf()
    (archive_root / "inbox" / "C0001_contract_20260105_js.pdf").write_bytes(data)
    assert ingest(archive_root).exit_code == 0
    [rec] = records(archive_root)
    assert "JavaScript" in rec["file"]["active_content"] and "embedded file" in rec["file"]["active_content"]
    assert (archive_root / "records" / "C0001" / "2026" / rec["file"]["name"]).read_bytes() == data


# 7. Rejected folder -----------------------------------------------------------------------
def test_nothing_in_rejected_is_ever_overwritten(archive_root):
    rej = rejected(archive_root)
    (rej / "C0999_contract_20260105.pdf.reason.txt").write_text("an earlier reason\n", "utf-8")
    (rej / "C0999_contract_20260105 (2).toml").write_text("# an earlier sidecar\n", "utf-8")
    inbox = archive_root / "inbox"
    (inbox / "C0999_contract_20260105.pdf").write_bytes(make_scan(1, seed=90))
    assert ingest(archive_root).exit_code == 8
    (inbox / "C0999_contract_20260105.pdf").write_bytes(make_scan(1, seed=91))
    (inbox / "C0999_contract_20260105.toml").write_text('customer = "C0999"\ntype = "contract"\ndate = 2026-01-05\n')
    assert ingest(archive_root).exit_code == 8
    assert (rej / "C0999_contract_20260105.pdf.reason.txt").read_text("utf-8") == "an earlier reason\n"
    assert (rej / "C0999_contract_20260105 (2).toml").read_text("utf-8") == "# an earlier sidecar\n"
    assert sorted(p.name for p in rej.iterdir()) == [
        "C0999_contract_20260105 (2).toml",
        "C0999_contract_20260105 (3).pdf", "C0999_contract_20260105 (3).pdf.reason.txt",
        "C0999_contract_20260105 (4).pdf", "C0999_contract_20260105 (4).pdf.reason.txt",
        "C0999_contract_20260105 (4).toml",
        "C0999_contract_20260105.pdf.reason.txt",
    ]
    rejections = [e for e in journal(archive_root) if e["event"] == "rejected"]
    assert [e["rejected_to"].rsplit("/", 1)[1] for e in rejections] == [
        "C0999_contract_20260105 (3).pdf", "C0999_contract_20260105 (4).pdf"], "each journaled once"


# 8. Disk full -----------------------------------------------------------------------------
def test_disk_full_stops_with_one_line_exit_9_and_a_rerun_completes(archive_root, monkeypatch):
    src = archive_root / "inbox" / GOOD
    data = drop_good(archive_root)
    real = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    r = run_cli(archive_root, "ingest")
    assert r.exit_code == 9, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert lines[0].startswith("error: Could not write ") and "no space is left on the disk" in lines[0]
    assert "Traceback" not in r.output and "Free space" in r.output
    assert src.read_bytes() == data, "nothing lost: the scan stays in the inbox"
    assert list(rejected(archive_root).iterdir()) == []
    monkeypatch.setattr(os, "fsync", real)
    assert run_cli(archive_root, "ingest").exit_code == 0
    assert_good_filed(archive_root)
    assert not src.exists()


def test_a_write_refused_by_the_disk_is_a_storage_error(tmp_path, monkeypatch):
    from archiver.atomic import append_line, write_bytes_atomic
    from archiver.errors import EXIT_NO_SPACE, StorageError

    def quota(fd: int) -> None:
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(os, "fsync", quota)
    with pytest.raises(StorageError) as caught:
        write_bytes_atomic(tmp_path / "a.pdf", b"%PDF-")
    assert caught.value.exit_code == EXIT_NO_SPACE and str(tmp_path / "a.pdf") in caught.value.message
    assert "quota" in caught.value.message and list(tmp_path.iterdir()) == [], "no temporary file left"
    with pytest.raises(StorageError):
        append_line(tmp_path / "r.jsonl", "{}")


def test_any_command_turns_a_refused_write_into_exit_9(archive_root, monkeypatch):
    def read_only(fd: int) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "fsync", read_only)
    r = run_cli(archive_root, "customer", "add", "C0100", "--name", "新客户")
    assert r.exit_code == 9 and "read-only" in r.output and "Traceback" not in r.output


# 9. Batch search only where it can matter; quick start --------------------------------------
def test_a_file_that_says_what_it_is_is_never_searched_for_cover_sheets(archive_root, monkeypatch):
    from archiver.batch import split

    def searched(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("searched for cover sheets")

    (sheet,) = sheet_images(sheet_pdf({"customer": "C0002", "type": "contract", "date": "2026-09-01", "title": "合同"}), 150)
    data = batch_pdf([Doc(sheet, document_pages(2, 8))], dpi=150, bilevel=True)
    inbox = archive_root / "inbox"
    (inbox / "with-sidecar.pdf").write_bytes(data)
    (inbox / "with-sidecar.toml").write_text('customer = "C0001"\ntype = "contract"\ndate = 2026-01-05\n')
    (inbox / "C0001_credit-report_20260105.pdf").write_bytes(data + b"\n%%EOF\n")
    (inbox / "C0003" / "basic-data").mkdir(parents=True)
    (inbox / "C0003" / "basic-data" / "scan.pdf").write_bytes(data + b"\n\n%%EOF\n")
    monkeypatch.setattr(split, "find_cover_sheets", searched)
    r = ingest(archive_root)
    assert r.exit_code == 0, r.output
    assert sorted(rec["filing"]["metadata_source"] for rec in records(archive_root)) == ["filename", "folder", "sidecar"]
    assert all(rec["file"]["page_count"] == 3 for rec in records(archive_root)), "one document each, sheet included"


SHOW_MODULES = """
import sys
from archiver.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(*args: str) -> set[str]:
    p = subprocess.run([sys.executable, "-c", SHOW_MODULES, *args], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    [line] = [line for line in p.stderr.splitlines() if line.startswith("MODULES ")]
    return set(line.split()[1:])


def test_a_command_imports_only_what_it_uses(archive_root):
    heavy = {"fpdf", "pikepdf", "archiver.catalogue", "archiver.custody", "archiver.volumes", "watchdog",
             "zxingcpp", "PIL", "jinja2", "archiver.batch"}
    assert heavy & loaded("--version") == set()
    (archive_root / "inbox" / GOOD).write_bytes(make_scan(1, seed=92))
    for_ingest = loaded("--root", str(archive_root), "-q", "ingest")
    assert "pikepdf" in for_ingest and "archiver.filing.pipeline" in for_ingest
    assert for_ingest & {"fpdf", "archiver.catalogue", "archiver.custody", "archiver.volumes", "watchdog",
                         "zxingcpp", "jinja2", "archiver.batch"} == set()


# 10. The filer never imports the splitter ---------------------------------------------------
def test_filing_does_not_import_batch():
    import ast

    for module in (REPO / "archiver" / "filing").glob("*.py"):
        tree = ast.parse(module.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "batch" not in (node.module or ""), f"{module.name} imports {node.module}"


# Real PDFs from other tools ---------------------------------------------------------------------
def test_every_corpus_file_is_filed_or_set_aside_with_a_reason(archive_root):
    inbox = archive_root / "inbox"
    names = sorted(p.name for p in CORPUS.glob("*.pdf"))
    for n, name in enumerate(names):
        shutil.copy(CORPUS / name, inbox / name)
        (inbox / name).with_suffix(".toml").write_text(
            f'customer = "C0001"\ntype = "contract"\ndate = 2026-01-{n + 1:02d}\n', "utf-8")
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    got = outcomes(r)
    assert set(got) == set(names)
    assert {n for n, o in got.items() if o["status"] == "rejected"} == {"graph-encrypted.pdf", "fuzz-378014596.pdf"}
    assert got["graph-encrypted.pdf"]["code"] == "encrypted-pdf"
    assert [p for p in inbox.iterdir() if p.name != "rejected"] == []
    for rec in records(archive_root):
        pdf = archive_root / "records" / "C0001" / "2026" / rec["file"]["name"]
        assert pdf.read_bytes() == (CORPUS / rec["filing"]["source"]).read_bytes()


def test_corpus_files_nothing_describes_are_searched_and_each_ends_somewhere(archive_root):
    inbox = archive_root / "inbox"
    names = sorted(p.name for p in CORPUS.glob("*.pdf"))
    for name in names:
        shutil.copy(CORPUS / name, inbox / name)
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    assert "Traceback" not in r.output
    assert [p for p in inbox.iterdir() if p.name != "rejected"] == []
    for name in names:
        assert (rejected(archive_root) / f"{name}.reason.txt").exists(), name


def test_an_entry_that_cannot_be_moved_stays_and_is_journaled_once(archive_root, monkeypatch):
    from archiver.filing import setaside

    os.mkfifo(archive_root / "inbox" / "stuck.pdf")
    drop_good(archive_root)
    real = setaside.rename_noreplace

    def refuse(src: Path, dst: Path) -> None:
        if src.name == "stuck.pdf":
            raise PermissionError(errno.EPERM, "Operation not permitted", str(src))
        real(src, dst)

    monkeypatch.setattr(setaside, "rename_noreplace", refuse)
    for _ in range(2):
        r = ingest(archive_root)
        assert r.exit_code == 8, r.output
        out = outcomes(r)["stuck.pdf"]
        assert out["status"] == "rejected" and "stays in the inbox" in out["reason"]
    assert (archive_root / "inbox" / "stuck.pdf").is_fifo()
    assert [e["source"] for e in journal(archive_root) if e["event"] == "rejected"] == ["stuck.pdf"]
    assert_good_filed(archive_root)


def test_build_reports_a_full_disk_as_exit_9(archive_root, monkeypatch):
    drop_good(archive_root)
    assert run_cli(archive_root, "ingest").exit_code == 0

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    r = run_cli(archive_root, "build", "--checker", "李四")
    assert r.exit_code == 9, r.output
    assert "no space is left on the disk" in r.output and "Traceback" not in r.output


def hidden_active_pdfs() -> dict[str, bytes]:
    """JavaScript where a byte search cannot see it: in a compressed object stream, and
    behind #-escaped names (/Java#53cript is /JavaScript)."""
    pdf = pikepdf.open(io.BytesIO(make_scan(1, seed=93)))
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    packed = io.BytesIO()
    pdf.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    plain = io.BytesIO()
    pdf.save(plain, object_stream_mode=pikepdf.ObjectStreamMode.disable, qdf=True)
    escaped = plain.getvalue().replace(b"/JavaScript", b"/Java#53cript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in escaped and b"/ObjStm" in packed.getvalue()
    return {"packed": packed.getvalue(), "escaped": escaped}


@pytest.mark.parametrize("kind", ["packed", "escaped"])
def test_active_content_is_found_where_a_byte_search_cannot_see_it(archive_root, kind):
    (archive_root / "inbox" / "C0001_contract_20260105_js.pdf").write_bytes(hidden_active_pdfs()[kind])
    r = ingest(archive_root)
    assert r.exit_code == 8, r.output
    assert outcomes(r)["C0001_contract_20260105_js.pdf"]["code"] == "active-content"
