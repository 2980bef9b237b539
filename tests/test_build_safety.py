"""``archiver build`` on an archive in motion: codes recorded before any file, a cut-off
build completed, destruction lists in every state, filings in progress, damaged manifests.

CLI-driven (scans dropped, ingested, built); the system clock (no fixed time).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from volumes_helpers import KnownBlanks, RecordingRenderer, scan_dropper

from archiver.custody.disposal import steps as disposal
from archiver.errors import EXIT_INTEGRITY
from archiver.register import Register
from archiver.store import Archive
from archiver.volumes import build as build_module
from archiver.volumes.codes import assigned_codes, pending_writes, reference_findings
from archiver.volumes.forms import FormRenderer
from archiver.volumes.manifest import iter_manifests, read_manifest, write_manifest

REF = "Q001-C0001-2026-C-001"
OLD = "Q001-C0001-2015-D-001"  # sales statistics of 2015: ten years, expired


@pytest.fixture
def put(drop: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """put(name, pages=2, **meta): drop a scan with its metadata sidecar (blanks known)."""
    known = KnownBlanks()
    renderer = RecordingRenderer(FormRenderer())
    monkeypatch.setattr(build_module, "default_renderer", lambda archive: renderer)
    monkeypatch.setattr(build_module, "default_detector", lambda: known)
    return scan_dropper(drop, known)


def ingest(root: Path) -> None:
    r = run_cli(root, "ingest")
    assert r.exit_code == 0, r.output


def build(root: Path, *args: str, code: int = 0) -> Any:
    r = run_cli(root, "build", "--checker", "李强", *args)
    assert r.exit_code == code, r.output
    return r


def manifests(root: Path) -> dict[str, Any]:
    return {p.stem: read_manifest(p) for p in sorted((root / "volumes").glob("*/[0-9]*/*.toml"))}


def events(root: Path, name: str) -> list[dict[str, Any]]:
    return Register(root / "registers" / f"{name}.jsonl").entries()


def tree(root: Path, top: str = "volumes") -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / top).rglob("*")) if p.is_file()}


# 1. Codes recorded before any volume file; a cut-off build completed -----------------------------
class Cut(Exception):
    """Stands for a SIGKILL in the middle of a build (the sweep in test_build_crash.py kills for real)."""


def test_codes_are_recorded_before_any_volume_file_and_kept_for_audit(archive_root: Path, put, monkeypatch) -> None:
    put("a", date="2026-03-01")
    put("c", date="2026-03-01", customer="C0002")
    ingest(archive_root)

    def cut(*args: Any, **kwargs: Any) -> None:
        raise Cut

    real = build_module.place
    monkeypatch.setattr(build_module, "place", cut)
    with pytest.raises(Cut):
        build(archive_root)
    archive = Archive.open(archive_root)
    codes = assigned_codes(archive)
    assert sorted(codes) == [REF, "Q001-C0002-2026-C-001"]  # both recorded, though no file was written
    assert (codes[REF].customer, codes[REF].year, codes[REF].retention, codes[REF].volume) == ("C0001", 2026, "long-term", 1)
    assert not list((archive_root / "volumes").rglob("*.pdf"))
    assert list(pending_writes(archive)) == [REF]
    findings = reference_findings(archive, [])
    assert {f.kind for f in findings} == {"build-interrupted"} and REF in findings[0].detail

    monkeypatch.setattr(build_module, "place", real)
    build(archive_root)
    assert set(manifests(archive_root)) == {REF, "Q001-C0002-2026-C-001"}
    assert pending_writes(archive) == {}
    assert reference_findings(archive, list(iter_manifests(archive.volumes))) == []
    assert [e["event"] for e in events(archive_root, "references")] == [
        "assigned", "assigned", "writing", "written", "writing", "written"]  # the cut-off writing completed


def test_a_rebuild_cut_off_after_setting_the_old_copy_aside_keeps_its_code(archive_root: Path, put, monkeypatch) -> None:
    """The case of the issue: one new document for a customer, the build killed after the
    earlier PDF and manifest went to .superseded — run again, the volume is C-001 again."""
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    put("b", date="2026-04-01")
    ingest(archive_root)
    real = build_module.place

    def cut(*args: Any, **kwargs: Any) -> None:
        raise Cut

    monkeypatch.setattr(build_module, "place", cut)
    with pytest.raises(Cut):
        build(archive_root)
    assert manifests(archive_root) == {}  # the earlier copy is aside, the new one not yet written
    monkeypatch.setattr(build_module, "place", real)
    r = build(archive_root)
    assert "built      volumes/C0001/2026/Q001-C0001-2026-C-001.pdf" in r.output
    [(ref, m)] = manifests(archive_root).items()
    assert ref == REF and len(m.documents) == 2
    kept = sorted(p.name for p in (archive_root / "volumes/.superseded/C0001/2026").iterdir())
    assert len(kept) == 2 and kept[0].endswith(".pdf") and kept[1] == kept[0][:-4] + ".toml"  # one copy, with its manifest
    assert [e["event"] for e in events(archive_root, "volumes")] == ["built", "superseded", "built"]


def test_a_cut_off_build_whose_inputs_changed_meanwhile_is_redone_not_half_kept(archive_root: Path, put,
                                                                               monkeypatch) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    real = build_module.place

    def write_pdf_then_cut(assembled: Any) -> None:
        assembled.staged.place()  # as if killed after the PDF, before its manifest
        raise Cut

    monkeypatch.setattr(build_module, "place", write_pdf_then_cut)
    with pytest.raises(Cut):
        build(archive_root)
    assert [p.name for p in (archive_root / "volumes/C0001/2026").iterdir()] == [f"{REF}.pdf"]
    monkeypatch.setattr(build_module, "place", real)
    put("b", date="2026-04-01")  # a new document before the build runs again
    ingest(archive_root)
    build(archive_root)
    [(ref, m)] = manifests(archive_root).items()
    assert ref == REF and len(m.documents) == 2
    assert not (archive_root / "volumes/.superseded").exists()  # the unfinished PDF was never a volume
    refs = [e["event"] for e in events(archive_root, "references")]
    assert refs == ["assigned", "writing", "abandoned", "writing", "written"], refs


def test_a_code_given_out_and_never_built_is_released_never_reused(archive_root: Path, put, monkeypatch) -> None:
    for i in range(3):
        put(f"d{i}", date=f"2026-0{i + 1}-01", pages=8)  # 4 sheets each
    ingest(archive_root)
    cfg = archive_root / "archive.toml"
    cfg.write_text(cfg.read_text("utf-8").replace("max_sheets = 200", "max_sheets = 10"), "utf-8")

    def cut(*args: Any, **kwargs: Any) -> None:
        raise Cut

    real = build_module.place
    monkeypatch.setattr(build_module, "place", cut)
    with pytest.raises(Cut):
        build(archive_root)
    assert sorted(assigned_codes(Archive.open(archive_root))) == [REF, "Q001-C0001-2026-C-002"]
    monkeypatch.setattr(build_module, "place", real)
    cfg.write_text(cfg.read_text("utf-8").replace("max_sheets = 10", "max_sheets = 200"), "utf-8")
    build(archive_root)  # one volume now: the second code is released, its unfinished work abandoned
    assert set(manifests(archive_root)) == {REF}
    codes = assigned_codes(Archive.open(archive_root))
    assert codes["Q001-C0001-2026-C-002"].released and not codes[REF].released
    cfg.write_text(cfg.read_text("utf-8").replace("max_sheets = 200", "max_sheets = 10"), "utf-8")
    build(archive_root)
    assert set(manifests(archive_root)) == {REF, "Q001-C0001-2026-C-003"}  # 002 is never given again


def test_audit_evidence_a_renumbered_volume_is_detectable(archive_root: Path, put) -> None:
    """What `archiver audit` can check with assigned_codes / reference_findings: a volume
    whose code was changed (C-001 → C-002) is found, both ways."""
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    archive = Archive.open(archive_root)
    assert reference_findings(archive, list(iter_manifests(archive.volumes))) == []
    folder = archive_root / "volumes/C0001/2026"
    other = "Q001-C0001-2026-C-002"  # what the bug of the issue did: the volume came back as C-002
    m = read_manifest(folder / f"{REF}.toml")
    write_manifest(dataclasses.replace(m, reference=other, volume=2, file_name=f"{other}.pdf",
                                       path=folder / f"{other}.toml"))
    (folder / f"{REF}.toml").unlink()
    os.replace(folder / f"{REF}.pdf", folder / f"{other}.pdf")
    kinds = {f.kind: f for f in reference_findings(archive, list(iter_manifests(archive.volumes)))}
    assert set(kinds) == {"reference-unregistered", "reference-missing"}
    assert kinds["reference-unregistered"].expected == REF and kinds["reference-unregistered"].actual == other
    assert REF in kinds["reference-missing"].detail


# 2. Consistent inputs --------------------------------------------------------------------------------
def _list_to(root: Path, ref: str, state: str) -> str:
    archive = Archive.open(root)
    lid = disposal.propose(archive, [ref], by="王芳")["id"]
    if state in ("appraised", "moving", "held", "restoring"):
        disposal.appraise(archive, lid, role="cs-manager", by="赵经理")
        disposal.appraise(archive, lid, role="originating-dept", by="钱部长")
    return lid


def _interrupt(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    real = disposal.move_verified
    calls = {"n": 0}

    def cut(source: Path, target: Path, sha256: str) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise Cut
        real(source, target, sha256)

    monkeypatch.setattr(disposal, "move_verified", cut)


@pytest.mark.parametrize("state", ["proposed", "appraised", "moving", "held", "restoring"])
def test_no_record_on_a_destruction_list_is_bound_whatever_the_lists_state(archive_root: Path, put, monkeypatch,
                                                                          state: str) -> None:
    put("old", date="2015-03-01", type="sales-statistics", title="2015年3月销售统计", pages=1)
    put("old2", date="2015-03-15", type="sales-statistics", title="2015年3月销售统计（二）", pages=1)
    ingest(archive_root)
    build(archive_root)
    listed = {d.record for d in manifests(archive_root)[OLD].documents}
    archive = Archive.open(archive_root)
    lid = _list_to(archive_root, OLD, state)
    if state in ("moving", "held", "restoring"):
        if state == "moving":
            _interrupt(monkeypatch, 3)  # manifest, PDF and one record's sidecar moved; its PDF not yet
        with pytest.raises(Cut) if state == "moving" else contextlib.nullcontext():
            disposal.approve(archive, lid, by="孙总监")
        if state == "restoring":
            _interrupt(monkeypatch, 1)  # one record's PDF back, its sidecar not yet
            with pytest.raises(Cut):
                disposal.cancel(archive, lid, by="孙总监")
        monkeypatch.setattr(disposal, "move_verified", disposal.move_verified)
    before = tree(archive_root)
    put("late", date="2015-04-01", type="sales-statistics", title="2015年4月销售统计", pages=1)
    ingest(archive_root)
    r = build(archive_root)
    if state != "held":  # (held: nothing of it is left in records/ or volumes/)
        assert f"destruction list {lid} is {state}" in r.output
    vols = manifests(archive_root)
    new = vols["Q001-C0001-2015-D-002"]
    assert [d.title for d in new.documents] == ["2015年4月销售统计"]
    assert not any(d.record in listed for m in vols.values() if m.reference != OLD for d in m.documents)
    after = tree(archive_root)
    for rel, data in before.items():  # the listed volume, wherever it is, untouched
        assert after.get(rel) == data, rel
    assert set(after) - set(before) == {"volumes/C0001/2015/Q001-C0001-2015-D-002.pdf",
                                        "volumes/C0001/2015/Q001-C0001-2015-D-002.toml"}
    assert reference_findings(archive, list(iter_manifests(archive.volumes))) == []  # the listed code is accounted for


def test_a_filing_in_progress_is_noted_not_damage(archive_root: Path, put) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    folder = archive_root / "records/C0001/2026"
    pdf = folder / "20260302-contract-0123abcd.pdf"  # a filing has placed the PDF; its sidecar follows
    pdf.write_bytes(next(folder.glob("*.pdf")).read_bytes())
    r = build(archive_root)
    assert "skipped" in r.output and pdf.stem in r.output and "being filed" in r.output
    data = json.loads(build(archive_root, "--json").stdout)
    assert data["skipped"] == 1 and data["unchanged"] == 1

    long_ago = time.time() - 3 * 3600  # hours old, nobody filing: a filing cut off → named, exit 6
    os.utime(pdf, (long_ago, long_ago))
    r = build(archive_root, code=6)
    assert pdf.stem in r.output and "no sidecar" in r.output

    twenty_minutes = time.time() - 20 * 60  # older than the grace, but an ingest holds the filing lock
    os.utime(pdf, (twenty_minutes, twenty_minutes))
    (archive_root / ".archiver/filing.lock").write_text(f"archiver ingest (pid {os.getppid()})", "utf-8")
    r = build(archive_root)
    assert f"archiver ingest (pid {os.getppid()}) holds the filing lock" in r.output
    (archive_root / ".archiver/filing.lock").write_text("archiver ingest (pid 999999999)", "utf-8")  # gone
    build(archive_root, code=6)


@pytest.mark.parametrize("damage", [b"\n\x00\x9f garbage \xff", b"\n[[documents]]\nrecord = 1\n",
                                    b"\nfile = 'x'\n", b"# a comment\n"])
def test_a_damaged_manifest_stops_the_build_and_its_pdf_stays(archive_root: Path, put, damage: bytes) -> None:
    put("a", date="2026-03-01")
    put("c", date="2026-03-01", customer="C0002")
    ingest(archive_root)
    build(archive_root)
    manifest = archive_root / f"volumes/C0001/2026/{REF}.toml"
    manifest.write_bytes(manifest.read_bytes() + damage)
    before = tree(archive_root)
    put("b", date="2026-04-01")  # new material: the volume would be rebuilt
    ingest(archive_root)
    for args in ((), ("--force",)):
        r = build(archive_root, *args, code=6)
        assert f"volumes/C0001/2026/{REF}.toml" in r.output and "cannot be read" in r.output
        assert tree(archive_root) == before  # nothing moved to .superseded, nothing written
    assert pending_writes(Archive.open(archive_root)) == {}
    build(archive_root, "--customer", "C0002")  # another customer's volumes: built as usual


def test_a_manifest_describing_another_volume_stops_the_build(archive_root: Path, put) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    manifest = archive_root / f"volumes/C0001/2026/{REF}.toml"
    m = read_manifest(manifest)
    write_manifest(dataclasses.replace(m, reference="Q001-C0001-2026-C-009"))  # well-formed, but not this volume
    r = build(archive_root, "--force", code=6)
    assert manifest.name in r.output and "does not describe" in r.output


def test_a_volume_pdf_without_manifest_is_named_not_replaced(archive_root: Path, put) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    manifest = archive_root / f"volumes/C0001/2026/{REF}.toml"
    manifest.unlink()
    before = tree(archive_root)
    r = build(archive_root, code=6)
    assert f"{REF}.pdf" in r.output and "has no manifest" in r.output
    assert tree(archive_root) == before


def test_a_build_run_while_ingest_is_filing_skips_that_filing(archive_root: Path, put, monkeypatch) -> None:
    """The issue's case: `build` while `ingest` is between placing a PDF and writing its
    sidecar (the commit mark). The build goes on, notes the filing, and exits 0."""
    from archiver.filing import commit

    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    real = commit.commit_staged
    seen: list[Any] = []

    def build_meanwhile(staged: list[tuple[Path, Path]], **kw: Any) -> None:
        pdfs = [pair for pair in staged if pair[1].suffix == ".pdf"]
        rest = [pair for pair in staged if pair[1].suffix != ".pdf"]
        real(pdfs, **kw)  # the PDF is in records/, its sidecar (the commit mark) not yet
        if pdfs and rest:
            assert pdfs[0][1].exists() and not rest[0][1].exists()
            seen.append(build(archive_root))  # the filing lock is held right now
        real(rest, **kw)

    monkeypatch.setattr(commit, "commit_staged", build_meanwhile)
    put("b", date="2026-04-01")
    ingest(archive_root)
    [r] = seen
    assert "being filed" in r.output and "0 built, 1 unchanged" in r.output
    monkeypatch.setattr(commit, "commit_staged", real)
    r = build(archive_root)  # the filing done: the next build binds it
    assert "1 built" in r.output and len(manifests(archive_root)[REF].documents) == 2


def test_archiver_audit_reports_a_renumbered_volume(archive_root: Path, put) -> None:
    """The same renumbering, seen by `archiver audit`: an authenticity and an integrity
    problem (exit 6), where before the audit saw nothing wrong."""
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    ok = run_cli(archive_root, "audit", "--json")
    assert ok.exit_code == 0, ok.output
    folder = archive_root / "volumes/C0001/2026"
    other = "Q001-C0001-2026-C-002"
    m = read_manifest(folder / f"{REF}.toml")
    write_manifest(dataclasses.replace(m, reference=other, volume=2, file_name=f"{other}.pdf",
                                       path=folder / f"{other}.toml"))
    (folder / f"{REF}.toml").unlink()
    os.replace(folder / f"{REF}.pdf", folder / f"{other}.pdf")
    (folder / f"{other}.pdf").chmod(0o440)
    r = run_cli(archive_root, "audit", "--json")
    assert r.exit_code == EXIT_INTEGRITY, r.output
    props = json.loads(r.output)["properties"]
    assert "reference-unregistered" in {f["kind"] for f in props["authenticity"]["finding_list"]}
    assert "reference-missing" in {f["kind"] for f in props["integrity"]["finding_list"]}


def test_a_record_altered_in_place_stops_the_build_and_the_bound_volume_stays(archive_root: Path, put) -> None:
    """Same size, other bytes (a flipped bit in a scan): only its hash tells. The records
    are hashed while the volume is assembled; nothing is put in place, nothing journaled,
    and the volume built earlier stays as it was."""
    put("a", date="2026-03-01")
    ingest(archive_root)
    build(archive_root)
    before = tree(archive_root)
    journal = events(archive_root, "references")
    put("b", date="2026-04-01")  # a new document: the volume is to be rebuilt
    ingest(archive_root)
    record = sorted((archive_root / "records").glob("*/*/*.pdf"))[0]
    data = bytearray(record.read_bytes())
    data[len(data) // 2] ^= 0x01
    os.chmod(record, 0o640)
    record.write_bytes(bytes(data))
    r = build(archive_root, code=EXIT_INTEGRITY)
    assert record.stem in r.output and "SHA-256" in r.output and "Nothing was built" in r.output
    assert tree(archive_root) == before  # the bound volume and its manifest, untouched; no temporary file
    assert events(archive_root, "references")[len(journal):] == [
        e for e in events(archive_root, "references")[len(journal):] if e["event"] == "assigned"]  # no intent
