"""案卷封面, the volume's cover (Art. 20): fonds name, volume title, customer, start and end
dates, retention class, number of documents and of numbered pages, the reference code (档号)
— in a box at the top right and among the fields — and the classification mark where the
volume is not ordinary (top left)."""

from __future__ import annotations

from typing import Any

from ...forms.typeset import Typesetter
from .sheet import VolumeSheet


def draw(ts: Typesetter, style: dict[str, Any], sheet: VolumeSheet) -> None:
    st = style["cover"]
    ts.pdf.add_page()
    y = ts.top
    band = 10.0
    if sheet.classification_label:
        mark = ts.text(st["classification_format"])
        w = ts.width(mark, 15) + 8
        ts.box(ts.left, y, w, band, ts.frame)
        ts.put(ts.left, y, band, mark, 15, align="C", width=w, heavy=0.25)
    label = ts.text(st["reference_label"])
    label_w = ts.width(label, 12) + 6
    code_w = max(ts.width(sheet.reference_code, 12) + 8, 55.0)
    x = ts.right - label_w - code_w
    ts.box(x, y, label_w, band)
    ts.box(x + label_w, y, code_w, band)
    ts.box(x, y, label_w + code_w, band, ts.frame)
    ts.put(x, y, band, label, 12, align="C", width=label_w)
    ts.put(x + label_w, y, band, sheet.reference_code, 12, align="C", width=code_w)

    y = ts.heading(ts.text(st["heading"]), ts.top + float(st["heading_top"]), float(st["heading_size"]),
                   float(st["heading_spacing"]))
    y += float(st["fields_gap"])
    size, line_h = float(st["field_size"]), float(st["field_line"])
    x_label = ts.left + 6
    x_value = x_label + float(st["label_width"])
    x_end = ts.right - 6
    for label_text, value_text, n_lines in st["fields"]:
        lines = ts.wrap(ts.text(value_text), x_end - x_value - 2, size)
        rows = max(int(n_lines), len(lines))
        ts.put(x_label, y, line_h, ts.text(label_text), size, heavy=0.15, spacing=1.0)
        for i in range(rows):
            top = y + i * line_h
            if i < len(lines):
                align = "C" if len(lines) == 1 else "L"
                ts.put(x_value + 1, top, line_h, lines[i], size, align=align, width=x_end - x_value - 2)
            ts.hline(x_value, x_end, top + line_h - 1.0)
        y += rows * line_h + 3
    footer = ts.text(st["footer"])
    if footer:
        ts.put(ts.left, ts.bottom - 10, 10, footer, float(st["footer_size"]), align="C",
               width=ts.right - ts.left, spacing=1.0)
