"""Blank-page detection (Art. 16): which scanned pages carry no writing.

A blank page — the empty back of a single-sided sheet, a side with scanner noise only —
keeps its place in a volume but gets no page number. The decision is made from the
scan's own embedded image, never by rendering the page. Images are decoded by
:mod:`archiver.scanimage` (bounded in pixels and memory; ``/Decode``, BlackIs1, palettes
and CMYK applied exactly once), reduced to about 37 dpi whatever the scan resolution:
JPEG in draft mode straight from the DCT coefficients, 1-bit Flate and JBIG2 averaged
8 packed pixels at a time, CCITT G3/G4 sampled (the bottom margin band is not even
decoded), the rest box-averaged.

On that small grey image, the measure is deliberately robust:

1. a band of ``margin_mm`` (default 20 mm) along every edge is ignored: punch holes
   (ISO 838: 6 mm holes 12 mm from the edge), the dark borders and shadows of a skewed
   sheet and the scanner's edge. On a page so small that the band is most of it (less
   than 40 % left inside: smaller than A6), too little is looked at: not blank;
2. the paper level is the median of what is left, so grey recycled paper, a faint
   show-through or an even tint do not count as writing;
3. a pixel is *ink* when it is ``ink_delta`` (default 64 of 255) darker than the paper —
   each small pixel averages ~0.7 × 0.7 mm of the scan, so single specks of scanner noise
   dilute far below that, while pen strokes and printed strokes stay well above;
4. isolated ink pixels (fewer than 3 ink pixels in their 3 × 3 neighbourhood, counted
   with saturating adds of shifted copies — a box blur costs four times as much) are
   removed as speckle; the page has writing when the remaining ink covers at least
   ``min_ink_mm2`` (default 4 mm²) — a short handwritten line or a stamp covers tens of
   square millimetres.

**When in doubt, not blank**: a page wrongly called blank loses its page number, a page
wrongly called written only gets a number it did not need. So a page is blank only when
every image on it (inline images included) is a full-page scan judged blank and its
content stream has nothing else that paints (text, including an invisible OCR layer;
vector paths; shadings; form XObjects). A page with no image at all is blank only if it
paints nothing. The cheap looks come first and decide without decoding: what the content
stream paints, whether the image fills the page, the page's size, the image's size
against the decoding limits. Then, where the top of a scan decodes for a fraction of the
whole (a baseline JPEG: :func:`archiver.scanimage.top_is_cheap`), the
top tenth of the inner area is looked at first, by the same measure: writing there
decides "not blank" (the ink of a part is never more than the whole's, so this first look
can only ever say "not blank" early); only a page it cannot decide — no writing at its
top — is decoded whole. Stream size alone never decides (a blank page with heavy
speckle compresses worse than a page with a handwritten line: see
``benchmarks/bench_blank.py``). An image
that cannot be decoded — an unknown encoding, one over the size limits, JBIG2 without
``jbig2dec`` — makes the page not blank ("cannot judge"); nothing here raises for a page.

Decisions are cached per document in ``<cache>/blank/<sha256>.json`` (with the
analyser's version, parameters and decoding limits), so an unchanged document is never
analysed twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf
from PIL import Image, ImageChops, ImageOps

from .. import scanimage
from ..atomic import write_text_atomic
from ..errors import IntegrityError

ANALYSER_VERSION = 3  # 2: scanimage decoding (/Decode applied once; JBIG2, G3, palettes, CMYK); 3: the first look
TARGET_DPI = 37.5  # analysis resolution: 300 dpi / 8
MIN_INNER_SHARE = 0.4  # the part of the page inside the margin band must be at least this (A6 is 0.45)
MM_PER_INCH = 25.4
FIRST_LOOK = 0.1  # the top share of the inner area looked at first, where that is cheap (see _image_is_blank)

# Content-stream operators that paint something other than an image XObject.
_PAINTING_OPS = frozenset({"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh"})


@dataclass(frozen=True)
class BlankParams:
    """Tuning of the detector; part of the cache key, so changing it re-analyses."""

    margin_mm: float = 20.0  # ignored band along each edge (punch holes, edge shadows)
    ink_delta: int = 64  # how much darker than the paper a small pixel must be to be ink
    min_ink_mm2: float = 4.0  # ink area, after speck removal, that makes a page written


DEFAULT_PARAMS = BlankParams()


def page_is_blank(page: pikepdf.Page, params: BlankParams = DEFAULT_PARAMS,
                  limits: scanimage.Limits | None = None) -> bool:
    """Art. 16: a page with no writing (the blank back of a single-sided sheet, scanner noise only).

    Never raises for what the page holds: whatever cannot be judged is "not blank"."""
    try:
        images = _drawn_images(page)
        if images is None:
            return False  # the page paints text, paths or something we do not look into
        page_w, page_h = _page_size_inches(page)
        return all(_image_is_blank(image, page_w, page_h, params, limits) for image in images)
    except Exception:  # noqa: BLE001 — a page we cannot read is not blank (see module docstring)
        return False


def blank_pages(pdf_path: Path, sha256: str, cache_dir: Path, params: BlankParams = DEFAULT_PARAMS) -> list[bool]:
    """One bool per page of the PDF (True = blank); cached by the file's sha256 in ``cache_dir/blank``."""
    return Detector(params)(pdf_path, sha256, cache_dir)


