"""Bounded decoding of the scan images in a PDF page — the one place the archiver looks at pixels.

Used by blank-page detection (:mod:`archiver.volumes.blank`), the cover-sheet search
(:mod:`archiver.batch.split`) and the catalogue's thumbnails (:mod:`archiver.catalogue.thumbs`).

Two promises:

* **Bounded.** Before anything is decoded, the image's pixel count and the memory its
  decoding needs are worked out from ``/Width``, ``/Height``, ``/BitsPerComponent`` and the
  colour space (and, for JPEG, JPEG 2000 and JBIG2, from the codec's own header, which may
  disagree with the dictionary), and checked against :class:`Limits`. A compressed stream
  that could inflate past the memory limit is inflated with a bound. JBIG2 is decoded by
  ``jbig2dec`` with its own memory limit and a time limit. Pillow's decompression-bomb
  check never raises out of here: the limits are ours.
* **Never raises for a bad image.** :func:`decode` returns ``None`` — "cannot judge" —
  for anything it cannot decode correctly: an unknown or damaged encoding, a colour space
  it cannot turn into grey, an image over the limits, a missing decoder. Callers decide
  what "cannot judge" means (not blank; not a cover sheet; no thumbnail).

What comes out is what a viewer shows: an 8-bit ``L`` (or ``RGB``) image, white paper
high, with ``/Decode``, ``BlackIs1``, palettes (``/Indexed``), ICC-based and CMYK colour
(Adobe's inverted CMYK JPEGs included) applied **exactly once**. (pikepdf's
``as_pil_image()`` already applies ``/Decode`` for most encodings but not for JPEG/JPEG
2000; code that inverted again saw a white 1-bit page with ``/Decode [1 0]`` as black.)

Scanner formats and how each is decoded:

=====================  =====================================================================
JPEG (DCTDecode)       Pillow, in draft mode (the JPEG decoder scales by 1/2–1/8 itself);
                       grey, RGB, CMYK and Adobe inverted CMYK, YCCK
JPEG 2000 (JPXDecode)  Pillow/OpenJPEG, discarding resolution levels when reduced
CCITT G3/G4            libtiff (through Pillow) on a TIFF header made from ``/DecodeParms``:
                       K < 0 (G4), K = 0 (G3 1-D, with or without EndOfLine; byte-aligned
                       rows as TIFF's CCITT RLE), K > 0 (G3 2-D), BlackIs1, ``/Decode``;
                       G4 with EncodedByteAlign: cannot judge
JBIG2                  ``jbig2dec`` (Debian package), with or without ``/JBIG2Globals``
1-bit Flate/LZW/RLE    qpdf inflates (bounded); the packed bits are averaged down 8 pixels
                       at a time when the reduction allows it (fast), else unpacked
other bit depths       pikepdf's transcoding (8/16-bit grey, RGB, CMYK, Lab, palettes, ICC)
inline images          as the same image stored as an XObject
=====================  =====================================================================
"""

from __future__ import annotations

import functools
import io
import math
import os
import struct
import subprocess
import sys
import tempfile
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pikepdf
from PIL import Image, ImageChops

__all__ = ["DEFAULT_LIMITS", "ImageInfo", "Limits", "configure", "decode", "inspect", "jpeg_top", "limits",
           "over_limits", "top_is_cheap"]


@dataclass(frozen=True)
class Limits:
    """How large an image may be decoded (the rest is "cannot judge").

    ``max_pixels``: the image's own pixel count (``/Width`` × ``/Height``; a 600 dpi A3
    scan is 70 million). ``max_bytes``: the memory its decoding may take at once.
    ``jbig2_seconds``: how long ``jbig2dec`` may take for one image.
    """

    max_pixels: int = 150_000_000
    max_bytes: int = 512 * 1024 * 1024
    jbig2_seconds: float = 30.0


DEFAULT_LIMITS = Limits()
_current = DEFAULT_LIMITS


def configure(new: Limits) -> None:
    """Set the limits every later decode uses when it is not given its own (a command
    calls this once, from its configuration)."""
    global _current
    _current = new


def limits() -> Limits:
    """The limits in force (see :func:`configure`)."""
    return _current

# Codecs that end a filter chain (what is left after qpdf's generic filters).
_TERMINAL = frozenset({"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"})
# Generic filters qpdf decodes, with the most a byte of input can grow into.
# (LZW: a table of 4,096 codes emits at most about 8 MB from about 6 KB.)
_GENERIC_RATIO = {"/FlateDecode": 1032, "/LZWDecode": 1400, "/RunLengthDecode": 64,
                  "/ASCIIHexDecode": 1, "/ASCII85Decode": 2}
_ABBREVIATED = {"/Fl": "/FlateDecode", "/LZW": "/LZWDecode", "/RL": "/RunLengthDecode", "/AHx": "/ASCIIHexDecode",
                "/A85": "/ASCII85Decode", "/DCT": "/DCTDecode", "/CCF": "/CCITTFaxDecode"}
_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/G": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/RGB": 3,
               "/DeviceCMYK": 4, "/CMYK": 4, "/Lab": 3}


class CannotJudge(Exception):
    """Internal: this image cannot be decoded correctly here (reported as ``None``)."""


