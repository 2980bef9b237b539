"""Find the cover sheets in a batch scan and split it into one PDF per document.

Reading: each page's own embedded scan image is used when the page is one full-page
image, decoded by :mod:`archiver.scanimage` (bounded; JPEG at a reduced size in draft
mode, bilevel scans averaged down, every scanner encoding); other pages are rendered
with pdfium. The image is read at
about READ_DPI — enough for a QR module of 1 mm (4 px) — and QR codes are decoded with
zxing-cpp. Only codes made by :mod:`archiver.batch.coversheet` count: a QR code printed
on an invoice never splits a batch. A page whose marker code is seen but whose metadata
code does not read at the reduced size is read again at full resolution.

Splitting copies pages with pikepdf: the scan's image streams are never decoded or
re-encoded, and each part is saved with a content-derived /ID and no timestamps, so the
same batch always gives byte-identical parts (the filer's crash recovery relies on it).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pikepdf
import zxingcpp
from PIL import Image

from .. import scanimage
from ..volumes import blank
from .coversheet import is_mark, is_ours

QR_ONLY = zxingcpp.barcode_formats_from_str("QRCode")
READ_DPI = 100  # the resolution pages are read at when looking for cover sheets
MIN_SCAN_DPI = 50  # an image this dense across the page is taken for the page's scan


@dataclass(frozen=True)
class CoverSheet:
    """A cover sheet found at ``page`` (0-based). ``text`` is its metadata QR text, or
    "" when only its marker codes could be read (the metadata code is damaged)."""

    page: int
    text: str

    @property
    def readable(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Part:
    """One document of a batch: ``number`` 0 holds the pages before the first cover
    sheet; part k is the document behind the k-th sheet. ``dropped`` are the pages that
    are not the document's (its cover sheet and that sheet's blank back)."""

    number: int
    pages: tuple[int, ...]
    sheet: CoverSheet | None
    dropped: tuple[int, ...] = ()


# Page images ---------------------------------------------------------------------------
def scan_image(page: pikepdf.Page, dpi: int | None = READ_DPI) -> Image.Image | None:
    """The page's own scan image in grayscale, reduced to about ``dpi`` (``None``: full
    resolution); ``None`` when the page is not one full-page image or the image cannot
    be decoded here (:mod:`archiver.scanimage`: bounded, any scanner encoding)."""
    try:
        images = list(page.get_images().values())
        if len(images) != 1:
            return None
        info = scanimage.inspect(images[0])
        if info is None:
            return None
        box = [float(v) for v in page.mediabox]
        width_in, height_in = abs(box[2] - box[0]) / 72, abs(box[3] - box[1]) / 72
        scan_dpi = min(info.width / width_in, info.height / height_in)
        if scan_dpi < MIN_SCAN_DPI:
            return None  # a logo on a page, not the page's scan
        factor = max(1, round(scan_dpi / dpi)) if dpi else 1
        return scanimage.decode(info, factor=factor)
    except Exception:  # noqa: BLE001 — an odd page is simply not read as a cover sheet
        return None


class PageReader:
    """Page images of one PDF: the scan's own image, else a pdfium rendering."""

    def __init__(self, pdf: pikepdf.Pdf, data: bytes) -> None:
        self.pdf = pdf
        self.data = data
        self._pdfium: object | None = None

    def image(self, index: int, dpi: int | None = READ_DPI) -> Image.Image:
        """The page to read codes from; a blank one when it cannot be looked at safely
        (an image over the decoding limits is not rendered either: "not a cover sheet")."""
        page = self.pdf.pages[index]
        im = scan_image(page, dpi)
        if im is not None:
            return im
        try:
            if scanimage.over_limits(page):
                return Image.new("L", (1, 1), 255)
            return self.render(index, dpi or 200)
        except Exception:  # noqa: BLE001 — a page pdfium cannot render holds no cover sheet we can read
            return Image.new("L", (1, 1), 255)

    def render(self, index: int, dpi: int) -> Image.Image:
        import pypdfium2

        if self._pdfium is None:
            self._pdfium = pypdfium2.PdfDocument(self.data)
        page = self._pdfium[index]  # type: ignore[index]
        try:
            return page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        finally:
            page.close()


# Reading cover sheets ------------------------------------------------------------------
def read_codes(image: Image.Image) -> tuple[list[str], bool]:
    """Our QR texts on an image (marker codes left out), and whether a marker code or
    an undecodable QR code was seen beside them."""
    texts: list[str] = []
    marked = False
    broken = False
    for code in zxingcpp.read_barcodes(image, formats=QR_ONLY, return_errors=True):
        if code.error is not None:
            broken = True
        elif is_mark(code.text):
            marked = True
        elif is_ours(code.text) and code.text not in texts:
            texts.append(code.text)
    return texts, marked or (broken and bool(texts))


def read_sheet(reader: PageReader, index: int) -> CoverSheet | None:
    """The cover sheet on page ``index``, or None when the page is not one."""
    texts, marked = read_codes(reader.image(index))
    if not texts and marked:  # a marker but no metadata: look again, closer
        texts, _ = read_codes(reader.image(index, dpi=None))
    if len(texts) == 1:
        return CoverSheet(index, texts[0])
    if texts or marked:  # damaged, or two different sheets on one page
        return CoverSheet(index, "")
    return None


def find_cover_sheets(pdf: pikepdf.Pdf, data: bytes,
                      progress: Callable[[int], None] | None = None) -> list[CoverSheet]:
    """Every cover sheet in a batch, in page order."""
    reader = PageReader(pdf, data)
    found = []
    for index in range(len(pdf.pages)):
        sheet = read_sheet(reader, index)
        if sheet is not None:
            found.append(sheet)
        if progress is not None:
            progress(index)
    return found


# Blank backs: the volumes' detector (Art. 16) decides whether a cover sheet's back is blank.
page_is_blank: Callable[[pikepdf.Page], bool] = blank.page_is_blank


# Splitting -----------------------------------------------------------------------------
def plan_parts(page_count: int, sheets: list[CoverSheet], is_blank: Callable[[int], bool]) -> list[Part]:
    """Cut ``page_count`` pages at each cover sheet (pure, given ``is_blank``).

    Pages before the first sheet become part 0. The page right after a sheet is
    dropped when it is blank (the sheet's back in a duplex batch). No sheets: no parts.
    """
    if not sheets:
        return []
    parts = []
    if sheets[0].page > 0:
        parts.append(Part(0, tuple(range(sheets[0].page)), None))
    for number, sheet in enumerate(sheets, 1):
        end = sheets[number].page if number < len(sheets) else page_count
        first = sheet.page + 1
        dropped = [sheet.page]
        if first < end and is_blank(first):
            dropped.append(first)
            first += 1
        parts.append(Part(number, tuple(range(first, end)), sheet, tuple(dropped)))
    return parts


def split_batch(pdf: pikepdf.Pdf, data: bytes) -> list[Part]:
    """Find the cover sheets and plan the parts of a batch; [] when it has no sheet."""
    sheets = find_cover_sheets(pdf, data)
    return plan_parts(len(pdf.pages), sheets, lambda i: page_is_blank(pdf.pages[i]))


def part_pdf(pdf: pikepdf.Pdf, pages: tuple[int, ...]) -> bytes:
    """A new PDF of ``pages`` copied from ``pdf`` — images untouched, bytes identical
    on every run."""
    out = pikepdf.new()
    for index in pages:
        out.pages.append(pdf.pages[index])
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    return buffer.getvalue()
