"""Page numbers stamped in the corner the reader sees (Art. 16), legible on any page:
read back with pdftotext, rendered with pdftoppm, fonts listed with pdffonts."""

from __future__ import annotations

import io
import math
import subprocess
import tomllib
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw
from volumes_helpers import Word, ink
from volumes_helpers import words as helper_words

from archiver.config import parse_config, template_text
from archiver.volumes import digits as digit_module
from archiver.volumes import ink as ink_module
from archiver.volumes import placement
from archiver.volumes import stamp as st
from archiver.volumes.placement import MM, StampStyle, visual_size, visual_to_user
from archiver.volumes.remarks import number_list, volume_remarks
from archiver.volumes.stamp import Stamper

STYLE = StampStyle(font_size=12, offset=10 * MM, binding_margin=25 * MM)
A4 = (595.0, 842.0)


def page_with(pdf: pikepdf.Pdf, *, rotate: int = 0, crop: tuple[float, float, float, float] | None = None,
              size: tuple[float, float] = A4, content: bytes = b"q 2 0 0 2 0 0 cm Q") -> pikepdf.Page:
    page = pdf.add_blank_page(page_size=size)
    page.obj.Contents = pdf.make_stream(content)
    if rotate:
        page.obj.Rotate = rotate
    if crop:
        page.obj.CropBox = pikepdf.Array(list(crop))
    return page


def image_page(pdf: pikepdf.Pdf, img: Image.Image, size: tuple[float, float], *, jpeg: bool = False,
               rotate: int = 0, crop: tuple[float, float, float, float] | None = None, jpx: bool = False) -> pikepdf.Page:
    """A scan: one grey image filling the MediaBox (JPEG, JPEG 2000, or Flate like a lossless scan)."""
    img = img.convert("L")
    if jpx:
        buf = io.BytesIO()
        img.save(buf, format="JPEG2000", no_jp2=True)
        image = pikepdf.Stream(pdf, buf.getvalue())
        image.Filter = pikepdf.Name.JPXDecode
    elif jpeg:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=85)
        image = pikepdf.Stream(pdf, buf.getvalue())
        image.Filter = pikepdf.Name.DCTDecode
    else:
        image = pikepdf.Stream(pdf, zlib.compress(img.tobytes()))
        image.Filter = pikepdf.Name.FlateDecode
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = img.size
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    page = pdf.add_blank_page(page_size=size)
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % size)
    if rotate:
        page.obj.Rotate = rotate
    if crop:
        page.obj.CropBox = pikepdf.Array(list(crop))
    return page


def paper(size: tuple[float, float], dpi: float = 100, shade: int = 246) -> tuple[Image.Image, float]:
    """A blank sheet at ``dpi`` and its pixels per point."""
    k = dpi / 72
    return Image.new("L", (round(size[0] * k), round(size[1] * k)), shade), k


def stamped(tmp_path: Path, number: int, side: str, style: StampStyle = STYLE, **kw: object) -> tuple[Path, pikepdf.Pdf]:
    pdf = pikepdf.new()
    page = page_with(pdf, **kw)  # type: ignore[arg-type]
    Stamper(pdf, style).stamp(page, number, side)
    path = tmp_path / f"p-{side}-{number}.pdf"
    pdf.save(path)
    return path, pdf


def words(pdf_path: Path) -> list[list[Word]]:
    """Every word on every page as the reader sees it (y from the top of the visible page)."""
    return helper_words(pdf_path, cropbox=True)


