"""Stamping page numbers (页号, Art. 16) onto pages, without touching their images.

Each numbered page gets one small content stream: the page's own content is wrapped in
``q … Q`` (so whatever it leaves in the graphics state cannot move the number), then a
small white ground (a filled rectangle a quarter of the font size wider than the digits
on every side) is painted and the number drawn on it in black, so it reads on any
background — a dark photo, a scan with a black border. The scan's image streams are
never re-encoded.

Where the number goes — in the corner the *reader* sees, whatever the page's /Rotate
and CropBox (all distances below are on the page as displayed):

* fronts: top right; backs: top left (Art. 16);
* by default ``stamp_offset_mm`` from the top edge and from the outer side edge;
* inside its **corner zone**: the rectangle reaching ``stamp_offset_mm`` + 50 mm in from
  the outer side edge and ``stamp_offset_mm`` + 20 mm down from the top edge (60 × 30 mm
  with the default 10 mm), keeping :data:`EDGE` (5 mm) from the page's edges and never
  entering the binding margin (``binding_margin_mm`` from the left edge of a front, from
  the right edge of a back);
* when the default spot has ink, the spot of the zone with the least ink (nearest the
  default among equals). The ink is judged from the page's scan images, looked at cheaply:
  only images that reach the zone are decoded, a JPEG at 1/2–1/8 scale (JPEG 2000 at a
  lower resolution level) and, where the
  zone is at the image's top (an upright scan), only the first part of a baseline JPEG,
  the top rows of a CCITT fax or plain Flate image; only the zone is looked at, at 2
  pixels per mm. Annotations and image-less form XObjects (a flattened form field)
  count as ink over their whole box. A page whose images cannot be judged
  (an unsupported filter, a huge image, a broken stream) gets the default spot — the
  white ground keeps it legible anyway. Vector content (printed text that is not a scan)
  is not judged.
* a page too small for the number at ``stamp_font_size`` (its zone is narrower or lower
  than the number's ground) gets a smaller number that fits (:attr:`Stamp.reduced`); the
  build notes those pages on the remarks sheet (:func:`small_pages` tells in advance). A
  page too small even for a :data:`MIN_SIZE` number clear of the binding margin gets one
  in its outer top corner, wherever it fits.

The font is a subset — the ten digits — of the Song-style font archiver ships
(``archiver/fonts/NotoSerifSC-Regular-GB2312.ttf``), embedded as a simple TrueType font
(FontFile2, /Widths, WinAnsi encoding, a ToUnicode CMap; PDF/A-2 valid), made once
(:func:`digit_font`, kept in the build's cache folder for the next process) and embedded once per output PDF (:func:`embed_font`, one
:class:`Stamper` per volume). Positions are computed from that font's own metrics, so
every viewer and printer shows the same thing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Dictionary, Name

from ..config import VolumeOptions
from .lookcache import LookCache, look_key

if TYPE_CHECKING:
    from PIL import Image

MM = 72 / 25.4
FONT_KEY = Name("/ArchiverPageNo")
SHIPPED_FONT = "fonts/NotoSerifSC-Regular-GB2312.ttf"
DIGITS = "0123456789"
EDGE = 5 * MM  # the white ground keeps this far from the page's edges (a printer's unprintable margin)
ZONE_WIDTH = 50 * MM  # the corner zone reaches this far past the default offset from the outer edge …
ZONE_DEPTH = 20 * MM  # … and this far past the default offset from the top edge
PAD = 0.25  # the white ground's margin around the digits, in em
MIN_SIZE = 4.0  # the smallest number set clear of the binding margin on a small page (pt)
LOOK_RES = 2 / MM  # pixels per point of the corner look (2 per mm)
INKED = 56  # a look pixel this much darker than white (0–255) is ink
CLEARANCE = 2.5 * MM  # the spot chosen on an inked page keeps this far from ink where it can
NOISE = 2  # this many inked look pixels under the default spot are speckle, not ink
MAX_LOOK_PIXELS = 120_000_000  # larger images are not decoded to look at (default spot)
MAX_LOOK_IMAGES = 16  # nor a corner made of more images than this


# The font ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigitFont:
    """The digits' subset of the shipped font, and its metrics (per 1000 em)."""

    data: bytes  # the TrueType font program (FontFile2)
    name: str  # BaseFont: a subset tag + the PostScript name
    widths: tuple[int, ...]  # advance width of "0" … "9"
    bottom: int  # lowest and highest point of any digit (their overshoot included)
    top: int
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def width(self, text: str, size: float) -> float:
        return sum(self.widths[ord(ch) - 48] for ch in text) / 1000 * size


_digits: list[DigitFont] = []  # the one subset of this process (see digit_font)
FONT_CACHE = "font-cache"  # in the cache folder: the digits' subset (see digit_font)


