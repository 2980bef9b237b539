"""An invisible text layer on every volume page whose record has stored text (issue 12).

So that selecting, copying and searching in any PDF viewer works on the scans, each
volume page made from a record page gets one more content stream: the page's lines (from
the stored text, :func:`archiver.ocr.store.read_text`) in text render mode 3 (neither
filled nor stroked: invisible, but there for selection and search). The page's own
content and images are not touched — the layer is an added stream.

Where each line goes: the stored box is on the page as displayed (top-left origin, in
points), so the line is set upright for the reader whatever the page's /Rotate and
CropBox; the font size is the box's height, the baseline at the em box's bottom (the
font descriptor's ascent and descent are the em box's, 880/−120), and the line is scaled
horizontally (``Tz``) to the box's width — a viewer highlights exactly the box the OCR
engine found.

The font: the Song-style font archiver ships for the forms (:func:`archiver.forms.fonts.shipped`),
subset to the characters the volume's text needs, embedded **once per volume** as a
CID-keyed TrueType font (Type0, Identity-H, CIDs = glyph ids, /W from the font's own
advance widths, a ToUnicode CMap so copied text is the recognised text) — PDF/A-2b valid.
A character the font lacks (a rare name character, a symbol) — or draws with another
character's glyph — gets an empty glyph of its own in the subset: invisible text needs no
outline, and each CID maps to one character, so copy and search give it back.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..ocr.store import PageText, read_text
from . import pages as pg
from .digits import flate_stream, subset_options
from .pagecontent import add_font
from .placement import page_box, page_rotation, visual_size, visual_to_user

if TYPE_CHECKING:
    from .plan import PlannedVolume

FONT_KEY = "/ArchiverText"
EM_TOP, EM_BOTTOM = 880, -120  # the CJK em box of the shipped font (OS/2 typo ascender/descender)
BLANK_ADVANCE = 1000  # advance width of the empty glyphs added for characters the font lacks
CMAP_CHUNK = 100  # entries per bfchar block (the CMap format's limit)


@dataclass(frozen=True)
class TextFont:
    """The volume's subset: the TrueType program, its name and each character's glyph."""

    data: bytes
    name: str  # BaseFont: a subset tag + the PostScript name
    glyphs: dict[str, int]  # character → glyph id (= CID)
    widths: dict[int, int]  # glyph id → advance width per 1000 em
    bbox: tuple[int, int, int, int]

    def width(self, text: str) -> float:
        """The natural advance of ``text`` at size 1."""
        return sum(self.widths[self.glyphs[c]] for c in text if c in self.glyphs) / 1000


def page_texts(plan: PlannedVolume, parts: Sequence[pg.Part], slots: Sequence[pg.Slot]) -> list[PageText | None]:
    """The recognised text of each volume page: None for forms, inserted blanks, records
    without current text, and pages that carry their own text already (source "pdf":
    a second copy would double every search hit). Each record's text is read once."""
    texts = {}
    for r in plan.documents:
        text = read_text(r.path, r.file.sha256)
        if text is not None:
            texts[r.id] = {p.page: p for p in text.pages}
    out: list[PageText | None] = []
    for s in slots:
        part = parts[s.part]
        by_page = texts.get(part.name) if part.kind == pg.DOCUMENT else None
        page = by_page.get(s.source + 1) if by_page is not None and s.source is not None else None
        out.append(page if page is not None and page.source == "ocr" else None)  # "pdf": the page has its own
    return out


def make_font(chars: set[str]) -> TextFont:
    """Subset the shipped font to ``chars`` (an empty glyph for each it lacks or draws
    with another character's glyph)."""
    from fontTools import subset, ttLib
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    from ..forms.fonts import shipped

    font = ttLib.TTFont(shipped(), recalcBBoxes=False, recalcTimestamp=False, lazy=True)
    try:
        cmap = font.getBestCmap()
        have = {c for c in chars if ord(c) in cmap}
        subsetter = subset.Subsetter(subset_options())
        subsetter.populate(unicodes=[ord(c) for c in have] or [0x20])
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    finally:
        font.close()
    font = ttLib.TTFont(io.BytesIO(buf.getvalue()))
    upm = font["head"].unitsPerEm
    order = list(font.getGlyphOrder())
    index = {name: gid for gid, name in enumerate(order)}
    glyphs: dict[str, int] = {}
    taken: set[int] = set()
    shared = set()  # characters drawn with another's glyph (a compatibility form): each needs a CID of its own
    best = font.getBestCmap()
    for c in sorted(have):
        gid = index[best[ord(c)]]
        if gid in taken:
            shared.add(c)
        else:
            glyphs[c] = gid
            taken.add(gid)
    missing = sorted((chars - have) | shared)
    if missing:
        for c in missing:
            name = f"archiver.u{ord(c):05X}"
            font["glyf"][name] = Glyph()
            font["hmtx"][name] = (round(BLANK_ADVANCE * upm / 1000), 0)
            order.append(name)
            glyphs[c] = len(order) - 1
        font.setGlyphOrder(order)
        font["glyf"].glyphOrder = order
        buf = io.BytesIO()
        font.save(buf)
    data = buf.getvalue()
    hmtx, head = font["hmtx"], font["head"]
    widths = {gid: round(hmtx[order[gid]][0] * 1000 / upm) for gid in set(glyphs.values())}
    ps_name = font["name"].getDebugName(6) or "NotoSerifSC-Regular"
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])
    bbox = tuple(round(v * 1000 / upm) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    return TextFont(data, f"{tag}+{ps_name}", glyphs, widths, (bbox[0], bbox[1], bbox[2], bbox[3]))


def to_unicode(glyphs: dict[str, int]) -> bytes:
    """A ToUnicode CMap: each CID (2 bytes) to its character (UTF-16BE)."""
    pairs = sorted((gid, c) for c, gid in glyphs.items())
    body = []
    for i in range(0, len(pairs), CMAP_CHUNK):
        chunk = pairs[i:i + CMAP_CHUNK]
        body.append(f"{len(chunk)} beginbfchar")
        body += [f"<{gid:04X}> <{c.encode('utf-16-be').hex().upper()}>" for gid, c in chunk]
        body.append("endbfchar")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + "\n".join(body) +
            "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")


