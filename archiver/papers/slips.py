"""Request and loan slips (Art. 27, 28): 查档申请单, 借档申请单 and 借阅登记.

* **申请单** (request): the written request with every field Art. 27 names — purpose,
  object, reason, who asks and for which department — (for a loan, Art. 28: the items,
  copies and the due date), the requesting department's stamp box (盖章) and its
  responsible person's signature line (负责人签字), then the archive's review (审核意见:
  approved or refused, by whom, when) with its signature lines.
* **借阅登记** (loan record): what was lent — the items, the time, the copies, the reason —
  and the borrower's signature line (借档人签字); below it the cancellation on return
  (归还注销): the day it came back, who took it back, days late, marked 已注销. A step not
  recorded yet is left blank, to be filled in by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..forms.table import Column, Row, Table
from ..forms.typeset import Typesetter

KINDS = {"customer": "客户档案", "volume": "案卷", "record": "文件"}


@dataclass(frozen=True)
class Material:
    kind: str  # customer / volume / record
    ref: str
    label: str

    @property
    def text(self) -> str:
        return f"{KINDS.get(self.kind, self.kind)} {self.ref} {self.label}".strip()


@dataclass(frozen=True)
class Review:
    """The archive's decision on a request."""

    approved_by: tuple[tuple[str, dt.date | None], ...] = ()  # who approved, when
    refused_by: str = ""
    refusal: str = ""
    refused_on: dt.date | None = None


@dataclass(frozen=True)
class RequestSlip:
    loan: bool  # 借档 (Art. 28), else 查档 (Art. 27)
    case_id: str
    requested_on: dt.date | None
    recorded_by: str
    requester: str
    department: str
    purpose: str
    reason: str
    signer: str  # the department's responsible person, '' if not named
    subject: Material | None  # what to consult / what the loan concerns
    items: tuple[Material, ...] = ()  # a loan's items
    copies: int = 0
    due: dt.date | None = None
    classification_label: str = ""  # '' for ordinary
    approvals_needed: int = 1
    review: Review = Review()

    def texts(self) -> Iterable[str]:
        yield from (self.case_id, self.recorded_by, self.requester, self.department, self.purpose, self.reason,
                    self.signer, self.classification_label, self.review.refused_by, self.review.refusal,
                    *(n for n, _ in self.review.approved_by), *KINDS.values(),
                    "编号申请日期申请人部门查阅借档目的对象理由材料份数归还期限密级盖章负责人签字审核意见同意不同意审核人日期年月日（）：")
        for m in (*self.items, *([self.subject] if self.subject else [])):
            yield m.text


@dataclass(frozen=True)
class LoanRecord:
    case_id: str
    items: tuple[Material, ...]
    copies: int
    reason: str
    borrower: str  # '' before the loan
    lent_on: dt.date | None
    lent_by: str
    due: dt.date | None
    returned_on: dt.date | None = None
    returned_by: str = ""
    days_late: int = 0

    def texts(self) -> Iterable[str]:
        yield from (self.case_id, self.reason, self.borrower, self.lent_by, self.returned_by, *KINDS.values(),
                    "借阅登记编号序号档号材料名称份数借出日期应还日期理由借档人签字经办人归还注销逾期天已注销未归还年月日（）：")
        for m in self.items:
            yield m.text


def _date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _grid(ts: Typesetter, y: float, rows: Sequence[tuple[str, str]], *, label_w: float, row_h: float,
          size: float) -> float:
    """Label | value rows in a ruled frame; returns the y below it."""
    top = y
    w = ts.right - ts.left
    lh = ts.line_height(size)
    for label, value in rows:
        lines = [line for part in value.split("\n") for line in ts.wrap(part, w - label_w - 4, size)]
        h = max(row_h, len(lines) * lh + 4)
        ts.box(ts.left, y, label_w, h)
        ts.box(ts.left + label_w, y, w - label_w, h)
        ts.put(ts.left, y, h, label, size, align="C", width=label_w, heavy=0.12, spacing=0.5)
        for k, line in enumerate(lines):
            ts.put(ts.left + label_w + 3, y + (h - len(lines) * lh) / 2 + k * lh, lh, line, size)
        y += h
    ts.box(ts.left, top, w, y - top, ts.frame)
    return y


def _sign(ts: Typesetter, x: float, y: float, label: str, name: str, size: float, width: float = 42.0) -> float:
    """``label`` then a line to sign on (the recorded ``name`` small beside it); returns x after it."""
    ts.put(x, y, 8, label, size)
    x += ts.width(label, size)
    ts.hline(x, x + width, y + 7)
    if name:
        ts.put(x + width + 1, y, 8, f"（{name}）", size - 2)
        x += ts.width(f"（{name}）", size - 2) + 1
    return x + width + 4


