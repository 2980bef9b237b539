"""Destruction is total (Art. 29): after ``disposal destroy`` — from the CLI or called
directly — no copy the archive made of the material survives: not in a catalogue folder
(two of them here), not in the thumbnail, blank-page or catalogue caches, not as a
superseded version of its volume; and the destruction register says what was removed
where."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Clock, run_cli
from custody_helpers import bind, doc, file_docs

from archiver.catalogue import purge
from archiver.catalogue import sites as site_list
from archiver.custody.disposal import steps as disposal
from archiver.model import Record
from archiver.register import Register
from archiver.store import Archive
from archiver.volumes.build import free_label, move_old
from archiver.volumes.manifest import VolumeManifest

TITLE = "二〇一四年三月销售统计绝密样本"  # a title found nowhere else


@dataclass(frozen=True)
class World:
    """C0001's two 2014 records bound in ``doomed`` (an earlier version of it kept in
    volumes/.superseded/), its 2020 contract in ``kept``, two catalogue ``sites`` built, and
    the blank-page decision cached for the first record (``blank``)."""

    root: Path
    records: list[Record]
    doomed: VolumeManifest
    kept: VolumeManifest
    sites: list[Path]
    blank: Path


@pytest.fixture
def world(archive_root: Path, drop, clock: Clock, tmp_path: Path) -> World:  # type: ignore[no-untyped-def]
    records = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2014-03-09", title=TITLE),
        doc("C0001", "analysis-report", "2014-06-30", title="2014年上半年分析报告"),
        doc("C0001", "contract", "2020-03-09", title="销售合同留存"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    first = bind(archive, records[:2], built_at=dt.datetime(2015, 1, 5, 9, 0, tzinfo=dt.UTC))
    label = free_label(archive, first.pdf_path, dt.datetime(2015, 2, 1, 9, 0, tzinfo=dt.UTC))
    move_old(archive, {"path": first.pdf_path.relative_to(archive.root).as_posix(), "reference": first.reference,
                       "by": "王芳", "job": "test", "supersede": {"files": [first.pdf_path.name, first.path.name],
                                                                "label": label,
                                                                "reason": "rebuilt: its inputs changed"}},
             resumed=False)  # what a rebuild does with the earlier version
    doomed = bind(archive, records[:2])  # the current version; the first one is kept aside
    kept = bind(archive, records[2:3])
    blank = archive.state / "blank" / f"{records[0].file.sha256}.json"  # what a build's blank detection caches
    blank.parent.mkdir(parents=True, exist_ok=True)
    blank.write_text('{"blank": [false, false]}\n', "utf-8")
    other = tmp_path / "share" / "catalogue"
    for args in (["site"], ["site", "--out", str(other)]):
        r = run_cli(archive_root, *args)
        assert r.exit_code == 0, r.output
    assert {p.resolve() for p in site_list.listed(archive)} == {(archive_root / "site").resolve(), other.resolve()}
    return World(archive_root, records, doomed, kept, [archive_root / "site", other], blank)


def approve(root: Path, ref: str) -> str:
    r = run_cli(root, "disposal", "propose", ref, "--by", "档案员李明", "--json")
    lid = json.loads(r.output)["id"]
    for role, who in (("cs-manager", "客服经理张"), ("originating-dept", "销售部刘")):
        assert run_cli(root, "disposal", "appraise", lid, "--role", role, "--by", who).exit_code == 0
    disposal.approve(Archive.open(root), lid, by="客户总监陈")  # not through the CLI: no catalogue refresh
    return lid


def every_file(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def mentions(path: Path, *texts: str) -> bool:
    data = path.read_bytes()
    return any(t.encode() in data or json.dumps(t).strip('"').encode() in data for t in texts)


def test_destroy_called_directly_removes_every_copy(world: World, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    root, records, doomed, sites, blank = world.root, world.records, world.doomed, world.sites, world.blank
    kept = world.kept
    archive = Archive.open(root)
    doomed_shas = {doomed.file_sha256, records[0].file.sha256, records[1].file.sha256}
    superseded = sorted((root / "volumes" / ".superseded").rglob("*.*"))
    assert len(superseded) == 2  # the earlier version of the volume: PDF and manifest
    doomed_shas.add(hashlib.sha256(next(p for p in superseded if p.suffix == ".pdf").read_bytes()).hexdigest())
    thumbs = [archive.state / "thumbs" / f"{sha}.jpg" for sha in (records[0].file.sha256, doomed.file_sha256)]
    assert all(t.is_file() for t in thumbs) and blank.is_file()
    for site in sites:  # both catalogues show the material now
        assert any(mentions(p, TITLE) for p in every_file(site))
    forms = archive.state / "forms-cache" / f"{doomed.reference}.json"  # a build's cached forms: the index's titles
    forms.parent.mkdir(parents=True, exist_ok=True)
    forms.write_text(json.dumps({"index": [TITLE]}, ensure_ascii=False), "utf-8")
    lid = approve(root, doomed.reference)
    assert any(mentions(p, TITLE) for p in every_file(sites[1]))  # the other folder was not refreshed

    clock.set("2027-05-20T09:00:00+08:00")
    entry = disposal.destroy(archive, lid, by="档案员李明", supervisor="监销人吴", place="碎纸室")

    ids = [records[0].id, records[1].id, doomed.reference]
    for site in sites:
        files = every_file(site)
        assert files, site
        for p in files:
            assert hashlib.sha256(p.read_bytes()).hexdigest() not in doomed_shas, p
            assert not mentions(p, TITLE, *ids), p
        assert any(mentions(p, kept.reference) for p in files)  # the rest of the customer stays
    for p in every_file(archive.state):
        assert not mentions(p, TITLE, records[0].id), p  # caches: parsed inputs, summaries
    assert not any(t.exists() for t in thumbs) and not blank.exists()
    assert not any(p.is_file() for p in superseded)
    assert not (root / "hold").exists()

    copies = entry["derived_copies"]
    assert sorted(f["path"] for f in copies["superseded"]) == sorted(p.relative_to(root).as_posix() for p in superseded)
    assert f".archiver/thumbs/{records[0].file.sha256}.jpg" in copies["caches"]
    assert f".archiver/blank/{records[0].file.sha256}.json" in copies["caches"]
    assert f".archiver/forms-cache/{doomed.reference}.json" in copies["caches"] and not forms.exists()
    by_folder = {s["folder"]: s for s in copies["sites"]}
    assert set(by_folder) == {str(s) for s in sites}
    other = by_folder[str(sites[1])]
    assert other["rebuilt"] and not other["note"]
    assert any(r.startswith("files/volumes/") for r in other["removed"])
    assert any(r.startswith("customers/C0001/documents/") for r in other["removed"])
    recorded = Register(root / "registers" / "destruction.jsonl").entries()
    assert len(recorded) == 1 and recorded[0]["derived_copies"] == copies
    assert {f["sha256"] for f in recorded[0]["files"]} >= {doomed.file_sha256, records[0].file.sha256}


def test_an_interrupted_destruction_completes_and_still_records_what_went(world: World, clock: Clock,  # type: ignore[no-untyped-def]
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root, doomed, sites = world.root, world.doomed, world.sites
    lid = approve(root, doomed.reference)
    clock.set("2027-06-01T09:00:00+08:00")
    real = disposal._remove_empty_tree

    def crash(folder: Path) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(disposal, "_remove_empty_tree", crash)
    with pytest.raises(OSError):
        disposal.destroy(Archive.open(root), lid, by="李明", supervisor="吴", place="碎纸室")
    assert Register(root / "registers" / "destruction.jsonl").entries() == []
    monkeypatch.setattr(disposal, "_remove_empty_tree", real)
    r = run_cli(root, "disposal", "destroy", lid, "--supervisor", "x", "--place", "y", "--json")
    assert r.exit_code == 0, r.output
    entry = Register(root / "registers" / "destruction.jsonl").entries()[0]
    assert entry["supervisor"] == "吴"  # the interrupted run's
    removed = {s["folder"]: s["removed"] for s in entry["derived_copies"]["sites"]}
    assert all(removed[str(s)] for s in sites)  # what the first run removed is still recorded
    assert len(entry["derived_copies"]["superseded"]) == 2
    text = run_cli(root, "disposal", "show", lid).output
    assert "purged" in text


def test_the_cli_says_what_was_removed(world: World, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    root, doomed = world.root, world.doomed
    lid = approve(root, doomed.reference)
    clock.set("2027-06-01T09:00:00+08:00")
    r = run_cli(root, "disposal", "destroy", lid, "--supervisor", "吴", "--place", "碎纸室")
    assert r.exit_code == 0, r.output
    assert "2 superseded volume file(s)" in r.output and "2 catalogue folder(s)" in r.output


def test_purge_reports_a_folder_it_cannot_rebuild(world: World, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    root, records, sites = world.root, world.records, world.sites
    junk = sites[1].parent / "not-a-site"
    junk.mkdir()
    (junk / "hello.txt").write_text("mine", "utf-8")
    monkeypatch.setattr(site_list, "listed", lambda archive: [junk])
    report = purge.purge_destroyed(Archive.open(root), {records[0].file.sha256},
                                   paths_in_archive=[records[0].path.relative_to(root).as_posix()])
    assert report.sites[0].note.startswith("gone")  # a folder without a catalogue's own manifest is not a catalogue
    assert (junk / "hello.txt").read_text("utf-8") == "mine"  # nothing of someone else's is touched
    assert os.listdir(junk) == ["hello.txt"]


def test_a_catalogue_that_cannot_be_rebuilt_does_not_stop_the_record(world: World, clock: Clock,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root, doomed, sites = world.root, world.doomed, world.sites
    lid = approve(root, doomed.reference)
    clock.set("2027-06-01T09:00:00+08:00")
    from archiver.catalogue import build

    def broken(archive, out=None, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("template blew up")

    monkeypatch.setattr(build, "build_site", broken)
    r = run_cli(root, "disposal", "destroy", lid, "--supervisor", "吴", "--place", "碎纸室")
    assert r.exit_code == 0, r.output
    assert "Warning:" in r.output and "template blew up" in r.output and "archiver site --out" in r.output
    entry = Register(root / "registers" / "destruction.jsonl").entries()[0]
    assert all(not s["rebuilt"] and s["note"] and s["removed"] for s in entry["derived_copies"]["sites"])
    for site in sites:  # the copies are gone even so; only the pages' links wait for the rebuild
        for p in every_file(site):
            assert hashlib.sha256(p.read_bytes()).hexdigest() != doomed.file_sha256
