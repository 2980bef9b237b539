"""Fonts for the printed forms: a Song-style (serif) CJK face, embedded and subsetted.

The default is the GB 2312 subset of Noto Serif CJK SC shipped in ``archiver/fonts``
(SIL OFL) — its TrueType-outline copy, which fpdf2 subsets several times faster than the
CFF original (see scripts/subset_font.py) — so a fresh machine prints the forms with nothing installed by hand. A
configured font (``volumes.font``: a .ttf/.otf/.ttc path) replaces it. Characters that
the main font lacks (rare given-name characters such as 堃, extension-A characters such
as 㐀) fall back to a system CJK font (Debian's ``fonts-noto-cjk``: Noto Serif CJK SC,
then Noto Sans CJK SC); a character that no font covers is refused with its code point.

Speed (issue 3: forms ≤ 50 ms per volume): a font file is read and prepared **once per
process** — for a configured CFF font, subroutines flattened so that per-document
subsetting does not walk the whole font; extra cmap subtables and layout tables dropped —
and every new PDF gets a cheap clone of fpdf2's parsed font object over a fresh lazy view
of those prepared bytes (fpdf2 subsets, and so consumes, its font object per PDF).
"""

from __future__ import annotations

import copy
import functools
import io
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ArchiverError, ConfigError

if TYPE_CHECKING:  # fpdf2 and fontTools are imported when a font is first needed (start-up time)
    from fontTools import ttLib
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

SHIPPED = "fonts/NotoSerifSC-Regular-GB2312.ttf"  # TrueType outlines: fast to subset (scripts/subset_font.py)
FLATTEN_MAX_GLYPHS = 20_000
DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "morx", "kerx")
SYSTEM_FALLBACKS = (  # (file, preferred face name inside a collection)
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing CN"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
)
CONFIG_KEY = "volumes.font"


@dataclass(frozen=True)
class PreparedFont:
    """One font face read once: fpdf2's parsed object (a prototype) and the prepared bytes."""

    family: str
    style: str
    path: Path
    data: bytes | None  # the prepared font; None: read the file itself (lazily) each time
    face: int  # index in a collection (.ttc), else 0
    prototype: TTFFont
    template: ttLib.TTFont | None = None  # fully read TrueType font that PDFs get light copies of

    @property
    def codepoints(self) -> frozenset[int]:
        return frozenset(self.prototype.cmap)

    def attach(self, pdf: FPDF) -> None:
        """Make this font available in ``pdf`` without parsing the file again."""
        from fontTools import ttLib
        from fpdf.fonts import SubsetMap, TTFFont

        clone = TTFFont.__new__(TTFFont)
        for slot in TTFFont.__slots__:
            if hasattr(self.prototype, slot):
                setattr(clone, slot, getattr(self.prototype, slot))
        clone.i = len(pdf.fonts) + 1
        if self.template is not None:
            clone.ttfont = _light_copy(self.template)
        else:
            source = io.BytesIO(self.data) if self.data is not None else self.path
            clone.ttfont = ttLib.TTFont(source, fontNumber=self.face if self.data is None else -1, lazy=True,
                                        recalcBBoxes=False, recalcTimestamp=False)
        clone.subset = SubsetMap(clone)
        clone.missing_glyphs = []
        clone.biggest_size_pt = 0
        clone._hbfont = None
        pdf.fonts[self.prototype.fontkey] = clone
        if clone.is_cff and clone.is_cid_keyed:
            pdf._set_min_pdf_version("1.6")


def _light_copy(template: ttLib.TTFont) -> ttLib.TTFont:
    """A TTFont sharing the template's decoded tables, for fpdf2 to subset (and consume).

    fontTools' subsetter replaces (never edits) the glyph, metrics and cmap collections of
    the tables it subsets, so shallow copies of the table objects (and of the cmap
    subtables) keep the template intact; the glyphs themselves are shared and only ever
    decoded or trimmed in place, which leaves their outlines as they were. This saves
    decoding the whole font for every PDF. Only used for TrueType fonts without composite
    glyphs (see :func:`_prepare`), and only under OUTPUT_LOCK.
    """
    from fontTools import ttLib

    font = ttLib.TTFont(recalcBBoxes=False, recalcTimestamp=False)
    font.sfntVersion = template.sfntVersion
    font.setGlyphOrder(list(template.getGlyphOrder()))
    tags = template.keys()
    for tag in tags:
        if tag == "GlyphOrder":
            continue
        table = copy.copy(template[tag])
        if tag == "cmap":
            table.tables = [copy.copy(t) for t in table.tables]
        font[tag] = table
    return font