def draw_request(ts: Typesetter, st: Mapping[str, Any], slip: RequestSlip) -> None:
    size, row_h, label_w = float(st["font_size"]), float(st["row_height"]), float(st["label_width"])
    ts.pdf.add_page()
    heading = str(st["loan_heading" if slip.loan else "consult_heading"])
    y = ts.heading(heading, ts.top)
    ts.put(ts.left, y + 1, 7, f"编号：{slip.case_id}", size)
    ts.put(ts.left, y + 1, 7, f"申请日期：{_date(slip.requested_on)}", size, align="R", width=ts.right - ts.left)
    what = "借档" if slip.loan else "查阅"
    rows = [("申请人", slip.requester), ("申请部门", slip.department), (f"{what}目的", slip.purpose)]
    if slip.loan:
        rows.append(("借阅材料", "\n".join(f"{i}. {m.text}" for i, m in enumerate(slip.items, start=1))))
        if slip.subject:
            rows.append(("涉及客户", slip.subject.text))
        rows += [("份数", f"{slip.copies} 份"), ("归还期限", _date(slip.due))]
    else:
        rows.append(("查阅对象", slip.subject.text if slip.subject else ""))
    rows.append((f"{what}理由", slip.reason))
    if slip.classification_label:
        rows.append(("密级", f"{slip.classification_label}（需 {slip.approvals_needed} 人审批）"))
    y = _grid(ts, y + 10, rows, label_w=label_w, row_h=row_h, size=size)

    # the requesting department: stamp box and the responsible person's signature (Art. 27.2)
    stamp = float(st["stamp_size"])
    w = ts.right - ts.left
    block_h = stamp + 14
    ts.box(ts.left, y, w, block_h, ts.frame)
    ts.put(ts.left + 3, y + 2, 8, "申请部门意见：", size, heavy=0.12)
    sx = ts.right - stamp - 8
    ts.box(sx, y + 6, stamp, stamp)
    ts.put(sx, y + 6 + stamp / 2 - 4, 8, "盖章处", size - 2, align="C", width=stamp)
    yy = y + block_h - 24  # left of the stamp box
    _sign(ts, ts.left + 3, yy, "负责人（签字）：", slip.signer, size)
    _sign(ts, ts.left + 3, yy + 11, "日期：", "", size)
    y += block_h

    # the archive's review (Art. 27.3, 28.3)
    review = slip.review
    if review.refused_by:
        verdict = f"不同意：{review.refusal}"
        who = [(review.refused_by, review.refused_on)]
    elif review.approved_by:
        verdict = "同意" + (f"（已审批 {len(review.approved_by)}/{slip.approvals_needed}）"
                          if len(review.approved_by) < slip.approvals_needed else "")
        who = list(review.approved_by)
    else:
        verdict, who = "", []
    who += [("", None)] * max(0, slip.approvals_needed - len(who))
    block_h = 16 + 11 * len(who)
    ts.box(ts.left, y, w, block_h, ts.frame)
    ts.put(ts.left + 3, y + 2, 8, "档案部门审核意见：", size, heavy=0.12)
    ts.put(ts.left + 3 + ts.width("档案部门审核意见：", size), y + 2, 8, verdict, size)
    yy = y + 14
    for name, on in who:
        x = _sign(ts, ts.left + 3, yy, "审核人（签字）：", name, size)
        ts.put(x, yy, 8, f"日期：{_date(on)}", size)
        yy += 11


RECORD_COLUMNS = [Column("number", "序号", 9, "C"), Column("ref", "档号／编号", 40, "C"),
                  Column("label", "材料名称", 60, "L"), Column("copies", "份数", 10, "C")]


def draw_record(ts: Typesetter, st: Mapping[str, Any], record: LoanRecord) -> None:
    size, row_h, label_w = float(st["font_size"]), float(st["row_height"]), float(st["label_width"])
    ts.pdf.add_page()
    y = ts.heading(str(st["record_heading"]), ts.top)
    ts.put(ts.left, y + 1, 7, f"编号：{record.case_id}", size)
    y += 10
    table = Table(ts, RECORD_COLUMNS, size=size - 0.5, padding=1.0, header_height=10.0, min_row_height=10.0)
    rows = []
    for i, m in enumerate(record.items, start=1):
        cells = tuple(tuple(ts.wrap(text, w - 2, size - 0.5)) for text, w in
                      zip((str(i), m.ref, f"{KINDS.get(m.kind, m.kind)}：{m.label}", str(record.copies)),
                          table.widths, strict=True))
        rows.append(Row(cells, max(10.0, max(len(c) for c in cells) * table.line + 2)))
    y = table.draw(rows, y) + 4
    y = _grid(ts, y, [("借出日期", _date(record.lent_on)), ("应还日期", _date(record.due)),
                      ("借阅理由", record.reason), ("借档人", record.borrower), ("经办人", record.lent_by)],
              label_w=label_w, row_h=row_h, size=size)
    y += 8
    x = _sign(ts, ts.left + 3, y, "借档人（签字）：", record.borrower, size + 0.5)
    _sign(ts, x, y, "日期：", "", size + 0.5, 30.0)
    y += 18

    # 归还注销 (Art. 28.5)
    ts.hline(ts.left, ts.right, y, ts.frame)
    ts.put(ts.left, y + 3, 10, "归还注销", size + 2, align="C", width=ts.right - ts.left, heavy=0.2, spacing=2.0)
    y += 16
    late = f"逾期 {record.days_late} 天" if record.days_late else ("按期归还" if record.returned_on else "")
    y = _grid(ts, y, [("归还日期", _date(record.returned_on)), ("经办人", record.returned_by), ("归还情况", late)],
              label_w=label_w, row_h=row_h, size=size)
    if record.returned_on:
        mark = "已注销"
        mw = ts.width(mark, 16) + 10
        ts.box(ts.right - mw - 4, y + 6, mw, 12, ts.frame)
        ts.put(ts.right - mw - 4, y + 6, 12, mark, 16, align="C", width=mw, heavy=0.3, spacing=2.0)
    _sign(ts, ts.left + 3, y + 10, "经办人（签字）：", record.returned_by, size + 0.5)
