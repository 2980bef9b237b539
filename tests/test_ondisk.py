"""What the build reads from volumes/ and records/ (volumes/ondisk.py): every manifest
once, a damaged one a problem (never a stale volume), a PDF without manifest named, the
numbers each series' places hold."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from test_manifest import manifest

from archiver.volumes.manifest import write_manifest
from archiver.volumes.ondisk import (
    SUPERSEDED,
    current_slots,
    loose_volume_pdfs,
    read_volumes,
    record_pdfs,
    superseded_references,
    up_to_date,
)
from archiver.volumes.outcome import Scope


def archive_at(root: Path) -> SimpleNamespace:
    return SimpleNamespace(root=root, volumes=root / "volumes", records=root / "records")


def volume(root: Path, number: int, *, customer: str = "C0001", year: int = 2026) -> Path:
    reference = f"A01-{year}-{customer}-Y30-{number:03d}"
    path = root / "volumes" / customer / str(year) / f"{reference}.toml"
    write_manifest(manifest(path, reference=reference, customer=customer, year=year, volume=number,
                            file_name=f"{reference}.pdf", file_size=4))
    path.with_suffix(".pdf").write_bytes(b"%PDF")
    return path


def test_every_manifest_is_read_and_a_damaged_one_is_a_problem(tmp_path: Path) -> None:
    good = volume(tmp_path, 1)
    bad = volume(tmp_path, 2)
    bad.write_text(bad.read_text("utf-8") + "garbage\n", "utf-8")
    moved = volume(tmp_path, 3)
    moved.rename(moved.with_name("A01-2026-C0001-Y30-009.toml"))  # describes another file than its own
    found = read_volumes(archive_at(tmp_path))  # type: ignore[arg-type]
    assert list(found.manifests) == [good.stem]
    assert sorted(p.problem.where for p in found.problems) == [
        "volumes/C0001/2026/A01-2026-C0001-Y30-002.toml", "volumes/C0001/2026/A01-2026-C0001-Y30-009.toml"]
    assert "seal" in found.problems[0].problem.what or "seal" in found.problems[1].problem.what
    assert [p.name for p in found.loose] == ["A01-2026-C0001-Y30-003.pdf"]  # its manifest is named for another
    assert up_to_date(found, good.stem, good.with_suffix(".pdf"), found.manifests[good.stem].inputs)
    assert not up_to_date(found, good.stem, good.with_suffix(".pdf"), "sha256:other")


def test_a_volume_pdf_without_manifest_is_named_unless_held_or_ours(tmp_path: Path) -> None:
    volume(tmp_path, 1)
    loose = tmp_path / "volumes" / "C0001" / "2026" / "A01-2026-C0001-Y30-004.pdf"
    loose.write_bytes(b"%PDF")
    archive = archive_at(tmp_path)
    found = read_volumes(archive)  # type: ignore[arg-type]
    assert found.loose == [loose]
    nothing = SimpleNamespace(pending={})
    problems = loose_volume_pdfs(archive, Scope(), found, set(), nothing)  # type: ignore[arg-type]
    assert [p.where for p in problems] == ["volumes/C0001/2026/A01-2026-C0001-Y30-004.pdf"]
    assert not loose_volume_pdfs(archive, Scope(), found, {loose.stem}, nothing)  # type: ignore[arg-type]
    ours = SimpleNamespace(pending={loose.stem: {"event": "writing"}})
    assert not loose_volume_pdfs(archive, Scope(), found, set(), ours)  # type: ignore[arg-type]
    assert not loose_volume_pdfs(archive, Scope("C0002"), found, set(), nothing)  # type: ignore[arg-type]


def test_places_keep_their_numbers_less_those_held(tmp_path: Path) -> None:
    """The numbers of a series, in order, hold its places 1, 2, …: from the register's
    live codes and the volumes on disk; a volume on a destruction list holds none."""
    volume(tmp_path, 1)
    volume(tmp_path, 3)
    found = read_volumes(archive_at(tmp_path))  # type: ignore[arg-type]
    live = SimpleNamespace(reference="A01-2026-C0001-Y30-005", kind=("C0001", 2026, "Y30", False), volume=5)
    journal = SimpleNamespace(live=lambda: {live.reference: live})
    assert current_slots(journal, found, set()) == {  # type: ignore[arg-type]
        ("C0001", 2026, "Y30", False, 1): 1, ("C0001", 2026, "Y30", False, 2): 3, ("C0001", 2026, "Y30", False, 3): 5}
    assert current_slots(journal, found, {"A01-2026-C0001-Y30-003"}) == {  # type: ignore[arg-type]
        ("C0001", 2026, "Y30", False, 1): 1, ("C0001", 2026, "Y30", False, 2): 5}


def test_superseded_codes_and_record_pdfs(tmp_path: Path) -> None:
    kept = tmp_path / "volumes" / SUPERSEDED / "C0001" / "2026"
    kept.mkdir(parents=True)
    (kept / "A01-2026-C0001-Y30-002.20261120T103000.pdf").write_bytes(b"%PDF")
    (kept / ".tmp-archiver-x.pdf").write_bytes(b"")
    assert superseded_references(archive_at(tmp_path)) == {"A01-2026-C0001-Y30-002"}  # type: ignore[arg-type]
    folder = tmp_path / "records" / "C0001" / "2026"
    folder.mkdir(parents=True)
    for name in ("b.pdf", "a.pdf", ".tmp-archiver-c.pdf", "a.toml"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in record_pdfs(archive_at(tmp_path), "")] == ["a.pdf", "b.pdf"]  # type: ignore[arg-type]
    assert record_pdfs(archive_at(tmp_path), "C0002") == []  # type: ignore[arg-type]
