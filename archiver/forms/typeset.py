"""Text and rules on a page: the primitives every layout draws with.

A :class:`Typesetter` works on one fpdf2 document whose main font is "form" (see
:mod:`.render`), in millimetres, within the page geometry of a style's ``[page]`` table
(width, height, top, bottom, font_size, line_height, rule, frame, heading_size,
heading_spacing, heading_weight). Headings are set in the same Song face, stroked for
weight, so one font set prints everything.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .linebreak import wrap
from .style import fill

if TYPE_CHECKING:  # fpdf2 is imported on the first render
    from fpdf import FPDF

PT_MM = 25.4 / 72.0
MAIN = "form"  # the family name of the main font in every document (see fonts.load_fonts)


class Typesetter:
    """Draws into one fpdf2 document: text in bands, wrapped text, rules, boxes, headings."""

    def __init__(self, pdf: FPDF, page: Mapping[str, Any], values: Mapping[str, object]) -> None:
        from fpdf.fonts import TTFFont

        self.pdf = pdf
        self.page = page
        self.values = values
        self.page_w = float(page["width"])
        self.page_h = float(page["height"])
        self.top = float(page["top"])
        self.bottom = self.page_h - float(page["bottom"])
        self.left = pdf.l_margin
        self.right = self.page_w - pdf.r_margin
        self.size = float(page["font_size"])
        self.lh = float(page["line_height"])
        self.rule = float(page["rule"])
        self.frame = float(page["frame"])
        main = pdf.fonts[MAIN]
        assert isinstance(main, TTFFont)
        self.cw: Mapping[int, float] = main.cw
        self.cmap: Mapping[int, object] = main.cmap

    def text(self, s: str) -> str:
        """A style text with the paper's {fields} filled in."""
        return fill(s, self.values)

    def font(self, size: float) -> None:
        if self.pdf.font_family != MAIN or self.pdf.font_size_pt != size:
            self.pdf.set_font(MAIN, "", size)

    def width(self, s: str, size: float) -> float:
        """Width in mm of ``s`` at ``size`` pt (the main font's metrics; fpdf2's for fallback text)."""
        cw, cmap = self.cw, self.cmap
        units = 0.0
        for c in map(ord, s):
            if c not in cmap:  # printed by a fallback font: let fpdf2 measure it
                self.font(size)
                return float(self.pdf.get_string_width(s))
            units += cw[c]
        return units * size / 1000 * PT_MM

    def line_height(self, size: float) -> float:
        return size * PT_MM * self.lh

    def put(self, x: float, top: float, box_h: float, s: str, size: float, *, align: str = "L",
            width: float = 0.0, heavy: float = 0.0, spacing: float = 0.0) -> None:
        """One line of text, vertically centred in the band [top, top + box_h].

        Through fpdf2's cell(), which applies the fallback fonts (text() does not).
        """
        s = unicodedata.normalize("NFC", s)
        pdf = self.pdf
        self.font(size)
        if spacing:
            pdf.set_char_spacing(spacing)
        w = self.width(s, size) + max(0, len(s) - 1) * spacing * PT_MM
        if align == "C":
            x = x + (width - w) / 2
        elif align == "R":
            x = x + width - w
        pdf.set_xy(x, top)
        if heavy:  # fill and stroke the glyphs: a heavier face without a second font
            from fpdf.enums import TextMode

            with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=heavy):
                pdf.cell(w + spacing * PT_MM, box_h, s)
        else:
            pdf.cell(w + spacing * PT_MM, box_h, s)
        if spacing:
            pdf.set_char_spacing(0)

    def wrap(self, s: str, width: float, size: float) -> list[str]:
        """``s`` broken into lines no wider than ``width`` mm (see :mod:`.linebreak`)."""
        return wrap(s, width, lambda t: self.width(t, size))

    def hline(self, x0: float, x1: float, y: float, width: float | None = None) -> None:
        self.pdf.set_line_width(width or self.rule)
        self.pdf.line(x0, y, x1, y)

    def box(self, x: float, y: float, w: float, h: float, width: float | None = None) -> None:
        self.pdf.set_line_width(width or self.rule)
        self.pdf.rect(x, y, w, h)

    def heading_height(self, size: float | None = None) -> float:
        return (size or float(self.page["heading_size"])) * PT_MM * 1.6

    def heading(self, s: str, y: float, size: float | None = None, spacing: float | None = None) -> float:
        """A centred, stroked title at ``y``; returns the y below it."""
        page = self.page
        size = size or float(page["heading_size"])
        spacing = float(page["heading_spacing"]) if spacing is None else spacing
        h = self.heading_height(size)
        self.put(self.left, y, h, s, size, align="C", width=self.right - self.left,
                 heavy=float(page["heading_weight"]), spacing=spacing)
        return y + h
