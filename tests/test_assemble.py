"""Assembling one volume: parts, fronts, stamps, labels, outline, size, determinism (Art. 16–20)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import tomllib
import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import NOW
from volumes_helpers import (
    FakeFormRenderer,
    KnownBlanks,
    RecordingRenderer,
    ink,
    make_record,
    pages_specs,
)

from archiver.config import Config, parse_config, template_text
from archiver.customers import Customer
from archiver.synth import scan
from archiver.volumes.assemble import Context, assemble
from archiver.volumes.manifest import read_manifest
from archiver.volumes.pdfa import srgb_profile
from archiver.volumes.plan import PlannedVolume, plan_volumes

D = dt.date
BUILT = dt.datetime.fromisoformat(NOW) + dt.timedelta(minutes=30)


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(tomllib.loads(template_text()))


def context(config: Config, tmp_path: Path, detect: KnownBlanks, renderer: Any = None) -> Context:
    return Context(config=config, customer=Customer("C0001", "上海明远贸易有限公司"),
                   renderer=renderer or RecordingRenderer(FakeFormRenderer()), detect=detect,
                   cache_dir=tmp_path / "cache", filer="王芳", checker="李强", today=D(2026, 11, 20),
                   built_at=BUILT)


@pytest.fixture
def volume(tmp_path: Path, config: Config) -> tuple[PlannedVolume, KnownBlanks, Path]:
    """Three documents: a 3-page duplex scan with a blank last page, a request+reply
    group, and a 2-page simplex scan."""
    src = tmp_path / "records"
    src.mkdir()
    known = KnownBlanks()
    specs = pages_specs(3, seed=1, blanks=(2,))
    data = known.add(scan(specs, dpi=60, seed=1), specs)
    records = [
        make_record(src, "a-contract", date=D(2026, 2, 1), data=data, title="销售合同", doc_no="沪明合〔2026〕3号",
                    pages=2),
        make_record(src, "b-request", date=D(2026, 3, 1), pages=1, group="g1", role="request", title="请示"),
        make_record(src, "c-reply", date=D(2026, 3, 9), pages=2, group="g1", role="reply", title="批复",
                    notes="第2页有修补"),
        make_record(src, "d-simplex", date=D(2026, 4, 1), pages=2, sides="simplex", title="单面"),
    ]
    [plan] = plan_volumes(records, config)
    return plan, known, tmp_path / "out" / f"{plan.reference}.pdf"


def test_parts_in_order_each_starting_on_a_front(volume, config, tmp_path) -> None:
    plan, known, target = volume
    m = assemble(plan, context(config, tmp_path, known), target, "sha256:x")
    assert [d.record for d in m.documents] == ["a-contract", "c-reply", "b-request", "d-simplex"]
    assert list(m.parts) == ["cover", "index", "documents", "remarks", "back_cover"]
    starts = [m.parts[p][0] for p in m.parts] + [d.pdf_first for d in m.documents]
    assert all(s % 2 == 1 for s in starts)  # odd PDF page = front
    # cover+pad, index+pad, a: 3 + pad, c: 2, b: 1 + pad, d: 2 × (page + back), remarks + pad, back cover
    assert m.pdf_page_count == 2 + 2 + 4 + 2 + 2 + 4 + 2 + 1
    assert [(d.first_page, d.last_page) for d in m.documents] == [(1, 2), (3, 4), (5, 5), (6, 7)]
    assert m.documents[0].blank_pages == (7,)
    assert m.documents[3].inserted_backs == (14, 16)
    assert m.page_count == 7 and m.sheet_count == 10
    data = target.read_bytes()  # the checksum and size recorded are the written file's
    assert (m.file_sha256, m.file_size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_numbers_are_stamped_on_fronts_top_right_backs_top_left_blanks_none(volume, config, tmp_path) -> None:
    plan, known, target = volume
    m = assemble(plan, context(config, tmp_path, known), target, "x")
    with pikepdf.open(target) as pdf:
        numbered = {}
        for i, page in enumerate(pdf.pages, start=1):
            last = list(page.obj.Contents)[-1].read_bytes() if isinstance(page.obj.get("/Contents"), pikepdf.Array) else b""
            if b"Tj ET Q" in last:
                numbered[i] = last
    # a has pages 5,6 numbered (7 blank); d's numbered pages are its fronts 13 and 15
    assert sorted(numbered) == [5, 6, 9, 10, 11, 13, 15]
    assert m.page_count == 7
    width = 595.28
    for pos, stream in numbered.items():
        n = int(stream.split(b"(")[1].split(b")")[0])
        tm = [float(v) for v in stream.split(b" Tf ")[1].split(b" Tm")[0].split()]
        x = tm[4]
        if pos % 2:  # a front: right of the middle, clear of the left binding edge
            assert x > width / 2
        else:
            assert x < width / 2
        assert tm[5] > 760  # near the top
        assert n > 0
    assert [int(numbered[p].split(b"(")[1].split(b")")[0]) for p in sorted(numbered)] == [1, 2, 3, 4, 5, 6, 7]


def test_scans_are_copied_byte_for_byte_and_size_is_the_sum(volume, config, tmp_path) -> None:
    plan, known, target = volume
    renderer = RecordingRenderer(FakeFormRenderer())
    m = assemble(plan, context(config, tmp_path, known, renderer), target, "x")
    images_in = []
    for r in plan.documents:
        with pikepdf.open(r.path) as src:
            for page in src.pages:
                images_in += [img.read_raw_bytes() for _, img in page.obj.Resources.XObject.items()]
    with pikepdf.open(target) as pdf:
        images_out = [img.read_raw_bytes() for page in pdf.pages if "/XObject" in page.obj.get("/Resources", {})
                      for _, img in page.obj.Resources.XObject.items()]
    assert images_out == images_in
    sheet = renderer.sheets[0]
    forms = sum(len(getattr(FakeFormRenderer(), n)(sheet)) for n in ("cover", "index", "remarks", "back_cover"))
    docs = sum(r.file.size for r in plan.documents)
    # No bloat: at most 1 % over the parts (the volume saves their per-file overhead) plus
    # what a volume has once: the sRGB output intent's profile, the XMP packet, the stamp's
    # font subset, and its object streams, written uncompressed (the volume is saved with
    # no stream (re)compressed, so that the scans keep their bytes: ~40 bytes a page) …
    pdfa_overhead = len(zlib.compress(srgb_profile())) + 3000 + 3000 + 40 * m.pdf_page_count
    assert m.file_size <= 1.01 * (docs + forms) + pdfa_overhead
    # … and every scan's image data is in it, untouched.
    assert m.file_size >= sum(len(b) for b in images_in)


def test_index_rows_and_remarks_given_to_the_forms(volume, config, tmp_path) -> None:
    plan, known, target = volume
    renderer = RecordingRenderer(FakeFormRenderer())
    assemble(plan, context(config, tmp_path, known, renderer), target, "x")
    sheet = renderer.sheets[0]
    assert [(r.number, r.title, r.first_page, r.last_page, r.remark) for r in sheet.rows] == [
        (1, "销售合同", 1, 2, ""), (2, "批复", 3, 4, "批复"), (3, "请示", 5, 5, "请示"), (4, "单面", 6, 7, "")]
    assert sheet.rows[0].doc_no == "沪明合〔2026〕3号"
    assert sheet.title == "上海明远贸易有限公司 2026年客户档案（长期·第1卷）"
    assert (sheet.document_count, sheet.page_count) == (4, 7)
    assert (sheet.filer, sheet.checker, sheet.date) == ("王芳", "李强", D(2026, 11, 20))
    assert sheet.classification_label == ""
    assert sheet.remarks[0] == "本卷共有文件4件，有文字的页共7页（页号1—7）。"
    assert "空白页1页保留原位，未编页号（第16条）。" in sheet.remarks
    assert "《销售合同》登记有文字的页为2页，实有2页（第11条）。" not in sheet.remarks  # 2 declared, 2 numbered
    assert "《批复》：第2页有修补" in sheet.remarks
    assert any(line.startswith("单面扫描的文件1件") for line in sheet.remarks)


def test_page_labels_match_the_stamped_numbers_and_outline(volume, config, tmp_path) -> None:
    plan, known, target = volume
    assemble(plan, context(config, tmp_path, known), target, "x")
    with pikepdf.open(target) as pdf:
        labels = [p.label for p in pdf.pages]
        with pdf.open_outline() as outline:
            items = []
            for item in outline.root:
                assert isinstance(item.destination, pikepdf.Array)
                items.append((item.title, pdf.pages.index(pikepdf.Page(item.destination[0]))))
    assert labels == ["封面-1", "封面-2", "目录-1", "目录-2", "1", "2", "空白-1", "空白-2", "3", "4", "5", "空白-3",
                      "6", "空白-4", "7", "空白-5", "备考-1", "备考-2", "封底-1"]
    assert len(set(labels)) == len(labels)
    assert items == [("卷内文件目录", 2), ("1. 销售合同（第1—2页）", 4), ("2. 批复（第3—4页）", 8),
                     ("3. 请示（第5页）", 10), ("4. 单面（第6—7页）", 12), ("卷内备考表", 16)]


def test_same_inputs_give_the_same_bytes(volume, config, tmp_path) -> None:
    plan, known, target = volume
    assemble(plan, context(config, tmp_path, known), target, "x")
    other = target.with_name("again.pdf")
    assemble(plan, context(config, tmp_path, known), other, "x")
    assert target.read_bytes() == other.read_bytes()
    later = dataclasses.replace(context(config, tmp_path, known), built_at=BUILT + dt.timedelta(days=1))
    third = target.with_name("later.pdf")
    assemble(plan, later, third, "x")
    assert third.read_bytes() != target.read_bytes()  # only the timestamps differ …
    assert abs(len(third.read_bytes()) - len(target.read_bytes())) <= 8  # (compressed object streams: ± a few bytes)


def test_manifest_is_written_and_reads_back(volume, config, tmp_path) -> None:
    plan, known, target = volume
    m = assemble(plan, context(config, tmp_path, known), target, "sha256:abc")
    back = read_manifest(target.with_suffix(".toml"))
    assert back == dataclasses.replace(m, path=back.path)
    assert back.inputs == "sha256:abc" and back.file_name == target.name
    assert back.pdf_path == target


def test_rotated_page_with_inherited_rotate_is_stamped_in_its_visual_corner(tmp_path, config) -> None:
    """/Rotate set on the source's page tree (inherited), and a CropBox: the number still
    lands in the reader's top-right corner of the front."""
    pdf = pikepdf.new()
    for _ in range(11):
        pdf.add_blank_page(page_size=(595, 842)).obj.CropBox = pikepdf.Array([20, 30, 575, 812])
    pdf.Root.Pages.Rotate = 90
    buf = io.BytesIO()
    pdf.save(buf)
    src = tmp_path / "records"
    src.mkdir()
    record = make_record(src, "rot", data=buf.getvalue())
    [plan] = plan_volumes([record], config)
    target = tmp_path / "v.pdf"
    m = assemble(plan, context(config, tmp_path, KnownBlanks()), target, "x")
    [doc] = m.documents
    assert doc.last_page == 11
    seen = ink(target, doc.pdf_first - 1 + 10)  # the 11th page: a front numbered 11
    assert seen is not None
    assert (seen.width, seen.height) == pytest.approx((782, 555), abs=1)  # turned to landscape
    assert seen.x1 == pytest.approx(782 - 10 * 72 / 25.4, abs=1.5)
    assert seen.y0 == pytest.approx(10 * 72 / 25.4, abs=1.5)
    assert seen.x1 - seen.x0 > seen.y1 - seen.y0  # reads upright


def test_blank_back_of_a_simplex_page_has_the_size_the_reader_sees(tmp_path, config) -> None:
    """A simplex landscape page (/Rotate 90 inherited): its inserted back is landscape too."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.Pages.Rotate = 90
    buf = io.BytesIO()
    pdf.save(buf)
    src = tmp_path / "records"
    src.mkdir()
    record = make_record(src, "land", data=buf.getvalue(), sides="simplex")
    [plan] = plan_volumes([record], config)
    target = tmp_path / "v.pdf"
    m = assemble(plan, context(config, tmp_path, KnownBlanks()), target, "x")
    [doc] = m.documents
    [back] = doc.inserted_backs
    with pikepdf.open(target) as out:
        page = out.pages[back - 1]
        assert [float(v) for v in page.mediabox] == [0, 0, 842, 595]
        assert "/Rotate" not in page.obj
