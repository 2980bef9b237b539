"""Page numbers stamped in the corner the reader sees (Art. 16), read back with pdftotext."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from volumes_helpers import ink

from archiver.volumes.stamp import MM, Stamper, StampStyle, place, visual_size, visual_to_user

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


def stamped(tmp_path: Path, number: int, side: str, style: StampStyle = STYLE, **kw: object) -> tuple[Path, pikepdf.Pdf]:
    pdf = pikepdf.new()
    page = page_with(pdf, **kw)  # type: ignore[arg-type]
    Stamper(pdf, style).stamp(page, number, side)
    path = tmp_path / f"p-{side}-{number}.pdf"
    pdf.save(path)
    return path, pdf


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


@pytest.mark.parametrize("font", ["Times-Bold", "Courier"])
def test_configured_standard_font_and_size(tmp_path: Path, font: str) -> None:
    """Font, size and distance are configuration (volumes.stamp_font, stamp_font_size, stamp_offset_mm)."""
    style = StampStyle(font_size=20, offset=15 * MM, binding_margin=25 * MM, font=font)
    path, pdf = stamped(tmp_path, 2026, "front", style=style)
    assert pdf.pages[0].obj.Resources.Font.ArchiverPageNo.BaseFont == "/" + font
    seen = ink(path)
    assert seen is not None
    assert seen.x1 == pytest.approx(A4[0] - 15 * MM, abs=2)
    assert seen.y0 == pytest.approx(15 * MM, abs=2)
    assert 9 < seen.y1 - seen.y0 < 16  # 20 pt digits


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


def test_stamp_adds_a_stream_and_keeps_the_original_one(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = page_with(pdf, content=b"0 0 m 10 10 l S")
    original = page.obj.Contents.read_bytes()
    Stamper(pdf, STYLE).stamp(page, 1, "front")
    streams = list(page.obj.Contents)
    assert streams[0].read_bytes().strip() == b"q"
    assert streams[1].read_bytes() == original
    assert b"(1) Tj" in streams[2].read_bytes()
    assert page.obj.Resources.Font["/ArchiverPageNo"].BaseFont == "/Helvetica"


def test_font_name_does_not_clash_with_the_pages_own_fonts() -> None:
    pdf = pikepdf.new()
    page = page_with(pdf)
    other = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                 BaseFont=pikepdf.Name.Courier))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(ArchiverPageNo=other))
    Stamper(pdf, STYLE).stamp(page, 2, "back")
    fonts = page.obj.Resources.Font
    assert fonts.ArchiverPageNo.BaseFont == "/Courier"
    assert fonts["/ArchiverPageNo1"].BaseFont == "/Helvetica"
    assert b"/ArchiverPageNo1 12 Tf" in list(page.obj.Contents)[-1].read_bytes()


def test_visual_to_user_maps_the_visible_corners() -> None:
    box = (10.0, 20.0, 110.0, 220.0)  # 100 wide, 200 high
    # the reader's top-left corner is the user-space point that /Rotate brings there
    assert visual_to_user(box, 0, 0, 200) == (10, 220)
    assert visual_to_user(box, 90, 0, 100) == (10, 20)  # turned clockwise: the bottom-left comes to the top-left
    assert visual_to_user(box, 180, 0, 200) == (110, 20)
    assert visual_to_user(box, 270, 0, 100) == (110, 220)


def test_place_direction_matches_rotation() -> None:
    for rotate, direction in {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}.items():
        a, b, *_ = place((0, 0, 595, 842), rotate, "front", "12", STYLE)
        assert (a, b) == direction


def test_config_refuses_a_font_that_is_not_a_standard_font() -> None:
    import tomllib

    from archiver.config import parse_config, template_text
    from archiver.errors import ConfigError

    raw = tomllib.loads(template_text().replace('stamp_font = "Helvetica"', 'stamp_font = "Arial"'))
    with pytest.raises(ConfigError, match="volumes.stamp_font"):
        parse_config(raw)
    assert StampStyle.from_config(parse_config(tomllib.loads(template_text())).volumes).font == "Helvetica"
