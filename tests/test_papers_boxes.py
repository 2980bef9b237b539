"""Box labels (卷盒封面, 盒脊) and the placing of volumes into boxes (Art. 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from papers_helpers import MM, manifest, read_paper

from archiver.papers.boxes import Placement, Volume, boxes_of, place
from archiver.store import Archive
from archiver.volumes.manifest import read_manifest


def vol(n: int, sheets: int, customer: str = "C0001", *, year: int = 2026, retention: str = "permanent",
        top_secret: bool = False) -> Volume:
    ref = f"Q001-{customer}-{year}-{retention[0].upper()}{'S' if top_secret else ''}-{n:03d}"
    return Volume(ref, customer, year, retention, top_secret, n, sheets)


def test_volumes_fill_boxes_in_number_order_up_to_the_capacity() -> None:
    vols = [vol(3, 120), vol(1, 150), vol(2, 180), vol(4, 90), vol(5, 200)]
    new = place(vols, {}, 400)
    assert [(p.reference[-3:], p.number) for p in new] == [("001", 1), ("002", 1), ("003", 2), ("004", 2),
                                                           ("005", 3)]


def test_a_box_holds_one_series_and_boxes_are_numbered_per_year_and_retention() -> None:
    vols = [vol(1, 10), vol(1, 10, "C0002"), vol(1, 10, retention="long-term"), vol(2, 10, top_secret=True)]
    got = {p.reference: p.box for p in place(vols, {}, 400)}
    assert got == {vols[0].reference: (2026, "permanent", 1), vols[3].reference: (2026, "permanent", 2),
                   vols[1].reference: (2026, "permanent", 3), vols[2].reference: (2026, "long-term", 1)}


def test_placed_volumes_stay_and_new_ones_follow_in_the_last_box_while_it_has_room() -> None:
    first = [vol(1, 150), vol(2, 180)]
    placed = {p.reference: p for p in place(first, {}, 400)}
    grown = [vol(1, 390), vol(2, 180), vol(3, 60), vol(4, 100)]  # volume 1 rebuilt thicker: it stays put
    new = place(grown, placed, 400)
    assert [(p.reference[-3:], p.number) for p in new] == [("003", 2), ("004", 2)]
    assert placed[grown[0].reference].number == 1
    boxes = boxes_of(grown, placed | {p.reference: p for p in new})
    assert [[v.number for v in vs] for vs in boxes.values()] == [[1, 2], [3, 4]]


def test_a_volume_thicker_than_a_box_gets_a_box_of_its_own() -> None:
    new = place([vol(1, 50), vol(2, 900), vol(3, 50)], {}, 400)
    assert [p.number for p in new] == [1, 2, 3]


def test_a_hand_placed_box_number_is_never_reused() -> None:
    placed = {"X": Placement("X", 2026, "permanent", 7)}
    assert [p.number for p in place([vol(1, 10)], placed, 400)] == [8]


@pytest.fixture
def shelf(archive: Archive) -> Archive:
    for n, sheets in enumerate([150, 180, 120], start=1):
        manifest(archive, "C0001", n, sheets=sheets)
    manifest(archive, "C0002", 1, sheets=100)
    return archive


def test_box_labels_command_places_records_and_prints(shelf: Archive, tmp_path: Path, clock: object) -> None:
    root = shelf.root
    out = tmp_path / "labels.pdf"
    result = run_cli(root, "papers", "box-labels", "--customer", "C0001", "--out", str(out), "--by", "王芳")
    assert result.exit_code == 0, result.output
    assert "2 box(es), 4 volume(s) newly placed" in result.output and "PDF/A-2b: valid" in result.output
    pages = read_paper(out)
    assert len(pages) == 3  # two fronts, one sheet of spines
    front = pages[0]
    text = "".join(w.text for w in front)
    for expected in ("某某有限公司客户服务部", "档案盒", "全宗号", "Q001", "C0001", "上海明远贸易有限公司", "2026",
                     "永久", "起止档号", "Q001-C0001-2026-Y-001", "Q001-C0001-2026-Y-002", "2卷（330张）"):
        assert expected in text, expected
    # 盒号 and its number on one row, the number the largest text of the front
    label = next(w for w in front if w.text == "盒号")
    number = next(w for w in front if w.text == "1" and abs((w.y0 + w.y1) / 2 - (label.y0 + label.y1) / 2) < 4)
    assert number.y1 - number.y0 > 1.9 * (label.y1 - label.y0)  # 28 pt against 14 pt
    # first and last reference code: one above the other, the last after 至
    first = next(w for w in front if w.text == "Q001-C0001-2026-Y-001")
    last = next(w for w in front if w.text == "Q001-C0001-2026-Y-002")
    assert last.y0 > first.y1 and any(w.text == "至" and abs(w.y0 - last.y0) < 2 for w in front)
    assert "Q001-C0001-2026-Y-003" in "".join(w.text for w in pages[1])
    # the spines: strips side by side, the customer's name set vertically
    spine = pages[2]
    chars = [w for w in spine if w.text in "上海明远贸易有限公司" and len(w.text) == 1]
    columns = {round(w.x0 / MM / 10) for w in chars}
    assert len(columns) == 2 and len(chars) == 20  # two spines, ten characters each, one a line
    first_spine = sorted((w for w in chars if w.x0 < min(c.x0 for c in chars) + 5), key=lambda w: w.y0)
    assert "".join(w.text for w in first_spine) == "上海明远贸易有限公司"
    # the register and the manifests
    entries = [line for line in (root / "registers" / "boxes.jsonl").read_text("utf-8").splitlines()]
    assert len(entries) == 4 and all('"by": "王芳"' in e for e in entries)
    boxes = {m: read_manifest(p).box for m, p in
             ((p.stem, p) for p in sorted((root / "volumes").glob("*/2026/*.toml")))}
    assert boxes == {"Q001-C0001-2026-Y-001": 1, "Q001-C0001-2026-Y-002": 1, "Q001-C0001-2026-Y-003": 2,
                     "Q001-C0002-2026-Y-001": 3}


def test_box_labels_again_places_nothing_twice(shelf: Archive, tmp_path: Path, clock: object) -> None:
    out = tmp_path / "labels.pdf"
    assert run_cli(shelf.root, "papers", "box-labels", "--out", str(out)).exit_code == 0
    manifest(shelf, "C0001", 4, sheets=200)  # a new volume: box 2 has room (120 + 200)
    result = run_cli(shelf.root, "papers", "box-labels", "--from", "Q001-C0001-2026-Y-003", "--to",
                     "Q001-C0001-2026-Y-004", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 box(es), 1 volume(s) newly placed" in result.output
    assert len((shelf.root / "registers" / "boxes.jsonl").read_text("utf-8").splitlines()) == 5
    text = "".join(w.text for w in read_paper(out)[0])
    assert "Q001-C0001-2026-Y-003" in text and "Q001-C0001-2026-Y-004" in text and "2卷（320张）" in text


def test_box_labels_for_nothing_says_so(archive: Archive, tmp_path: Path) -> None:
    result = run_cli(archive.root, "papers", "box-labels", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code == 4 and "No built volumes match" in result.output
    result = run_cli(archive.root, "papers", "box-labels", "--from", "NOPE", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code == 4 and "There is no volume NOPE" in result.output


def test_the_catalogue_shows_the_box_of_a_volume(archive_root: Path, drop, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from custody_helpers import bind, doc, file_docs

    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-09", title="销售合同")])
    archive = Archive.open(archive_root)
    volume = bind(archive, records)
    site = tmp_path / "site"
    page = site / "customers" / "C0001" / "volumes" / f"{volume.reference}.html"
    assert run_cli(archive_root, "site", "--out", str(site)).exit_code == 0
    assert "盒号" not in page.read_text("utf-8")  # not boxed yet
    assert run_cli(archive_root, "papers", "box-labels", "--out", str(tmp_path / "labels.pdf")).exit_code == 0
    assert run_cli(archive_root, "site", "--out", str(site)).exit_code == 0
    assert "<dt>盒号</dt><dd>1</dd>" in page.read_text("utf-8")


def test_a_long_customer_name_is_set_smaller_on_the_spine_not_cut(tmp_path: Path) -> None:
    import datetime as dt

    from archiver.papers import box_labels, paper
    from archiver.papers.box_labels import BoxLabel

    name = "中国长江三峡集团有限公司上海勘测设计研究院有限公司"
    label = BoxLabel("Q001", "某某有限公司客户服务部", "C0009", name, 2026, "永久", 12, "Q001-C0009-2026-Y-004",
                     "Q001-C0009-2026-Y-006", 3, 388, "绝密")
    data = paper.render(paper.Paper("卷盒封面", "box-labels:test", dt.datetime(2026, 11, 20, tzinfo=dt.UTC)), "box",
                        lambda ts, st: box_labels.draw(ts, st, [label]), texts=label.texts())
    out = tmp_path / "labels.pdf"
    out.write_bytes(data)
    front, spine = read_paper(out)
    assert any(w.text == "绝密★" and w.y1 < 60 * MM for w in front)  # the mark at the top of the front
    column = sorted((w for w in spine if len(w.text) == 1 and w.text in name), key=lambda w: w.y0)
    assert "".join(w.text for w in column) == name  # every character, one a line, none cut off
    number = next(w for w in spine if w.text == "12")
    assert number.y0 > column[-1].y1  # above the box number


def test_a_rebuilt_volume_keeps_its_box(archive_root: Path, drop, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A box is a fact of the shelf (Art. 20): the manifest `build` writes when it rebuilds
    a boxed volume (a new document for it) still names the box, from the box register."""
    from custody_helpers import doc, file_docs

    file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-09", title="销售合同")])
    assert run_cli(archive_root, "build", "--checker", "李四").exit_code == 0
    assert run_cli(archive_root, "papers", "box-labels", "--out", str(tmp_path / "labels.pdf")).exit_code == 0
    archive = Archive.open(archive_root)
    (path,) = [p for p in archive.volumes.rglob("*.toml") if ".superseded" not in p.parts]
    before = read_manifest(path)
    assert before.box == 1
    file_docs(archive_root, drop, [doc("C0001", "contract", "2026-04-01", title="补充协议")], prefix="more")
    result = run_cli(archive_root, "build", "--checker", "李四")
    assert result.exit_code == 0, result.output
    after = read_manifest(path)
    assert after.reference == before.reference and len(after.documents) == 2  # rebuilt with the new document
    assert after.box == 1
