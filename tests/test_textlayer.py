"""The invisible text layer of the volumes: present, aligned over the words in the page
image, PDF/A-2b valid, the page's own bytes untouched; no layer, no font."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import run_cli
from ocr_helpers import FakeEngine, ink_box
from PIL import Image, ImageDraw, ImageFont
from volumes_helpers import words

from archiver.forms.fonts import shipped
from archiver.ocr import stage
from archiver.store import Archive
from archiver.synth import pdf_from_images
from archiver.volumes import pdfa
from archiver.volumes.manifest import read_manifest
from archiver.volumes.textlayer import FONT_KEY, make_font, to_unicode

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
WORD = "减速器㐀"  # 㐀 (U+3400, CJK extension A) is not in the shipped GB 2312 font
DPI = 100


def word_scan(rotate: int) -> bytes:
    """A one-page A4 scan with one word in the middle of the page (shipped font)."""
    w, h = round(210 / 25.4 * DPI), round(297 / 25.4 * DPI)
    image = Image.new("L", (w, h), 250)
    draw = ImageDraw.Draw(image)
    draw.text((w * 0.3, h * 0.5), "减速器采购", fill=20, font=ImageFont.truetype(str(shipped()), 48))
    data = pdf_from_images([image], dpi=DPI)
    if not rotate:
        return data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.pages[0].Rotate = rotate
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def build(root: Path) -> Path:
    result = run_cli(root, "build", "--checker", "李四")
    assert result.exit_code == 0, result.output
    (volume,) = (root / "volumes").rglob("*.pdf")
    return volume


def rendered(volume: Path, page: int, tmp_path: Path, scale: float = 2.0) -> Image.Image:
    prefix = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(72 * scale), "-png", "-singlefile",
                    str(volume), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


@pytest.mark.parametrize("rotate", [0, 90])
def test_text_layer_lies_over_the_word_and_the_volume_stays_pdfa(archive_root: Path, tmp_path: Path, clock,
                                                                 rotate: int) -> None:
    inbox = archive_root / "inbox"
    (inbox / "C0001_contract_20250301_减速器.pdf").write_bytes(word_scan(rotate))
    shutil.copy(CORPUS / "sandwich.pdf", inbox / "C0001_contract_20250302_sandwich.pdf")  # has its own text
    assert run_cli(archive_root, "ingest").exit_code == 0
    archive = Archive.open(archive_root)
    assert stage.run(archive, engine_factory=lambda threads: FakeEngine(WORD)).count("done") == 2
    volume = build(archive_root)
    manifest = read_manifest(volume.with_suffix(".toml"))
    doc = next(d for d in manifest.documents if d.title.startswith("减速器") or "减速器" in d.title)
    page = doc.pdf_first

    # present: the recognised text is the page's text (the character the font lacks too)
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(volume), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert WORD in text
    # aligned: the word's box in the layer lies over the word's ink in the rendered page
    (word,) = [w for w in words(volume)[page - 1] if w.text == WORD]
    image = rendered(volume, page, tmp_path)
    scale = image.width / (word.page_width if rotate == 0 else word.page_height)
    middle = image.crop((0, image.height // 4, image.width, image.height))  # below the stamped number
    box = ink_box(middle)
    assert box is not None
    ink = (box[0] / scale, (box[1] + image.height // 4) / scale, box[2] / scale, (box[3] + image.height // 4) / scale)
    layer = (word.x0, word.y0, word.x1, word.y1)
    inter = max(0.0, min(ink[2], layer[2]) - max(ink[0], layer[0])) * max(0.0, min(ink[3], layer[3]) - max(ink[1], layer[1]))
    union = (ink[2] - ink[0]) * (ink[3] - ink[1]) + (layer[2] - layer[0]) * (layer[3] - layer[1]) - inter
    assert inter / union > 0.8, (ink, layer)
    # the page with its own text got no second layer (each word once)
    own = subprocess.run(["pdftotext", str(CORPUS / "sandwich.pdf"), "-"], check=True, capture_output=True,
                         text=True).stdout
    assert text.count("LinnSequencer") == 0
    whole = subprocess.run(["pdftotext", str(volume), "-"], check=True, capture_output=True, text=True).stdout
    assert whole.count("LinnSequencer") == own.count("LinnSequencer") > 0
    # PDF/A-2b, as the build checked it; one text font, embedded once
    assert pdfa.check(volume).valid
    assert manifest.pdfa.get("valid") is True
    with pikepdf.open(volume) as pdf:
        layers = {p.Resources.Font[FONT_KEY].objgen for p in pdf.pages
                  if "/Font" in p.get("/Resources", {}) and FONT_KEY in p.Resources.Font}
        assert len(layers) == 1 and pdf.pages[page - 1].Resources.Font[FONT_KEY].Subtype == "/Type0"
        # the scan's image bytes are those of the record
        (record,) = [r for r in archive.iter_records() if "减速器" in r.meta.title]
        with pikepdf.open(record.path) as src:
            (src_image,) = src.pages[0].get_images().values()
            (vol_image,) = pdf.pages[page - 1].get_images().values()
            assert vol_image.read_raw_bytes() == src_image.read_raw_bytes()


def test_no_stored_text_no_layer_and_no_font(archive_root: Path, drop, clock) -> None:  # type: ignore[no-untyped-def]
    drop("C0001_contract_20250301_减速器.pdf", pages=1)
    assert run_cli(archive_root, "ingest").exit_code == 0
    volume = build(archive_root)
    with pikepdf.open(volume) as pdf:
        assert not [p for p in pdf.pages if "/Font" in p.get("/Resources", {}) and FONT_KEY in p.Resources.Font]
        assert len(pdf.pages) > 4


def test_font_subset_has_a_glyph_for_every_character() -> None:
    font = make_font(set("减速器㐀AB 一⼀"))  # ⼀ (U+2F00, a radical) is drawn with 一's glyph
    assert set(font.glyphs) == set("减速器㐀AB 一⼀") and len(set(font.glyphs.values())) == 9
    assert font.widths[font.glyphs["㐀"]] == 1000 and 0 < font.widths[font.glyphs["A"]] < 1000
    cmap = to_unicode(font.glyphs).decode("ascii")
    assert f"<{font.glyphs['㐀']:04X}> <3400>" in cmap and f"<{font.glyphs['减']:04X}> <51CF>" in cmap
    from fontTools import ttLib

    subset = ttLib.TTFont(io.BytesIO(font.data))
    assert len(subset.getGlyphOrder()) > max(font.glyphs.values())