@dataclass(frozen=True)
class ImageInfo:
    """What an image's dictionary says, checked for sense (see :func:`inspect`)."""

    stream: pikepdf.Stream
    width: int
    height: int
    bpc: int
    filters: tuple[str, ...]
    parms: tuple[pikepdf.Dictionary, ...]  # one per filter ({} where none)
    components: int  # colour components of a sample (1 for an indexed image)
    base: str  # "gray", "rgb", "cmyk", "lab", "indexed", "mask" or "other"
    decode: tuple[float, ...] | None  # the /Decode array, None when absent
    raw_length: int  # compressed bytes

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @functools.cached_property
    def raw(self) -> bytes:
        """The stream's raw (still encoded) bytes, read once (:func:`raw_bytes`)."""
        return raw_bytes(self.stream)

    @property
    def terminal(self) -> str | None:
        """The image codec at the end of the filter chain (JPEG, CCITT …), or None."""
        return self.filters[-1] if self.filters and self.filters[-1] in _TERMINAL else None

    @property
    def decoded_bytes(self) -> int:
        """Bytes of the samples once the filters are undone (before unpacking into pixels)."""
        return (self.width * self.components * self.bpc + 7) // 8 * self.height

    @property
    def inverted(self) -> bool:
        """``/Decode [1 0]`` on a one-component image (the sample scale runs backwards)."""
        return self.decode is not None and len(self.decode) >= 2 and self.decode[0] > self.decode[1]


def inspect(stream: pikepdf.Object) -> ImageInfo | None:
    """The checked facts of an image XObject (or an inline image's stream); None if it is not one."""
    try:
        if not isinstance(stream, pikepdf.Stream):
            return None
        width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
        mask = bool(stream.get("/ImageMask", False))
        bpc = 1 if mask else int(stream.get("/BitsPerComponent", 8))
        if width <= 0 or height <= 0 or bpc not in (1, 2, 4, 8, 16):
            return None
        raw = stream.get("/Filter")
        filters = tuple(_ABBREVIATED.get(str(f), str(f)) for f in raw) if isinstance(raw, pikepdf.Array) else \
            (_ABBREVIATED.get(str(raw), str(raw)),) if raw is not None else ()
        raw_parms = stream.get("/DecodeParms", stream.get("/DP"))
        plist = list(raw_parms) if isinstance(raw_parms, pikepdf.Array) else [raw_parms]
        parms = tuple(p if isinstance(p, pikepdf.Dictionary) else pikepdf.Dictionary()
                      for p in (plist + [None] * len(filters))[:len(filters)])
        base, components = _colour_space(stream.get("/ColorSpace"), mask)
        if filters and filters[-1] == "/JBIG2Decode":
            bpc, base, components = 1, base if base == "mask" else "gray", 1
        dec = stream.get("/Decode")
        decode = tuple(float(v) for v in dec) if isinstance(dec, pikepdf.Array) else None
        length = stream.get("/Length")
        raw_length = int(length) if isinstance(length, int) else len(stream.read_raw_bytes())
        return ImageInfo(stream, width, height, bpc, filters, parms, components, base, decode, raw_length)
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None


def _colour_space(cs: pikepdf.Object | None, mask: bool) -> tuple[str, int]:
    if mask:
        return "mask", 1
    if cs is None:
        return "other", 1  # JPX carries its own; anything else without one is malformed
    if isinstance(cs, pikepdf.Name):
        n = _COMPONENTS.get(str(cs))
        return ("gray" if n == 1 else "rgb" if n == 3 else "cmyk", n) if n and str(cs) != "/Lab" else \
            ("lab", 3) if str(cs) == "/Lab" else ("other", 1)
    if isinstance(cs, pikepdf.Array) and len(cs):
        family = str(cs[0])
        if family in ("/Indexed", "/I"):
            return "indexed", 1
        if family == "/ICCBased" and len(cs) > 1 and isinstance(cs[1], pikepdf.Stream):
            n = int(cs[1].get("/N", 0))
            return ("gray", 1) if n == 1 else ("rgb", 3) if n == 3 else ("cmyk", 4) if n == 4 else ("other", 1)
        if family in ("/CalGray", "/CalRGB", "/Lab") or family in _COMPONENTS:
            n = _COMPONENTS.get(family, 1)
            return ("lab" if family == "/Lab" else "gray" if n == 1 else "rgb", n)
    return "other", 1  # Separation, DeviceN, Pattern: not something a scanner writes


def over_limits(page: pikepdf.Page, within: Limits | None = None) -> bool:
    """Whether any image the page shows (in form XObjects too) is too large to decode —
    so rendering the page would decode it too."""
    bound = within or _current
    for image in page.get_images().values():
        info = inspect(image)
        if info is None:
            continue
        bands = 4 if info.base in ("rgb", "cmyk", "lab", "other") else 1
        if info.pixels > bound.max_pixels or info.pixels * bands > bound.max_bytes:
            return True
    return False


