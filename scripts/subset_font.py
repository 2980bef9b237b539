"""Make the Song-style (serif) CJK fonts shipped in archiver/fonts/.

Source: Debian's fonts-noto-cjk (Noto Serif CJK, SIL OFL 1.1), the Simplified Chinese face
of NotoSerifCJK-{Regular,Bold}.ttc. Kept: the GB 2312 character set, ASCII, CJK
punctuation and full-width forms. Deterministic; run with
    apt-get install fonts-noto-cjk && python scripts/subset_font.py
Characters outside the subset fall back to system CJK fonts (see archiver/volumes/fonts.py).
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-{weight}.ttc"
SC_INDEX = 2  # JP, KR, SC, TC, HK
OUT = Path(__file__).resolve().parent.parent / "archiver" / "fonts"


def charset() -> str:
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(bytes([b1, b2]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    chars |= set("—–…·‘’“”№℃°±×÷")
    return "".join(sorted(chars))


def main() -> None:
    text = charset()
    for weight in ("Regular", "Bold"):
        font = TTFont(SOURCE.format(weight=weight), fontNumber=SC_INDEX)
        opts = subset.Options()
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.desubroutinize = True  # per-document subsetting (forms) then skips the subroutine walk
        opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
        sub = subset.Subsetter(opts)
        sub.populate(text=text)
        sub.subset(font)
        font.save(OUT / f"NotoSerifSC-{weight}-GB2312.otf")
        print(f"wrote {OUT / f'NotoSerifSC-{weight}-GB2312.otf'}")


if __name__ == "__main__":
    main()
