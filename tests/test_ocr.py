"""The OCR stage: stored text, pages with their own text, reasons, resuming, the CLI,
the watcher's hook, and RapidOCR itself (offline, on generated pages with known text)."""

from __future__ import annotations

import json
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import run_cli, set_config
from ocr_helpers import FakeEngine, cer

from archiver.config import parse_config, template_text
from archiver.errors import ConfigError
from archiver.ocr import pages, stage
from archiver.ocr.engine import EngineInfo
from archiver.ocr.follow import Follower
from archiver.ocr.store import (
    PageText,
    RecordText,
    TextLine,
    is_current,
    load,
    read_text,
    text_path,
    write_text,
)
from archiver.store import Archive
from archiver.synth import PageSpec, render_page, scan, text_page

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
NAME = "C0001_contract_20250301_减速器采购合同.pdf"


def ingest(root: Path) -> None:
    result = run_cli(root, "ingest")
    assert result.exit_code == 0, result.output


def records(root: Path) -> dict[str, Path]:
    """Record PDFs by the source name they were filed from."""
    archive = Archive.open(root)
    return {r.filing.source: r.path for r in archive.iter_records()}


# The stored text ---------------------------------------------------------------------------------
def sample_text(sha: str) -> RecordText:
    return RecordText(sha, EngineInfo("rapidocr", "3.10.0", {"det": "d.onnx", "rec": "r.onnx"}),
                      "2026-11-20T10:00:00+08:00",
                      (PageText(1, "ocr", "ok", "", 595.28, 841.89, (TextLine("减速器采购合同", (72.0, 80.5, 300.25, 100.0), 0.97),)),
                       PageText(2, "none", "skipped", "no text recognised", 595.28, 841.89)))  # fmt: skip


def test_text_file_round_trip_stale_and_damaged(tmp_path: Path) -> None:
    record = tmp_path / "20250301-contract-0a1b2c3d.pdf"
    record.write_bytes(b"%PDF-1.4 scan")
    import hashlib

    sha = hashlib.sha256(record.read_bytes()).hexdigest()
    target = write_text(record, sample_text(sha))
    assert target == tmp_path / "20250301-contract-0a1b2c3d.text.json"
    data = json.loads(target.read_text("utf-8"))  # the documented shape (docs/text-format.md)
    assert data["format"] == "archiver-text" and data["version"] == 1 and data["record_sha256"] == sha
    assert data["engine"] == {"name": "rapidocr", "version": "3.10.0", "models": {"det": "d.onnx", "rec": "r.onnx"}}
    assert data["pages"][0]["lines"][0] == {"text": "减速器采购合同", "box": [72.0, 80.5, 300.25, 100.0], "confidence": 0.97}
    assert data["pages"][1] == {"page": 2, "source": "none", "status": "skipped", "reason": "no text recognised",
                                "width": 595.28, "height": 841.89, "lines": []}
    assert read_text(record) == sample_text(sha) == read_text(record, sha)
    assert is_current(record, sha)
    record.write_bytes(b"%PDF-1.4 another scan")  # the record is not the one the text was made from: stale
    assert read_text(record) is None and not is_current(record, hashlib.sha256(record.read_bytes()).hexdigest())
    target.write_text("{not json", "utf-8")
    assert load(target) is None and read_text(record, sha) is None
    assert not list(tmp_path.glob(".tmp-*"))


# Geometry (pure) -------------------------------------------------------------------------------
@pytest.mark.parametrize(("rotate", "expected"), [
    (0, (50.0, 40.0, 150.0, 60.0)),  # crop (50, 50)–(550, 750): 500 wide, 700 high
    (90, (640.0, 50.0, 660.0, 150.0)),  # turned clockwise: 700 wide, 500 high
    (180, (350.0, 640.0, 450.0, 660.0)),
    (270, (40.0, 350.0, 60.0, 450.0)),
])  # fmt: skip
def test_display_box_turns_with_the_page(rotate: int, expected: tuple[float, ...]) -> None:
    assert pages.display_box((100.0, 690.0, 200.0, 710.0), (50.0, 50.0, 550.0, 750.0), rotate) == expected


