"""卷盒封面 and 盒脊: the labels of boxes, A4 sheets to print and cut (Art. 20).

The front of each box (one per sheet): fonds, customer, filing year, retention class,
the first and last reference code (档号) in the box, how many volumes and sheets it
holds, and the box number (盒号), large. Then the spines, as strips side by side: the
same facts, the customer's name set vertically as on a shelf, the box number at the foot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..forms.typeset import Typesetter


@dataclass(frozen=True)
class BoxLabel:
    """What the labels of one box print."""

    fonds_code: str
    fonds_name: str
    customer_code: str
    customer_name: str
    year: int
    retention_name: str  # 永久 / 长期 / 短期
    number: int  # 盒号
    first_reference: str
    last_reference: str
    volumes: int
    sheets: int
    classification_label: str = ""  # 绝密 for a box of top-secret volumes, else ''

    def texts(self) -> Iterable[str]:
        yield from (self.fonds_code, self.fonds_name, self.customer_code, self.customer_name, self.retention_name,
                    self.first_reference, self.last_reference, self.classification_label, "全宗号客户年度保管期限起止档号至卷数张盒号★")


def fields(label: BoxLabel) -> list[tuple[str, str]]:
    """The rows of a box front: label, value."""
    return [
        ("全宗号", label.fonds_code),
        ("客户", f"{label.customer_code}  {label.customer_name}"),
        ("年度", str(label.year)),
        ("保管期限", label.retention_name),
        ("起止档号", f"{label.first_reference}\n至 {label.last_reference}"),
        ("卷数", f"{label.volumes} 卷（{label.sheets} 张）"),
    ]


def draw(ts: Typesetter, st: Mapping[str, Any], labels: Sequence[BoxLabel]) -> None:
    for label in labels:
        front(ts, st, label)
    spines(ts, st, labels)


def front(ts: Typesetter, st: Mapping[str, Any], label: BoxLabel) -> None:
    ts.pdf.add_page()
    w, h = float(st["label_width"]), float(st["label_height"])
    x0 = (ts.page_w - w) / 2
    y0 = ts.top
    ts.box(x0, y0, w, h, ts.frame)
    inner_l, inner_r = x0 + 10, x0 + w - 10
    y = y0 + 8
    if label.classification_label:
        mark = f"{label.classification_label}★"
        mw = ts.width(mark, 14) + 8
        ts.box(inner_l, y, mw, 9, ts.frame)
        ts.put(inner_l, y, 9, mark, 14, align="C", width=mw, heavy=0.25)
    ts.put(inner_l, y + 12, 10, label.fonds_name, 15, align="C", width=inner_r - inner_l, spacing=1.0)
    y += 26
    size = float(st["heading_size"])
    hh = ts.heading_height(size)
    ts.put(inner_l, y, hh, ts.text(st["heading"]), size, align="C", width=inner_r - inner_l,
           heavy=float(ts.page["heading_weight"]), spacing=10.0)
    y += hh + 12
    fsize, row_h = float(st["field_size"]), float(st["field_height"])
    label_w = 32.0
    rows = []
    for name, value in fields(label):
        lines = [line for part in value.split("\n") for line in ts.wrap(part, inner_r - inner_l - label_w - 4, fsize)]
        rows.append((name, lines, max(row_h, len(lines) * ts.line_height(fsize) + 6)))
    nsize = float(st["number_size"])
    number_h = ts.line_height(nsize) + 10
    table_h = sum(r[2] for r in rows) + number_h
    y += max(0.0, (y0 + h - 12 - y - table_h) / 2)  # the table in the middle of the space left
    top = y
    for name, lines, rh in rows:
        ts.box(inner_l, y, label_w, rh)
        ts.box(inner_l + label_w, y, inner_r - inner_l - label_w, rh)
        ts.put(inner_l, y, rh, name, fsize, align="C", width=label_w, heavy=0.15, spacing=1.0)
        lh = ts.line_height(fsize)
        ly = y + (rh - len(lines) * lh) / 2
        for line in lines:
            ts.put(inner_l + label_w + 2, ly, lh, line, fsize, align="C", width=inner_r - inner_l - label_w - 4)
            ly += lh
        y += rh
    # 盒号: the largest text of the front, in its own row
    rh = number_h
    ts.box(inner_l, y, label_w, rh)
    ts.box(inner_l + label_w, y, inner_r - inner_l - label_w, rh)
    ts.put(inner_l, y, rh, "盒号", fsize, align="C", width=label_w, heavy=0.15, spacing=1.0)
    ts.put(inner_l + label_w, y, rh, str(label.number), nsize, align="C", width=inner_r - inner_l - label_w,
           heavy=0.3)
    y += rh
    ts.box(inner_l, top, inner_r - inner_l, y - top, ts.frame)
    ts.put(x0, y0 + h + 2, 7, ts.text(st["cut_note"]), 9, align="C", width=w)


def spines(ts: Typesetter, st: Mapping[str, Any], labels: Sequence[BoxLabel]) -> None:
    w, h, gap = float(st["spine_width"]), float(st["spine_height"]), float(st["spine_gap"])
    per_page = max(1, int((ts.page_w - 2 * 10 + gap) // (w + gap)))
    for start in range(0, len(labels), per_page):
        ts.pdf.add_page()
        group = labels[start:start + per_page]
        total = len(group) * w + (len(group) - 1) * gap
        x = (ts.page_w - total) / 2
        for label in group:
            spine(ts, st, label, x, ts.top, w, h)
            x += w + gap
        ts.put(0, ts.top + h + 2, 7, ts.text(st["spine_note"]), 9, align="C", width=ts.page_w)


def spine(ts: Typesetter, st: Mapping[str, Any], label: BoxLabel, x: float, y0: float, w: float, h: float) -> None:
    size = float(st["spine_size"])
    lh = ts.line_height(size)
    inner = w - 4
    ts.box(x, y0, w, h, ts.frame)
    y = y0

    def block(name: str, lines: list[str], value_size: float = size) -> None:
        nonlocal y
        vh = ts.line_height(value_size)
        ts.put(x + 2, y + 1.5, lh, name, size - 1, align="C", width=inner, heavy=0.12)
        yy = y + 1.5 + lh
        for line in lines:
            ts.put(x + 2, yy, vh, line, value_size, align="C", width=inner)
            yy += vh
        y = yy + 1.5
        ts.hline(x, x + w, y)

    if label.classification_label:
        block("密级", [f"{label.classification_label}★"])
    block("全宗号", [label.fonds_code])
    block("年度", [str(label.year)])
    block("保管期限", [label.retention_name])
    block("起止档号", [*ts.wrap(label.first_reference, inner, size - 1), "至",
                       *ts.wrap(label.last_reference, inner, size - 1)], size - 1)
    # the customer's name set vertically (one character a line), as read on a shelf
    nsize = size + 2
    number_h = ts.line_height(22) + lh + 6
    room = y0 + h - number_h - y - lh - 4
    name = label.customer_name
    step = ts.line_height(nsize) * 0.9
    if name and len(name) * step > room:  # a long name: smaller characters, down to 8 pt, then cut short
        nsize = max(8.0, nsize * room / (len(name) * step) * 0.98)
        step = ts.line_height(nsize) * 0.9
    fit = max(1, int(room // step))
    chars = list(name) if len(name) <= fit else [*name[:fit - 1], "…"]
    ts.put(x + 2, y + 1.5, lh, label.customer_code, size - 1, align="C", width=inner, heavy=0.12)
    yy = y + 2 + lh
    for ch in chars:
        ts.put(x + 2, yy, step, ch, nsize, align="C", width=inner)
        yy += step
    y = y0 + h - number_h
    ts.hline(x, x + w, y)
    ts.put(x + 2, y + 1.5, lh, "盒号", size - 1, align="C", width=inner, heavy=0.12)
    ts.put(x + 2, y + 1.5 + lh, ts.line_height(22), str(label.number), 22, align="C", width=inner, heavy=0.3)