# fpdf2's output() subsets the font objects; PDFs sharing a template take turns.
OUTPUT_LOCK = threading.RLock()

_CACHE: dict[tuple[str, str, int], PreparedFont] = {}
_LOCK = threading.Lock()


def prepare(path: Path, family: str, style: str = "", face: int = 0) -> PreparedFont:
    """Read, prepare and parse a main font once per process (cached by path, family, face)."""
    key = (str(path), family + style, face)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _prepare(path, family, style, face)
        return _CACHE[key]


def _prepare_fallback(path: Path, family: str, face: int) -> PreparedFont:
    """A fallback font, used rarely: parsed once, never rewritten (big system collections)."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    key = (str(path), family, face)
    with _LOCK:
        if key not in _CACHE:
            carrier = FPDF()
            carrier.add_font(family, "", str(path), collection_font_number=face)
            prototype = carrier.fonts[family.lower()]
            assert isinstance(prototype, TTFFont)
            _CACHE[key] = PreparedFont(family=family, style="", path=path, data=None, face=face,
                                       prototype=prototype)
        return _CACHE[key]


def _prepare(path: Path, family: str, style: str, face: int) -> PreparedFont:
    from fontTools import ttLib
    from fpdf import FPDF

    font = ttLib.TTFont(path, fontNumber=face, recalcBBoxes=False, recalcTimestamp=False, lazy=True)
    changed = path.suffix.lower() in (".ttc", ".otc")  # a collection face becomes a standalone font
    if "CFF " in font and len(font.getGlyphOrder()) <= FLATTEN_MAX_GLYPHS:
        cff = font["CFF "].cff
        if len(cff.GlobalSubrs) or _has_local_subrs(cff):
            # Per-document subsetting then only touches the glyphs used; a big font would
            # take too long to flatten and is subsetted as it is (slower per PDF).
            cff.desubroutinize()
            changed = True
    cmap = font["cmap"]
    best = [t for t in cmap.tables if (t.platformID, t.platEncID) in ((3, 10), (3, 1))]
    if best and len(best) < len(cmap.tables):
        cmap.tables = best
        changed = True
    for table in DROPPED_TABLES:
        if table in font:
            del font[table]
            changed = True
    if changed:
        out = io.BytesIO()
        font.save(out)
        data = out.getvalue()
    else:
        data = path.read_bytes()
    font.close()
    carrier = FPDF()
    prototype = _parse(carrier, data, path, family, style)
    return PreparedFont(family=family, style=style, path=path, data=data, face=face, prototype=prototype,
                        template=_template(data))


def _template(data: bytes) -> ttLib.TTFont | None:
    """The whole font decoded once, if it can be shared safely (TrueType, no composite glyphs)."""
    from fontTools import ttLib

    font = ttLib.TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    if "glyf" not in font:
        font.close()
        return None
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        raw = getattr(glyf.glyphs[name], "data", b"")
        if len(raw) >= 2 and raw[0] & 0x80:  # numberOfContours < 0: a composite glyph
            font.close()
            return None
    tags = font.keys()
    for tag in tags:
        font[tag]  # decode each table now, once (the glyphs stay packed until a PDF uses them)
    return font


def _has_local_subrs(cff: object) -> bool:
    top = cff.topDictIndex[0]  # type: ignore[attr-defined]
    private_dicts = [fd.Private for fd in top.FDArray] if hasattr(top, "FDArray") else [top.Private]
    return any(getattr(p, "Subrs", None) for p in private_dicts)


def _parse(carrier: FPDF, data: bytes, name: Path, family: str, style: str) -> TTFFont:
    """fpdf2's TTFFont for in-memory bytes (it wants a path; give it a file-like one)."""
    from fpdf.fonts import TTFFont

    font = TTFFont.__new__(TTFFont)
    # TTFFont.__init__ opens the path with fontTools, which also accepts a file object.
    TTFFont.__init__(font, carrier, io.BytesIO(data), f"{family.lower()}{style}", style)  # type: ignore[arg-type]
    font.ttffile = name
    return font