def test_lines_grouped_from_characters_and_boxes_to_points() -> None:
    chars = [("甲", (10, 10, 20, 20)), ("方", (20, 10, 30, 21)), (" ", (0, 0, 0, 0)), ("\r", (0, 0, 0, 0)),
             ("\n", (0, 0, 0, 0)), (" ", (0, 0, 0, 0)), ("乙", (10, 40, 20, 50))]
    assert pages.group_lines(chars) == [("甲方", (10, 10, 30, 21)), ("乙", (10, 40, 20, 50))]
    from archiver.ocr.engine import Recognised

    found = [Recognised(" 减速器 ", (200.0, 100.0, 400.0, 150.0), 0.9), Recognised("x", (-10.0, -10.0, -1.0, -1.0), 0.5)]
    assert pages.to_points(found, 2.0, 595.0, 842.0) == [TextLine("减速器", (100.0, 50.0, 200.0, 75.0), 0.9)]
    assert pages.render_dpi(595, 842) == pages.DPI
    assert pages.render_dpi(595 * 8, 842 * 8) < pages.DPI  # an A0 poster: fewer pixels, not a memory bomb


def test_ocr_settings_in_archive_toml() -> None:
    import tomllib

    raw = tomllib.loads(template_text())
    assert parse_config(raw).ocr.workers == 1 and parse_config(raw).ocr.after_filing
    raw["ocr"] = {"workers": 0}
    with pytest.raises(ConfigError, match="ocr.workers"):
        parse_config(raw)