def render(path: Path, index: int = 0, scale: float = 2.0) -> Image.Image:
    """One page as a viewer shows it, grey, ``scale`` pixels per point."""
    out = subprocess.run(["pdftoppm", "-cropbox", "-r", str(72 * scale), "-gray", "-f", str(index + 1),
                          "-l", str(index + 1), str(path)], check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def region(img: Image.Image, r: placement.Rect, page_height: float, scale: float, inset: float = 0.0) -> Image.Image:
    """The part of a rendering under a visual rectangle (points from the bottom-left)."""
    return img.crop((round((r.u0 + inset) * scale), round((page_height - r.v1 + inset) * scale),
                     round((r.u1 - inset) * scale), round((page_height - r.v0 - inset) * scale)))


# Where the number goes -------------------------------------------------------------------------------
@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("side", ["front", "back"])
@pytest.mark.parametrize("crop", [None, (40.0, 60.0, 540.0, 800.0)])
def test_number_sits_in_the_visual_top_corner(tmp_path: Path, rotate: int, side: str,
                                              crop: tuple[float, float, float, float] | None) -> None:
    """Front: top right; back: top left — as displayed, after /Rotate and the CropBox."""
    path, _ = stamped(tmp_path, 137, side, rotate=rotate, crop=crop)
    seen = ink(path)  # rendered as a viewer shows it
    assert seen is not None
    box = crop or (0.0, 0.0, *A4)
    w, h = visual_size(box, rotate)
    assert (seen.width, seen.height) == pytest.approx((w, h), abs=1)
    offset = 10 * MM
    assert seen.y0 == pytest.approx(offset, abs=1.5)  # the digits' top, offset from the top edge
    assert seen.y1 - seen.y0 < 10 < seen.x1 - seen.x0  # upright: a row of three 12 pt digits
    if side == "front":
        assert seen.x1 == pytest.approx(w - offset, abs=1.5)
    else:
        assert seen.x0 == pytest.approx(offset, abs=1.5)


@pytest.mark.parametrize("size", [8.0, 20.0])
def test_configured_size_and_offset(tmp_path: Path, size: float) -> None:
    """Size and distance are configuration (volumes.stamp_font_size, stamp_offset_mm)."""
    style = StampStyle(font_size=size, offset=15 * MM, binding_margin=25 * MM)
    path, _ = stamped(tmp_path, 2026, "front", style=style)
    seen = ink(path)
    assert seen is not None
    assert seen.x1 == pytest.approx(A4[0] - 15 * MM, abs=2)
    assert seen.y0 == pytest.approx(15 * MM, abs=2)
    assert 0.65 * size < seen.y1 - seen.y0 < 0.85 * size  # the digits' height: 0.76 em in this font


@pytest.mark.parametrize("side", ["front", "back"])
def test_number_keeps_clear_of_the_binding_edge_on_a_narrow_page(tmp_path: Path, side: str) -> None:
    """A receipt 40 mm wide: the number must not go into the 25 mm binding margin
    (left edge of a front, right edge of a back)."""
    narrow = (40 * MM, 120 * MM)
    path, _ = stamped(tmp_path, 8, side, size=narrow)
    seen = ink(path)
    assert seen is not None
    margin = 25 * MM
    if side == "front":
        assert seen.x0 >= margin - 0.5
    else:
        assert seen.x1 <= narrow[0] - margin + 0.5


@pytest.mark.parametrize("content", [
    b"q q 3 0 0 3 0 0 cm Q 0.5 0 0 0.5 0 0 cm",  # plain operators: counted directly
    b"q q [3 1] 0 d 0.5 0 0 0.5 0 0 cm (q) Tj",  # arrays and strings: through the parser
])
def test_content_is_wrapped_so_an_unbalanced_page_cannot_move_the_number(tmp_path: Path, content: bytes) -> None:
    """A page whose content leaves a scaling 'cm' on the stack (two q, fewer Q)."""
    path, _ = stamped(tmp_path, 5, "front", content=content)
    seen = ink(path)
    assert seen is not None
    assert seen.x1 == pytest.approx(A4[0] - 10 * MM, abs=1.5)
    assert seen.y0 == pytest.approx(10 * MM, abs=1.5)


def test_visual_to_user_maps_the_visible_corners() -> None:
    box = (10.0, 20.0, 110.0, 220.0)  # 100 wide, 200 high
    # the reader's top-left corner is the user-space point that /Rotate brings there
    assert visual_to_user(box, 0, 0, 200) == (10, 220)
    assert visual_to_user(box, 90, 0, 100) == (10, 20)  # turned clockwise: the bottom-left comes to the top-left
    assert visual_to_user(box, 180, 0, 200) == (110, 20)
    assert visual_to_user(box, 270, 0, 100) == (110, 220)


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_text_direction_matches_rotation(rotate: int) -> None:
    pdf = pikepdf.new()
    page = page_with(pdf, rotate=rotate)
    Stamper(pdf, STYLE).stamp(page, 12, "front")
    ops = list(page.obj.Contents)[-1].read_bytes()
    a, b = (float(v) for v in ops.split(b" Tf ")[1].split()[:2])
    assert (a, b) == {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[rotate]


# The stream and the font --------------------------------------------------------------------------
def test_stamp_adds_a_stream_and_keeps_the_original_one(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = page_with(pdf, content=b"0 0 m 10 10 l S")
    original = page.obj.Contents.read_bytes()
    Stamper(pdf, STYLE).stamp(page, 1, "front")
    streams = list(page.obj.Contents)
    assert streams[0].read_bytes().strip() == b"q"
    assert streams[1].read_bytes() == original
    ops = streams[2].read_bytes()
    assert b"1 g" in ops and b" re f" in ops  # the white ground …
    assert ops.index(b" re f") < ops.index(b"(1) Tj")  # … under the black number
    font = page.obj.Resources.Font["/ArchiverPageNo"]
    assert font.Subtype == "/TrueType" and str(font.BaseFont).endswith("+NotoSerifCJKsc-Regular")


def test_font_name_does_not_clash_with_the_pages_own_fonts() -> None:
    pdf = pikepdf.new()
    page = page_with(pdf)
    other = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                 BaseFont=pikepdf.Name.Courier))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(ArchiverPageNo=other))
    Stamper(pdf, STYLE).stamp(page, 2, "back")
    fonts = page.obj.Resources.Font
    assert fonts.ArchiverPageNo.BaseFont == "/Courier"
    assert fonts["/ArchiverPageNo1"].Subtype == "/TrueType"
    assert b"/ArchiverPageNo1 12.00 Tf" in list(page.obj.Contents)[-1].read_bytes()


