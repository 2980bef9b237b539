"""The page numbers' font: the ten digits of the Song-style font archiver ships
(``archiver/fonts/NotoSerifSC-Regular-GB2312.ttf``), subset once — archiver ships the
subset (:func:`digit_font`) — and embedded once per output PDF
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
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Dictionary, Name

if TYPE_CHECKING:
    from fontTools import subset

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
SHIPPED_DIGITS = "fonts/NotoSerifSC-Regular-digits.ttf"  # made by scripts/make_digit_font.py, with its .json


def digit_font() -> DigitFont:
    """The digits' subset of the shipped font, read once per process from the subset
    archiver ships beside it (``archiver/fonts/NotoSerifSC-Regular-digits.ttf`` and its
    metrics in ``.json``, made by ``scripts/make_digit_font.py``: subsetting the font
    takes about half a second, and fontTools' import as much again). Should those files
    be missing, damaged or made from another font than the one shipped, the subset is
    made here (:func:`subset_digits`)."""
    if not _digits:
        _digits.append(_shipped_digits() or subset_digits())
    return _digits[0]


def _shipped_digits() -> DigitFont | None:
    import json

    try:
        with resources.as_file(resources.files("archiver").joinpath(SHIPPED_DIGITS)) as path:
            data = path.read_bytes()
            meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
        with resources.as_file(resources.files("archiver").joinpath(SHIPPED_FONT)) as source:
            made_from = hashlib.sha256(source.read_bytes()).hexdigest()
        if meta.pop("sha256") != hashlib.sha256(data).hexdigest() or meta.pop("source_sha256") != made_from:
            return None
        return DigitFont(data=data, name=str(meta["name"]), widths=tuple(int(w) for w in meta["widths"]),
                         bottom=int(meta["bottom"]), top=int(meta["top"]),
                         bbox=tuple(int(v) for v in meta["bbox"]),  # type: ignore[arg-type]
                         ascent=int(meta["ascent"]), descent=int(meta["descent"]), cap_height=int(meta["cap_height"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_shipped_digits(font: DigitFont, folder: Path) -> list[Path]:
    """Write ``font`` (:func:`subset_digits`) as the shipped subset into ``folder``
    (``archiver/fonts``): the font program and its metrics. Returns the files."""
    import json

    target = folder / Path(SHIPPED_DIGITS).name
    source = folder / Path(SHIPPED_FONT).name
    meta = {k: v for k, v in dataclasses.asdict(font).items() if k != "data"}
    meta |= {"sha256": hashlib.sha256(font.data).hexdigest(),
             "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    target.write_bytes(font.data)
    target.with_suffix(".json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", "utf-8")
    return [target, target.with_suffix(".json")]


def subset_options() -> subset.Options:
    """How archiver subsets the shipped font to embed it (the digits; a text layer's
    characters): no layout features, no hinting, a drawn .notdef, and the name records
    the font's licence asks to keep (copyright, names, version; English)."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.name_languages = [0x409]
    return options


def subset_digits() -> DigitFont:
    """Subset the shipped font to the ten digits (fontTools)."""
    from fontTools import subset, ttLib

    source = resources.files("archiver").joinpath(SHIPPED_FONT)
    with resources.as_file(source) as path:
        font = ttLib.TTFont(path, recalcBBoxes=False, recalcTimestamp=False, lazy=True)
        # (the file is closed below: a lazy font keeps it open)
        subsetter = subset.Subsetter(subset_options())
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
