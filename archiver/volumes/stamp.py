"""Stamping page numbers (页号, Art. 16) onto pages, without touching their images.

Each numbered page gets one small content stream: the page's own content is wrapped in
``q … Q`` (so whatever it leaves in the graphics state cannot move the number), then the
number is drawn as text. The scan's image streams are never decoded or re-encoded.

Where the number goes — in the corner the *reader* sees, whatever the page's /Rotate
and CropBox:

* fronts: top right; backs: top left (Art. 16);
* ``stamp_offset_mm`` from the top edge and from the outer side edge;
* never inside the binding margin (``binding_margin_mm`` from the left edge of a front,
  from the right edge of a back), even on a narrow page.

The font is a PDF standard (base-14) font, ``volumes.stamp_font``, Helvetica by default:
every viewer and printer has it and nothing is embedded. It is only ever used for
digits, whose widths and height are known (:data:`DIGIT_METRICS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name

from ..config import VolumeOptions

MM = 72 / 25.4
FONT_KEY = Name("/ArchiverPageNo")
# Digit width and height (of the figures' tops above the baseline) per 1000 em, from the
# Adobe font metrics of the standard fonts: every digit has the same width.
DIGIT_METRICS = {
    "Helvetica": (556, 703),
    "Helvetica-Bold": (556, 710),
    "Times-Roman": (500, 676),
    "Times-Bold": (500, 676),
    "Courier": (600, 618),
    "Courier-Bold": (600, 627),
}


@dataclass(frozen=True)
class StampStyle:
    """Font, size and distances (in PDF points)."""

    font_size: float = 12.0
    offset: float = 10.0 * MM
    binding_margin: float = 25.0 * MM
    font: str = "Helvetica"

    @classmethod
    def from_config(cls, options: VolumeOptions) -> StampStyle:
        return cls(font_size=options.stamp_font_size, offset=options.stamp_offset_mm * MM,
                   binding_margin=options.binding_margin_mm * MM, font=options.stamp_font)

    @property
    def digit_width(self) -> float:
        return DIGIT_METRICS[self.font][0] / 1000 * self.font_size

    @property
    def digit_height(self) -> float:
        return DIGIT_METRICS[self.font][1] / 1000 * self.font_size


def text_width(text: str, style: StampStyle) -> float:
    return len(text) * style.digit_width


def visual_size(box: tuple[float, float, float, float], rotate: int) -> tuple[float, float]:
    """Width and height of the page as the reader sees it."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return (h, w) if rotate in (90, 270) else (w, h)


def visual_to_user(box: tuple[float, float, float, float], rotate: int, u: float, v: float) -> tuple[float, float]:
    """A point the reader sees at (u, v) — from the bottom-left of the visible page, u to
    the right, v up — in the page's own (user-space) coordinates.

    /Rotate turns the page clockwise for display; the visible area is the CropBox.
    """
    x0, y0, x1, y1 = box
    if rotate == 90:
        return (x1 - v, y0 + u)
    if rotate == 180:
        return (x1 - u, y1 - v)
    if rotate == 270:
        return (x0 + v, y1 - u)
    return (x0 + u, y0 + v)


# The text matrix's direction, so the digits read upright after the page's rotation.
_DIRECTIONS = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


def place(box: tuple[float, float, float, float], rotate: int, side: str, text: str,
          style: StampStyle) -> tuple[float, float, float, float, float, float]:
    """The text matrix (Tm) that puts ``text`` in the reader's top-right corner of a
    front, or top-left of a back, clear of the binding edge."""
    width, height = visual_size(box, rotate)
    tw = text_width(text, style)
    if side == "front":  # binding edge on the left
        u = max(width - style.offset - tw, style.binding_margin)
    else:  # binding edge on the right
        u = min(style.offset, width - style.binding_margin - tw)
    u = min(max(u, 0.0), max(width - tw, 0.0))
    v = height - style.offset - style.digit_height
    x, y = visual_to_user(box, rotate, u, v)
    a, b, c, d = _DIRECTIONS[rotate]
    return (a, b, c, d, round(x, 3), round(y, 3))