def test_font_is_embedded_once_per_pdf_and_pdfa_ready(tmp_path: Path) -> None:
    """One embedded TrueType subset for every page (pdffonts: emb yes, sub yes, uni yes);
    its /Widths are the program's own advance widths, the program has the (3,1) cmap a
    nonsymbolic WinAnsi TrueType font needs under PDF/A-2, and the digits read back."""
    from fontTools import ttLib

    pdf = pikepdf.new()
    stamper = Stamper(pdf, STYLE)
    for n in range(1, 13):
        stamper.stamp(page_with(pdf), n * 9, "front" if n % 2 else "back")
    path = tmp_path / "v.pdf"
    pdf.save(path)
    listing = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = listing.splitlines()[2:]
    assert len(rows) == 1, listing
    _name, kind, encoding, emb, sub, uni, *_ = rows[0].split()
    assert (kind, encoding, emb, sub, uni) == ("TrueType", "WinAnsi", "yes", "yes", "yes")
    with pikepdf.open(path) as back:
        fonts = {p.Resources.Font.ArchiverPageNo.objgen for p in back.pages}
        assert len(fonts) == 1
        font = back.pages[0].Resources.Font.ArchiverPageNo
        assert sum(1 for o in back.objects if isinstance(o, pikepdf.Stream) and "/Length1" in o) == 1
        program = ttLib.TTFont(io.BytesIO(font.FontDescriptor.FontFile2.read_bytes()))
        assert font.FontDescriptor.Flags & 32 and not font.FontDescriptor.Flags & 4  # nonsymbolic
        cmap = program["cmap"].getcmap(3, 1).cmap
        upm = program["head"].unitsPerEm
        for code, width in zip(range(48, 58), font.Widths, strict=True):
            assert int(width) == round(program["hmtx"][cmap[code]][0] * 1000 / upm)
        assert b"<30> <39> <0030>" in font.ToUnicode.read_bytes()
    texts = [[w.text for w in page] for page in words(path)]
    assert texts == [[str(n * 9)] for n in range(1, 13)]


def test_config_stamp_font_is_gone_from_the_template_but_an_old_archive_still_loads(tmp_path: Path) -> None:
    """The base-14 choice is gone: the template no longer offers it, an archive.toml that
    still names one loads, and the number is the embedded font whatever it names."""
    assert "stamp_font =" not in template_text()
    raw = template_text().replace("stamp_font_size = 12.0", 'stamp_font_size = 12.0\nstamp_font = "Courier"')
    config = parse_config(tomllib.loads(raw))
    style = StampStyle.from_config(config.volumes)
    assert style == STYLE
    _, pdf = stamped(tmp_path, 3, "front", style=style)
    assert pdf.pages[0].obj.Resources.Font.ArchiverPageNo.Subtype == "/TrueType"


# Legible on any page ------------------------------------------------------------------------------
def test_number_on_a_dark_corner_has_a_white_ground(tmp_path: Path) -> None:
    """A photo black in its top right: the number is black on a white ground."""
    img, k = paper(A4)
    ImageDraw.Draw(img).rectangle((img.width * 0.55, 0, img.width, img.height * 0.3), fill=12)
    pdf = pikepdf.new()
    result = Stamper(pdf, STYLE).stamp(image_page(pdf, img, A4, jpeg=True), 47, "front")
    assert result.judged and not result.moved  # dark everywhere in the zone: the default spot
    path = tmp_path / "dark.pdf"
    pdf.save(path)
    seen = render(path, scale=3)
    ground = region(seen, result.ground, A4[1], 3)
    pad = 0.25 * 12
    inner = region(seen, result.ground, A4[1], 3, inset=pad * 0.8)
    assert min(inner.tobytes()) < 60  # the digits, black …
    rim = [ground.getpixel((x, y)) for x in range(ground.width) for y in (1, ground.height - 2)]
    assert min(rim) > 230  # … on white, where the photo is black around
    around = region(seen, placement.Rect(result.ground.u0 - 6, result.ground.v0, result.ground.u0 - 2, result.ground.v1), A4[1], 3)
    assert max(around.tobytes()) < 60


@pytest.mark.parametrize("codec", ["jpeg", "flate", "jpx"])
@pytest.mark.parametrize("side", ["front", "back"])
def test_number_moves_off_a_printed_header_to_blank_paper_in_its_zone(tmp_path: Path, codec: str, side: str) -> None:
    """A letterhead printed where the number would go: the number goes to blank paper
    of the same corner zone, and the page under its ground is blank."""
    img, k = paper(A4, dpi=150)
    d = ImageDraw.Draw(img)
    for i in range(3):  # three lines of 'print' across the top, through the default spot
        y = (7 + i * 4.5) * MM * k
        d.rectangle((10 * MM * k, y, img.width - 6 * MM * k, y + 2.5 * MM * k), fill=30)
    pdf = pikepdf.new()
    jpeg, jpx = codec == "jpeg", codec == "jpx"
    result = Stamper(pdf, STYLE).stamp(image_page(pdf, img, A4, jpeg=jpeg, jpx=jpx), 128, side)
    assert result.moved and result.judged and not result.reduced
    path = tmp_path / "header.pdf"
    pdf.save(path)
    plain = tmp_path / "plain.pdf"
    with pikepdf.new() as clean:
        image_page(clean, img, A4, jpeg=jpeg, jpx=jpx)
        clean.save(plain)
    _check_placed(path, 0, "128", side, STYLE)
    under = region(render(plain), result.ground, A4[1], 2)
    assert min(under.tobytes()) > 200  # blank paper under the ground
    assert min(region(render(path), result.ground, A4[1], 2, inset=3).tobytes()) < 60