class Detector:
    """The blank-page detector (:func:`blank_pages`) in its three steps, so a build can
    analyse records in worker processes and keep the answers itself: :meth:`cached`,
    :meth:`analyse` (which only reads the PDF), :meth:`keep`."""

    def __init__(self, params: BlankParams = DEFAULT_PARAMS) -> None:
        self.params = params

    def __call__(self, pdf_path: Path, sha256: str, cache_dir: Path) -> list[bool]:
        cached = self.cached(sha256, cache_dir)
        if cached is not None:
            return cached
        result = self.analyse(pdf_path)
        self.keep(sha256, cache_dir, result)
        return result

    def _key(self) -> dict[str, object]:
        return {"version": ANALYSER_VERSION, "params": asdict(self.params), "limits": asdict(scanimage.limits())}

    def cached(self, sha256: str, cache_dir: Path) -> list[bool] | None:
        """The decisions kept for the document ``sha256``, or None."""
        return _read_cache(cache_dir / "blank" / f"{sha256}.json", self._key())

    def analyse(self, pdf_path: Path) -> list[bool]:
        try:
            with pikepdf.open(pdf_path, access_mode=pikepdf.AccessMode.stream) as pdf:
                return [page_is_blank(page, self.params) for page in pdf.pages]
        except pikepdf.PdfError as exc:
            raise IntegrityError(
                f"{pdf_path}: cannot be read as a PDF to find its blank pages ({exc}).",
                hint="Check the record with `archiver audit`; restore the file from a backup if it is damaged.",
            ) from None

    def keep(self, sha256: str, cache_dir: Path, result: list[bool]) -> None:
        write_text_atomic(cache_dir / "blank" / f"{sha256}.json",
                          json.dumps({**self._key(), "sha256": sha256, "blank": result}) + "\n")


def _read_cache(path: Path, key: dict[str, object]) -> list[bool] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None  # missing or torn: analyse again
    if not isinstance(data, dict) or any(data.get(k) != v for k, v in key.items()):
        return None
    blank = data.get("blank")
    if not isinstance(blank, list) or not all(isinstance(b, bool) for b in blank):
        return None
    return blank


# --- what the page draws -------------------------------------------------------------


def _drawn_images(page: pikepdf.Page) -> list[pikepdf.Stream | pikepdf.PdfImage] | None:
    """The images the page draws (XObjects; inline images as streams), or None when it
    paints anything else."""
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    xobjects: pikepdf.Object = pikepdf.Dictionary()
    if isinstance(resources, pikepdf.Dictionary):
        xobjects = resources.get("/XObject", pikepdf.Dictionary())
    images: list[pikepdf.Stream | pikepdf.PdfImage] = []
    for instruction in pikepdf.parse_content_stream(page):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            images.append(instruction.iimage._convert_to_pdfimage())  # held: its stream lives in a scratch PDF
            continue
        op = str(instruction.operator)
        if op in _PAINTING_OPS:
            return None
        if op == "Do":
            operands = instruction.operands
            xobj = xobjects.get(str(operands[0])) if operands and isinstance(xobjects, pikepdf.Dictionary) else None
            if not isinstance(xobj, pikepdf.Stream) or xobj.get("/Subtype") != "/Image":
                return None  # a form XObject (or a missing one): be conservative
            images.append(xobj)
    return images


def _image_is_blank(image: pikepdf.Stream | pikepdf.PdfImage, page_w: float, page_h: float, params: BlankParams,
                    limits: scanimage.Limits | None) -> bool:
    """The first look, then the whole inner area: where the top of the inner area alone
    can be decoded for a fraction of the whole (:func:`archiver.scanimage.top_is_cheap`),
    it is looked at first, and ink there decides "written" (the ink of a part is never
    more than the whole's, so this can only ever say "not blank" early). Else, or when
    the top shows no ink, the whole inner area decides."""
    info = scanimage.inspect(image.obj if isinstance(image, pikepdf.PdfImage) else image)
    if info is None:
        return False
    if scanimage.top_is_cheap(info):
        first = _small_grey(info, page_w, page_h, params, limits, share=FIRST_LOOK)
        if first is not None and not _grey_is_blank(*first, params):
            return False
    small = _small_grey(info, page_w, page_h, params, limits)
    return small is not None and _grey_is_blank(*small, params)