def digit_font(cache_dir: Path | None = None) -> DigitFont:
    """The digits' subset of the shipped font: made once per process — or read from
    ``cache_dir``, where it is kept for the next process (subsetting the font takes about
    half a second, and fontTools' import as much again). The cache entry is named after
    the shipped font's size and time, fontTools' version and this module's subsetting
    options (:data:`SUBSET_VERSION`); a damaged entry is made again."""
    if not _digits:
        font = _cached_digits(cache_dir) if cache_dir is not None else None
        _digits.append(font or _subset_digits(cache_dir))
    return _digits[0]


SUBSET_VERSION = 1  # bump when _subset_digits makes another subset


def _font_cache_key() -> str:
    import fontTools  # (the package alone: its modules are imported only to subset)

    source = resources.files("archiver").joinpath(SHIPPED_FONT)
    with resources.as_file(source) as path:
        st = path.stat()
    return hashlib.sha256(f"{SUBSET_VERSION} {st.st_size} {st.st_mtime_ns} {fontTools.version}".encode()).hexdigest()[:24]


def _cached_digits(cache_dir: Path) -> DigitFont | None:
    import json

    try:
        path = cache_dir / FONT_CACHE / f"digits-{_font_cache_key()}.json"
        meta = json.loads(path.read_text("utf-8"))
        data = path.with_suffix(".ttf").read_bytes()
        if meta.pop("sha256") != hashlib.sha256(data).hexdigest():
            return None
        return DigitFont(data=data, name=str(meta["name"]), widths=tuple(int(w) for w in meta["widths"]),
                         bottom=int(meta["bottom"]), top=int(meta["top"]),
                         bbox=tuple(int(v) for v in meta["bbox"]),  # type: ignore[arg-type]
                         ascent=int(meta["ascent"]), descent=int(meta["descent"]), cap_height=int(meta["cap_height"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _keep_digits(font: DigitFont, cache_dir: Path) -> None:
    import json
    import logging

    from ..atomic import write_bytes_atomic, write_text_atomic

    try:
        path = cache_dir / FONT_CACHE / f"digits-{_font_cache_key()}.json"
        write_bytes_atomic(path.with_suffix(".ttf"), font.data)
        meta = {k: v for k, v in dataclasses.asdict(font).items() if k != "data"}
        write_text_atomic(path, json.dumps({**meta, "sha256": hashlib.sha256(font.data).hexdigest()}))
    except (OSError, ValueError) as exc:
        logging.getLogger(__name__).info("digits font not kept in %s: %s", cache_dir, exc)


def _subset_digits(cache_dir: Path | None) -> DigitFont:
    """Subset the shipped font to the ten digits."""
    from fontTools import subset, ttLib

    source = resources.files("archiver").joinpath(SHIPPED_FONT)
    with resources.as_file(source) as path:
        font = ttLib.TTFont(path, recalcBBoxes=False, recalcTimestamp=False, lazy=True)
        options = subset.Options()  # (the file is closed below: a lazy font keeps it open)
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # copyright, names, version: the licence asks for them
        options.name_languages = [0x409]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in DIGITS])
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
        font.close()  # an open file left to the garbage collector warns mid-validation
    data = buf.getvalue()
    font = ttLib.TTFont(io.BytesIO(data))
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    glyphs = [cmap[ord(c)] for c in DIGITS]
    glyf = font["glyf"]

    def em(v: float) -> int:
        return round(v * 1000 / upm)

    boxes = [(glyf[g].yMin, glyf[g].yMax) for g in glyphs]
    head, hhea = font["head"], font["hhea"]
    ps_name = font["name"].getDebugName(6) or "NotoSerifSC-Regular"
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])  # a subset's six capitals
    made = DigitFont(
        data=data, name=f"{tag}+{ps_name}", widths=tuple(em(font["hmtx"][g][0]) for g in glyphs),
        bottom=em(min(b[0] for b in boxes)), top=em(max(b[1] for b in boxes)),
        bbox=(em(head.xMin), em(head.yMin), em(head.xMax), em(head.yMax)),
        ascent=em(hhea.ascent), descent=em(hhea.descent), cap_height=em(getattr(font["OS/2"], "sCapHeight", 700)),
    )  # fmt: skip
    if cache_dir is not None:
        _keep_digits(made, cache_dir)
    return made


_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
1 beginbfrange
<30> <39> <0030>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _flate(pdf: pikepdf.Pdf, data: bytes, **extra: object) -> pikepdf.Stream:
    """A stream stored compressed (deterministic bytes, whatever the saving options)."""
    stream = pikepdf.Stream(pdf, zlib.compress(data, 9))
    stream.Filter = Name.FlateDecode
    for key, value in extra.items():
        stream[Name("/" + key)] = value
    return stream