@pytest.mark.parametrize("rotate", [90, 270])
def test_ink_is_looked_for_where_the_reader_sees_it_on_a_rotated_cropped_page(tmp_path: Path, rotate: int) -> None:
    """The scan stored sideways (/Rotate) and cropped: the header at the reader's top is
    found in the image's side columns, and the number still avoids it."""
    size = (A4[1], A4[0])  # landscape MediaBox, turned upright for the reader
    crop = (20.0, 15.0, 822.0, 580.0)
    img, k = paper(size, dpi=120)
    d = ImageDraw.Draw(img)
    # The reader's top edge is the MediaBox's left (90) or right (270) edge: a band there.
    crop_top = crop[0] if rotate == 90 else crop[2]
    for i in range(2):
        x = crop_top + (8 + 5 * i) * MM * (1 if rotate == 90 else -1)
        d.rectangle((min(x, x + 3 * MM * (1 if rotate == 90 else -1)) * k, 0,
                     max(x, x + 3 * MM * (1 if rotate == 90 else -1)) * k, img.height), fill=25)
    pdf = pikepdf.new()
    result = Stamper(pdf, STYLE).stamp(image_page(pdf, img, size, rotate=rotate, crop=crop), 9, "front")
    assert result.moved
    path = tmp_path / "rot.pdf"
    pdf.save(path)
    _check_placed(path, 0, "9", "front", STYLE)
    plain = tmp_path / "plain.pdf"
    with pikepdf.new() as clean:
        image_page(clean, img, size, rotate=rotate, crop=crop)
        clean.save(plain)
    w, h = visual_size(crop, rotate)
    assert min(region(render(plain), result.ground, h, 2).tobytes()) > 200


def test_a_clean_scan_keeps_the_default_spot_despite_speckle(tmp_path: Path) -> None:
    from archiver.synth import render_page, text_page

    img = render_page(text_page("标题", 6, seed=3), dpi=150, seed=3)
    pdf = pikepdf.new()
    result = Stamper(pdf, STYLE).stamp(image_page(pdf, img, A4, jpeg=True), 3, "front")
    assert result.judged and not result.moved


def test_unreadable_image_gets_the_default_spot(tmp_path: Path) -> None:
    img, _ = paper(A4, dpi=50)
    pdf = pikepdf.new()
    page = image_page(pdf, img, A4, jpeg=True)
    page.obj.Resources.XObject.Im0.write(b"not a jpeg", filter=pikepdf.Name.DCTDecode)
    result = Stamper(pdf, STYLE).stamp(page, 3, "front")
    assert not result.judged and not result.moved
    path = tmp_path / "bad.pdf"
    pdf.save(path)
    assert ink(path) is not None


@pytest.mark.parametrize("size", [(72.0, 72.0), (90.0, 33.0), (30 * MM, 12 * MM), (12.0, 9.0)])
@pytest.mark.parametrize("side", ["front", "back"])
def test_tiny_page_gets_a_smaller_number_inside_it(tmp_path: Path, size: tuple[float, float], side: str) -> None:
    """A 1-inch form, a strip of a receipt, a ticket: the number fits inside the page, smaller,
    and :func:`small_pages` says so beforehand (for the remarks sheet)."""
    pdf = pikepdf.new()
    page = page_with(pdf, size=size)
    assert placement.small_pages([(page, 17, side)], STYLE) == [17]
    stamper = Stamper(pdf, STYLE)
    result = stamper.stamp(page, 17, side)
    assert result.reduced and stamper.reduced == [17] and result.size < 12
    assert placement.Rect(0, 0, *size).contains(result.ground)
    path = tmp_path / "tiny.pdf"
    pdf.save(path)
    seen = ink(path, scale=8)
    assert seen is not None
    assert seen.x0 >= 0 and seen.x1 <= size[0] and seen.y0 >= 0 and seen.y1 <= size[1]
    assert [w.text for w in words(path)[0]] == ["17"]


def test_a_normal_page_is_not_small() -> None:
    pdf = pikepdf.new()
    assert placement.small_pages([(page_with(pdf), 1, "front"), (page_with(pdf, size=(50 * MM, 50 * MM)), 2, "back")],
                          STYLE) == []


def test_remarks_note_the_small_pages(tmp_path: Path) -> None:
    from volumes_helpers import make_record

    from archiver.volumes.pages import PartPages
    from archiver.volumes.plan import plan_volumes

    config = parse_config(tomllib.loads(template_text()))
    [plan] = plan_volumes([make_record(tmp_path, "a", pages=3)], config)
    lines = volume_remarks(plan, {"a": PartPages(1, 1, 1, 9, (), (), ())}, config, small_pages=[3, 7, 8, 9])
    assert "第3、7—9页幅面过小，页号缩小标注。" in lines
    assert number_list([5]) == "5" and number_list([2, 1]) == "1—2"


