"""Where a page number goes (Art. 16), as pure rules on the page as the reader sees it
(after /Rotate and the CropBox; u to the right, v up, in points): the corner zone of a
front or a back, the number's size on a small page, its default spot, and the matrices
between the page's own coordinates and the visible page. See :mod:`.stamp` for the rules
in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pikepdf

from ..config import VolumeOptions
from .digits import digit_font

MM = 72 / 25.4
EDGE = 5 * MM  # the white ground keeps this far from the page's edges (a printer's unprintable margin)
ZONE_WIDTH = 50 * MM  # the corner zone reaches this far past the default offset from the outer edge …
ZONE_DEPTH = 20 * MM  # … and this far past the default offset from the top edge
PAD = 0.25  # the white ground's margin around the digits, in em
MIN_SIZE = 4.0  # the smallest number set clear of the binding margin on a small page (pt)


# Geometry (on the page as displayed: u to the right, v up, from its bottom-left corner) --------
@dataclass(frozen=True)
class StampStyle:
    """Size and distances (in PDF points)."""

    font_size: float = 12.0
    offset: float = 10.0 * MM
    binding_margin: float = 25.0 * MM

    @classmethod
    def from_config(cls, options: VolumeOptions) -> StampStyle:
        return cls(font_size=options.stamp_font_size, offset=options.stamp_offset_mm * MM,
                   binding_margin=options.binding_margin_mm * MM)


@dataclass(frozen=True)
class Rect:
    u0: float
    v0: float
    u1: float
    v1: float

    @property
    def width(self) -> float:
        return self.u1 - self.u0

    @property
    def height(self) -> float:
        return self.v1 - self.v0

    def contains(self, other: Rect, tol: float = 0.01) -> bool:
        return (self.u0 - tol <= other.u0 and other.u1 <= self.u1 + tol
                and self.v0 - tol <= other.v0 and other.v1 <= self.v1 + tol)


@dataclass(frozen=True)
class Stamp:
    """Where one number went (visual coordinates, points)."""

    number: int
    side: str
    size: float  # font size used
    reduced: bool  # the page is too small for the number as configured: set smaller
    ground: Rect  # the white ground
    zone: Rect  # the corner zone it was placed in
    moved: bool  # not the default spot: that one has ink
    judged: bool  # the page's images could be looked at


def ground_extent(text: str, size: float) -> Rect:
    """The white ground around ``text`` set at ``size``, relative to its text origin."""
    f = digit_font()
    pad = PAD * size
    return Rect(-pad, f.bottom / 1000 * size - pad, f.width(text, size) + pad, f.top / 1000 * size + pad)


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
DIRECTIONS = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


def corner_zone(width: float, height: float, side: str, style: StampStyle) -> Rect:
    """The number's corner zone on a page of this visual size (see the module doc); it
    may be empty (u1 < u0) on a page narrower than the binding margin."""
    inner = max(style.binding_margin, EDGE)
    reach_u, reach_v = style.offset + ZONE_WIDTH, style.offset + ZONE_DEPTH
    if side == "front":  # binding edge on the left
        u0, u1 = max(inner, width - reach_u), width - EDGE
    else:  # binding edge on the right
        u0, u1 = EDGE, min(width - inner, reach_u)
    return Rect(u0, max(EDGE, height - reach_v), u1, height - EDGE)


def fit(width: float, height: float, side: str, text: str, style: StampStyle) -> tuple[float, Rect, bool]:
    """The font size ``text`` gets on this page, the zone it goes in, and whether the page
    is too small for the number as configured.

    The configured size when its ground fits the corner zone, else the largest that fits;
    below :data:`MIN_SIZE`, the binding margin and edge distance are given up: the zone
    becomes the page's outer half (the whole page if need be) and the number at most
    twice :data:`MIN_SIZE` (and 3/4 of the configured size), so it still fits inside the
    page and covers little of it."""
    zone = corner_zone(width, height, side, style)
    g = ground_extent(text, style.font_size)
    scale = min(1.0, zone.width / g.width, zone.height / g.height)
    if scale * style.font_size >= MIN_SIZE:
        return style.font_size * scale, zone, scale < 1.0
    half = Rect(width / 2, 0, width, height) if side == "front" else Rect(0, 0, width / 2, height)
    cap = min(2 * MIN_SIZE / style.font_size, 0.75)  # smaller than configured, whatever that is
    scale = min(cap, half.width / g.width, half.height / g.height)
    if scale * style.font_size < MIN_SIZE:  # even the outer half is too small: the whole page
        half = Rect(0, 0, width, height)
        scale = max(min(cap, width / g.width, height / g.height), 1 / style.font_size)
    return style.font_size * min(scale, 1.0), half, True


def default_origin(width: float, height: float, side: str, text: str, size: float, style: StampStyle,
                   zone: Rect) -> tuple[float, float]:
    """The text origin of the default spot (offset from the top and outer edges), moved
    into ``zone`` where the offsets would put it outside."""
    f = digit_font()
    g = ground_extent(text, size)
    u = width - style.offset - f.width(text, size) if side == "front" else style.offset
    v = height - style.offset - f.top / 1000 * size
    u = min(max(u, zone.u0 - g.u0), zone.u1 - g.u1)
    v = min(max(v, zone.v0 - g.v0), zone.v1 - g.v1)
    # a ground wider than the zone: keep clear of the binding edge first
    u = max(u, zone.u0 - g.u0) if side == "front" else min(u, zone.u1 - g.u1)
    return u, v


def too_small(page: pikepdf.Page | pikepdf.Object, number: int, side: str, style: StampStyle) -> bool:
    """Whether this page is too small for ``number`` at the configured size."""
    width, height = visual_size(page_box(page), page_rotation(page))
    return fit(width, height, side, str(number), style)[2]


def small_pages(pages: Iterable[tuple[pikepdf.Page | pikepdf.Object, int, str]], style: StampStyle) -> list[int]:
    """The numbers, among ``(page, number, side)``, that :class:`Stamper` will set smaller
    (the remarks sheet notes them before the volume is written)."""
    return [n for page, n, side in pages if too_small(page, n, side, style)]


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


def user_to_visual(box: tuple[float, float, float, float], rotate: int, x: float, y: float) -> tuple[float, float]:
    """The inverse of :func:`visual_to_user`."""
    a, b, c, d = DIRECTIONS[rotate]
    e, f = visual_to_user(box, rotate, 0.0, 0.0)
    dx, dy = x - e, y - f  # the direction matrix is orthonormal: its inverse is its transpose
    return (a * dx + b * dy, c * dx + d * dy)


# Reading the page's content: open q's and where its images are drawn ----------------------------
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def invert(m: Matrix) -> Matrix | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
