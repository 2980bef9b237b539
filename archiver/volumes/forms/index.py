"""卷内文件目录, the volume index (Art. 17): a ruled table 序号 文号 责任者 题名 日期 页号 备注,
one row per document. 页号 is the document's first page number; the last row gives its
range ("17–23"), as the convention asks. The heading, the reference code, "第 n 页 共 N 页"
and the column header repeat on every page (the table itself: :mod:`archiver.forms.table`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...forms.style import fill
from ...forms.table import Table, columns
from ...forms.typeset import Typesetter
from .sheet import IndexRow, VolumeSheet, ymd


def draw(ts: Typesetter, style: dict[str, Any], sheet: VolumeSheet) -> None:
    st = style["index"]
    size = float(st["font_size"])
    cols = columns(st["columns"])
    table = Table(ts, cols, size=size, padding=float(st["cell_padding"]), header_height=float(st["header_height"]),
                  min_row_height=float(st["min_row_height"]))
    first_row_top = ts.top + ts.heading_height() + 9 + table.header_h
    last = len(sheet.rows) - 1
    pages = table.paginate([[cell_text(c.key, row, i == last, st) for c in cols] for i, row in enumerate(sheet.rows)],
                           first_row_top)
    for n, rows in enumerate(pages, start=1):
        ts.pdf.add_page()
        y = ts.heading(ts.text(st["heading"]), ts.top)
        ts.put(ts.left, y + 1, 7, ts.text(st["subheading"]), size + 0.5)
        ts.put(ts.left, y + 1, 7, fill(st["page_format"], {"page": n, "pages": len(pages)}), size,
               align="R", width=table.table_w)
        table.draw(rows, y + 9, fill_page=n == len(pages) and bool(st["fill_page"]))


def cell_text(key: str, row: IndexRow, last: bool, st: Mapping[str, Any]) -> str:
    """What the column ``key`` prints for ``row`` (``last``: the volume's last document)."""
    if key == "number":
        return str(row.number)
    if key == "date":
        return ymd(row.date)
    if key == "pages":
        if row.first_page is None:
            return ""
        if last and row.last_page is not None:
            return fill(st["page_range"], {"first": row.first_page, "last": row.last_page})
        return str(row.first_page)
    return str(getattr(row, key))