# Every numbered page of volumes built from real and generated files -----------------------------
CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def generated_records() -> dict[str, bytes]:
    """Scans made for the stamp: a dark corner, a printed header, a tiny page, a rotated
    and cropped page (2 pages each, so fronts and backs both occur)."""
    out = {}
    for name, build in {
        "dark": lambda d, w, h: d.rectangle((0, 0, w, h * 0.3), fill=8),
        "header": lambda d, w, h: [d.rectangle((w * 0.05, h * (0.02 + 0.02 * i), w * 0.97, h * (0.03 + 0.02 * i)), fill=20)
                                   for i in range(3)],
    }.items():
        pdf = pikepdf.new()
        for _ in range(2):
            img, _k = paper(A4, dpi=60)
            build(ImageDraw.Draw(img), img.width, img.height)
            image_page(pdf, img, A4, jpeg=name == "dark")
        buf = io.BytesIO()
        pdf.save(buf)
        out[name] = buf.getvalue()
    pdf = pikepdf.new()
    for _ in range(3):
        img, _k = paper((60.0, 40.0), dpi=100)
        image_page(pdf, img, (60.0, 40.0))
    for _ in range(2):
        img, _k = paper((A4[1], A4[0]), dpi=40)
        image_page(pdf, img, (A4[1], A4[0]), rotate=90, crop=(30.0, 20.0, 800.0, 570.0))
    buf = io.BytesIO()
    pdf.save(buf)
    out["small-rotated"] = buf.getvalue()
    return out


def _check_placed(path: Path, index: int, text: str, side: str, style: StampStyle, *, small: bool = False) -> None:
    """The number ``text`` on page ``index``: read back by pdftotext inside the page,
    inside its corner zone, clear of the binding margin (unless the page is too small),
    black on a white ground in the rendering."""
    page_words = words(path)[index]
    mine = [w for w in page_words if w.text == text]
    assert mine, f"page {index + 1}: no {text} in {[w.text for w in page_words]}"
    # the one nearest the reader's top outer corner (the page's own text may have the number too)
    with pikepdf.open(path) as pdf:  # (pdftotext gives the page's size unrotated)
        page = pdf.pages[index]
        width, height = visual_size(placement.page_box(page), placement.page_rotation(page))
    w = min(mine, key=lambda w: w.y0 + (width - w.x1 if side == "front" else w.x0))
    assert 0 <= w.x0 < w.x1 <= width + 0.5 and 0 <= w.y0 < w.y1 <= height + 0.5, (index, w)
    if not small:  # documented zone: offset + 50 mm from the outer edge, offset + 20 mm from the top, 5 mm from the edges
        assert w.y0 >= 5 * MM - 1 and w.y1 <= style.offset + 20 * MM + 1, (index, w)
        if side == "front":
            assert w.x0 >= max(style.binding_margin, width - style.offset - 50 * MM) - 0.5, (index, w)
            assert w.x1 <= width - 5 * MM + 0.5, (index, w)
        else:
            assert w.x1 <= min(width - style.binding_margin, style.offset + 50 * MM) + 0.5, (index, w)
            assert w.x0 >= 5 * MM - 0.5, (index, w)
    # contrast: render the word big; pdftotext's box spans the font's ascent and descent,
    # which gives the size and baseline, hence the rows of the digits
    f = digit_module.digit_font()
    size = (w.y1 - w.y0) / ((f.ascent - f.descent) / 1000)
    baseline = w.y1 + f.descent / 1000 * size
    scale = 8.0 if small else 4.0
    img = render(path, index, scale)
    rows = range(round((baseline - 0.7 * size) * scale), round((baseline - 0.05 * size) * scale))
    digits = img.crop((int(w.x0 * scale), rows.start, int(w.x1 * scale) + 1, rows.stop))
    assert min(digits.tobytes()) < 60, f"page {index + 1}: {text} is not black"
    pad = 0.25 * size  # the white ground's margin (PAD em) left of the text's origin
    left = img.crop((round((w.x0 - 0.8 * pad) * scale), rows.start, max(round((w.x0 - 0.2 * pad) * scale), 1), rows.stop))
    if not small:  # (a one-inch form page is covered by its fields: the number gets the least covered spot)
        assert min(left.tobytes()) > 200, f"page {index + 1}: {text} has no white ground on its left"


