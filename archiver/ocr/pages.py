"""One page of a record: its own text, or its image recognised — in PDF points.

Coordinates: a :class:`~archiver.ocr.store.TextLine` box is on the page as displayed
(after /Rotate, within the CropBox), origin top-left, y downward, in points. pdfium
reports a page's own characters in user space (origin bottom-left, unrotated) and
renders the page as displayed, so an image pixel is ``1 / scale`` points from the top-left.

pdfium is not thread-safe: every call into it holds :data:`PDFIUM` (recognition itself
runs outside it, so several workers overlap).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ArchiverError
from .engine import Engine, Recognised
from .store import PageText, TextLine

if TYPE_CHECKING:
    import pikepdf
    from PIL import Image

PDFIUM = threading.Lock()
DPI = 200  # rendering resolution for recognition (benchmarks/bench_ocr.py: as good as 300, twice as fast)
MAX_RENDER_PIXELS = 40_000_000  # a larger page (A2 and up at 300 dpi) is rendered at a lower resolution
MIN_DPI = 72
Box = tuple[float, float, float, float]


def display_box(box: Box, crop: Box, rotate: int) -> Box:
    """A user-space box (x0, y0, x1, y1; origin bottom-left, unrotated) on the page as
    displayed: origin at the visible page's top-left, y downward (/Rotate turns clockwise)."""
    cx0, cy0, cx1, cy1 = crop
    w, h = cx1 - cx0, cy1 - cy0
    points = []
    for x, y in ((box[0], box[1]), (box[2], box[3])):
        if rotate == 90:
            u, v = y - cy0, cx1 - x
        elif rotate == 180:
            u, v = cx1 - x, cy1 - y
        elif rotate == 270:
            u, v = cy1 - y, x - cx0
        else:
            u, v = x - cx0, y - cy0
        points.append((u, v))
    height = w if rotate in (90, 270) else h  # the displayed page's height
    us, vs = [p[0] for p in points], [p[1] for p in points]
    return (min(us), height - max(vs), max(us), height - min(vs))


def group_lines(chars: Iterable[tuple[str, Box]]) -> list[tuple[str, Box]]:
    """Characters in reading order (pdfium's, with its generated line breaks) as lines:
    the text of each and the union of its characters' boxes (pure)."""
    lines: list[tuple[str, Box]] = []
    text: list[str] = []
    box: Box | None = None

    def close() -> None:
        nonlocal box
        joined = "".join(text).strip()
        if joined and box is not None:
            lines.append((joined, box))
        text.clear()
        box = None

    for ch, b in chars:
        if ch in "\r\n":
            close()
            continue
        text.append(ch)
        if ch.strip() and b[2] > b[0] and b[3] > b[1]:
            box = b if box is None else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
    close()
    return lines


def own_lines(page: Any) -> list[TextLine]:
    """The page's own text (a born-digital page, or a scan with a text layer), as lines;
    [] when it has none. ``page``: a pypdfium2 page (call with :data:`PDFIUM` held)."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n <= 0:
            return []
        full = textpage.get_text_range()
        if not full.strip():
            return []
        same = len(full) == n
        chars = ((full[i] if same else textpage.get_text_range(i, 1), tuple(textpage.get_charbox(i)))
                 for i in range(n))
        left, bottom, right, top = page.get_cropbox()
        crop = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
        rotate = page.get_rotation() % 360
        return [TextLine(text, display_box(box, crop, rotate), 1.0) for text, box in group_lines(chars)]
    finally:
        textpage.close()


def render_dpi(width_pt: float, height_pt: float, dpi: int = DPI, max_pixels: int = MAX_RENDER_PIXELS) -> int:
    """The resolution a page is rendered at: ``dpi``, lower for a page too large for
    ``max_pixels`` (pure)."""
    pixels = width_pt * height_pt * (dpi / 72) ** 2
    if pixels <= max_pixels:
        return dpi
    return max(MIN_DPI, int(dpi * (max_pixels / pixels) ** 0.5))


def to_points(found: Iterable[Recognised], scale: float, width: float, height: float) -> list[TextLine]:
    """Lines found in an image rendered at ``scale`` pixels per point, in points, clipped
    to the page (pure)."""
    out = []
    for r in found:
        x0, y0, x1, y1 = (v / scale for v in r.box)
        box = (max(0.0, x0), max(0.0, y0), min(width, x1), min(height, y1))
        if box[2] > box[0] and box[3] > box[1]:
            out.append(TextLine(r.text.strip(), box, r.confidence))
    return out


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    scale: float  # pixels per point


def render(page: Any, width: float, height: float, dpi: int = DPI) -> Rendered:
    """The page as displayed, in colour (a red seal stays told apart from black print)."""
    scale = render_dpi(width, height, dpi) / 72
    bitmap = page.render(scale=scale)
    try:
        return Rendered(bitmap.to_pil().convert("RGB"), scale)
    finally:
        bitmap.close()


def page_text(number: int, page: Any, pike_page: pikepdf.Page | None, engine: Engine, dpi: int = DPI) -> PageText:
    """What page ``number`` (from 1) says: its own text (source "pdf"), else what
    ``engine`` recognises in its image ("ocr"), else why there is none ("none").
    Never raises: a page that cannot be read or recognised is recorded as failed."""
    from .. import scanimage

    width = height = 0.0
    try:
        with PDFIUM:
            width, height = (float(v) for v in page.get_size())
            lines = own_lines(page)
            if lines:
                return PageText(number, "pdf", "ok", "", width, height, tuple(lines))
            if pike_page is not None and scanimage.over_limits(pike_page):
                return PageText(number, "none", "skipped", "an image on the page is larger than the decoding "
                                "limits; not recognised", width, height)
            rendered = render(page, width, height, dpi)
        found = engine.recognise(rendered.image)
        lines = to_points(found, rendered.scale, width, height)
    except ArchiverError:
        raise  # the engine is not there (models missing): not this page's fault, the run stops
    except Exception as exc:  # noqa: BLE001 — one page that cannot be read or recognised is recorded, never a stop
        return PageText(number, "none", "failed", f"{type(exc).__name__}: {exc}"[:300], width, height)
    if not lines:
        return PageText(number, "none", "skipped", "no text recognised (a blank page or a picture)", width, height)
    return PageText(number, "ocr", "ok", "", width, height, tuple(lines))


def read_page(document: Any, index: int, pike_page: pikepdf.Page | None, engine: Engine, dpi: int = DPI) -> PageText:
    """Page ``index`` (from 0) of a pypdfium2 document: loaded, read (:func:`page_text`),
    closed. A page pdfium cannot load is recorded as failed."""
    try:
        with PDFIUM:
            page = document[index]
    except Exception as exc:  # noqa: BLE001 — a damaged page tree: this page only
        return PageText(index + 1, "none", "failed", f"the page cannot be read ({type(exc).__name__}: {exc})"[:300],
                        0.0, 0.0)
    try:
        return page_text(index + 1, page, pike_page, engine, dpi)
    finally:
        with PDFIUM:
            page.close()