# The stage -----------------------------------------------------------------------------------
def test_stage_keeps_own_text_records_reasons_and_resumes(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    drop(NAME, pages=[text_page("减速器采购合同", 3, seed=1, noise=0.0), PageSpec(noise=0.0),
                      text_page("附件", 2, seed=2, noise=0.0)])
    shutil.copy(CORPUS / "sandwich.pdf", archive_root / "inbox" / "C0001_contract_20250302_sandwich.pdf")
    ingest(archive_root)
    archive = Archive.open(archive_root)
    engine = FakeEngine(fail_on=(3,))  # the engine breaks on the scan's third page
    result = stage.run(archive, engine_factory=lambda threads: engine)
    assert result.count("done") == 2 and not result.stopped
    by_source = records(archive_root)
    scan_text = read_text(by_source[NAME])
    assert scan_text is not None and scan_text.created == clock.iso and scan_text.engine.name == "fake"
    first, blank, third = scan_text.pages
    assert (first.source, first.status, first.lines[0].text) == ("ocr", "ok", "减速器采购合同")
    assert 595 < first.width < 596 and 841 < first.height < 843  # A4 in points
    x0, y0, x1, y1 = first.lines[0].box  # the ink of the page: below the top margin, inside the page
    assert 0 < x0 < x1 < first.width and 60 < y0 < y1 < first.height
    assert (blank.source, blank.status) == ("none", "skipped") and "no text" in blank.reason
    assert (third.source, third.status) == ("none", "failed") and "the engine choked" in third.reason
    own = read_text(by_source["C0001_contract_20250302_sandwich.pdf"])
    assert own is not None and [p.source for p in own.pages] == ["pdf"]
    assert own.pages[0].lines[0].text.startswith("The LinnSequencer")
    assert engine.calls == 3  # the page with its own text was not recognised
    w, h = max(engine.sizes)  # rendered at pages.DPI
    assert abs(w - first.width * pages.DPI / 72) <= 2 and abs(h - first.height * pages.DPI / 72) <= 2

    assert stage.run(archive, engine_factory=lambda threads: engine).outcomes == []  # done: nothing again
    assert engine.calls == 3
    path = text_path(by_source[NAME])
    path.write_text(path.read_text("utf-8").replace(scan_text.record_sha256, "0" * 64), "utf-8")  # stale
    again = stage.run(archive, engine_factory=lambda threads: FakeEngine())
    assert [o.status for o in again.outcomes] == ["done"] and read_text(by_source[NAME]) is not None


def test_altered_record_gets_no_text_and_the_rest_goes_on(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    drop(NAME, pages=1)
    drop("C0001_contract_20250302_second.pdf", pages=1, seed=3)
    ingest(archive_root)
    altered = records(archive_root)[NAME]
    altered.chmod(0o640)
    altered.write_bytes(altered.read_bytes() + b"\n% altered\n")
    result = stage.run(Archive.open(archive_root), engine_factory=lambda threads: FakeEngine())
    assert sorted(o.status for o in result.outcomes) == ["done", "failed"]
    failed = next(o for o in result.outcomes if o.status == "failed")
    assert "SHA-256" in failed.detail and "archiver audit" in failed.detail
    assert not text_path(altered).exists()
    assert text_path(records(archive_root)["C0001_contract_20250302_second.pdf"]).exists()


def test_two_workers_make_the_same_texts(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        drop(f"C0001_contract_2025030{i + 1}_doc{i}.pdf", pages=2, seed=i)
    ingest(archive_root)
    archive = Archive.open(archive_root)
    stage.run(archive, workers=2, engine_factory=lambda threads: FakeEngine())
    two = {p.name: p.read_bytes() for p in archive.records.rglob("*.text.json")}
    stage.run(archive, workers=1, force=True, engine_factory=lambda threads: FakeEngine())
    one = {p.name: p.read_bytes() for p in archive.records.rglob("*.text.json")}
    assert len(one) == 3 and one == two


def test_cli_ocr_then_audit_knows_the_text_files(archive_root: Path, drop, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stage, "default_engine", lambda threads: FakeEngine())
    drop(NAME, pages=2)
    ingest(archive_root)
    result = run_cli(archive_root, "ocr", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["done"] == 1 and report["records"][0]["pages"] == {"ocr": 2}
    assert report["records"][0]["path"].endswith(".text.json")
    again = run_cli(archive_root, "ocr")
    assert again.exit_code == 0 and "Nothing to recognise" in again.output
    audit = run_cli(archive_root, "audit", "--json")
    findings = json.loads(audit.output)["finding_list"]
    assert not [f for f in findings if f["kind"] == "unregistered"], findings


# The watcher's hook -----------------------------------------------------------------------------
def test_follower_runs_again_for_what_was_filed_meanwhile_and_stops(tmp_path: Path, archive: Archive) -> None:
    marks = tmp_path / "runs.txt"

    class Probe(Follower):
        def command(self) -> list[str]:  # a stand-in for `archiver ocr` that takes a while
            return [sys.executable, "-c", f"import time; open({str(marks)!r}, 'a').write('run\\n'); time.sleep(0.5)"]

    follower = Probe(archive)
    follower.kick()
    follower.kick()  # while the first run goes on: one more run after it
    follower.kick()
    deadline = time.monotonic() + 60
    while (not marks.exists() or marks.read_text().count("run") < 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marks.read_text().count("run") == 2
    follower.kick()
    follower.stop()  # terminates the run going on
    assert follower._child is not None and follower._child.poll() is not None
    follower.kick()  # after stop: nothing new starts
    assert marks.read_text().count("run") <= 3


def test_watcher_kicks_ocr_after_filing_only(archive_root: Path, drop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from archiver.filing import watcher as watcher_module

    kicks: list[str] = []

    class Recorder:
        def __init__(self, archive: Archive) -> None:
            pass

        def kick(self) -> None:
            kicks.append("kick")

        def stop(self) -> None:
            kicks.append("stop")

    monkeypatch.setattr(watcher_module, "Follower", Recorder)
    w = watcher_module.Watcher(Archive.open(archive_root), tick=0.05)
    drop(NAME, pages=1)
    (archive_root / "inbox" / "garbage.pdf").write_bytes(b"not a pdf")
    thread = threading.Thread(target=w.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while len(w.outcomes) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    w.stop()
    thread.join(60)
    assert sorted(o.status for o in w.outcomes) == ["filed", "rejected"]
    assert kicks == ["kick", "stop"]  # once for the filed scan, never for the rejected one


def test_the_followers_command_is_archiver_ocr(archive: Archive) -> None:
    import subprocess

    done = subprocess.run(Follower(archive).command(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Nothing to recognise" in done.stdout, done.stderr


def test_watcher_runs_no_ocr_when_turned_off(archive_root: Path) -> None:
    set_config(archive_root, r"^after_filing = .*$", "after_filing = false")
    follower = Follower(Archive.open(archive_root))
    follower.kick()
    assert follower._child is None


# RapidOCR ------------------------------------------------------------------------------------------
def test_rapidocr_ships_its_models_and_recognises_known_text_offline(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The PP-OCR models are in the wheel: with every network connection refused, a page of
    known Chinese text (set in the shipped font, scanned at 200 dpi) is recognised."""
    from archiver.ocr.rapid import MODELS, RapidEngine, model_paths

    paths = model_paths()
    assert set(paths) == set(MODELS) and all(p.is_file() and "rapidocr" in p.parts for p in paths.values())

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    spec = text_page("减速器采购合同", 5, seed=7)
    image = render_page(spec, dpi=200, seed=7)
    engine = RapidEngine(threads=2)
    found = engine.recognise(image)
    expected = "\n".join([spec.title, *spec.lines])
    got = "\n".join(line.text for line in found)
    assert cer(expected, got) <= 0.05, (expected, got)
    assert all(0.0 <= line.confidence <= 1.0 for line in found)
    title = next(line for line in found if "减速器" in line.text)  # at the top, centred (as drawn)
    x0, y0, x1, y1 = title.box
    assert y1 < image.height * 0.2 and abs((x0 + x1) / 2 - image.width / 2) < image.width * 0.05
    assert engine.info.name == "rapidocr" and engine.info.version.startswith("3.")


def test_rapidocr_through_the_stage_on_a_jpeg_scan(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    spec = text_page("客户信用评估报告", 3, seed=11)
    (archive_root / "inbox" / NAME).write_bytes(scan([spec], dpi=200, seed=11))
    ingest(archive_root)
    result = stage.run(Archive.open(archive_root))
    assert result.count("done") == 1, result.outcomes
    text = read_text(next(iter(records(archive_root).values())))
    assert text is not None and text.pages[0].source == "ocr" and text.engine.name == "rapidocr"
    assert cer("\n".join([spec.title, *spec.lines]), text.text) <= 0.05, text.text


# Custody: the text goes with its record -----------------------------------------------------------
def test_destruction_removes_the_text_with_its_record(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    from custody_helpers import bind, doc, file_docs

    from archiver.custody.disposal import steps as disposal

    recs = file_docs(archive_root, drop, [doc("C0001", "sales-statistics", "2014-03-09", title="旧统计"),
                                          doc("C0001", "contract", "2020-03-09", title="留存合同")])
    archive = Archive.open(archive_root)
    stage.run(archive, engine_factory=lambda threads: FakeEngine())
    assert all(text_path(r.path).is_file() for r in recs)
    doomed = bind(archive, recs[:1])
    bind(archive, recs[1:], volume=1)
    lid = json.loads(run_cli(archive_root, "disposal", "propose", doomed.reference, "--by", "李明", "--json").output)["id"]
    for role, who in (("cs-manager", "客服经理张"), ("originating-dept", "销售部刘")):
        assert run_cli(archive_root, "disposal", "appraise", lid, "--role", role, "--by", who).exit_code == 0
    disposal.approve(archive, lid, by="客户总监陈")
    assert not text_path(recs[0].path).exists()  # held apart with its record …
    assert list((archive_root / "hold").rglob("*.text.json"))
    clock.set("2027-05-20T09:00:00+08:00")
    disposal.destroy(archive, lid, by="李明", supervisor="吴", place="碎纸室")
    assert not list(archive_root.rglob(text_path(recs[0].path).name))  # … and destroyed with it
    assert text_path(recs[1].path).is_file()


# Real PDFs from other tools ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.pdf")))
def test_every_corpus_page_gets_a_text_or_a_reason(name: str) -> None:
    import pikepdf
    import pypdfium2

    data = (CORPUS / name).read_bytes()
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        pytest.skip("not a PDF pdfium opens (filing sets it aside)")
    try:
        pike = pikepdf.open(CORPUS / name)
    except pikepdf.PdfError:
        pike = None
    engine = FakeEngine()
    for i in range(min(len(document), 4)):
        text = pages.read_page(document, i, pike.pages[i] if pike is not None and i < len(pike.pages) else None, engine)
        assert text.page == i + 1 and text.source in ("ocr", "pdf", "none")
        assert (text.status == "ok") == bool(text.lines) and (text.status == "ok") == (not text.reason)
        for line in text.lines:
            x0, y0, x1, y1 = line.box
            assert line.text.strip() and x0 < x1 and y0 < y1
    document.close()
    if name == "sandwich.pdf":
        assert engine.calls == 0  # its own text layer is kept