def test_every_numbered_page_of_a_volume_of_the_fixtures_is_legible(tmp_path: Path) -> None:
    from volumes_helpers import FakeFormRenderer, KnownBlanks, RecordingRenderer, make_record

    import archiver.volumes.assemble as asm
    from archiver.customers import Customer
    from archiver.volumes.manifest import read_manifest
    from archiver.volumes.plan import plan_volumes

    config = parse_config(tomllib.loads(template_text()))
    src = tmp_path / "records"
    src.mkdir()
    records = []
    sources = {p.stem: p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))} | generated_records()
    for name, data in sources.items():
        try:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                len(pdf.pages)
        except (pikepdf.PdfError, pikepdf.PasswordError):  # the encrypted file and the fuzz case do not open: never filed
            continue
        records.append(make_record(src, name.replace("_", "-"), data=data, title=name))
    assert len(records) >= 20
    [plan] = plan_volumes(records, config)
    renderer = RecordingRenderer(FakeFormRenderer())
    import datetime as dt

    built = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
    ctx = asm.Context(config=config, customer=Customer("C0001", "测试"), renderer=renderer, detect=KnownBlanks(),
                      cache_dir=tmp_path / "cache", filer="王芳", checker="李强", today=built.date(), built_at=built)
    target = tmp_path / "out" / "v.pdf"
    m = asm.assemble(plan, ctx, target, "x")
    manifest = read_manifest(target.with_suffix(".toml"))
    style = StampStyle.from_config(config.volumes)
    small: list[int] = []
    checked = 0
    with pikepdf.open(target) as out:
        labels = [str(p.label) for p in out.pages]
        for index, page in enumerate(out.pages):
            if not labels[index].isdigit():
                continue
            number, side = int(labels[index]), "front" if index % 2 == 0 else "back"
            tiny = placement.too_small(page, number, side, style)
            if tiny:
                small.append(number)
            _check_placed(target, index, str(number), side, style, small=tiny)
            checked += 1
    assert checked == m.page_count
    assert small, "the fixtures have pages too small for a full-size number"
    note = f"第{number_list(small)}页幅面过小，页号缩小标注。"
    assert note in manifest.remarks and note in renderer.sheets[0].remarks
    listing = subprocess.run(["pdffonts", str(target)], check=True, capture_output=True, text=True).stdout
    mine = [row for row in listing.splitlines() if "NotoSerifCJKsc" in row]
    assert len(mine) == 1 and " yes yes yes " in mine[0], listing


def test_stamped_pages_pass_pikepdfs_pdfa_2b_validator_with_the_font_as_made(tmp_path: Path) -> None:
    """A dark scan, a tiny page, a clean page: PDF/A-2b (pikepdf's validator; the volume's
    own metadata and output intent come from pikepdf's repairs here), and the repairs
    leave the number's font as it was made."""
    pdfa = pytest.importorskip("pikepdf.pdfa", reason="pikepdf[pdfa] (pyproject) brings the validator")
    pdf = pikepdf.new()
    stamper = Stamper(pdf, STYLE)
    img, _ = paper(A4, dpi=50)
    ImageDraw.Draw(img).rectangle((0, 0, img.width, 80), fill=10)
    stamper.stamp(image_page(pdf, img, A4, jpeg=True), 1, "front")
    stamper.stamp(page_with(pdf, size=(72, 72)), 2, "back")
    stamper.stamp(page_with(pdf), 3, "front")
    made = {k: repr(v) for k, v in stamper.font.items()}
    report = pdfa.save(pdf, tmp_path / "a.pdf", "2b")
    assert report.passed, report
    with pikepdf.open(tmp_path / "a.pdf") as back:
        font = back.pages[0].Resources.Font.ArchiverPageNo
        assert sorted(font.keys()) == sorted(made)
        assert font.Encoding == "/WinAnsiEncoding" and "/CIDSet" not in font.FontDescriptor


def _overlaps(a: placement.Rect, b: placement.Rect) -> bool:
    return a.u0 < b.u1 and b.u0 < a.u1 and a.v0 < b.v1 and b.v0 < a.v1


def test_number_avoids_a_flattened_form_field_and_an_annotation(tmp_path: Path) -> None:
    """A form field's value flattened into the page (a form XObject of vector content)
    under the default spot of a front, a note annotation under that of a back: each
    number goes beside them (annotations are drawn over the page, vector forms are not
    judged by their pixels but by their box)."""
    pdf = pikepdf.new()
    field_box = placement.Rect(A4[0] - 70 * MM, A4[1] - 22 * MM, A4[0] - 5 * MM, A4[1] - 5 * MM)
    front = page_with(pdf, content=b"q 1 0 0 1 %.2f %.2f cm /Fx Do Q" % (field_box.u0, field_box.v0))
    fx = pdf.make_stream(b"0 g 0 0 %.2f %.2f re f" % (field_box.width, field_box.height))
    fx.Type, fx.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    fx.BBox = pikepdf.Array([0, 0, field_box.width, field_box.height])
    front.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fx=fx))
    back = page_with(pdf)
    note = placement.Rect(5 * MM, A4[1] - 22 * MM, 60 * MM, A4[1] - 5 * MM)
    back.obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square, F=4,
        Rect=pikepdf.Array([note.u0, note.v0, note.u1, note.v1])))]))
    stamper = Stamper(pdf, STYLE)
    a = stamper.stamp(front, 1, "front")
    b = stamper.stamp(back, 2, "back")
    assert a.moved and not _overlaps(a.ground, field_box) and a.zone.contains(a.ground)
    assert b.moved and not _overlaps(b.ground, note) and b.zone.contains(b.ground)
    path = tmp_path / "fields.pdf"
    pdf.save(path)
    _check_placed(path, 0, "1", "front", STYLE)
    _check_placed(path, 1, "2", "back", STYLE)


