"""Looking for ink in a page's corner zone (where the page number may go): the zone's
scan images decoded cheaply (only what reaches the zone; a JPEG's top rows at 1/2–1/8
scale, a fax image's top rows), annotations and vector boxes counted as ink, and the
nearest spot with blank paper around it."""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Name

from .pagecontent import Placement
from .placement import DIRECTIONS, MM, Matrix, Rect, apply, invert, multiply, user_to_visual, visual_to_user

if TYPE_CHECKING:
    from PIL import Image


LOOK_RES = 2 / MM  # pixels per point of the corner look (2 per mm)
INKED = 56  # a look pixel this much darker than white (0–255) is ink
CLEARANCE = 2.5 * MM  # the spot chosen on an inked page keeps this far from ink where it can
NOISE = 2  # this many inked look pixels under the default spot are speckle, not ink
MAX_LOOK_PIXELS = 120_000_000  # larger images are not decoded to look at (default spot)
MAX_LOOK_IMAGES = 16  # nor a corner made of more images than this


# Looking for ink in the corner zone -------------------------------------------------------------
def annotation_rects(obj: pikepdf.Object, box: tuple[float, float, float, float], rotate: int) -> list[Rect]:
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


def vector_rects(placements: list[Placement], box: tuple[float, float, float, float], rotate: int) -> list[Rect]:
    """The boxes of the image-less form XObjects the page draws, as visual rectangles."""
    out = []
    for p in placements:
        if p.image is None and p.bbox is not None:
            x0, y0, x1, y1 = p.bbox
            corners = [user_to_visual(box, rotate, *apply(p.ctm, x, y)) for x in (x0, x1) for y in (y0, y1)]
            out.append(Rect(min(c[0] for c in corners), min(c[1] for c in corners),
                            max(c[0] for c in corners), max(c[1] for c in corners)))
    return out


def least_ink(placements: list[Placement], box: tuple[float, float, float, float], rotate: int, zone: Rect,
              default: Rect, covered: Sequence[Rect] = ()) -> tuple[float, float] | None:
    """The lower-left corner (visual) of the spot for a ground the size of ``default`` —
    ``default``'s own when it has no ink; else the nearest spot of the zone with no ink
    and :data:`CLEARANCE` of blank paper around it, else the nearest with no ink, else
    the one with the least ink (when less than the default's) — or None when the page's
    images cannot be judged."""
    return spot_in(corner_look(placements, box, rotate, zone), zone, default, covered)


def spot_in(look: Image.Image | None, zone: Rect, default: Rect, covered: Sequence[Rect] = ()) -> tuple[float, float] | None:
    """:func:`least_ink` on the zone's look (:func:`corner_look`, None: cannot be judged),
    which it draws on: pass a copy to keep it."""
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
    a, b, c, d = DIRECTIONS[rotate]
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
    import contextlib
    import threading
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
    # (warnings filters are the process's: only the main thread quiets them; a look ahead
    # in a thread runs where the build records them, see .assemble.lay_out)
    main = threading.current_thread() is threading.main_thread()
    with warnings.catch_warnings() if main else contextlib.nullcontext():
        if main:
            warnings.simplefilter("ignore")
        if filters == [Name.DCTDecode]:
            img: Image.Image = _jpeg(xobj, w, h, max(2 * step, 1.0), y1)
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


def _jpeg(xobj: pikepdf.Object, w: int, h: int, coarse: float, rows: float) -> Image.Image:
    """A JPEG decoded at 1/2…1/8 scale (at least 1 px per ``coarse`` pixels: a text stroke
    still shows, averaged) — of a baseline JPEG whose first ``rows`` rows are all that is
    needed, only those rows (and a margin).

    A baseline JPEG with one interleaved scan holds its rows in order: with its frame
    header saying the image is only that high (:func:`archiver.scanimage.jpeg_top`), libjpeg decodes those
    rows — exactly as in the whole image — and stops, so the cost is that of the rows,
    not of the page (a JPEG's decoding costs per 8 × 8 block, even at 1/8 scale). Any
    other JPEG (progressive, several scans, an unusual header) is decoded whole. Within
    :func:`archiver.scanimage.shared_decodes`, the image is read and decoded once for
    the blank-page look and this one.
    """
    from PIL import Image

    from ..scanimage import JPEG_MARGIN_ROWS, jpeg_top, raw_bytes, recent_jpeg

    raw = raw_bytes(xobj)
    request = (max(1, int(w / coarse)), max(1, int(h / coarse)))
    need = min(h, -(-(math.ceil(rows) + JPEG_MARGIN_ROWS) // 16) * 16)
    whole = Image.open(io.BytesIO(raw))
    whole.draft("L", request)  # (sets the scale up, decodes nothing)
    kept = recent_jpeg(xobj, "L", whole.size[0], need)  # the blank-page look at this page decoded it already
    if kept is not None:
        return kept
    top = jpeg_top(raw, need) if need < 0.8 * h else None
    if top is not None:
        scale = w / whole.size[0]
        part = Image.open(io.BytesIO(top))
        part.draft("L", (whole.size[0], math.ceil(need / scale)))
        if part.size[0] == whole.size[0] and part.size[1] * scale >= need:
            return part
    return whole


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
