"""案卷目录, the volume register of one fonds, filing year and retention class.

A cover — 全宗名称, 全宗号, 年度, 保管期限, how many volumes, the first and last reference
code, who compiled it and when, and how many pages the register has — then a ruled
table, one row per volume in reference-code order: 案卷号 档号 案卷题名 起止日期 页数
保管期限 备注, its heading and header on every page with "第 n 页 共 N 页" (the table
machinery of the volume index, :mod:`archiver.forms.table`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..forms.style import fill
from ..forms.table import Table, columns
from ..forms.typeset import Typesetter


@dataclass(frozen=True)
class RegisterRow:
    number: int  # 案卷号
    reference: str  # 档号
    title: str  # 案卷题名
    start_date: dt.date
    end_date: dt.date
    pages: int  # 页数 (numbered pages)
    retention_name: str
    remark: str = ""  # 备注: classification, box


@dataclass(frozen=True)
class VolumeRegister:
    fonds_code: str
    fonds_name: str
    year: int
    retention_name: str
    rows: tuple[RegisterRow, ...]
    compiled_by: str  # 编制人
    compiled_on: dt.date  # 编制日期

    def texts(self) -> Iterable[str]:
        yield from (self.fonds_code, self.fonds_name, self.retention_name, self.compiled_by,
                    "全宗名称全宗号年度保管期限案卷数起止档号至编制单位编制人编制日期本目录共页卷年月日第")
        for r in self.rows:
            yield from (r.reference, r.title, r.remark, r.retention_name)


def cell(key: str, row: RegisterRow) -> str:
    if key == "number":
        return str(row.number)
    if key == "dates":
        return f"{row.start_date:%Y%m%d}–{row.end_date:%Y%m%d}"
    if key == "pages":
        return str(row.pages)
    if key == "retention":
        return row.retention_name
    return str(getattr(row, key))


def draw(ts: Typesetter, st: Mapping[str, Any], register: VolumeRegister) -> None:
    size = float(st["font_size"])
    cols = columns(st["columns"])
    table = Table(ts, cols, size=size, padding=float(st["cell_padding"]), header_height=float(st["header_height"]),
                  min_row_height=float(st["min_row_height"]), wrap_labels=True)
    first_row_top = ts.top + ts.heading_height() + 9 + table.header_h
    pages = table.paginate([[cell(c.key, r) for c in cols] for r in register.rows], first_row_top)
    cover(ts, st, register, len(pages))
    where = f"全宗号：{register.fonds_code}　年度：{register.year}　保管期限：{register.retention_name}"
    for n, rows in enumerate(pages, start=1):
        ts.pdf.add_page()
        y = ts.heading(ts.text(st["heading"]), ts.top)
        ts.put(ts.left, y + 1, 7, where, size + 0.5)
        ts.put(ts.left, y + 1, 7, fill(st["page_format"], {"page": n, "pages": len(pages)}), size,
               align="R", width=table.table_w)
        table.draw(rows, y + 9, fill_page=n == len(pages))


def cover(ts: Typesetter, st: Mapping[str, Any], register: VolumeRegister, pages: int) -> None:
    ts.pdf.add_page()
    rows = register.rows
    d = register.compiled_on
    fields: Sequence[tuple[str, str]] = [
        ("全宗名称", register.fonds_name),
        ("全宗号", register.fonds_code),
        ("年度", str(register.year)),
        ("保管期限", register.retention_name),
        ("案卷数", f"{len(rows)} 卷"),
        ("起止档号", f"{rows[0].reference}\n至 {rows[-1].reference}" if rows else "—"),
        ("编制单位", register.fonds_name),
        ("编制人", register.compiled_by),
        ("编制日期", f"{d.year}年{d.month}月{d.day}日"),
    ]
    size = float(st["cover_size"])
    y = ts.heading(ts.text(st["cover_heading"]), ts.top + 45, size, 6.0)
    y += 25
    fsize, line_h = 14.0, 12.0
    x_label = ts.left + 10
    x_value = x_label + 32
    x_end = ts.right - 10
    for label, value in fields:
        lines = ts.wrap(value, x_end - x_value - 2, fsize)
        ts.put(x_label, y, line_h, label, fsize, heavy=0.15, spacing=1.0)
        for i, line in enumerate(lines):
            ts.put(x_value + 1, y + i * line_h, line_h, line, fsize, align="C",
                   width=x_end - x_value - 2)
            ts.hline(x_value, x_end, y + (i + 1) * line_h - 1.0)
        y += len(lines) * line_h + 3
    ts.put(ts.left, ts.bottom - 14, 10, f"本目录共 {pages} 页", 13, align="C", width=ts.right - ts.left, spacing=1.0)
