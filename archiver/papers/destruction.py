"""The destruction papers of Art. 29: 销毁清册 and 销毁登记表.

* **销毁清册** (destruction list): what is to be destroyed — one row per volume: 档号,
  案卷题名, 年度, 保管期限, 件数 and the day its retention ran out — and why (保管期限已满);
  then a signature table, one row for each step of the policy: the records clerk who
  listed it (登记造册), the customer-service manager's and the originating department's
  leader's appraisals (共同鉴定), the customer director's approval (批准): opinion, the
  name the register holds, room to sign, the date. Printed at any time: a step not yet
  recorded leaves its row blank to be filled in by hand.
* **销毁登记表** (destruction register), after destruction: the list, approval and hold,
  the date and place of destruction, who carried it out, what was destroyed, and the
  supervisor's (监销人) signature line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..forms.table import Column, Row, Table, columns
from ..forms.typeset import Typesetter

REASON = "以上案卷保管期限已满，经共同鉴定确无保留价值，拟予销毁（第29条）。"


@dataclass(frozen=True)
class ListedVolume:
    reference: str
    title: str
    year: int
    retention_name: str
    documents: int
    expired_after: dt.date | None


@dataclass(frozen=True)
class Step:
    """One signed step: who the register says did it, their opinion and the day."""

    label: str  # e.g. 客户服务部经理鉴定
    name: str = ""  # '' when not recorded yet
    opinion: str = ""
    on: dt.date | None = None


@dataclass(frozen=True)
class DestructionList:
    list_id: str
    fonds_code: str
    fonds_name: str
    volumes: tuple[ListedVolume, ...]
    steps: tuple[Step, ...]  # 登记造册, two appraisals, the approval
    hold_until: dt.date | None  # the end of the six-month hold, once approved

    def texts(self) -> Iterable[str]:
        yield from (self.list_id, self.fonds_code, self.fonds_name, REASON, "清册编号全宗号共卷件单独存放至期满经验证后再行销毁")
        for v in self.volumes:
            yield from (v.reference, v.title, v.retention_name)
        for s in self.steps:
            yield from (s.label, s.name, s.opinion)


@dataclass(frozen=True)
class DestructionRecord:
    list_id: str
    fonds_code: str
    fonds_name: str
    volumes: tuple[ListedVolume, ...]
    files: int
    approved_by: str
    approved_on: dt.date | None
    hold_until: dt.date | None
    destroyed_on: dt.date
    place: str
    executed_by: str
    supervisor: str

    def texts(self) -> Iterable[str]:
        yield from (self.list_id, self.fonds_code, self.fonds_name, self.approved_by, self.place, self.executed_by,
                    self.supervisor, "清册编号全宗号批准人批准日期封存期满销毁日期地点执行人监销人数量卷件个文件签字年月日（）：")
        for v in self.volumes:
            yield from (v.reference, v.title, v.retention_name)


def _date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def volume_cell(key: str, number: int, v: ListedVolume) -> str:
    if key == "number":
        return str(number)
    if key == "expired":
        return f"{v.expired_after:%Y%m%d}" if v.expired_after else ""
    if key == "retention":
        return v.retention_name
    return str(getattr(v, key))


def _volume_pages(ts: Typesetter, st: Mapping[str, Any], volumes: Sequence[ListedVolume],
                  heading: str, subheading: str, reserve: float) -> float:
    """The volumes' table over as many pages as needed, each with the heading; returns the
    y below the table on the last page (a new page when ``reserve`` mm do not fit)."""
    cols = columns(st["columns"])
    table = Table(ts, cols, size=float(st["font_size"]), padding=float(st["cell_padding"]),
                  header_height=float(st["header_height"]), min_row_height=float(st["min_row_height"]),
                  wrap_labels=True)
    first_row_top = ts.top + ts.heading_height() + 9 + table.header_h
    pages = table.paginate([[volume_cell(c.key, i, v) for c in cols] for i, v in enumerate(volumes, start=1)],
                           first_row_top)
    end = first_row_top + sum(r.height for r in pages[-1])  # where the table ends on its last page
    total = len(pages) + (1 if ts.bottom - end < reserve else 0)
    y = 0.0
    for n, rows in enumerate(pages, start=1):
        y = table.draw(rows, _page(ts, heading, subheading, n, total))
    if total > len(pages):
        y = _page(ts, heading + "（续）", subheading, total, total)
    return y


def _page(ts: Typesetter, heading: str, subheading: str, n: int, pages: int) -> float:
    ts.pdf.add_page()
    y = ts.heading(heading, ts.top)
    ts.put(ts.left, y + 1, 7, subheading, ts.size)
    if pages:
        ts.put(ts.left, y + 1, 7, f"第 {n} 页  共 {pages} 页", ts.size - 1, align="R", width=ts.right - ts.left)
    return y + 9


def _grid(ts: Typesetter, y: float, rows: Sequence[tuple[str, str]], *, label_w: float = 34.0,
          row_h: float = 11.0, size: float = 11.0) -> float:
    """Label | value rows in a ruled frame; returns the y below it."""
    top = y
    w = ts.right - ts.left
    for label, value in rows:
        lines = ts.wrap(value, w - label_w - 4, size)
        h = max(row_h, len(lines) * ts.line_height(size) + 4)
        ts.box(ts.left, y, label_w, h)
        ts.box(ts.left + label_w, y, w - label_w, h)
        ts.put(ts.left, y, h, label, size, align="C", width=label_w, heavy=0.12, spacing=0.5)
        lh = ts.line_height(size)
        for k, line in enumerate(lines):
            ts.put(ts.left + label_w + 2, y + (h - len(lines) * lh) / 2 + k * lh, lh, line, size)
        y += h
    ts.box(ts.left, top, w, y - top, ts.frame)
    return y


SIGN_COLUMNS = [Column("step", "环节", 36, "C"), Column("opinion", "意见", 40, "L"), Column("name", "姓名", 22, "C"),
                Column("sign", "签字", 28, "C"), Column("date", "日期", 30, "C")]


def _signatures(ts: Typesetter, y: float, steps: Sequence[Step]) -> float:
    table = Table(ts, SIGN_COLUMNS, size=10.5, padding=1.0, header_height=10.0, min_row_height=16.0)
    rows = []
    for s in steps:
        cells = tuple(tuple(ts.wrap(text, w - 2, 10.5)) for text, w in
                      zip((s.label, s.opinion, s.name, "", _date(s.on)), table.widths, strict=True))
        rows.append(Row(cells, max(16.0, max(len(c) for c in cells) * table.line + 2)))
    return table.draw(rows, y)


def draw_list(ts: Typesetter, st: Mapping[str, Any], paper: DestructionList) -> None:
    heading = str(st["list_heading"])
    sub = f"清册编号：{paper.list_id}　全宗号：{paper.fonds_code}　全宗名称：{paper.fonds_name}"
    reserve = 30 + 10 + 16 * len(paper.steps) + 12
    y = _volume_pages(ts, st, paper.volumes, heading, sub, reserve)
    docs = sum(v.documents for v in paper.volumes)
    ts.put(ts.left, y + 2, 7, f"共 {len(paper.volumes)} 卷 {docs} 件。", ts.size)
    ts.put(ts.left, y + 9, 7, f"销毁原因：{REASON}", ts.size)
    if paper.hold_until:
        ts.put(ts.left, y + 16, 7, f"经批准，单独存放至 {_date(paper.hold_until)}，期满经验证后再行销毁。", ts.size)
    _signatures(ts, y + 26, paper.steps)


def draw_record(ts: Typesetter, st: Mapping[str, Any], paper: DestructionRecord) -> None:
    heading = str(st["register_heading"])
    sub = f"清册编号：{paper.list_id}　全宗号：{paper.fonds_code}　全宗名称：{paper.fonds_name}"
    ts.pdf.add_page()
    y = ts.heading(heading, ts.top)
    ts.put(ts.left, y + 1, 7, sub, ts.size)
    docs = sum(v.documents for v in paper.volumes)
    y = _grid(ts, y + 10, [
        ("清册编号", paper.list_id),
        ("批准人", f"{paper.approved_by}（{_date(paper.approved_on)}批准）" if paper.approved_by else ""),
        ("封存期满", _date(paper.hold_until)),
        ("销毁日期", _date(paper.destroyed_on)),
        ("销毁地点", paper.place),
        ("执行人", paper.executed_by),
        ("监销人", paper.supervisor),
        ("销毁数量", f"{len(paper.volumes)} 卷 {docs} 件（{paper.files} 个文件）"),
    ])
    y += 6
    ts.put(ts.left, y, 7, "销毁案卷：", ts.size, heavy=0.12)
    cols = columns(st["columns"])
    table = Table(ts, cols, size=float(st["font_size"]), padding=float(st["cell_padding"]),
                  header_height=float(st["header_height"]), min_row_height=float(st["min_row_height"]),
                  wrap_labels=True)
    rows = [[volume_cell(c.key, i, v) for c in cols] for i, v in enumerate(paper.volumes, start=1)]
    sign_h = 40.0
    pages = table.paginate(rows, y + 8 + table.header_h)
    for n, page_rows in enumerate(pages):
        if n:
            y = _page(ts, heading + "（续）", sub, 0, 0)
        else:
            y += 8
        y = table.draw(page_rows, y)
    if ts.bottom - y < sign_h:
        y = _page(ts, heading + "（续）", sub, 0, 0)
    y = max(y + 12, ts.bottom - sign_h + 8)
    for label, name in (("监销人（签字）：", paper.supervisor), ("执行人（签字）：", paper.executed_by)):
        ts.put(ts.left + 6, y, 9, label, 12)
        x = ts.left + 6 + ts.width(label, 12)
        ts.hline(x, x + 45, y + 8)
        ts.put(x + 48, y, 9, f"（{name}）" if name else "", 10)
        ts.put(ts.right - 55, y, 9, "日期：", 12)
        ts.hline(ts.right - 55 + ts.width("日期：", 12), ts.right - 6, y + 8)
        y += 14
