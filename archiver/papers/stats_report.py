"""档案统计表, the statistics report of Art. 25, printed.

The numbers are :func:`archiver.custody.stats.collect`'s (the same as ``archiver stats``),
in the order of Art. 25: the quantity of the holdings (by year, document type, retention
class, classification and supplying department; volumes), their collection (Art. 5),
arrangement (filed, bound), custody (the last audit, destruction) and use (consultations,
loans). Store-room equipment and staff (库房设备情况, 档案工作人员情况) are not kept by the
archiver: their rows are printed blank, to be filled in by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..forms.table import Column, Table
from ..forms.typeset import Typesetter


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[tuple[str, float], ...]  # label, width share
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StatsReport:
    fonds_code: str
    fonds_name: str
    as_of: dt.date
    sections: tuple[Section, ...]
    compiled_by: str

    def texts(self) -> Iterable[str]:
        yield from (self.fonds_code, self.fonds_name, self.compiled_by, "统计日期全宗制表人审核人签字年月日（）：、")
        for s in self.sections:
            yield s.title
            yield from (label for label, _ in s.columns)
            for row in s.rows:
                yield from row


Label = Callable[[str], str]
BY = (("year", "年度"), ("type", "文件类型"), ("retention", "保管期限"), ("classification", "密级"),
      ("department", "提供部门"))
STATUS = (("arrived", "按期"), ("late", "逾期"), ("missing", "缺交"), ("not-yet-due", "未到期"))


def sections(data: Mapping[str, Any], labels: Mapping[str, Label], order: Mapping[str, Sequence[str]]) -> tuple[Section, ...]:
    """The report's tables from ``stats.collect``'s data; ``labels`` turn codes into names
    per dimension, ``order`` gives the configured order of the codes."""
    d, v = data["documents"], data["volumes"]
    c, k = data["customers"], data["collection"]

    def ordered(dim: str, table: Mapping[str, Any]) -> list[tuple[str, Any]]:
        keys = list(order.get(dim, ()))
        return sorted(table.items(), key=lambda kv: (keys.index(kv[0]) if kv[0] in keys else len(keys), kv[0]))

    out = [Section("一、档案数量", (("项目", 40), ("数量", 20), ("页数", 20)), (
        ("客户（在册）", f"{c['total']}（{c['active']}）", ""),
        ("文件（件）", str(d["documents"]), str(d["pages"])),
        ("案卷（卷）", str(v["volumes"]), str(v["pages"])),
        ("已组卷文件（件）", str(v["documents_bound"]), ""),
    ))]
    for dim, name in BY:
        table = d["by"].get(dim, {})
        vols = v["by"].get(dim, {})
        if not table and not vols:
            continue
        rows = []
        for key, row in ordered(dim, {**{x: None for x in vols}, **table}):
            vol = vols.get(key, {})
            rows.append((labels[dim](key), str(row["documents"]) if row else "0", str(row["pages"]) if row else "0",
                         str(row["customers"]) if row else "0",
                         str(vol.get("volumes", 0)) if dim in v["by"] else "—",
                         str(vol.get("pages", 0)) if dim in v["by"] else "—"))
        out.append(Section(f"　按{name}", ((name, 34), ("文件（件）", 16), ("页数", 14), ("客户", 12),
                                          ("案卷（卷）", 16), ("案卷页数", 16)), tuple(rows)))
    out.append(Section(f"二、收集情况（{k['month']} 月度文件，第5条）", (("应交", 16), *((n, 16) for _, n in STATUS)),
                       ((str(k["expected"]), *(str(k[s]) for s, _ in STATUS)),)))
    out.append(Section("三、整理情况", (("项目", 40), ("数量", 20)), (
        ("本月归档文件（件）", str(d["filed_this_month"])),
        ("本年归档文件（件）", str(d["filed_this_year"])),
        ("已组卷文件（件）", str(v["documents_bound"])),
        ("未组卷文件（件）", str(max(0, d["documents"] - v["documents_bound"]))),
    )))
    a = data.get("last_audit")
    dd = data["disposal"]
    audit = "未检查" if a is None else f"{str(a.get('at', ''))[:10]} {a.get('by', '')}：{a.get('result', '')}"
    out.append(Section("四、保管情况", (("项目", 40), ("情况", 40)), (
        ("最近一次检查（第22、23条）", audit),
        ("检查发现问题（项）", "" if a is None else str(a.get("findings", 0))),
        ("已销毁（清册/卷/件）", f"{dd['destroyed']['lists']} / {dd['destroyed']['volumes']} / {dd['destroyed']['records']}"),
        ("单独存放待销毁清册", str(dd["held_lists"])),
        ("办理中的销毁清册", str(dd["open_lists"])),
    )))
    cs, ln = data["consultations"], data["loans"]
    out.append(Section("五、利用情况", (("项目", 24), ("合计", 12), ("待审批", 12), ("已批准", 12), ("已拒绝", 12),
                                       ("借出中", 12), ("逾期", 12), ("已归还", 12)), (
        ("查阅（第27条）", str(cs["total"]), str(cs["requested"] + cs["approving"]), str(cs["approved"]),
         str(cs["refused"]), "—", "—", "—"),
        ("借档（第28条）", str(ln["total"]), str(ln["pending"]), "—", str(ln["refused"]), str(ln["open"]),
         str(ln["overdue"]), str(ln["returned"])),
    )))
    out.append(Section("六、库房设备情况（手工填写）", (("项目", 40), ("情况", 40)),
                       (("档案柜（个）", ""), ("卷盒（个）", ""), ("温湿度与防护", ""))))
    out.append(Section("七、档案工作人员情况（手工填写）", (("项目", 40), ("情况", 40)),
                       (("专职档案员（人）", ""), ("兼职档案员（人）", ""))))
    return tuple(out)


def draw(ts: Typesetter, st: Mapping[str, Any], report: StatsReport) -> None:
    size = float(st["font_size"])
    d = report.as_of
    heading = str(st["heading"])
    sub = f"全宗号：{report.fonds_code}　全宗名称：{report.fonds_name}　统计日期：{d.year}年{d.month}月{d.day}日"

    def new_page() -> float:
        ts.pdf.add_page()
        y = ts.heading(heading, ts.top)
        ts.put(ts.left, y + 1, 7, sub, size)
        return y + 10

    y = new_page()
    for section in report.sections:
        table = Table(ts, [Column(str(i), label, w, "L" if i == 0 else "C") for i, (label, w) in enumerate(section.columns)],
                      size=size, padding=float(st["cell_padding"]), header_height=float(st["header_height"]),
                      min_row_height=float(st["min_row_height"]))
        title_h = 9.0
        pages = table.paginate(section.rows, y + title_h + table.header_h)
        whole = title_h + table.header_h + sum(r.height for p in pages for r in p)
        if len(pages) > 1 and whole <= ts.bottom - ts.top - 20 or y + title_h + table.header_h + table.min_h > ts.bottom:
            y = new_page()  # a table that fits on a page is not split
            pages = table.paginate(section.rows, y + title_h + table.header_h)
        for n, rows in enumerate(pages):
            if n:
                y = new_page()
            ts.put(ts.left, y + 1, 7, section.title + ("（续）" if n else ""), size + 1, heavy=0.15)
            y = table.draw(rows, y + title_h) + 4
    if y + 12 > ts.bottom:
        y = new_page()
    y += 3
    for x, label in ((ts.left + 4, f"制表人：{report.compiled_by}"), (ts.left + 90, "审核人（签字）：")):
        ts.put(x, y, 8, label, size + 1)
    ts.hline(ts.left + 90 + ts.width("审核人（签字）：", size + 1), ts.right - 4, y + 7)
