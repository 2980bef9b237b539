"""Make the Song-style (serif) CJK font shipped in archiver/fonts/.

Source: Debian's fonts-noto-cjk (Noto Serif CJK, SIL OFL 1.1), the Simplified Chinese face
of NotoSerifCJK-Regular.ttc. Kept: the GB 2312 character set, ASCII, CJK
punctuation and full-width forms. Deterministic; run with
    apt-get install fonts-noto-cjk && python scripts/subset_font.py
Characters outside the subset fall back to system CJK fonts (see archiver/forms/fonts.py).

Everything that prints (forms, cover sheets, synthetic scans) uses one file, a TrueType-outline
copy of the Regular face (NotoSerifSC-Regular-GB2312.ttf; headings are stroked for weight,
cubic curves converted to quadratic within 1/1000 em, invisible at print size): fpdf2
subsets a glyf font per PDF several times faster than a CFF one, which is what keeps a
volume's forms near 50 ms (issue 3). No post glyph names and a single cmap subtable, for
the same reason.
"""

import contextlib
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

SOURCE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-{weight}.ttc"
SC_INDEX = 2  # JP, KR, SC, TC, HK
OUT = Path(__file__).resolve().parent.parent / "archiver" / "fonts"


def charset() -> str:
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([b1, b2]).decode("gb2312"))
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    chars |= set("—–…·‘’“”№℃°±×÷")
    return "".join(sorted(chars))


def main() -> None:
    text = charset()
    for weight in ("Regular",):
        font = TTFont(SOURCE.format(weight=weight), fontNumber=SC_INDEX)
        opts = subset.Options()
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
        sub = subset.Subsetter(opts)
        sub.populate(text=text)
        sub.subset(font)
        to_truetype(font)
        font.save(OUT / f"NotoSerifSC-{weight}-GB2312.ttf")
        print(f"wrote {OUT / f'NotoSerifSC-{weight}-GB2312.ttf'}")


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` by quadratic TrueType ones, in place."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 1
    post = font["post"]
    post.formatType = 3.0
    cmap = font["cmap"]
    cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 1)]
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcTimestamp = False  # the same source gives the same bytes:
    font["head"].modified = font["head"].created


if __name__ == "__main__":
    main()