def embed_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The digits font as one indirect font object of ``pdf``: call once per output PDF
    and share it (one :class:`Stamper` does)."""
    f = digit_font()
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + f.name), Flags=32 | 2,  # nonsymbolic, serif
        FontBBox=pikepdf.Array(list(f.bbox)), ItalicAngle=0, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=80,
        FontFile2=pdf.make_indirect(_flate(pdf, f.data, Length1=len(f.data))),
    )  # fmt: skip
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/" + f.name), FirstChar=48, LastChar=57,
        Widths=pikepdf.Array(list(f.widths)), Encoding=Name.WinAnsiEncoding,
        FontDescriptor=pdf.make_indirect(descriptor), ToUnicode=pdf.make_indirect(_flate(pdf, _TO_UNICODE)),
    ))  # fmt: skip


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


def text_width(text: str, size: float) -> float:
    return digit_font().width(text, size)


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
_DIRECTIONS = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}


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


# Stamping ---------------------------------------------------------------------------------------
class Stamper:
    """Stamps numbers onto pages of one output PDF, sharing the font and the ``q`` stream.

    Make one per output PDF (it embeds the font once); ``font`` passes in a font object
    :func:`embed_font` made for ``pdf`` already. ``look=False`` skips looking for ink
    (every number at its default spot). :attr:`reduced` lists the numbers set smaller.
    """

    def __init__(self, pdf: pikepdf.Pdf, style: StampStyle, *, font: pikepdf.Object | None = None,
                 look: bool = True, looks: LookCache | None = None) -> None:
        self.pdf = pdf
        self.style = style
        self.look = look
        self.looks = looks
        self.font = font if font is not None else embed_font(pdf)
        self.save_state = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))
        self.reduced: list[int] = []

    def stamp(self, page: pikepdf.Page, number: int, side: str, source: tuple[str, int] | None = None) -> Stamp:
        """Stamp ``number``; ``source`` — the page's record (its sha256) and page in it —
        lets the corner look be kept in :attr:`looks` (:mod:`.lookcache`)."""
        obj = page.obj
        box, rotate = page_box(obj), page_rotation(obj)
        width, height = visual_size(box, rotate)
        text = str(number)
        size, zone, reduced = fit(width, height, side, text, self.style)
        u, v = default_origin(width, height, side, text, size, self.style, zone)
        g = ground_extent(text, size)
        contents = obj.get("/Contents")
        own = [] if contents is None else list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        own = [s for s in own if isinstance(s, pikepdf.Stream)]  # (anything else is no content: viewers balk)
        unclosed, placements, sound = _walk(page, own)
        if not sound:  # a broken end would swallow the number: the content goes in a form of its own
            own = [self._as_form(obj, own)]
            unclosed = 0
        judged, moved = False, False
        if self.look and placements is not None:
            covered = _annotation_rects(obj, box, rotate) + _vector_rects(placements, box, rotate)
            default = Rect(u + g.u0, v + g.v0, u + g.u1, v + g.v1)
            kept = self.looks if source is not None else None
            key = look_key(source[1], box, rotate, zone, default, covered) if kept and source else ""
            found, spot = kept.get(source[0], key) if kept and source else (False, None)
            if not found:
                spot = least_ink([p for p in placements if p.image is not None], box, rotate, zone, default, covered)
                if kept and source:
                    kept.put(source[0], key, spot)
            if spot is not None:
                judged = True
                if spot != (u + g.u0, v + g.v0):
                    u, v, moved = spot[0] - g.u0, spot[1] - g.v0, True
        if reduced:
            self.reduced.append(number)
        a, b, c, d = _DIRECTIONS[rotate]
        e, f = visual_to_user(box, rotate, u, v)
        name = self._font_name(obj)
        ops = b"Q\n" * (unclosed + 1) + (
            f"q 1 g {a} {b} {c} {d} {e:.2f} {f:.2f} cm {g.u0:.2f} {g.v0:.2f} {g.width:.2f} {g.height:.2f} re f Q\n"
            f"q 0 g BT {name} {size:.2f} Tf {a} {b} {c} {d} {e:.2f} {f:.2f} Tm ({text}) Tj ET Q\n"
        ).encode("ascii")
        obj.Contents = pikepdf.Array([self.save_state, *own, pikepdf.Stream(self.pdf, ops)])
        return Stamp(number, side, size, reduced, Rect(u + g.u0, v + g.v0, u + g.u1, v + g.v1), zone, moved, judged)

    def _as_form(self, obj: pikepdf.Object, own: list[pikepdf.Object]) -> pikepdf.Stream:
        """The page's content as a form XObject (its own stream, so whatever it leaves open
        ends with it), and a stream drawing it. One content stream moves as it is (raw
        bytes); several are joined (decoded, and compressed again — content only, never
        an image)."""
        own = [s for s in own if isinstance(s, pikepdf.Stream)]
        if len(own) == 1:
            form = pikepdf.Stream(self.pdf, b"")
            form.write(own[0].read_raw_bytes(), filter=own[0].get("/Filter"),  # type: ignore[arg-type]
                       decode_parms=own[0].get("/DecodeParms"))  # type: ignore[arg-type]
        else:
            try:
                joined = b"\n".join(s.read_bytes() for s in own)
            except pikepdf.PdfError:  # undecodable: nothing a viewer could show either
                joined = b""
            form = _flate(self.pdf, joined)
        form.Type, form.Subtype = Name.XObject, Name.Form
        form.BBox = pikepdf.Array(list(obj.MediaBox) if "/MediaBox" in obj else [0, 0, 14400, 14400])
        resources = obj.get("/Resources")
        if resources is None:
            obj.Resources = resources = Dictionary()
        form.Resources = Dictionary({k: v for k, v in resources.items()})
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, pikepdf.Dictionary):  # its own copy: the form must not list itself
            form.Resources.XObject = Dictionary({k: v for k, v in xobjects.items()})
        if xobjects is None:
            resources.XObject = xobjects = Dictionary()
        key, n = Name("/ArchiverContent"), 0
        while key in xobjects:
            n += 1
            key = Name(f"/ArchiverContent{n}")
        xobjects[key] = self.pdf.make_indirect(form)
        return pikepdf.Stream(self.pdf, f"{key} Do\n".encode("ascii"))

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


# Reading the page's content: open q's and where its images are drawn ----------------------------
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_FORM_DEPTH = 3


@dataclass(frozen=True)
class Placement:
    """An image XObject drawn with ``ctm`` (its unit square → the page's user space), or
    (``image`` None) a form XObject without images — vector content such as a flattened
    form field's value — or an inline image, whose ``bbox`` (in its own space, ``ctm`` →
    user space) counts as ink."""

    image: pikepdf.Object | None
    ctm: Matrix
    bbox: tuple[float, float, float, float] | None = None


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _walk(page: pikepdf.Page, own: list[pikepdf.Object]) -> tuple[int, list[Placement] | None, bool]:
    """How many ``q`` the page's content leaves open (a sloppy producer's: closed before
    the number is drawn, so the number is always in the page's own coordinates), the
    images it draws (None when that cannot be told), and whether the content ends
    cleanly (no array, dictionary, string or inline image left open, no operands left
    over — which would swallow the operators that follow it).

    A scanner's content stream is a few plain operators (``q 595 0 0 842 0 0 cm /Im0 Do
    Q``): when there are no strings, inline images or comments, its tokens are read
    directly; anything else goes through pikepdf's content-stream parser and tokenizer.
    """
    try:
        data = b"\n".join(stream.read_bytes() for stream in own)
    except (pikepdf.PdfError, AttributeError, TypeError):  # a stream that does not decode, or no stream
        return 0, None, True
    resources = page.obj.get("/Resources")
    sound = True
    if not any(marker in data for marker in _NOT_PLAIN):
        ops: Iterator[tuple[list[object], str]] = _plain_tokens(data)
        sound = not data.split() or data.split()[-1][:1] not in b"0123456789-+./"
    else:
        try:
            wanted = "" if b"BI" in data else "q Q cm Do"  # (inline images come only with every operator)
            ops = ((list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(page, wanted))
            ops = iter(list(ops))
            check = _EndCheck()
            page.get_filtered_contents(check)
            sound = check.sound
        except pikepdf.PdfError:
            return 0, None, False
    placements: list[Placement] | None = []
    depth = _interpret(ops, resources, IDENTITY, placements, 0)
    return depth, placements, sound


class _EndCheck(pikepdf.TokenFilter):
    """Tokenizes a content stream to tell whether it ends cleanly."""

    OPEN = (pikepdf.TokenType.array_open, pikepdf.TokenType.dict_open)
    CLOSE = (pikepdf.TokenType.array_close, pikepdf.TokenType.dict_close)
    SKIP = (pikepdf.TokenType.space, pikepdf.TokenType.comment, pikepdf.TokenType.eof)

    def __init__(self) -> None:
        super().__init__()
        self.nesting = 0
        self.bad = False
        self.pending = False  # operands not yet consumed by an operator

    def handle_token(self, token: pikepdf.Token) -> None:
        kind = token.type_
        if kind in self.SKIP:
            return None
        if kind == pikepdf.TokenType.bad:
            self.bad = True
        elif kind in self.OPEN:
            self.nesting += 1
        elif kind in self.CLOSE:
            self.nesting = max(self.nesting - 1, 0)
        self.pending = kind != pikepdf.TokenType.word or self.nesting > 0
        return None

    @property
    def sound(self) -> bool:
        return not (self.bad or self.nesting or self.pending)


def _plain_tokens(data: bytes) -> Iterator[tuple[list[object], str]]:
    operands: list[object] = []
    for token in data.split():
        first = token[:1]
        if first in b"0123456789-+." or first == b"/":
            operands.append(token.decode("latin-1"))
        else:
            yield operands, token.decode("latin-1")
            operands = []


def _interpret(ops: Iterable[tuple[list[object], str]], resources: object, ctm: Matrix,
               placements: list[Placement] | None, level: int) -> int:
    depth = 0
    stack: list[Matrix] = []
    for operands, op in ops:
        if op == "q":
            depth += 1
            stack.append(ctm)
        elif op == "Q":
            if depth:
                depth -= 1
                ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            try:
                m = tuple(float(str(x)) for x in operands)
            except ValueError:
                continue
            ctm = multiply(m, ctm)  # type: ignore[arg-type]
        elif op == "INLINE IMAGE" and placements is not None:  # its unit square counts as ink
            placements.append(Placement(None, ctm, (0.0, 0.0, 1.0, 1.0)))
        elif op == "Do" and operands and placements is not None:
            _record(str(operands[-1]), resources, ctm, placements, level)
    return depth


def _record(name: str, resources: object, ctm: Matrix, placements: list[Placement], level: int) -> None:
    try:
        xobj = resources.XObject[name] if isinstance(resources, pikepdf.Dictionary) else None
    except (KeyError, AttributeError, pikepdf.PdfError):
        return
    if not isinstance(xobj, pikepdf.Stream):
        return
    subtype = xobj.get("/Subtype")
    if subtype == Name.Image:
        placements.append(Placement(xobj, ctm))
    elif subtype == Name.Form and level < MAX_FORM_DEPTH:
        try:
            matrix = tuple(float(x) for x in xobj.Matrix) if "/Matrix" in xobj else IDENTITY
            ops = [(list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(xobj, "q Q cm Do")]
        except (pikepdf.PdfError, TypeError, ValueError):
            return
        inner = xobj.get("/Resources", resources)
        before = len(placements)
        _interpret(ops, inner, multiply(matrix, ctm), placements, level + 1)  # type: ignore[arg-type]
        if len(placements) == before and "/BBox" in xobj:  # vector only: its box is ink
            try:
                r = pikepdf.Rectangle(xobj.BBox)  # type: ignore[call-overload]
            except (pikepdf.PdfError, TypeError, ValueError):
                return
            placements.append(Placement(None, multiply(matrix, ctm), (r.llx, r.lly, r.urx, r.ury)))  # type: ignore[arg-type]


_NOT_PLAIN = (b"(", b"<", b"%", b"BI", b"[")  # strings, hex strings/dicts, comments, inline images, arrays


# Looking for ink in the corner zone -------------------------------------------------------------
def _annotation_rects(obj: pikepdf.Object, box: tuple[float, float, float, float], rotate: int) -> list[Rect]:
    """Where the page's visible annotations (form fields, stamps, notes — drawn over the
    page's content, so over a number) are, as visual rectangles."""
    out: list[Rect] = []
    try:
        annots = obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            return out
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary) or "/Rect" not in annot:
                continue
            if annot.get("/Subtype") in (Name.Link, Name.Popup) or int(annot.get("/F", 0)) & 2:  # hidden
                continue
            r = pikepdf.Rectangle(annot.Rect)  # type: ignore[call-overload]
            corners = [user_to_visual(box, rotate, x, y) for x in (r.llx, r.urx) for y in (r.lly, r.ury)]
            out.append(Rect(min(c[0] for c in corners), min(c[1] for c in corners),
                            max(c[0] for c in corners), max(c[1] for c in corners)))
    except (pikepdf.PdfError, TypeError, ValueError, AttributeError):
        return out
    return out