def page_rotation(page: pikepdf.Page | pikepdf.Object) -> int:
    """The page's /Rotate, normalised to 0, 90, 180 or 270 (a bad value counts as 0)."""
    obj = page.obj if isinstance(page, pikepdf.Page) else page
    if "/Rotate" not in obj:
        return 0
    try:
        value = int(obj.Rotate)
    except (TypeError, ValueError):
        return 0
    value %= 360
    return value if value in (0, 90, 180, 270) else 0


def page_box(page: pikepdf.Page | pikepdf.Object) -> tuple[float, float, float, float]:
    """The visible area (CropBox, else MediaBox), normalised so x0 < x1 and y0 < y1.

    Pages copied into a new PDF carry their inherited attributes themselves (qpdf pushes
    them down when copying), so the page dictionary is enough.
    """
    obj = page.obj if isinstance(page, pikepdf.Page) else page
    if "/CropBox" in obj:
        box = obj.CropBox
    elif "/MediaBox" in obj:
        box = obj.MediaBox
    elif isinstance(page, pikepdf.Page):
        box = page.mediabox  # inherited from the page tree
    else:
        box = None
    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        box = pikepdf.Array([0, 0, 595.276, 841.89])  # no usable box: PDF readers assume A4
    r = pikepdf.Rectangle(box)  # normalised: llx < urx, lly < ury
    return (r.llx, r.lly, r.urx, r.ury)


def standard_font(pdf: pikepdf.Pdf, name: str = "Helvetica") -> pikepdf.Object:
    """A standard font as an indirect font object of ``pdf``, shared by every stamp."""
    return pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name("/" + name),
                                        Encoding=Name.WinAnsiEncoding))


class Stamper:
    """Stamps numbers onto pages of one output PDF, sharing the font and the ``q`` stream."""

    def __init__(self, pdf: pikepdf.Pdf, style: StampStyle) -> None:
        self.pdf = pdf
        self.style = style
        self.font = standard_font(pdf, style.font)
        self.save_state = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))

    def stamp(self, page: pikepdf.Page, number: int, side: str) -> None:
        obj = page.obj
        text = str(number)
        a, b, c, d, e, f = place(page_box(obj), page_rotation(obj), side, text, self.style)
        name = self._font_name(obj)
        contents = obj.get("/Contents")
        own = [] if contents is None else list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        unclosed = _unclosed_saves(page, own)
        ops = b"Q\n" * (unclosed + 1) + (
            f"q 0 g BT {name} {self.style.font_size:g} Tf {a} {b} {c} {d} {e:.2f} {f:.2f} Tm ({text}) Tj ET Q\n"
        ).encode("ascii")
        obj.Contents = pikepdf.Array([self.save_state, *own, pikepdf.Stream(self.pdf, ops)])

    def _font_name(self, obj: pikepdf.Object) -> str:
        resources = obj.get("/Resources")
        if resources is None:
            obj.Resources = resources = Dictionary()
        fonts = resources.get("/Font")
        if fonts is None:
            resources.Font = fonts = Dictionary()
        key = FONT_KEY
        n = 0
        while key in fonts and fonts[key].objgen != self.font.objgen:
            n += 1
            key = Name(f"{FONT_KEY}{n}")
        fonts[key] = self.font
        return str(key)


def _unclosed_saves(page: pikepdf.Page, own: list[pikepdf.Object]) -> int:
    """How many ``q`` the page's content leaves open (a sloppy producer's): closed
    before the number is drawn, so the number is always in the page's own coordinates.

    A scanner's content stream is a few plain operators (``q 595 0 0 842 0 0 cm /Im0 Do
    Q``): when there are no strings, inline images or comments, its tokens are counted
    directly; anything else goes through pikepdf's content-stream parser.
    """
    try:
        data = b"\n".join(stream.read_bytes() for stream in own)
    except pikepdf.PdfError:
        return 0
    if not any(marker in data for marker in _NOT_PLAIN):
        depth = 0
        for token in data.split():
            if token == b"q":
                depth += 1
            elif token == b"Q" and depth:
                depth -= 1
        return depth
    depth = 0
    try:
        for instruction in pikepdf.parse_content_stream(page, "q Q"):
            op = str(instruction.operator)
            if op == "q":
                depth += 1
            elif op == "Q" and depth:
                depth -= 1
    except pikepdf.PdfError:
        return 0
    return depth


_NOT_PLAIN = (b"(", b"<", b"%", b"BI", b"[")  # strings, hex strings/dicts, comments, inline images, arrays
