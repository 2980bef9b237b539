"""Ruled tables that run over pages (卷内文件目录, 案卷目录, 销毁清册 …).

Columns take shares of the width between the margins. Long texts wrap inside their cell
(never overflow); a row never splits across pages unless it is taller than a page by
itself; the column header is drawn on every page; the last page may be ruled down to the
bottom with empty rows, as on a printed form. Layout first (:meth:`Table.paginate`), so
that every page can say "第 n 页 共 N 页" before it is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .typeset import Typesetter


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: float  # share of the table width
    align: str = "L"  # L, C or R


def columns(spec: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Columns from a style's list of {key, label, width, align} tables."""
    return [Column(str(c["key"]), str(c["label"]), float(c["width"]), str(c.get("align", "L"))) for c in spec]


@dataclass(frozen=True)
class Row:
    """One laid-out row: the lines of each cell, and its height in mm."""

    cells: tuple[tuple[str, ...], ...]
    height: float


class Table:
    """A ruled table drawn with ``ts``: ``size`` pt text, ``padding`` mm inside each cell."""

    def __init__(self, ts: Typesetter, cols: Sequence[Column], *, size: float, padding: float,
                 header_height: float, min_row_height: float, wrap_labels: bool = False) -> None:
        self.ts = ts
        self.wrap_labels = wrap_labels
        self.cols = list(cols)
        self.size = size
        self.pad = padding
        self.header_h = header_height
        self.min_h = min_row_height
        self.line = ts.line_height(size)
        total = sum(c.width for c in self.cols)
        self.table_w = ts.right - ts.left
        self.widths = [c.width / total * self.table_w for c in self.cols]
        self.xs = [ts.left + sum(self.widths[:i]) for i in range(len(self.widths))]

    def paginate(self, rows: Sequence[Sequence[str]], first_row_top: float) -> list[list[Row]]:
        """The rows (one text per column) laid out into pages; each page's rows start at
        ``first_row_top`` (below its header) and end above the bottom margin."""
        ts, pad, line = self.ts, self.pad, self.line
        most = max(1, int((ts.bottom - first_row_top - 2 * pad) // line))  # lines in a page-high row
        laid: list[Row] = []
        for texts in rows:
            content = [ts.wrap(t, w - 2 * pad, self.size) for t, w in zip(texts, self.widths, strict=True)]
            # A row never splits across pages — unless it is taller than a page by itself.
            for k in range(0, max(len(c) for c in content), most):
                chunk = tuple(tuple(c[k:k + most] or [""]) for c in content)
                laid.append(Row(chunk, max(self.min_h, max(len(c) for c in chunk) * line + 2 * pad)))
        pages: list[list[Row]] = [[]]
        y = first_row_top
        for row in laid:
            if pages[-1] and y + row.height > ts.bottom:
                pages.append([])
                y = first_row_top
            pages[-1].append(row)
            y += row.height
        return pages

    def draw(self, rows: Sequence[Row], y: float, *, fill_page: bool = False) -> float:
        """The header at ``y``, the rows below it, empty rows to the bottom if ``fill_page``,
        and the outer frame; returns the y of the table's bottom edge."""
        ts = self.ts
        top = y
        label_size = self.size + 0.5
        for x, w, c in zip(self.xs, self.widths, self.cols, strict=True):
            ts.box(x, y, w, self.header_h)
            lines = _label_lines(ts, c.label, w - 2 * self.pad, label_size) if self.wrap_labels else [c.label]
            if len(lines) == 1:
                ts.put(x, y, self.header_h, c.label, label_size, align="C", width=w, heavy=0.12, spacing=1.0)
                continue
            lh = ts.line_height(label_size) * 0.9  # a label wider than its column: two lines
            first = y + (self.header_h - len(lines) * lh) / 2
            for k, line in enumerate(lines):
                ts.put(x, first + k * lh, lh, line, label_size, align="C", width=w, heavy=0.12)
        y += self.header_h
        for row in rows:
            self._row(y, row)
            y += row.height
        if fill_page:
            empty = Row(tuple(("",) for _ in self.cols), self.min_h)
            while y + self.min_h <= ts.bottom + 0.01:
                self._row(y, empty)
                y += self.min_h
        ts.box(ts.left, top, self.table_w, y - top, ts.frame)
        return y

    def _row(self, y: float, row: Row) -> None:
        ts, pad, line = self.ts, self.pad, self.line
        for x, w, c, lines in zip(self.xs, self.widths, self.cols, row.cells, strict=True):
            ts.box(x, y, w, row.height)
            top = y + (row.height - len(lines) * line) / 2
            align = c.align
            if len(lines) > 1 and align == "C":
                align = "L"  # wrapped text reads better flush left
            for k, text in enumerate(lines):
                if text:
                    ts.put(x + pad, top + k * line, line, text, self.size, align=align, width=w - 2 * pad)


def _label_lines(ts: Typesetter, label: str, width: float, size: float) -> list[str]:
    """A column label on one line, else broken in the middle (保管/期限, not 保管期/限)."""
    if ts.width(label, size) <= width or " " in label or len(label) < 2:
        return ts.wrap(label, width, size)
    half = (len(label) + 1) // 2
    return [label[:half], label[half:]]
