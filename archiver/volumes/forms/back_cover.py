"""封底, the back cover: the style's lines (fonds name, reference code) at the foot of the page."""

from __future__ import annotations

from typing import Any

from ...forms.typeset import Typesetter
from .sheet import VolumeSheet


def draw(ts: Typesetter, style: dict[str, Any], sheet: VolumeSheet) -> None:
    st = style["back_cover"]
    ts.pdf.add_page()
    size = float(st["font_size"])
    lines = [ts.text(s) for s in st["lines"]]
    h = ts.line_height(size) * 1.3
    y = ts.bottom - 10 - h * len(lines)
    for text in lines:
        ts.put(ts.left, y, h, text, size, align="C", width=ts.right - ts.left)
        y += h
