"""What a volume's forms print: the volume's data, one row per document (Art. 17, 20)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class IndexRow:
    """One row of 卷内文件目录 (Art. 17)."""

    number: int  # 序号
    doc_no: str  # 文号 ('' → empty cell)
    responsible: str  # 责任者
    title: str  # 题名 (long titles wrap, never overflow)
    date: dt.date  # printed YYYYMMDD
    first_page: int | None  # 页号 = the document's first page number; None if no numbered page
    last_page: int | None
    remark: str = ""  # 备注


@dataclass(frozen=True)
class VolumeSheet:
    """Everything the forms print."""

    fonds_code: str
    fonds_name: str
    reference_code: str  # 档号
    title: str  # volume title, e.g. "上海明远贸易有限公司 2026年 客户档案"
    customer_code: str
    customer_name: str
    year: int
    retention_name: str  # 永久/长期/短期
    volume_number: int
    classification_label: str  # '' for ordinary, else e.g. 绝密 (printed as a mark on the cover)
    start_date: dt.date
    end_date: dt.date
    document_count: int
    page_count: int  # numbered pages
    rows: tuple[IndexRow, ...]
    remarks: tuple[str, ...]  # generated lines of 本卷情况说明 (Art. 18, 19)
    filer: str
    checker: str
    date: dt.date  # 立卷人, 检查人, 立卷时间


def ymd(d: dt.date) -> str:
    """A date as the forms print it: YYYYMMDD."""
    return d.strftime("%Y%m%d")


def sheet_fields(sheet: VolumeSheet) -> dict[str, object]:
    """The {fields} a style text may use."""
    values: dict[str, object] = {
        f.name: getattr(sheet, f.name) for f in fields(sheet) if f.name not in ("rows", "remarks")
    }
    values.update(start=ymd(sheet.start_date), end=ymd(sheet.end_date))
    return values
