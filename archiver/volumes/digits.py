"""The page numbers' font: the ten digits of the Song-style font archiver ships
(``archiver/fonts/NotoSerifSC-Regular-GB2312.ttf``), subset once (:func:`digit_font`, kept in the
build's cache folder for the next process) and embedded once per output PDF
(:func:`embed_font`: a simple TrueType font with /Widths, WinAnsi encoding and a ToUnicode
CMap — PDF/A-2 valid). Positions are computed from its own metrics."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name

SHIPPED_FONT = "fonts/NotoSerifSC-Regular-GB2312.ttf"
DIGITS = "0123456789"


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


def flate_stream(pdf: pikepdf.Pdf, data: bytes, **extra: object) -> pikepdf.Stream:
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
        FontFile2=pdf.make_indirect(flate_stream(pdf, f.data, Length1=len(f.data))),
    )  # fmt: skip
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/" + f.name), FirstChar=48, LastChar=57,
        Widths=pikepdf.Array(list(f.widths)), Encoding=Name.WinAnsiEncoding,
        FontDescriptor=pdf.make_indirect(descriptor), ToUnicode=pdf.make_indirect(flate_stream(pdf, _TO_UNICODE)),
    ))  # fmt: skip
