"""Destruction is total, catalogue side (issue 11 item 2): after `disposal destroy`, no
catalogue folder the archive has written — the default site/ and any `site --out X` —
holds a copy of the destroyed material (PDF, thumbnail) or a page, list entry or search
entry naming it; the thumbnail cache neither; the destruction register says what was
removed where. Whether the approval and the destruction ran from the CLI or not."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import NOW, run_cli
from custody_helpers import bind, doc, file_docs

from archiver.catalogue import sites
from archiver.catalogue.purge import purge_destroyed
from archiver.custody.disposal import steps as disposal
from archiver.register import Register
from archiver.store import Archive

LATER = "2027-06-01T09:00:00+08:00"


@pytest.fixture
def setup(archive_root: Path, drop, clock):  # type: ignore[no-untyped-def]
    clock.set(NOW)
    records = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2014-03-09", title="二〇一四年三月销售统计"),
        doc("C0001", "analysis-report", "2014-06-30", title="二〇一四年上半年分析报告"),
        doc("C0001", "contract", "2020-03-09", title="销售合同"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    expired = bind(archive, records[:2])  # short-term: expired at the end of 2024
    bind(archive, records[2:3])
    return archive_root, records, expired


def all_sites(root: Path, tmp_path: Path) -> list[Path]:
    """The default site, one outside the archive, and one deleted by hand after its build."""
    other, gone = tmp_path / "share" / "catalogue", tmp_path / "old-site"
    assert run_cli(root, "site").exit_code == 0
    assert run_cli(root, "site", "--out", str(other)).exit_code == 0
    assert run_cli(root, "site", "--out", str(gone)).exit_code == 0
    import shutil
    shutil.rmtree(gone)
    return [root / "site", other]


def mentions(site: Path, needles: list[str], shas: set[str]) -> list[str]:
    found = []
    for p in site.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if hashlib.sha256(data).hexdigest() in shas:
            found.append(f"{p}: a copy of a destroyed file")
        text = data.decode("utf-8", "replace") if p.suffix in (".html", ".js", ".json") else ""
        found += [f"{p}: names {n}" for n in needles if n in text or n in p.name]
    return found


def links_ok(site: Path) -> None:
    for page in site.rglob("*.html"):
        for link in re.findall(r'(?:href|src)="([^"#?]+)"', page.read_text("utf-8")):
            assert (page.parent / unquote(link)).resolve().is_file(), f"{page}: {link}"


@pytest.mark.parametrize("how", ["cli", "python"])
def test_destroy_removes_the_material_from_every_catalogue_folder(setup, tmp_path: Path, monkeypatch, clock,
                                                                  how: str) -> None:  # type: ignore[no-untyped-def]
    root, records, expired = setup
    folders = all_sites(root, tmp_path)
    listed = sites.listed(Archive.open(root))
    assert set(folders) <= set(listed) and len(listed) == 3
    shas = {expired.file_sha256, *(r.file.sha256 for r in records[:2])}
    needles = [expired.reference, records[0].id, records[1].id, records[0].meta.title]
    for site in folders:
        assert mentions(site, needles, shas), "the material is in every catalogue before"
    thumbs = [root / ".archiver" / "thumbs" / f"{s}.jpg" for s in shas]
    assert all(t.exists() for t in thumbs)

    # Proposed, appraised and approved from Python: no CLI refreshed any catalogue.
    archive = Archive.open(root)
    lid = disposal.propose(archive, [expired.reference], by="档案员李明")["id"]
    disposal.appraise(archive, lid, role="cs-manager", by="客服经理张")
    disposal.appraise(archive, lid, role="originating-dept", by="销售部刘")
    disposal.approve(archive, lid, by="客户总监陈")
    assert mentions(folders[1], needles, shas), "the other catalogue still shows the held material"

    clock.set(LATER)
    if how == "cli":
        r = run_cli(root, "disposal", "destroy", lid, "--supervisor", "监销人王", "--place", "碎纸室")
        assert r.exit_code == 0, r.output
    else:
        disposal.destroy(Archive.open(root), lid, by="档案员李明", supervisor="监销人王", place="碎纸室")

    for site in folders:
        assert mentions(site, needles, shas) == []
        links_ok(site)
        assert records[2].id in (site / "search-index.js").read_text("utf-8")  # the rest stays
    assert not any(t.exists() for t in thumbs)
    entry = next(iter(Register(root / "registers" / "destruction.jsonl")))
    derived = entry["derived_copies"]
    by_folder = {s["folder"]: s for s in derived["sites"]}
    for site in folders:
        s = by_folder[str(site.resolve())]
        assert s["rebuilt"] and any(rel.endswith(".pdf") for rel in s["removed"]), s
        assert any(rel.startswith("thumbs/") for rel in s["removed"])
    assert any(s["note"].startswith("gone") for s in derived["sites"])
    assert any(c.startswith(".archiver/thumbs/") for c in derived["caches"])
    # the destroyed material does not come back with the next builds
    for site in folders:
        assert run_cli(root, "site", "--out", str(site)).exit_code == 0
        assert mentions(site, needles, shas) == []


def test_purge_without_rebuild_removes_copies_and_marks_the_folder(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A catalogue that cannot be rebuilt at once (a build running on it) loses the copies
    and pages all the same; its next build makes its lists again."""
    root, records, expired = setup
    all_sites(root, tmp_path)
    archive = Archive.open(root)
    files = [expired.pdf_path, *(r.path for r in records[:2])]
    shas = [expired.file_sha256, *(r.file.sha256 for r in records[:2])]
    with archive.lock("site", purpose="archiver site"):
        report = purge_destroyed(archive, shas, paths_in_archive=[p.relative_to(root).as_posix() for p in files])
    assert not report.complete
    for s in report.sites:
        if s.note.startswith("gone"):
            continue
        assert not s.rebuilt and "archiver site --out" in s.note
        site = Path(s.folder)
        assert not any(hashlib.sha256(p.read_bytes()).hexdigest() in shas for p in site.rglob("*") if p.is_file())
        manifest = json.loads((site / ".archiver-site.json").read_text("utf-8"))
        assert "C0001" not in manifest["customers"]  # made again by the next build
    assert purge_destroyed(archive, shas, rebuild=False).cache == []  # idempotent