def top_is_cheap(image: ImageInfo | pikepdf.Object) -> bool:
    """Whether :func:`decode` of a box at the image's top costs only a fraction of the
    whole image: a baseline JPEG with one scan (:func:`jpeg_top`; a JPEG's decoding costs
    per block, even at 1/8 scale). A CCITT fax image is decoded only down to the box too,
    but its decoding is cheap and its fixed costs are not: looking at its top first saves
    nothing (``benchmarks/bench_blank.py``). Other encodings are decoded whole whatever
    the box."""
    info = image if isinstance(image, ImageInfo) else inspect(image)
    if info is None:
        return False
    if info.filters != ("/DCTDecode",) or info.height < 64:
        return False
    try:
        return jpeg_top(info.raw, 16) is not None
    except pikepdf.PdfError:
        return False


# --- the one entry point -----------------------------------------------------------------


def decode(image: ImageInfo | pikepdf.Object, *, factor: int = 1, box: tuple[int, int, int, int] | None = None,
           colour: bool = False, limits: Limits | None = None) -> Image.Image | None:
    """The image as a viewer shows it, reduced ``factor`` times, or None ("cannot judge").

    ``box`` (left, top, right, bottom, in the image's own pixels) limits the result to that
    area; the result is ``L`` (white paper = 255), or ``RGB`` when ``colour``. The size is
    about ``box size / factor`` (whole-number box averaging; JPEG scaling may round).
    ``limits``: those in force (:func:`configure`) unless given.
    """
    info = image if isinstance(image, ImageInfo) else inspect(image)
    if info is None:
        return None
    try:
        return _decode(info, max(1, factor), box or (0, 0, info.width, info.height), colour, limits or _current)
    except CannotJudge:
        return None
    except Exception:  # noqa: BLE001 — any decoder failure (Pillow's bomb warnings too) means "cannot judge"
        return None


def _decode(info: ImageInfo, factor: int, box: tuple[int, int, int, int], colour: bool,
            limits: Limits) -> Image.Image:
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= info.width and 0 <= y0 < y1 <= info.height):
        raise CannotJudge("box outside the image")
    if info.pixels > limits.max_pixels:
        raise CannotJudge(f"{info.width} × {info.height} pixels is over the limit")
    if info.base in ("mask", "other") and info.terminal != "/JPXDecode":
        raise CannotJudge("a stencil mask or an unusual colour space")
    terminal = info.terminal
    if any(f not in _GENERIC_RATIO and f not in _TERMINAL for f in info.filters) or \
            any(f in _TERMINAL for f in info.filters[:-1]):
        raise CannotJudge("an unknown filter chain (or an image codec that is not the last filter)")
    if terminal == "/DCTDecode":
        im = _jpeg(info, factor, limits, rows=y1)
    elif terminal == "/JPXDecode":
        im = _jpx(info, factor, limits)
    elif terminal == "/CCITTFaxDecode":
        return _finish(_bilevel_reduce(_ccitt(info, y1, limits), info, factor, box), colour)
    elif terminal == "/JBIG2Decode":
        return _finish(_packed(_jbig2(info, limits), info, factor, box, black_is_1=True), colour)
    elif info.bpc == 1 and info.base in ("gray", "indexed"):
        return _finish(_packed(_samples(info, limits), info, factor, box, black_is_1=None), colour)
    else:
        im = _transcoded(info, limits)
    # A decoder that scaled (JPEG draft, JPEG 2000 reduce) gives fewer pixels: map the box.
    got = round(info.width / im.width)
    im = _visible(im, info, colour)
    sbox = (x0 / got, y0 / got, min(x1 / got, im.width), min(y1 / got, im.height))
    rest = factor / got
    if rest == 1:  # the decoder scaled just as asked
        if box == (0, 0, info.width, info.height):
            return im
        return im.crop((int(sbox[0]), int(sbox[1]), math.ceil(sbox[2]), math.ceil(sbox[3])))
    if rest == int(rest) and all(v == int(v) for v in sbox):
        # (Image.Image's own reduce: JPEG 2000 images shadow it with their resolution levels)
        return Image.Image.reduce(im, int(rest), box=tuple(int(v) for v in sbox))  # type: ignore[arg-type]
    size = (max(1, round((x1 - x0) / factor)), max(1, round((y1 - y0) / factor)))
    return im.resize(size, Image.Resampling.BOX, box=sbox)


def _finish(im: Image.Image, colour: bool) -> Image.Image:
    return im.convert("RGB") if colour and im.mode != "RGB" else im


# --- bounded reading of samples ----------------------------------------------------------


