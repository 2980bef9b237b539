"""Finding cover sheets in batch scans and cutting them into documents."""

from __future__ import annotations

import io
import itertools
from functools import lru_cache

import pikepdf
import pytest
import segno
import zxingcpp
from batch_helpers import Doc, batch_pdf, degrade, document_pages, sheet_images, sheet_pdf
from PIL import Image

from archiver.batch.coversheet import decode_payload
from archiver.batch.split import (
    CoverSheet,
    PageReader,
    Part,
    find_cover_sheets,
    page_is_blank,
    part_pdf,
    plan_parts,
    scan_image,
    split_batch,
)
from archiver.synth import PageSpec, pdf_from_images, render_page, text_page

META = {"customer": "C0001", "type": "credit-report", "date": "2026-10-15", "title": "2026年第三季度信用评估报告"}


@lru_cache
def sheet(dpi: int) -> Image.Image:
    return sheet_images(sheet_pdf(META), dpi)[0]


def sheets_in(data: bytes) -> list[CoverSheet]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return find_cover_sheets(pdf, data)


# Reading the QR code of a scanned sheet --------------------------------------------------
@pytest.mark.parametrize("dpi, bilevel, rotate, noise", [
    (dpi, bilevel, rotate, noise)
    for dpi, bilevel in itertools.product((150, 200, 300), (False, True))
    for rotate, noise in ((0, 0.0), (5, 0.003), (-5, 0.0), (180, 0.003), (177, 0.0))
])
def test_a_scanned_sheet_is_read(dpi: int, bilevel: bool, rotate: float, noise: float) -> None:
    """150–300 dpi, bilevel or grayscale, askew ±5°, upside down, speckled (issue 6)."""
    data = pdf_from_images([degrade(sheet(dpi), rotate=rotate, noise=noise, seed=dpi)], dpi=dpi, bilevel=bilevel)
    (found,) = sheets_in(data)
    assert found.page == 0 and found.readable
    assert decode_payload(found.text) == META


def test_a_damaged_code_is_still_seen_as_a_cover_sheet() -> None:
    """The marker codes say "cover sheet" when the large code cannot be read, so the
    document behind it is not glued to the previous one."""
    data = pdf_from_images([degrade(sheet(200), damage=True)], dpi=200, bilevel=True)
    assert sheets_in(data) == [CoverSheet(0, "")]


def test_a_foreign_qr_code_on_a_document_is_not_a_cover_sheet() -> None:
    page = render_page(text_page("发票", seed=3), dpi=200)
    png = io.BytesIO()
    segno.make_qr("https://fapiao.example.com/check?id=123", error="h").save(png, kind="png", scale=12)
    page.paste(Image.open(png).convert("L"), (900, 1500))
    with pikepdf.open(io.BytesIO(pdf_from_images([page], dpi=200))) as pdf:  # zxing does see it …
        seen = [c.text for c in zxingcpp.read_barcodes(PageReader(pdf, b"").image(0))]
    assert seen == ["https://fapiao.example.com/check?id=123"]
    assert sheets_in(pdf_from_images([page], dpi=200)) == []  # … but it is not ours


def test_a_sheet_that_is_vector_pdf_is_read_by_rendering() -> None:
    """A sheet PDF put in front of a scan digitally has no scan image: pdfium renders it."""
    data = sheet_pdf(META)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert scan_image(pdf.pages[0]) is None
        (found,) = find_cover_sheets(pdf, data)
    assert decode_payload(found.text) == META


def test_page_images_are_read_reduced_to_about_100_dpi() -> None:
    page = render_page(text_page("第1页", seed=1), dpi=300)
    for bilevel in (False, True):
        data = pdf_from_images([page], dpi=300, bilevel=bilevel)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            im = PageReader(pdf, data).image(0)
        assert im.mode == "L"
        assert 800 <= im.width <= 1300  # A4 at 100–150 dpi, not 2480 px


# Blank backs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bilevel", [False, True])
def test_blank_backs_are_told_from_written_pages(bilevel: bool) -> None:
    specs = [PageSpec(show_through=True), PageSpec(noise=0.003), PageSpec(show_through=True, noise=0.002),
             PageSpec(lines=["第1页 仅一行字"]), PageSpec(handwriting=True), text_page("正文", n_lines=3),
             PageSpec(stamp=True)]
    data = pdf_from_images([render_page(s, dpi=200, seed=i) for i, s in enumerate(specs)], dpi=200, bilevel=bilevel)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert [page_is_blank(p) for p in pdf.pages] == [True, True, True, False, False, False, False]


# Planning the parts (pure) -------------------------------------------------------------------
def sheets_at(*pages: int) -> list[CoverSheet]:
    return [CoverSheet(p, f"ARCV1|{{\"n\":{p}}}") for p in pages]


def test_no_sheet_no_parts() -> None:
    assert plan_parts(5, [], lambda i: False) == []


def test_duplex_batch_drops_each_sheets_blank_back() -> None:
    blank = {1, 5}
    parts = plan_parts(9, sheets_at(0, 4), lambda i: i in blank)
    assert [(p.number, p.pages, p.dropped) for p in parts] == [(1, (2, 3), (0, 1)), (2, (6, 7, 8), (4, 5))]


def test_simplex_batch_keeps_the_first_page_after_a_sheet() -> None:
    asked = []

    def blank(i: int) -> bool:
        asked.append(i)
        return False

    parts = plan_parts(6, sheets_at(0, 3), blank)
    assert [(p.pages, p.dropped) for p in parts] == [((1, 2), (0,)), ((4, 5), (3,))]
    assert asked == [1, 4]  # only the page right after a sheet is ever looked at


def test_pages_before_the_first_sheet_are_part_zero() -> None:
    parts = plan_parts(6, sheets_at(2), lambda i: False)
    assert parts[0] == Part(0, (0, 1), None)
    assert parts[1].number == 1 and parts[1].pages == (3, 4, 5)


def test_a_sheet_with_nothing_behind_it_is_an_empty_part() -> None:
    parts = plan_parts(4, sheets_at(0, 1, 3), lambda i: False)
    assert [(p.pages, p.dropped) for p in parts] == [((), (0,)), ((2,), (1,)), ((), (3,))]


# Splitting ---------------------------------------------------------------------------------
def test_split_copies_pages_without_re_encoding_and_is_byte_identical_on_every_run() -> None:
    data = batch_pdf([Doc(sheet(200), document_pages(3, 1), blank_back=True)], dpi=200)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (part,) = split_batch(pdf, data)
        assert part.pages == (2, 3, 4) and part.dropped == (0, 1)
        first = part_pdf(pdf, part.pages)
        originals = [list(pdf.pages[i].get_images().values())[0].read_raw_bytes() for i in part.pages]
    with pikepdf.open(io.BytesIO(data)) as again:
        assert part_pdf(again, part.pages) == first
    with pikepdf.open(io.BytesIO(first)) as out:
        assert len(out.pages) == 3
        copied = [list(p.get_images().values())[0].read_raw_bytes() for p in out.pages]
        assert copied == originals  # the scanner's JPEG bytes, untouched
        assert "/CreationDate" not in out.docinfo and "/ModDate" not in out.docinfo