@pytest.mark.parametrize("name", ["ccitt-endofline-true", "sandwich"])
def test_top_rows_of_a_fax_image_are_the_full_decodes(name: str) -> None:
    """The corner look decodes only a CCITT image's top rows: the same pixels as the
    whole image decoded (pikepdf), for G3 with end-of-line codes and for G4."""
    with pikepdf.open(CORPUS / f"{name}.pdf") as pdf:
        image = next(iter(pdf.pages[0].obj.Resources.XObject.values()))
        w, h = int(image.Width), int(image.Height)
        top = ink_module._top_rows(image, [pikepdf.Name.CCITTFaxDecode], w, h, h // 7)
        assert top is not None and top.size == (w, h // 7)
        full = pikepdf.PdfImage(image).as_pil_image().convert("L")
        assert top.convert("L").tobytes() == full.crop((0, 0, w, h // 7)).tobytes()


@pytest.mark.parametrize("top", ["text", "dark", "blank", "busy"])
@pytest.mark.parametrize("subsampling", [0, 2])
def test_first_part_of_a_jpeg_is_the_full_decodes(top: str, subsampling: int) -> None:
    """The corner look decodes a baseline JPEG's first part only when it surely holds
    the rows needed: those rows are the same as in the whole JPEG at the same scale."""
    from archiver.synth import render_page, text_page

    img = render_page(text_page("标题", 14, seed=2), dpi=300, seed=2) if top == "text" else Image.new("L", (2480, 3508), 250)
    if top == "dark":
        ImageDraw.Draw(img).rectangle((0, 0, img.width, img.height // 3), fill=15)
    if top == "busy":  # most of the JPEG's bytes in its top third: a cut there falls short
        import random

        rng, draw = random.Random(4), ImageDraw.Draw(img)
        for _ in range(20000):
            x, y = rng.randrange(img.width), rng.randrange(img.height // 3)
            draw.rectangle((x, y, x + 12, y + 12), fill=rng.randrange(256))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70, subsampling=subsampling)
    raw = buf.getvalue()
    w, h = img.size
    holder = pikepdf.new()
    xobj = pikepdf.Stream(holder, raw)  # (its raw bytes: the JPEG)
    for share in (0.05, 0.12, 0.25):
        part = ink_module._jpeg(xobj, w, h, 11.8, h * share).convert("L")
        whole = Image.open(io.BytesIO(raw))
        whole.draft("L", (int(w / 11.8), int(h / 11.8)))
        rows = math.ceil(h * share / (w / part.width))
        assert part.crop((0, 0, part.width, rows)).tobytes() == whole.convert("L").crop((0, 0, part.width, rows)).tobytes()


@pytest.mark.parametrize("tail", [b"[ /oops", b"<< /oops", b"(unclosed", b"1 0 0"])
def test_a_page_whose_content_ends_broken_still_shows_its_number(tmp_path: Path, tail: bytes) -> None:
    """Content that ends inside an array, a dictionary or a string, or with operands left
    over, would swallow the stamp's operators (content streams are read as one): such a
    content goes, byte for byte, into a form XObject of its own."""
    pdf = pikepdf.new()
    page = page_with(pdf, content=b"0 0 m 100 100 l S\n" + tail)
    raw = page.obj.Contents.read_raw_bytes()
    Stamper(pdf, STYLE).stamp(page, 41, "front")
    form = page.obj.Resources.XObject.ArchiverContent
    assert form.read_raw_bytes() == raw and "/ArchiverContent" not in form.Resources.get("/XObject", {})
    path = tmp_path / "broken.pdf"
    pdf.save(path)
    assert [w.text for w in words(path)[0]] == ["41"]
    _check_placed(path, 0, "41", "front", STYLE)


def test_a_sound_page_keeps_its_content_streams() -> None:
    pdf = pikepdf.new()
    page = page_with(pdf, content=b"BT /F1 9 Tf (a [ b) Tj ET [1 2] 0 d")
    Stamper(pdf, STYLE).stamp(page, 1, "front")
    assert "/XObject" not in page.obj.Resources


def test_contents_that_are_not_streams_do_not_stop_the_stamp(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = page_with(pdf, content=b"0 0 m 9 9 l S [")
    page.obj.Contents = pikepdf.Array([page.obj.Contents, pikepdf.Dictionary(Oops=1)])
    result = Stamper(pdf, STYLE).stamp(page, 6, "back")
    path = tmp_path / "odd.pdf"
    pdf.save(path)
    assert [w.text for w in words(path)[0]] == ["6"] and not result.reduced


def test_an_inline_image_under_the_default_spot_moves_the_number(tmp_path: Path) -> None:
    """An inline image (BI … ID … EI: a logo, a small scan) counts as ink over its box."""
    x0, y0 = A4[0] - 60 * MM, A4[1] - 24 * MM
    content = (b"q %.2f 0 0 %.2f %.2f %.2f cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q"
               % (55 * MM, 19 * MM, x0, y0))
    pdf = pikepdf.new()
    result = Stamper(pdf, STYLE).stamp(page_with(pdf, content=content), 4, "front")
    assert result.moved and not _overlaps(result.ground, placement.Rect(x0, y0, x0 + 55 * MM, y0 + 19 * MM))
    path = tmp_path / "inline.pdf"
    pdf.save(path)
    _check_placed(path, 0, "4", "front", STYLE)


# Kept between builds (issue 10 item 7) -----------------------------------------------------------
def test_a_corner_look_is_kept_and_used_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spot found on a record's page is kept in the look cache by its record and page;
    the next build stamps the same spot without looking at the scan again, and a look
    asked otherwise (another page of the record) is made afresh."""
    from archiver.volumes.lookcache import LookCache

    img, k = paper(A4)
    ImageDraw.Draw(img).rectangle((img.width - 60 * k * MM, 8 * k * MM, img.width - 5 * k * MM, 25 * k * MM), fill=30)
    first_pdf, second_pdf = pikepdf.new(), pikepdf.new()
    looks = LookCache(tmp_path)
    first = Stamper(first_pdf, STYLE, looks=looks).stamp(image_page(first_pdf, img, A4, jpeg=True), 5, "front",
                                                         ("ab" * 32, 3))
    assert first.moved and first.judged
    looks.save()
    assert (tmp_path / "stamp-cache" / f"{'ab' * 32}.json").is_file()

    def no_look(*_a: object, **_k: object) -> None:
        raise AssertionError("looked at the scan again")

    monkeypatch.setattr(st, "least_ink", no_look)
    again = Stamper(second_pdf, STYLE, looks=LookCache(tmp_path)).stamp(
        image_page(second_pdf, img, A4, jpeg=True), 5, "front", ("ab" * 32, 3))
    assert again == first
    with pytest.raises(AssertionError, match="looked at the scan again"):
        Stamper(second_pdf, STYLE, looks=LookCache(tmp_path)).stamp(
            image_page(second_pdf, img, A4, jpeg=True), 5, "front", ("ab" * 32, 4))


def test_a_damaged_look_cache_is_looked_at_again(tmp_path: Path) -> None:
    from archiver.volumes.lookcache import LookCache, look_key

    folder = tmp_path / "stamp-cache"
    folder.mkdir()
    (folder / f"{'cd' * 32}.json").write_text('{"version": 1, "spots": {"0:', "utf-8")
    assert LookCache(tmp_path).get("cd" * 32, look_key(0, 1, "x")) == (False, None)


def _outlines(data: bytes) -> list[tuple[object, ...]]:
    from fontTools import ttLib

    font = ttLib.TTFont(io.BytesIO(data))
    cmap, glyf = font.getBestCmap(), font["glyf"]
    out = []
    for ch in digit_module.DIGITS:
        g = glyf[cmap[ord(ch)]]
        coords, ends, flags = g.getCoordinates(glyf)
        out.append((ch, list(coords), list(ends), [f & 1 for f in flags], font["hmtx"][cmap[ord(ch)]]))
    return out


def test_the_shipped_digits_font_is_the_subset_of_the_shipped_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """archiver ships the digits' subset (scripts/make_digit_font.py), so no build subsets
    the font: it is what subsetting the shipped font gives now — the same outlines,
    advances and metrics — and it is what digit_font() uses."""
    fresh = digit_module.subset_digits()

    def no_subset() -> None:
        raise AssertionError("subset at run time")

    monkeypatch.setattr(digit_module, "subset_digits", no_subset)
    monkeypatch.setattr(digit_module, "_digits", [])
    shipped = digit_module.digit_font()
    metrics = ("widths", "bottom", "top", "bbox", "ascent", "descent", "cap_height")
    assert [getattr(shipped, m) for m in metrics] == [getattr(fresh, m) for m in metrics]
    assert shipped.name.split("+")[1] == fresh.name.split("+")[1] == "NotoSerifCJKsc-Regular"
    assert _outlines(shipped.data) == _outlines(fresh.data)


def test_a_shipped_subset_of_another_font_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made from another font than the one shipped (the font was replaced, the subset not
    made again), or missing: the subset is made at run time instead."""
    made = digit_module.subset_digits()
    calls: list[int] = []

    def subset() -> digit_module.DigitFont:
        calls.append(1)
        return made

    monkeypatch.setattr(digit_module, "subset_digits", subset)
    monkeypatch.setattr(digit_module, "SHIPPED_FONT", digit_module.SHIPPED_DIGITS)  # "the font" is now another file
    monkeypatch.setattr(digit_module, "_digits", [])
    assert digit_module.digit_font() is made and calls == [1]
    monkeypatch.setattr(digit_module, "SHIPPED_DIGITS", "fonts/no-such-digits.ttf")
    monkeypatch.setattr(digit_module, "_digits", [])
    assert digit_module.digit_font() is made and calls == [1, 1]