def _vector_rects(placements: list[Placement], box: tuple[float, float, float, float], rotate: int) -> list[Rect]:
    """The boxes of the image-less form XObjects the page draws, as visual rectangles."""
    out = []
    for p in placements:
        if p.image is None and p.bbox is not None:
            x0, y0, x1, y1 = p.bbox
            corners = [user_to_visual(box, rotate, *apply(p.ctm, x, y)) for x in (x0, x1) for y in (y0, y1)]
            out.append(Rect(min(c[0] for c in corners), min(c[1] for c in corners),
                            max(c[0] for c in corners), max(c[1] for c in corners)))
    return out


def user_to_visual(box: tuple[float, float, float, float], rotate: int, x: float, y: float) -> tuple[float, float]:
    """The inverse of :func:`visual_to_user`."""
    a, b, c, d = _DIRECTIONS[rotate]
    e, f = visual_to_user(box, rotate, 0.0, 0.0)
    dx, dy = x - e, y - f  # the direction matrix is orthonormal: its inverse is its transpose
    return (a * dx + b * dy, c * dx + d * dy)


def least_ink(placements: list[Placement], box: tuple[float, float, float, float], rotate: int, zone: Rect,
              default: Rect, covered: Sequence[Rect] = ()) -> tuple[float, float] | None:
    """The lower-left corner (visual) of the spot for a ground the size of ``default`` —
    ``default``'s own when it has no ink; else the nearest spot of the zone with no ink
    and :data:`CLEARANCE` of blank paper around it, else the nearest with no ink, else
    the one with the least ink (when less than the default's) — or None when the page's
    images cannot be judged."""
    look = corner_look(placements, box, rotate, zone)
    if look is None:
        return None
    if covered:  # annotations count as ink: they are drawn over the number
        from PIL import ImageDraw

        draw = ImageDraw.Draw(look)
        for r in covered:
            x0, y0 = (r.u0 - zone.u0) * LOOK_RES, (zone.v1 - r.v1) * LOOK_RES
            x1, y1 = (r.u1 - zone.u0) * LOOK_RES, (zone.v1 - r.v0) * LOOK_RES
            if x1 > 0 and y1 > 0 and x0 < look.width and y0 < look.height:
                draw.rectangle((x0, y0, x1, y1), fill=255)
    here = (default.u0, default.v0)
    if look.getbbox() is None:
        return here  # no ink anywhere in the zone
    cw, ch = look.size
    gw = min(cw, math.ceil(default.width * LOOK_RES))
    gh = min(ch, math.ceil(default.height * LOOK_RES))
    dx = min(max(round((default.u0 - zone.u0) * LOOK_RES), 0), cw - gw)
    dy = min(max(round((zone.v1 - default.v1) * LOOK_RES), 0), ch - gh)
    spot = look.crop((dx, dy, dx + gw, dy + gh))
    if spot.getbbox() is None or spot.histogram()[255] <= NOISE:
        return here
    c = round(CLEARANCE * LOOK_RES)
    for margin in (c, 0):  # blank paper with room around it, else blank paper
        at = _nearest_free(look, gw, gh, margin, dx, dy)
        if at is not None:
            break
    else:  # ink everywhere: the spot with the least ink under the ground, if less than here
        from PIL import ImageFilter

        rx, ry = min(gw // 2, 127), min(gh // 2, 127)
        blurred = look.filter(ImageFilter.BoxBlur((rx, ry)))  # centred windows: top-left + (rx, ry)
        valid = blurred.crop((rx, ry, rx + cw - gw + 1, ry + ch - gh + 1))
        least = valid.getextrema()[0]
        here_ink = blurred.getpixel((dx + rx, dy + ry))
        if not isinstance(least, int) or not isinstance(here_ink, int) or least >= here_ink:
            return here  # nowhere better (a dark corner): the default spot, on its white ground
        data, vw = valid.tobytes(), valid.width
        at = min(((i % vw, i // vw) for i, v in enumerate(data) if v == least),
                 key=lambda p: (p[0] - dx) ** 2 + (p[1] - dy) ** 2)
    u0 = min(zone.u0 + at[0] / LOOK_RES, zone.u1 - default.width)
    v0 = max(zone.v1 - at[1] / LOOK_RES - default.height, zone.v0)
    return (u0, v0)


def _nearest_free(look: Image.Image, gw: int, gh: int, margin: int, dx: int, dy: int) -> tuple[int, int] | None:
    """The top-left corner, nearest (dx, dy), of a gw × gh box of the look with no ink in
    it nor within ``margin`` of it; None if there is none. The ink is spread by the box's
    size (a box blur in each direction, thresholded: any ink in the window shows)."""
    from PIL import ImageFilter

    cw, ch = look.size
    rx, ry = min((gw + 2 * margin) // 2, 127), min((gh + 2 * margin) // 2, 127)  # (odd windows, ≥ the box)
    spread = look
    lut = [0] + [255] * 255
    for radius in ((rx, 0), (0, ry)):
        spread = spread.filter(ImageFilter.BoxBlur(radius)).point(lut)
    data = spread.tobytes()
    best: tuple[int, tuple[int, int]] | None = None
    # the free top-left corners of row y are the zero bytes of its spread row, shifted;
    # rows are tried outwards from dy, and in each the zeros nearest dx (found in C)
    lo, hi = max(0, margin - rx), min(cw - gw, cw - 1 + margin - rx)  # top-left x whose centre is inside
    for y in sorted(range(0, ch - gh + 1), key=lambda y: abs(y - dy)):
        if best is not None and (y - dy) ** 2 >= best[0]:
            break
        cy = y - margin + ry
        if not 0 <= cy < ch or lo > hi:
            continue
        row = data[cy * cw + lo - margin + rx: cy * cw + hi - margin + rx + 1]  # centres of x = lo … hi
        at = min(max(dx - lo, 0), len(row))
        for i in (row.rfind(b"\x00", 0, at), row.find(b"\x00", at)):
            if i >= 0:
                x = lo + i
                d = (x - dx) ** 2 + (y - dy) ** 2
                if best is None or d < best[0]:
                    best = (d, (x, y))
    return None if best is None else best[1]


def corner_look(placements: list[Placement], box: tuple[float, float, float, float], rotate: int,
                zone: Rect) -> Image.Image | None:
    """The zone's ink as a small bilevel picture (2 px per mm, 255 = ink, row 0 at the
    top) from the images drawn there; None when an image there cannot be decoded."""
    from PIL import Image

    cw = max(1, math.ceil(zone.width * LOOK_RES))
    ch = max(1, math.ceil(zone.height * LOOK_RES))
    canvas: Image.Image | None = None
    a, b, c, d = _DIRECTIONS[rotate]
    to_visual: Matrix = (1 / LOOK_RES, 0.0, 0.0, -1 / LOOK_RES, zone.u0, zone.v1)  # look pixel -> visual
    to_user: Matrix = (a, b, c, d, *visual_to_user(box, rotate, 0.0, 0.0))
    decoded = 0
    for p in placements:
        try:
            piece = _look_at(p, multiply(to_visual, to_user), (cw, ch))
        except Exception:  # any decoder's failure (a broken stream, an unsupported filter): cannot judge
            return None
        if piece is None:
            continue
        decoded += 1
        if decoded > MAX_LOOK_IMAGES:  # a page tiled into many images: not worth the time
            return None
        if canvas is None:
            canvas = Image.new("L", (cw, ch), 255)
        canvas.paste(piece[0], (0, 0), piece[1])
    if canvas is None:
        return Image.new("1", (cw, ch), 0).convert("L")
    return canvas.point([255 if v < 255 - INKED else 0 for v in range(256)])


def _look_at(p: Placement, to_user: Matrix, size: tuple[int, int]) -> tuple[Image.Image, Image.Image] | None:
    """One image, as it shows in the look (grey, and the mask of where it is), or None
    when it does not reach the zone or is a stencil mask."""
    import warnings

    from PIL import Image

    xobj = p.image
    if xobj is None or xobj.get("/ImageMask", False) is True:
        return None
    w, h = int(xobj.Width), int(xobj.Height)
    inv = invert(p.ctm)
    if w <= 0 or h <= 0 or inv is None:
        return None
    # look pixel -> visual -> user -> the image's unit square -> its pixels (row 0 at the top)
    total = multiply(multiply(to_user, inv), (float(w), 0.0, 0.0, -float(h), 0.0, float(h)))
    corners = [apply(total, x, y) for x in (0, size[0]) for y in (0, size[1])]
    x0, x1 = max(min(q[0] for q in corners), 0.0), min(max(q[0] for q in corners), float(w))
    y0, y1 = max(min(q[1] for q in corners), 0.0), min(max(q[1] for q in corners), float(h))
    if x0 >= x1 or y0 >= y1:
        return None  # not in the zone
    step = math.sqrt(abs(total[0] * total[3] - total[1] * total[2]))  # image pixels per look pixel
    raw_filter = xobj.get("/Filter")
    filters = [raw_filter] if isinstance(raw_filter, pikepdf.Name) else list(raw_filter or [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if filters == [Name.DCTDecode]:
            img: Image.Image = _jpeg(xobj.read_raw_bytes(), w, h, max(2 * step, 1.0), y1)
        elif filters == [Name.JPXDecode] and step >= 2:  # JPEG 2000 decoded at a lower resolution level
            img = _jpx(xobj.read_raw_bytes(), min(int(math.log2(step)), 5))
        else:
            top = _top_rows(xobj, filters, w, h, math.ceil(y1) + 1) if y1 < 0.8 * h else None
            if top is not None:
                img = top
            elif w * h > MAX_LOOK_PIXELS:
                raise ValueError("image too large to look at")
            else:
                img = pikepdf.PdfImage(xobj).as_pil_image()  # type: ignore[arg-type]
        scale = w / img.size[0]  # original pixels per decoded pixel
        cx0, cy0 = int(x0 / scale), int(y0 / scale)
        cx1, cy1 = math.ceil(x1 / scale), math.ceil(y1 / scale)
        img = img.crop((cx0, cy0, cx1, cy1))
        if img.mode != "L":
            img = img.convert("L")
        r = max(1, round(step / scale))
        if r > 1:
            img = img.reduce(r)
    k = scale * r
    to_img = multiply(total, (1 / k, 0.0, 0.0, 1 / k, -cx0 / r, -cy0 / r))
    A, B, C, D, E, F = to_img
    data = (A, C, E, B, D, F)  # PIL: input x = a*x + b*y + c, input y = d*x + e*y + f
    grey = img.transform(size, Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR, fillcolor=255)
    mask = Image.new("L", img.size, 255).transform(size, Image.Transform.AFFINE, data,
                                                   resample=Image.Resampling.NEAREST, fillcolor=0)
    return grey, mask


def _jpeg(raw: bytes, w: int, h: int, coarse: float, rows: float) -> Image.Image:
    """A JPEG decoded at 1/2…1/8 scale (at least 1 px per ``coarse`` pixels: a text stroke
    still shows, averaged) — of a baseline JPEG whose first ``rows`` rows are all that is
    needed, only those rows (and a margin).

    A baseline JPEG with one interleaved scan holds its rows in order: with its frame
    header saying the image is only that high (:func:`archiver.scanimage.jpeg_top`), libjpeg decodes those
    rows — exactly as in the whole image — and stops, so the cost is that of the rows,
    not of the page (a JPEG's decoding costs per 8 × 8 block, even at 1/8 scale). Any
    other JPEG (progressive, several scans, an unusual header) is decoded whole.
    """
    from PIL import Image

    from ..scanimage import JPEG_MARGIN_ROWS, jpeg_top

    request = (max(1, int(w / coarse)), max(1, int(h / coarse)))
    need = min(h, -(-(math.ceil(rows) + JPEG_MARGIN_ROWS) // 16) * 16)
    top = jpeg_top(raw, need) if need < 0.8 * h else None
    if top is not None:
        whole = Image.open(io.BytesIO(raw))
        whole.draft("L", request)  # (sets the scale up, decodes nothing)
        scale = w / whole.size[0]
        part = Image.open(io.BytesIO(top))
        part.draft("L", (whole.size[0], math.ceil(need / scale)))
        if part.size[0] == whole.size[0] and part.size[1] * scale >= need:
            return part
    jpeg = Image.open(io.BytesIO(raw))
    jpeg.draft("L", request)
    return jpeg


def _jpx(raw: bytes, level: int) -> Image.Image:
    """A JPEG 2000 image decoded at resolution ``level`` (1/2**level), or at the finest
    level the file has when it has fewer."""
    from PIL import Image

    for lv in range(level, -1, -1):
        img = Image.open(io.BytesIO(raw))
        img.reduce = lv  # type: ignore[method-assign, assignment]
        try:
            img.load()
            return img
        except OSError:
            if lv == 0:
                raise
    raise AssertionError("unreachable")


def _top_rows(xobj: pikepdf.Object, filters: Sequence[object], w: int, h: int, rows: int) -> Image.Image | None:
    """The image's first ``rows`` rows (all the look needs on an upright scan), decoded
    without the rest, when that can be done exactly: a CCITT fax image (decoded row after
    row: a TIFF header that says the image is ``rows`` high makes libtiff stop there) or a
    Flate image without predictor (inflated only as far as those rows). None otherwise."""
    from PIL import Image

    rows = min(rows, h)
    parms = xobj.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        parms = parms[0] if len(parms) == 1 else None
    parms = parms if isinstance(parms, pikepdf.Dictionary) else pikepdf.Dictionary()
    decode = xobj.get("/Decode")
    inverted = decode is not None and [float(x) for x in decode] == [1.0, 0.0]
    if decode is not None and not inverted and [float(x) for x in decode] != [0.0, 1.0]:
        return None
    if filters == [Name.CCITTFaxDecode]:
        if parms.get("/EncodedByteAlign", False) or int(parms.get("/Columns", 1728)) != w:
            return None
        k = int(parms.get("/K", 0))
        photometric = (1 if parms.get("/BlackIs1", False) else 0) ^ (1 if inverted else 0)
        data = xobj.read_raw_bytes()
        tags = [(256, 4, w), (257, 4, rows), (258, 3, 1), (259, 3, 4 if k < 0 else 3), (262, 3, photometric),
                (266, 3, 1), (273, 4, 0), (278, 4, rows), (279, 4, len(data))]
        if k > 0:
            tags.append((292, 4, 1))  # T4Options: 2-D coding
        tags.sort()
        offset = 8 + 2 + 12 * len(tags) + 4
        ifd = b"".join(struct.pack("<HHLL", tag, kind, 1, offset if tag == 273 else value) for tag, kind, value in tags)
        tiff = b"II*\x00" + struct.pack("<L", 8) + struct.pack("<H", len(tags)) + ifd + b"\x00\x00\x00\x00" + data
        img = Image.open(io.BytesIO(tiff))
        img.load()
        return img
    if filters == [Name.FlateDecode] and int(parms.get("/Predictor", 1)) == 1 and not inverted:
        space = xobj.get("/ColorSpace")
        bpc = int(xobj.get("/BitsPerComponent", 8))
        modes = {(Name.DeviceGray, 8): "L", (Name.DeviceRGB, 8): "RGB", (Name.DeviceGray, 1): "1"}
        mode = modes.get((space, bpc)) if isinstance(space, pikepdf.Name) else None
        if mode is None:
            return None
        row_bytes = (w * {"L": 8, "RGB": 24, "1": 1}[mode] + 7) // 8
        data = zlib.decompressobj().decompress(xobj.read_raw_bytes(), row_bytes * rows)
        if len(data) < row_bytes * rows:
            return None
        return Image.frombytes(mode, (w, rows), data)
    return None


def invert(m: Matrix) -> Matrix | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
