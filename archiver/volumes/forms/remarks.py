"""卷内备考表, the remarks sheet (Art. 18): 本卷情况说明 with the generated remarks, then the
filer (立卷人), the checker (检查人) and the date (立卷时间) — always printed, also when there
is nothing to remark. Many remarks continue on a next page (本卷情况说明（续）); the names
close the sheet, after the last remark."""

from __future__ import annotations

from typing import Any

from ...forms.style import fill
from ...forms.typeset import Typesetter
from .sheet import VolumeSheet


def draw(ts: Typesetter, style: dict[str, Any], sheet: VolumeSheet) -> None:
    st = style["remarks"]
    pdf = ts.pdf
    size = float(st["font_size"])
    line = ts.line_height(size)
    inner_x = ts.left + 6
    inner_w = ts.right - ts.left - 12
    items = list(sheet.remarks) or [ts.text(st["empty"])]
    paragraphs: list[list[str]] = []
    for k, item in enumerate(items, start=1):
        prefix = f"{k}. " if st["numbered"] and sheet.remarks else ""
        indent = ts.width(prefix, size)
        wrapped = ts.wrap(item, inner_w - indent, size)
        paragraphs.append([prefix + wrapped[0], *wrapped[1:]] if prefix else wrapped)
    sign_size = size + 0.5
    sign_h = 3 * ts.line_height(sign_size) * 1.35 + 12
    signature = [
        (ts.text(st["filer_label"]), sheet.filer),
        (ts.text(st["checker_label"]), sheet.checker),
        (ts.text(st["date_label"]),
         fill(st["date_format"], {"y": sheet.date.year, "m": sheet.date.month, "d": sheet.date.day})),
    ]

    def new_page(cont: bool) -> float:
        pdf.add_page()
        y = ts.heading(ts.text(st["heading"]), ts.top)
        ts.put(ts.left, y + 1, 7, ts.text(st["subheading"]), size)
        y += 10
        ts.box(ts.left, y, ts.right - ts.left, ts.bottom - y, ts.frame)
        label = ts.text(st["box_heading"]) + ("（续）" if cont else "")
        ts.put(inner_x, y + 4, 10, label, size + 2, heavy=0.2, spacing=1.0)
        return y + 18

    y = new_page(False)
    for k, para in enumerate(paragraphs):
        for j, text in enumerate(para):
            room = ts.bottom - (sign_h if k == len(paragraphs) - 1 and j == len(para) - 1 else 6)
            if y + line > room:
                y = new_page(True)
            indent = 0.0
            if j and st["numbered"] and sheet.remarks:
                indent = ts.width(f"{k + 1}. ", size)
            ts.put(inner_x + 4 + indent, y, line, text, size)
            y += line
        y += line * 0.3
    if y > ts.bottom - sign_h:
        y = new_page(True)
    sign_w = float(st["signature_width"])
    x = ts.right - 6 - sign_w
    row_h = ts.line_height(sign_size) * 1.35
    y = ts.bottom - sign_h + 6
    label_w = max(ts.width(lab, sign_size) for lab, _ in signature) + 2
    for lab, value in signature:
        ts.put(x, y, row_h, lab, sign_size)
        ts.put(x + label_w, y, row_h, value, sign_size)
        ts.hline(x + label_w, ts.right - 8, y + row_h - 1.2)
        y += row_h