def _stripped(info: ImageInfo, limits: Limits) -> bytes:
    """The stream's bytes with the generic filters (Flate, LZW, RunLength, ASCII) undone —
    the image codec's own data when one ends the chain — never more than the limits allow."""
    generic = [f for f in info.filters if f not in _TERMINAL]
    if not generic:
        return info.raw
    cap = _sample_cap(info, limits)
    if generic == ["/FlateDecode"] and info.raw_length * _GENERIC_RATIO["/FlateDecode"] > cap:
        # Could inflate past what the image needs: inflate it ourselves, with a bound.
        out = zlib.decompressobj().decompress(info.stream.read_raw_bytes(), cap + 1)
        if len(out) > cap:
            raise CannotJudge("the stream inflates to more than the image needs")
        if info.terminal is not None or _predictor(info.parms[0]) == 1:
            return out  # (with a predictor, qpdf undoes it below: its output is now known to be bounded)
    elif info.raw_length * max(_GENERIC_RATIO[f] for f in generic) > limits.max_bytes:
        raise CannotJudge("a stream that could grow past the memory limit")
    if info.terminal is None:
        return info.stream.read_bytes(pikepdf.StreamDecodeLevel.specialized)
    with pikepdf.Pdf.new() as tmp:  # undo only the generic filters before the codec
        copy = tmp.copy_foreign(info.stream)
        n = len(generic)
        copy.Filter = pikepdf.Array([pikepdf.Name(f) for f in info.filters[:n]])
        copy.DecodeParms = pikepdf.Array(list(info.parms[:n]))
        return copy.read_bytes(pikepdf.StreamDecodeLevel.specialized)


def _sample_cap(info: ImageInfo, limits: Limits) -> int:
    """The most bytes undoing the generic filters may give: samples may carry some
    trailing bytes, never many times what the image needs."""
    return limits.max_bytes if info.terminal else min(limits.max_bytes, 2 * info.decoded_bytes + (1 << 20))


def _predictor(parms: pikepdf.Dictionary) -> int:
    return int(parms.get("/Predictor", 1))


def _samples(info: ImageInfo, limits: Limits) -> bytes:
    if info.decoded_bytes > limits.max_bytes:
        raise CannotJudge("decoded samples over the memory limit")
    data = _stripped(info, limits)
    if len(data) < info.decoded_bytes:
        raise CannotJudge("the image data is shorter than its size says")  # a truncated scan
    return data


# --- 1-bit images: packed bits averaged 8 at a time ---------------------------------------


def _bit_levels(info: ImageInfo, black_is_1: bool | None) -> tuple[int, int]:
    """The grey (0–255) a 0 bit and a 1 bit show as, /Decode and palette applied once."""
    if info.base == "indexed":
        greys = _palette_greys(info.stream.ColorSpace, 2)
        lo, hi = (greys[1], greys[0]) if info.inverted else (greys[0], greys[1])
        return lo, hi
    zero, one = (255, 0) if black_is_1 else (0, 255)  # the codec's own convention
    if info.inverted:
        zero, one = one, zero
    return zero, one


def _palette_greys(cs: pikepdf.Object, count: int) -> list[int]:
    """The grey level of each of the first ``count`` palette entries of an /Indexed space."""
    base, hival, lookup = cs[1], int(cs[2]), cs[3]
    table = lookup.read_bytes() if isinstance(lookup, pikepdf.Stream) else bytes(lookup)
    kind, n = _colour_space(base, False)
    if kind not in ("gray", "rgb", "cmyk") or hival < 0:
        raise CannotJudge("a palette over an unusual colour space")
    greys = []
    for i in range(count):
        entry = table[min(i, hival) * n:(min(i, hival) + 1) * n]
        if len(entry) < n:
            raise CannotJudge("a palette shorter than it says")
        greys.append(_grey_of(kind, entry))
    return greys


def _grey_of(kind: str, entry: bytes) -> int:
    if kind == "gray":
        return entry[0]
    if kind == "rgb":
        r, g, b = entry
        return round(0.299 * r + 0.587 * g + 0.114 * b)
    c, m, y, k = entry
    return round(0.299 * (255 - min(255, c + k)) + 0.587 * (255 - min(255, m + k)) + 0.114 * (255 - min(255, y + k)))


_POPCOUNT = [bin(v).count("1") for v in range(256)]


@functools.lru_cache(maxsize=16)
def _byte_lut(zero: int, one: int) -> tuple[int, ...]:
    """Grey of a byte of 8 packed pixels: the average of its 0 bits (``zero``) and 1 bits (``one``)."""
    return tuple(round((_POPCOUNT[v] * one + (8 - _POPCOUNT[v]) * zero) / 8) for v in range(256))


