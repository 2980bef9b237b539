"""Stamping page numbers (页号, Art. 16) onto pages, without touching their images.

This module draws (:class:`Stamper`); where the number goes is decided by :mod:`.placement`
(the rules) and :mod:`.ink` (the look for ink), from the page's content read by
:mod:`.pagecontent`; the font is :mod:`.digits`.

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
  build notes those pages on the remarks sheet (:func:`.placement.small_pages` tells in
  advance). A
  page too small even for a :data:`MIN_SIZE` number clear of the binding margin gets one
  in its outer top corner, wherever it fits.

The font is a subset — the ten digits — of the Song-style font archiver ships
(``archiver/fonts/NotoSerifSC-Regular-GB2312.ttf``), embedded as a simple TrueType font
(FontFile2, /Widths, WinAnsi encoding, a ToUnicode CMap; PDF/A-2 valid), made once
(:func:`.digits.digit_font`: archiver ships the subset) and
embedded once per output PDF (:func:`.digits.embed_font`, one
:class:`Stamper` per volume). Positions are computed from that font's own metrics, so
every viewer and printer shows the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Name

from .digits import embed_font, flate_stream
from .ink import annotation_rects, corner_look, least_ink, spot_in, vector_rects
from .lookcache import LookCache, Spot, look_key
from .pagecontent import Placement, add_font, walk
from .placement import (
    DIRECTIONS,
    Rect,
    Stamp,
    StampStyle,
    corner_zone,
    default_origin,
    fit,
    ground_extent,
    page_box,
    page_rotation,
    visual_size,
    visual_to_user,
)

FONT_KEY = Name("/ArchiverPageNo")


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
        at = _where(page, number, side, self.style)
        own, unclosed, u, v, g = at.own, at.unclosed, at.u, at.v, at.ground
        if not at.sound:  # a broken end would swallow the number: the content goes in a form of its own
            own = [self._as_form(obj, own)]
            unclosed = 0
        judged, moved = False, False
        if self.look and at.placements is not None:
            spot = _spot(obj, at, self.looks if source is not None else None, source)
            if spot is not None:
                judged = True
                if spot != (u + g.u0, v + g.v0):
                    u, v, moved = spot[0] - g.u0, spot[1] - g.v0, True
        if at.reduced:
            self.reduced.append(number)
        box, rotate, size, text = at.box, at.rotate, at.size, at.text
        a, b, c, d = DIRECTIONS[rotate]
        e, f = visual_to_user(box, rotate, u, v)
        name = self._font_name(obj)
        ops = b"Q\n" * (unclosed + 1) + (
            f"q 1 g {a} {b} {c} {d} {e:.2f} {f:.2f} cm {g.u0:.2f} {g.v0:.2f} {g.width:.2f} {g.height:.2f} re f Q\n"
            f"q 0 g BT {name} {size:.2f} Tf {a} {b} {c} {d} {e:.2f} {f:.2f} Tm ({text}) Tj ET Q\n"
        ).encode("ascii")
        obj.Contents = pikepdf.Array([self.save_state, *own, pikepdf.Stream(self.pdf, ops)])
        return Stamp(number, side, size, at.reduced, Rect(u + g.u0, v + g.v0, u + g.u1, v + g.v1), at.zone, moved,
                     judged)

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
            form = flate_stream(self.pdf, joined)
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
        return add_font(obj, self.font, str(FONT_KEY))


# Where a number goes, and the look ahead ------------------------------------------------------
@dataclass(frozen=True)
class _Where:
    """What :meth:`Stamper.stamp` decides before it looks for ink."""

    box: tuple[float, float, float, float]
    rotate: int
    text: str
    size: float
    zone: Rect
    reduced: bool
    u: float  # the default origin of the number (visual)
    v: float
    ground: Rect  # the ground's extent around the origin
    own: list[pikepdf.Object]  # the page's content streams
    unclosed: int
    placements: list[Placement] | None
    sound: bool


def _where(page: pikepdf.Page, number: int, side: str, style: StampStyle) -> _Where:
    obj = page.obj
    box, rotate = page_box(obj), page_rotation(obj)
    width, height = visual_size(box, rotate)
    text = str(number)
    size, zone, reduced = fit(width, height, side, text, style)
    u, v = default_origin(width, height, side, text, size, style, zone)
    contents = obj.get("/Contents")
    own = [] if contents is None else list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    own = [s for s in own if isinstance(s, pikepdf.Stream)]  # (anything else is no content: viewers balk)
    unclosed, placements, sound = walk(page, own)
    return _Where(box, rotate, text, size, zone, reduced, u, v, ground_extent(text, size), own, unclosed,
                  placements, sound)


def _spot(obj: pikepdf.Object, at: _Where, kept: LookCache | None,
          source: tuple[str, int] | None) -> tuple[float, float] | None:
    """The corner look (:func:`.ink.least_ink`), kept in and taken from ``kept``."""
    assert at.placements is not None
    g = at.ground
    covered = annotation_rects(obj, at.box, at.rotate) + vector_rects(at.placements, at.box, at.rotate)
    default = Rect(at.u + g.u0, at.v + g.v0, at.u + g.u1, at.v + g.v1)
    key = look_key(source[1], int(at.text), at.box, at.rotate, at.zone, default, covered) if kept and source else ""
    found, spot = kept.get(source[0], key) if kept and source else (False, None)
    if not found:
        spot = least_ink([p for p in at.placements if p.image is not None], at.box, at.rotate, at.zone, default,
                         covered)
        if kept and source:
            kept.put(source[0], key, spot)
    return spot


@dataclass(frozen=True)
class Corner:
    """What a page's corner zone looks like, taken ahead (:func:`corner_of`) — in a worker
    process, while the page numbers are not known yet: all :func:`spot_of` needs to place
    any number there as :meth:`Stamper.stamp` would."""

    box: tuple[float, float, float, float]
    rotate: int
    zone: Rect
    covered: tuple[Rect, ...]
    look: bytes | None  # the zone's ink (ink.corner_look, mode L, row by row); None: cannot be judged
    size: tuple[int, int]


def corner_of(page: pikepdf.Page, side: str, style: StampStyle) -> Corner | None:
    """The corner zone of ``page`` on ``side``, looked at (its scan decoded) — None when
    :meth:`Stamper.stamp` would not look (content it cannot follow). Only for a page
    whose copy in the volume is the same as it (:func:`same_in_copy`). The page is not
    changed."""
    obj = page.obj
    box, rotate = page_box(obj), page_rotation(obj)
    width, height = visual_size(box, rotate)
    zone = corner_zone(width, height, side, style)
    contents = obj.get("/Contents")
    own = [] if contents is None else list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    _, placements, _ = walk(page, [s for s in own if isinstance(s, pikepdf.Stream)])
    if placements is None:
        return None
    covered = tuple(annotation_rects(obj, box, rotate) + vector_rects(placements, box, rotate))
    look = corner_look([p for p in placements if p.image is not None], box, rotate, zone)
    return Corner(box, rotate, zone, covered, None if look is None else look.tobytes(),
                  (0, 0) if look is None else look.size)


def spot_of(corner: Corner, page: int, number: int, side: str, style: StampStyle) -> tuple[str, Spot] | None:
    """The look key (:func:`.lookcache.look_key`) and spot :meth:`Stamper.stamp` finds for
    ``number`` on the page (``page``: 0-based, in its record) whose corner is ``corner`` —
    or None where the number does not go in that zone (a page too small for it)."""
    from PIL import Image

    width, height = visual_size(corner.box, corner.rotate)
    text = str(number)
    size, zone, _ = fit(width, height, side, text, style)
    if zone != corner.zone:
        return None
    u, v = default_origin(width, height, side, text, size, style, zone)
    g = ground_extent(text, size)
    default = Rect(u + g.u0, v + g.v0, u + g.u1, v + g.v1)
    key = look_key(page, number, corner.box, corner.rotate, zone, default, list(corner.covered))
    look = None if corner.look is None else Image.frombytes("L", corner.size, corner.look)
    return key, spot_in(look, zone, default, corner.covered)


_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def same_in_copy(pdf: pikepdf.Pdf) -> bool:
    """Whether every page of a record looks, copied into a volume, exactly as it does in
    the record: no attribute inherited from the page tree (the copy carries its own), no
    form (flattened in the volume) and no annotation (some are stripped)."""
    if "/AcroForm" in pdf.Root:
        return False
    for page in pdf.pages:
        if "/Annots" in page.obj:
            return False
        node = page.obj.get("/Parent")
        for _ in range(64):
            if not isinstance(node, Dictionary):
                break
            if any(k in node for k in _INHERITABLE):
                return False
            node = node.get("/Parent")
    return True