def _page_size_inches(page: pikepdf.Page) -> tuple[float, float]:
    box = [float(v) for v in page.obj.get("/CropBox", page.mediabox)]
    return abs(box[2] - box[0]) / 72.0, abs(box[3] - box[1]) / 72.0


# --- decoding to a small grey image --------------------------------------------------


def _small_grey(info: scanimage.ImageInfo, page_w: float, page_h: float, params: BlankParams,
                limits: scanimage.Limits | None = None, share: float = 1.0) -> tuple[Image.Image, float] | None:
    """The image's inner area (margin removed) as grey at about TARGET_DPI, with its dpi;
    None if unusable. ``share`` < 1: only that top part of the inner area."""
    if info.base == "mask":
        return None
    width, height = info.width, info.height
    if width < 16 or height < 16:
        return None
    # A scan fills the page; the image may be drawn turned by 90°.
    if (width > height) != (page_w > page_h) and abs(page_w - page_h) > 0.01:
        page_w, page_h = page_h, page_w
    if abs(width / height - page_w / page_h) > 0.08 * (page_w / page_h):
        return None  # not a full-page scan: cannot judge it, so not blank
    dpi = width / page_w
    margin = round(params.margin_mm / MM_PER_INCH * dpi)  # in image pixels
    if width <= 2 * margin + 32 or height <= 2 * margin + 32:
        return None
    if (width - 2 * margin) * (height - 2 * margin) < MIN_INNER_SHARE * width * height:
        return None  # the ignored margin band is most of this (small) page: too little is looked at
    factor = _factor(dpi)
    bottom = height - margin if share >= 1 else margin + max(32, round((height - 2 * margin) * share))
    grey = scanimage.decode(info, factor=factor, box=(margin, margin, width - margin, bottom), limits=limits)
    if grey is None or grey.width < 4 or grey.height < 4:
        return None
    return grey, dpi * grey.width / (width - 2 * margin)


def _factor(dpi: float) -> int:
    """The whole-number reduction that brings ``dpi`` nearest to TARGET_DPI (one small pixel ≈ 0.7 mm)."""
    return max(1, round(dpi / TARGET_DPI))


# --- the decision --------------------------------------------------------------------


def _grey_is_blank(grey: Image.Image, dpi: float, params: BlankParams) -> bool:
    """True when the small grey image (at ``dpi``) shows no ink beyond specks."""
    hist = grey.histogram()
    total = grey.width * grey.height
    paper = _percentile(hist, total, 0.5)
    cut = paper - params.ink_delta
    if cut <= 0:
        return False  # a dark page (a photo, a black sheet): not blank
    if sum(hist[:cut]) * (MM_PER_INCH / dpi) ** 2 < params.min_ink_mm2:
        return True  # not even enough ink before speck removal
    # Speck removal: keep an ink pixel only if its 3 × 3 neighbourhood holds >= 3 ink
    # pixels. Ink is 28 in a 0/28 mask; the neighbourhood sums (two 3-wide passes over a
    # zero-padded copy, saturating adds) are then >= 84 exactly there.
    ink = grey.point(_INK_LUTS[cut])
    w, h = ink.size
    padded = ImageOps.expand(ink, border=1, fill=0)
    rows = ImageChops.add(ImageChops.add(padded.crop((0, 0, w, h + 2)), padded.crop((1, 0, w + 1, h + 2))),
                          padded.crop((2, 0, w + 2, h + 2)))
    sums = ImageChops.add(ImageChops.add(rows.crop((0, 0, w, h)), rows.crop((0, 1, w, h + 1))),
                          rows.crop((0, 2, w, h + 2)))
    ink_pixels = sum(sums.histogram(mask=ink)[_DENSE_FROM:])
    return ink_pixels * (MM_PER_INCH / dpi) ** 2 < params.min_ink_mm2


_INK = 28  # 9 × 28 = 252: a neighbourhood sum never saturates
_INK_LUTS = [[_INK if v < cut else 0 for v in range(256)] for cut in range(256)]
_DENSE_FROM = 3 * _INK  # >= 3 of the 9 pixels are ink


def _percentile(hist: list[int], total: int, share: float) -> int:
    running, limit = 0, total * share
    for value, count in enumerate(hist):
        running += count
        if running >= limit:
            return value
    return 255