def _packed(data: bytes, info: ImageInfo, factor: int, box: tuple[int, int, int, int],
            black_is_1: bool | None) -> Image.Image:
    """Grey from packed 1-bit rows. At a reduction of 8 or more, each byte is averaged as a
    whole (8 pixels: exact box averaging along rows, no unpacking); else unpacked exactly."""
    zero, one = _bit_levels(info, black_is_1)
    stride = (info.width + 7) // 8
    if len(data) < stride * info.height:
        raise CannotJudge("the image data is shorter than its size says")
    x0, y0, x1, y1 = box
    if factor >= 8:
        # Only the rows in the box, one byte (8 pixels) a sample, averaged by the LUT.
        rows = Image.frombuffer("L", (stride, y1 - y0), data[stride * y0:stride * y1], "raw", "L", 0, 1)
        grey = rows.point(_byte_lut(zero, one))
        if factor % 8 == 0:
            bx0, bx1 = x0 // 8, max(x0 // 8 + 1, x1 // 8)
            return grey.reduce((factor // 8, factor), box=(bx0, 0, bx1, y1 - y0))
        # Not a multiple of 8: resample the byte averages to the exact size.
        size = (max(1, (x1 - x0) // factor), max(1, (y1 - y0) // factor))
        return grey.resize(size, Image.Resampling.BOX, box=(x0 / 8, 0, x1 / 8, y1 - y0))
    bits = Image.frombuffer("1", (info.width, info.height), data[:stride * info.height], "raw", "1", 0, 1)
    grey = bits.convert("L").point([zero] * 128 + [one] * 128) if (zero, one) != (0, 255) else bits.convert("L")
    return grey.reduce(factor, box=box) if factor > 1 or box != (0, 0, info.width, info.height) else grey


# --- CCITT -----------------------------------------------------------------------------


def _ccitt(info: ImageInfo, rows: int, limits: Limits) -> Image.Image:
    """A CCITT fax image decoded by libtiff, down to row ``rows`` (the rest is not decoded).
    Returned as Pillow ``1`` with the image's visible polarity (white = 1)."""
    parms = info.parms[info.filters.index("/CCITTFaxDecode")]
    k = int(parms.get("/K", 0))
    columns = int(parms.get("/Columns", 1728))
    if columns != info.width or info.bpc != 1 or info.base not in ("gray", "indexed"):
        raise CannotJudge("CCITT parameters that disagree with the image")
    if info.width * rows > limits.max_bytes:
        raise CannotJudge("decoded image over the memory limit")
    align = bool(parms.get("/EncodedByteAlign", False))
    eol = bool(parms.get("/EndOfLine", False))
    if k < 0:
        if align:
            raise CannotJudge("G4 with EncodedByteAlign")
        compression, options = 4, None
    elif k == 0 and align and not eol:
        compression, options = 2, None  # TIFF's "CCITT RLE": 1-D rows, each from a byte boundary
    else:
        compression, options = 3, (1 if k > 0 else 0) | (4 if align else 0)
    data = _stripped(info, limits)
    # libtiff gives 1 for a fax-black pixel; the filter's sample is that bit when BlackIs1,
    # else its inverse. Which of the two shows lighter (after /Decode, a palette) decides
    # the TIFF's photometric interpretation, so Pillow returns white = 1.
    black_is_1 = bool(parms.get("/BlackIs1", False))
    zero, one = _bit_levels(info, None)
    bit1, bit0 = (one, zero) if black_is_1 else (zero, one)
    photometric = 1 if bit1 > bit0 else 0  # 1 = BlackIsZero: a 1 bit shows white
    tiff = _fax_tiff(data, info.width, rows, compression, options, photometric=photometric)
    with _no_pillow_bomb_check(), _libtiff_messages() as messages:
        im = Image.open(io.BytesIO(tiff))
        im.load()
    if messages:
        # libtiff recovers from bad or missing code words by guessing (white rows, shifted
        # runs) and only says so on stderr: a damaged fax image cannot be judged.
        raise CannotJudge(f"libtiff: {messages[0]}")
    if im.mode != "1" or im.size != (info.width, rows):
        raise CannotJudge("libtiff did not give a bilevel image of the expected size")
    return im


@contextmanager
def _libtiff_messages() -> Iterator[list[str]]:
    """What libtiff writes to stderr meanwhile (its warnings about damaged data) — kept
    from the user's terminal and handed to the caller."""
    got: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield got  # no file descriptor 2 to borrow: decode without listening
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield got
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            got.extend(line for line in sink.read(4096).decode("utf-8", "replace").splitlines() if line.strip())


def _fax_tiff(data: bytes, width: int, height: int, compression: int, t4options: int | None,
              photometric: int) -> bytes:
    """A minimal one-strip TIFF around raw CCITT data, for libtiff."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, compression), (262, 3, photometric),
            (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, len(data))]
    if t4options is not None:
        tags.append((292, 4, t4options))
    data_offset = 8 + 2 + len(tags) * 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<IH", 8, len(tags)))
    for tag, kind, value in tags:
        value = data_offset if tag == 273 else value
        out += struct.pack("<HHI", tag, kind, 1)
        out += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
    out += struct.pack("<I", 0)
    return bytes(out) + data


def _bilevel_reduce(im: Image.Image, info: ImageInfo, factor: int, box: tuple[int, int, int, int]) -> Image.Image:
    """A decoded ``1`` image (white = 1) averaged down ``factor`` times over ``box``.

    Large reductions first take every ``step``-th pixel, at most half the reduction (2 × 2
    samples of each 8 × 8 cell of a 300 dpi scan: one sample every 1/75 inch, and pen and
    print strokes are wider) — the averaging of the rest is then cheap."""
    x0, y0, x1, y1 = box
    step = max(s for s in range(1, max(1, factor // 2) + 1) if factor % s == 0)
    if step > 1:
        small = im.resize(((x1 - x0) // step, (y1 - y0) // step), Image.Resampling.NEAREST, box=box).convert("L")
        return small.reduce(factor // step) if factor // step > 1 else small
    grey = im.convert("L")
    return grey.reduce(factor, box=box) if factor > 1 or box != (0, 0, im.width, im.height) else grey


# --- JBIG2 -----------------------------------------------------------------------------


def _jbig2(info: ImageInfo, limits: Limits) -> bytes:
    """Packed rows (1 = black, JBIG2's own convention) decoded by jbig2dec, bounded."""
    data = _stripped(info, limits)
    parms = info.parms[-1]
    globals_obj = parms.get("/JBIG2Globals")
    global_data = globals_obj.read_bytes() if isinstance(globals_obj, pikepdf.Stream) else b""
    for segment_data in (global_data, data):
        # jbig2dec turns a cut-off stream into a white page without a word: every segment
        # must be whole, and the page's size the image's.
        for width, height in _jbig2_page_sizes(segment_data):
            if width != info.width or (height != 0xFFFFFFFF and height != info.height):
                raise CannotJudge("the JBIG2 page size disagrees with the image's")
    stride = (info.width + 7) // 8
    if stride * info.height * 3 > limits.max_bytes:
        raise CannotJudge("decoded image over the memory limit")
    with tempfile.TemporaryDirectory(prefix="archiver-jbig2-") as tmp:
        page = os.path.join(tmp, "page")
        with open(page, "wb") as f:
            f.write(data)
        args = ["jbig2dec", "-q", "-e", "-M", str(limits.max_bytes), "-t", "pbm", "-o", "-"]
        if global_data:
            glob = os.path.join(tmp, "global")
            with open(glob, "wb") as f:
                f.write(global_data)
            args.append(glob)
        args.append(page)
        try:
            done = subprocess.run(args, capture_output=True, timeout=limits.jbig2_seconds, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CannotJudge(f"jbig2dec: {exc}") from None
    if done.returncode != 0:
        raise CannotJudge("jbig2dec could not decode the image")
    return _pbm_rows(done.stdout, info.width, info.height)


def _jbig2_page_sizes(data: bytes) -> Iterator[tuple[int, int]]:
    """The (width, height) of each page-information segment of an embedded JBIG2 stream."""
    pos = 0
    while pos + 11 <= len(data):
        flags = data[pos + 4]
        kind = flags & 0x3F
        count = data[pos + 5] >> 5
        p = pos + 6
        if count == 7:
            if p + 4 > len(data):
                raise CannotJudge("a JBIG2 segment header is cut off")
            count = struct.unpack(">I", data[p:p + 4])[0] & 0x1FFFFFFF
            p += 4 + (count + 8) // 8
        number = struct.unpack(">I", data[pos:pos + 4])[0]
        ref_size = 1 if number <= 256 else 2 if number <= 65536 else 4
        p += count * ref_size
        p += 4 if flags & 0x40 else 1  # page association
        if p + 4 > len(data):
            raise CannotJudge("a JBIG2 segment header is cut off")
        length = struct.unpack(">I", data[p:p + 4])[0]
        p += 4
        if kind == 48 and p + 8 <= len(data):  # page information
            yield struct.unpack(">II", data[p:p + 8])
        if length == 0xFFFFFFFF:
            raise CannotJudge("a JBIG2 segment of unknown length")  # only in immediate generic regions
        if p + length > len(data):
            raise CannotJudge("a JBIG2 segment is cut off")
        pos = p + length
    if pos < len(data) and any(data[pos:]):
        raise CannotJudge("a JBIG2 segment is cut off")


def _pbm_rows(pbm: bytes, width: int, height: int) -> bytes:
    """The packed rows of a binary PBM (P4) of exactly ``width`` × ``height``."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 3:
        while pos < len(pbm) and pbm[pos:pos + 1].isspace():
            pos += 1
        if pbm[pos:pos + 1] == b"#":
            pos = pbm.find(b"\n", pos) + 1 or len(pbm)
            continue
        end = pos
        while end < len(pbm) and not pbm[end:end + 1].isspace():
            end += 1
        if end == pos:
            raise CannotJudge("jbig2dec gave no image")
        fields.append(pbm[pos:end])
        pos = end
    if fields[0] != b"P4" or (int(fields[1]), int(fields[2])) != (width, height):
        raise CannotJudge("jbig2dec gave an image of another size")
    rows = pbm[pos + 1:]
    if len(rows) < (width + 7) // 8 * height:
        raise CannotJudge("jbig2dec gave a short image")
    return rows


# --- JPEG and JPEG 2000 ----------------------------------------------------------------

_pillow_lock = threading.Lock()


@contextmanager
def _no_pillow_bomb_check(pixels: int | None = None) -> Iterator[None]:
    """Our limits were checked already; Pillow's own bomb check must not raise or warn.

    ``pixels``: the image's size, where it is known — at most Pillow's limit, its check
    cannot fire and nothing is changed, nothing locked (images decode in parallel in
    threads: Pillow lets other threads run while it decodes). Else Pillow's process-wide
    limit is lifted meanwhile, under a lock."""
    limit = Image.MAX_IMAGE_PIXELS
    if pixels is not None and (limit is None or pixels <= limit):
        yield
        return
    with _pillow_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _jpeg(info: ImageInfo, factor: int, limits: Limits, rows: int | None = None) -> Image.Image:
    """The JPEG in draft mode (scaled by its decoder); only its first ``rows`` rows (and
    a margin) when that can be done exactly (:func:`jpeg_top`) — its decoding then costs
    what those rows cost. Within :func:`shared_decodes`, a decode of the same image that
    covered those rows already is used again."""
    data = _stripped(info, limits)
    with _no_pillow_bomb_check(info.pixels):
        im: Image.Image = Image.open(io.BytesIO(data))
    if im.format != "JPEG" or im.size != (info.width, info.height):
        raise CannotJudge("the JPEG's size disagrees with the image's")
    scale = 8 if factor >= 8 else 4 if factor >= 4 else 2 if factor >= 2 else 1
    if scale > 1:
        im.draft(im.mode, (max(1, im.width // scale), max(1, im.height // scale)))
    need = info.height if rows is None else min(info.height, -(-(rows + JPEG_MARGIN_ROWS) // 16) * 16)
    kept = recent_jpeg(info.stream, im.mode, im.width, need) if data is info.raw else None
    if kept is not None:
        return kept
    top = jpeg_top(data, need) if need < 0.8 * info.height else None
    covered = info.height
    if top is not None:
        with _no_pillow_bomb_check(info.pixels):
            part: Image.Image = Image.open(io.BytesIO(top))
        if scale > 1:
            part.draft(part.mode, (max(1, info.width // scale), max(1, need // scale)))
        if part.mode == im.mode and part.width == im.width and part.height * (info.width / im.width) >= need:
            im, covered = part, need
    bands = {"L": 1, "RGB": 4, "CMYK": 4}.get(im.mode)
    if bands is None:
        raise CannotJudge(f"a {im.mode} JPEG")
    if im.width * im.height * bands * 2 > limits.max_bytes:
        raise CannotJudge("decoded image over the memory limit")
    with _no_pillow_bomb_check(info.pixels):
        im.load()
    if data is info.raw:
        keep_jpeg(info.stream, im, covered)
    return im


# Within shared_decodes(): the last images read and JPEG decodes made, by object number.
_scope: dict[tuple[object, ...], object] | None = None
_SCOPE_KEPT = 4  # entries (an image's raw bytes and its decode are two)


@contextmanager
def shared_decodes() -> Iterator[None]:
    """While the block runs — over the pages of ONE open PDF — an image read or decoded
    twice in a row (a page's blank-page look, then the corner its number goes in:
    :mod:`archiver.volumes.analysis`) is read and decoded once: the raw bytes and the
    JPEG decodes of the last images are kept by their object number. Not for threads."""
    global _scope
    outer, _scope = _scope, {}
    try:
        yield
    finally:
        _scope = outer


def _kept(key: tuple[object, ...]) -> object | None:
    return None if _scope is None else _scope.get(key)


def _keep(key: tuple[object, ...], value: object) -> None:
    if _scope is not None:
        _scope.pop(key, None)
        _scope[key] = value
        while len(_scope) > _SCOPE_KEPT:
            del _scope[next(iter(_scope))]


def raw_bytes(stream: pikepdf.Object) -> bytes:
    """The stream's raw (still encoded) bytes — within :func:`shared_decodes`, read once."""
    objgen = stream.objgen
    key = ("raw", objgen)
    kept = _kept(key) if objgen != (0, 0) else None
    if isinstance(kept, bytes):
        return kept
    data = bytes(stream.read_raw_bytes())
    if objgen != (0, 0):
        _keep(key, data)
    return data


def recent_jpeg(stream: pikepdf.Object, mode: str, width: int, rows: int) -> Image.Image | None:
    """Within :func:`shared_decodes`, a decode of the JPEG image ``stream`` kept by
    :func:`keep_jpeg` — in ``mode``, ``width`` pixels wide (the draft scale) — that holds
    at least its first ``rows`` rows (of the full-size image); else None. The image is
    shared: crop or copy it, never draw on it."""
    if stream.objgen == (0, 0):
        return None
    kept = _kept(("jpeg", stream.objgen, mode, width))
    if isinstance(kept, tuple) and kept[0] >= rows:
        image: Image.Image = kept[1]
        return image
    return None


def keep_jpeg(stream: pikepdf.Object, image: Image.Image, rows: int) -> None:
    """Keep (within :func:`shared_decodes`) a loaded decode of ``stream`` holding its first ``rows`` rows."""
    if stream.objgen != (0, 0):
        _keep(("jpeg", stream.objgen, image.mode, image.width), (rows, image))


JPEG_MARGIN_ROWS = 32  # rows decoded below those asked for (chroma upsampling looks one row further)
_SOF_BASELINE = (0xC0, 0xC1)  # baseline and extended sequential Huffman frames
_NO_ENTROPY = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: markers without a length


def jpeg_top(raw: bytes, rows: int) -> bytes | None:
    """``raw`` with its frame header saying the image is ``rows`` high — so that only its
    first ``rows`` rows are decoded — or None when that would not give exactly those rows:
    not a baseline (sequential Huffman) JPEG, a first scan that does not hold every
    component (so there are several scans), a height defined later (DNL) or a damaged header."""
    if raw[:2] != b"\xff\xd8":
        return None
    pos, frame, components = 2, -1, 0
    while pos + 4 <= len(raw):
        if raw[pos] != 0xFF:
            return None
        marker = raw[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _NO_ENTROPY:
            pos += 2
            continue
        length = struct.unpack(">H", raw[pos + 2:pos + 4])[0]
        if length < 2 or pos + 2 + length > len(raw):
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header (SOFn)
            if marker not in _SOF_BASELINE or frame >= 0 or length < 8:
                return None
            frame, components = pos, raw[pos + 9]
            height = struct.unpack(">H", raw[pos + 5:pos + 7])[0]
            if height == 0 or rows >= height:
                return None
        elif marker == 0xDA:  # the first scan: it must hold every component
            if frame < 0 or raw[pos + 4] != components:
                return None
            return raw[:frame + 5] + struct.pack(">H", rows) + raw[frame + 7:]
        pos += 2 + length
    return None


def _jpx(info: ImageInfo, factor: int, limits: Limits) -> Image.Image:
    data = _stripped(info, limits)
    with _no_pillow_bomb_check(info.pixels):
        im: Image.Image = Image.open(io.BytesIO(data))
    if im.format != "JPEG2000" or im.size != (info.width, info.height):
        raise CannotJudge("the JPEG 2000 image's size disagrees with the image's")
    if im.mode not in ("I;16", "I;16B") and _jpx_precision(data) > 8:
        raise CannotJudge("a JPEG 2000 colour image of more than 8 bits a sample")  # Pillow wraps them
    levels = 0
    while factor >= 2 ** (levels + 1) and levels < 5:
        levels += 1
    im.reduce = levels  # type: ignore[assignment,method-assign]  # Pillow: discard resolution levels
    w, h = math.ceil(im.width / 2 ** levels), math.ceil(im.height / 2 ** levels)
    if w * h * 4 * 2 > limits.max_bytes:
        raise CannotJudge("decoded image over the memory limit")
    try:
        with _no_pillow_bomb_check(info.pixels):
            im.load()
    except (OSError, ValueError):  # a codestream with fewer levels than asked: decode in full
        with _no_pillow_bomb_check(info.pixels):
            im = Image.open(io.BytesIO(data))
            if im.width * im.height * 4 * 2 > limits.max_bytes:
                raise CannotJudge("decoded image over the memory limit") from None
            im.load()
    return im


def _jpx_precision(data: bytes) -> int:
    """The largest sample precision in a JPEG 2000 codestream's SIZ marker (0 if not found)."""
    pos = data.find(b"\xff\x51", 0, 4096)
    if pos < 0 or pos + 40 > len(data):
        return 0
    count = struct.unpack(">H", data[pos + 38:pos + 40])[0]
    sizes = data[pos + 40:pos + 40 + 3 * count:3]
    return max(((b & 0x7F) + 1 for b in sizes), default=0)


# --- everything else: pikepdf's transcoding --------------------------------------------


def _transcoded(info: ImageInfo, limits: Limits) -> Image.Image:
    bands = 4 if info.base in ("rgb", "cmyk", "lab") else 1
    if info.pixels * bands + info.decoded_bytes > limits.max_bytes:
        raise CannotJudge("decoded image over the memory limit")
    _samples(info, limits)  # bounded inflation and a length check before pikepdf decodes
    pim = pikepdf.PdfImage(info.stream)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a /Decode pikepdf says it cannot apply: do not guess
        im = pim.as_pil_image(apply_decode_array=True, apply_mask=False)
    im.load()
    return im


def _visible(im: Image.Image, info: ImageInfo, colour: bool) -> Image.Image:
    """``L``/``RGB`` as a viewer shows it, from what Pillow or pikepdf decoded."""
    if info.terminal in ("/DCTDecode", "/JPXDecode"):
        im = _codec_decode_array(im, info)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.convert("I").point(lambda v: v / 256).convert("L")  # 16-bit grey: the high byte
    elif im.mode == "LAB":
        im = im.getchannel("L")
    target = "RGB" if colour else "L"
    if im.mode == target:
        return im
    if im.mode in ("1", "L", "P", "LA", "PA", "RGB", "RGBA", "CMYK", "YCbCr"):
        return im.convert(target)
    raise CannotJudge(f"a decoded {im.mode} image")


def _codec_decode_array(im: Image.Image, info: ImageInfo) -> Image.Image:
    """/Decode for JPEG and JPEG 2000, which pikepdf leaves to the codec.

    Pillow reads every CMYK JPEG as Adobe's inverted CMYK; PDF readers (pdfium, poppler)
    show a JPEG's samples as stored, so an Adobe CMYK JPEG shows right only with
    ``/Decode [1 0 1 0 1 0 1 0]`` — without it they show it inverted, and so do we. For
    other JPEGs ``[1 0 …]`` inverts; JPEG 2000 ignores /Decode (ISO 32000 8.9.5.2)."""
    n = len(im.getbands())
    decode = info.decode
    identity = decode is None or decode == (0.0, 1.0) * (len(decode) // 2)
    inverted = decode is not None and decode == (1.0, 0.0) * (len(decode) // 2)
    if info.terminal == "/JPXDecode":
        return im
    if decode is not None and len(decode) != 2 * n or not (identity or inverted):
        raise CannotJudge("an unusual /Decode on a JPEG")
    if im.mode == "CMYK":
        inverted = not inverted  # Pillow inverted already
    return ImageChops.invert(im) if inverted and im.mode in ("L", "RGB", "CMYK") else im