def shipped() -> Path:
    """The Song-style font shipped with archiver (headings are set in it, stroked for weight)."""
    with resources.as_file(resources.files("archiver").joinpath(SHIPPED)) as real:
        return Path(real)


def collection_face(path: Path, wanted: str) -> int:
    """The index of the face named ``wanted`` in a .ttc/.otc collection (0 if not found)."""
    from fontTools import ttLib

    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    collection = ttLib.TTCollection(path, lazy=True)
    try:
        for i, font in enumerate(collection.fonts):
            if font["name"].getDebugName(4) == wanted or font["name"].getDebugName(1) == wanted:
                return i
    finally:
        collection.close()
    return 0


@dataclass(frozen=True)
class Fallback:
    """A system font used only for the characters the main font lacks; read on first need."""

    path: Path
    face_name: str
    family: str

    @property
    def codepoints(self) -> frozenset[int]:
        return _codepoints(self.path, self.face_name)

    def font(self) -> PreparedFont:
        return _prepare_fallback(self.path, self.family, collection_face(self.path, self.face_name))


@functools.lru_cache(maxsize=16)
def _codepoints(path: Path, face_name: str) -> frozenset[int]:
    from fontTools import ttLib

    font = ttLib.TTFont(path, fontNumber=collection_face(path, face_name), lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@dataclass(frozen=True)
class FontSet:
    """The fonts a form is printed with: the main face, then fallbacks."""

    regular: PreparedFont
    fallbacks: tuple[Fallback, ...]

    def attach(self, pdf: FPDF, text: str) -> None:
        """Add the fonts to ``pdf``; add fallbacks only when ``text`` needs them.

        Raises ArchiverError naming the first character no font covers.
        """
        self.regular.attach(pdf)
        needed = {ord(c) for c in text if c.isprintable() and not c.isspace()}
        missing = needed - self.regular.codepoints
        if not missing:
            return
        used = []
        for fallback in self.fallbacks:
            if missing & fallback.codepoints:
                fallback.font().attach(pdf)
                used.append(fallback.family)
                missing -= fallback.codepoints
        if missing:
            char = chr(min(missing))
            searched = ", ".join(str(p) for p in (self.regular.path, *(f.path for f in self.fallbacks)))
            raise ArchiverError(
                f"The character {char!r} (U+{ord(char):04X}) cannot be printed on the forms: "
                f"no font has it (searched {searched}).",
                hint=f"Set {CONFIG_KEY} in archive.toml to a CJK font file that has it "
                "(or install the Debian package fonts-noto-cjk), or correct the text that contains it.",
            )
        pdf.set_fallback_fonts(used, exact_match=False)


@functools.lru_cache(maxsize=8)
def load_fonts(font: str = "") -> FontSet:
    """The fonts for the forms: ``font`` (volumes.font) or the shipped Song face, plus system fallbacks.

    Cached: every renderer of a process shares the fonts read once.
    """
    if font:
        path = Path(font).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"The font file {path} (key {CONFIG_KEY}) does not exist.",
                hint=f"Set {CONFIG_KEY} to the path of a .ttf, .otf or .ttc font, or to \"\" for the shipped font.",
            )
        try:
            regular = prepare(path, "form", "", collection_face(path, "Noto Serif CJK SC"))
        except Exception as exc:  # fontTools raises many kinds of errors on a bad file
            raise ConfigError(
                f"The font file {path} (key {CONFIG_KEY}) cannot be read: {exc}.",
                hint=f"Use a TrueType or OpenType font, or set {CONFIG_KEY} = \"\" for the shipped font.",
            ) from None
    else:
        regular = prepare(shipped(), "form", "")
    fallbacks = tuple(
        Fallback(Path(file), face_name, f"fallback{i}")
        for i, (file, face_name) in enumerate(SYSTEM_FALLBACKS)
        if Path(file).is_file()
    )
    return FontSet(regular=regular, fallbacks=fallbacks)
