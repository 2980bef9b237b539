"""Test helpers for the volumes stage: records made by hand, fake forms and blank detection.

:class:`FakeFormRenderer` makes one marker page per form (fast, ASCII) where a test is
not about the forms; the sheets it is given are the real ones of
:mod:`archiver.volumes.forms`. Blank detection in these tests is always
:class:`KnownBlanks`: the tests know which synthetic pages they made blank. :func:`words`
is the one reader of ``pdftotext -bbox``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from archiver.model import FileInfo, FilingInfo, Metadata, Record
from archiver.synth import PageSpec, scan, text_page


# Fake forms ------------------------------------------------------------------------------------
def marker_pdf(texts: list[str]) -> bytes:
    """An A4 PDF with one page per text, the text in Helvetica (ASCII only)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for text in texts:
        page = pdf.add_blank_page(page_size=(595.276, 841.89))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(b"BT /F1 20 Tf 100 600 Td (%s) Tj ET" % text.encode("ascii"))
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


class FakeFormRenderer:
    """Stand-in forms: a marker page each; the index has one page per 10 rows."""

    def __init__(self, font: str = "", **options: Any) -> None:
        self.font = font

    def cover(self, sheet: Any) -> bytes:
        return marker_pdf([f"COVER {sheet.reference_code}"])

    def index(self, sheet: Any) -> bytes:
        pages = max(1, (len(sheet.rows) + 9) // 10)
        return marker_pdf([f"INDEX {sheet.reference_code} {i + 1}" for i in range(pages)])

    def remarks(self, sheet: Any) -> bytes:
        return marker_pdf([f"REMARKS {sheet.reference_code}"])

    def back_cover(self, sheet: Any) -> bytes:
        return marker_pdf([f"BACK {sheet.reference_code}"])


class RecordingRenderer:
    """Wraps a renderer and keeps every sheet it was given (to check index rows, remarks)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sheets: list[Any] = []

    def cover(self, sheet: Any) -> bytes:
        self.sheets.append(sheet)
        return bytes(self.inner.cover(sheet))

    def index(self, sheet: Any) -> bytes:
        return bytes(self.inner.index(sheet))

    def remarks(self, sheet: Any) -> bytes:
        return bytes(self.inner.remarks(sheet))

    def back_cover(self, sheet: Any) -> bytes:
        return bytes(self.inner.back_cover(sheet))


# Fake blank detection --------------------------------------------------------------------------
@dataclass
class KnownBlanks:
    """Blank detection from what the test made: sha256 of a scan → blank flag per page."""

    known: dict[str, list[bool]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, data: bytes, specs: list[PageSpec]) -> bytes:
        self.known[hashlib.sha256(data).hexdigest()] = [s.blank for s in specs]
        return data

    def __call__(self, path: Path, sha256: str, cache_dir: Path) -> list[bool]:
        self.calls.append(sha256)
        if sha256 in self.known:
            return list(self.known[sha256])
        with pikepdf.open(path) as pdf:
            return [False] * len(pdf.pages)


def blank_spec() -> PageSpec:
    """The blank back of a sheet: scanner speckle only."""
    return PageSpec(noise=0.001)


def pages_specs(n: int, seed: int = 0, blanks: tuple[int, ...] = ()) -> list[PageSpec]:
    return [blank_spec() if i in blanks else text_page(f"第{i + 1}页", n_lines=3, seed=seed * 100 + i)
            for i in range(n)]


# Records made by hand (for module tests that need no CLI) --------------------------------------
def scan_dropper(drop: Callable[..., Path], known: KnownBlanks) -> Callable[..., Path]:
    """put(name, pages=2, blanks=(), **meta): drop a scan of generated pages with its metadata
    sidecar (customer C0001, type contract unless given), its blank pages made known to
    ``known``; each scan different (its own seed)."""
    counter = iter(range(1, 10_000))

    def put(name: str, pages: int = 2, blanks: tuple[int, ...] = (), **meta: Any) -> Path:
        seed = next(counter)
        specs = pages_specs(pages, seed=seed, blanks=blanks)
        meta.setdefault("customer", "C0001")
        meta.setdefault("type", "contract")
        path = drop(f"{name}.pdf", pages=specs, meta=meta, seed=seed)
        known.add(path.read_bytes(), specs)
        return path

    return put


def make_record(folder: Path, rid: str, *, customer: str = "C0001", type: str = "contract",
                date: dt.date = dt.date(2026, 3, 1), title: str = "", pages: int = 2, data: bytes | None = None,
                retention: str = "long-term", **meta: Any) -> Record:
    """A record whose PDF is written to ``folder``/<rid>.pdf (a synthetic scan by default)."""
    if data is None:
        data = scan(pages_specs(pages, seed=zlib.crc32(rid.encode()) % 1000), dpi=40)
    path = folder / f"{rid}.pdf"
    path.write_bytes(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        count = len(pdf.pages)
    m = Metadata(customer=customer, type=type, date=date, title=title or rid, **meta)
    return Record(
        id=rid, meta=m, retention=retention,
        file=FileInfo(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), page_count=count),
        filing=FilingInfo(source=path.name, source_size=len(data), source_mtime_ns=0, metadata_source="sidecar",
                          filed_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC), filed_by="test"),
        path=path,
    )  # fmt: skip


# Reading PDFs back ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # from the top of the page as the reader sees it
    x1: float
    y1: float
    page_width: float
    page_height: float


def words(pdf_path: Path, *, cropbox: bool = False) -> list[list[Word]]:
    """Every word on every page as the reader sees it (pdftotext -bbox: rotation applied,
    y from the top; ``cropbox``: coordinates of the visible page, the CropBox)."""
    out = subprocess.run(["pdftotext", *(["-cropbox"] if cropbox else []), "-bbox", str(pdf_path), "-"],
                         check=True, capture_output=True, text=True).stdout
    root = ET.fromstring(out.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages = []
    for page in root.iter("page"):
        w, h = float(page.get("width", 0)), float(page.get("height", 0))
        pages.append([Word(el.text or "", float(el.get("xMin", 0)), float(el.get("yMin", 0)),
                           float(el.get("xMax", 0)), float(el.get("yMax", 0)), w, h) for el in page.iter("word")])
    return pages


@dataclass(frozen=True)
class Ink:
    """The box of everything dark on a rendered page, in points from the top-left of
    the page as displayed (rotation and CropBox applied), and the page's size."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    height: float


def ink(pdf_path: Path, index: int = 0, scale: float = 2.0) -> Ink | None:
    """Render one page as a viewer shows it (pdftoppm) and find its ink; None if blank."""
    from PIL import Image, ImageOps

    out = subprocess.run(["pdftoppm", "-cropbox", "-r", str(72 * scale), "-gray", "-f", str(index + 1), "-l", str(index + 1),
                          str(pdf_path)], check=True, capture_output=True).stdout
    img = Image.open(io.BytesIO(out)).convert("L")
    box = ImageOps.invert(img).point(lambda v: 255 if v > 100 else 0).getbbox()
    w, h = img.size[0] / scale, img.size[1] / scale
    if box is None:
        return None
    return Ink(box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale, w, h)