def embed_font(pdf: pikepdf.Pdf, font: TextFont) -> pikepdf.Object:
    """The font as one indirect Type0 font object of ``pdf`` (made once per volume)."""
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + font.name), Flags=4,  # symbolic (a CID font)
        FontBBox=Array(list(font.bbox)), ItalicAngle=0, Ascent=EM_TOP, Descent=EM_BOTTOM, CapHeight=EM_TOP,
        StemV=80, FontFile2=pdf.make_indirect(flate_stream(pdf, font.data, Length1=len(font.data))),
    )  # fmt: skip
    widths = Array()
    for gid in sorted(font.widths):
        widths.append(gid)
        widths.append(Array([font.widths[gid]]))
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + font.name),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=1000, W=widths, CIDToGIDMap=Name.Identity,
    )  # fmt: skip
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + font.name), Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(cid_font)]), ToUnicode=pdf.make_indirect(flate_stream(pdf, to_unicode(font.glyphs))),
    ))  # fmt: skip


def layer_ops(text: PageText, font: TextFont, key: str, box: tuple[float, float, float, float],
              rotate: int) -> bytes:
    """The content stream of one page's layer (pure): each line invisible (``3 Tr``),
    upright for the reader, filling its box."""
    width, height = visual_size(box, rotate)
    sx = width / text.width if text.width > 0 else 1.0  # the volume page as the text saw it (it should be the same)
    sy = height / text.height if text.height > 0 else 1.0
    ox, oy = visual_to_user(box, rotate, 0.0, 0.0)
    ax, ay = visual_to_user(box, rotate, 1.0, 0.0)
    bx, by = visual_to_user(box, rotate, 0.0, 1.0)
    a, b, c, d = ax - ox, ay - oy, bx - ox, by - oy  # the reader's right and up, in user space
    ops = ["q", "BT", "3 Tr"]
    for line in text.lines:
        chars = "".join(ch for ch in line.text if ch in font.glyphs)
        natural = font.width(chars)
        x0, y0, x1, y1 = (line.box[0] * sx, line.box[1] * sy, line.box[2] * sx, line.box[3] * sy)
        size = y1 - y0
        if not chars or size <= 0 or natural <= 0 or x1 <= x0:
            continue
        u, v = x0, height - y1 - EM_BOTTOM / 1000 * size  # the baseline, from the visible page's bottom-left
        e, f = visual_to_user(box, rotate, u, v)
        scale = 100 * (x1 - x0) / (natural * size)
        codes = "".join(f"{font.glyphs[ch]:04X}" for ch in chars)
        ops.append(f"{key} {size:.2f} Tf {scale:.2f} Tz {a:g} {b:g} {c:g} {d:g} {e:.2f} {f:.2f} Tm <{codes}> Tj")
    ops += ["ET", "Q", ""]
    return "\n".join(ops).encode("ascii")


def add_text_layers(pdf: pikepdf.Pdf, pages: Sequence[pikepdf.Page], texts: Sequence[PageText | None]) -> int:
    """Add each page's layer (``texts[i]`` for ``pages[i]``); returns the pages that got
    one. The font is made and embedded once, only when some page has text."""
    todo = [(page, text) for page, text in zip(pages, texts, strict=True) if text is not None and text.lines]
    if not todo:
        return 0
    font = make_font({ch for _, text in todo for line in text.lines for ch in line.text if ch.isprintable()})
    font_obj = embed_font(pdf, font)
    save_state = pdf.make_indirect(pikepdf.Stream(pdf, b"q\n"))
    n = 0
    for page, text in todo:
        obj = page.obj
        key = add_font(obj, font_obj, FONT_KEY)
        contents = obj.get("/Contents")
        own = [] if contents is None else list(contents) if isinstance(contents, Array) else [contents]
        layer = pikepdf.Stream(pdf, b"Q\n" + layer_ops(text, font, key, page_box(obj), page_rotation(obj)))
        obj.Contents = Array([save_state, *own, layer])  # the page's own content in q … Q: its state cannot move the text
        n += 1
    return n
