"""What the remarks sheet (卷内备考表) says about a volume — Art. 11, 13, 14, 18, 19.

Pure: the planned volume and where its pages landed in, lines of Chinese text out. The
first line always states the documents and numbered pages, so the sheet is never empty
(Art. 18); the filer, checker and date are added by the form itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..config import Config
from .pages import PartPages
from .plan import PlannedVolume


def volume_remarks(plan: PlannedVolume, pages: Mapping[str, PartPages], config: Config,
                   small_pages: Sequence[int] = ()) -> tuple[str, ...]:
    """The lines of 本卷情况说明 for ``plan``; ``pages`` maps each record id to its pages;
    ``small_pages``: the page numbers set smaller because their page is too small
    (:func:`archiver.volumes.stamp.small_pages`)."""
    docs = plan.documents
    numbered = sum(_numbered(pages[r.id]) for r in docs)
    lines = [
        f"本卷共有文件{len(docs)}件，有文字的页共{numbered}页"
        + (f"（页号1—{numbered}）。" if numbered else "。")
    ]
    blank = sum(len(pages[r.id].blank_pages) for r in docs)
    if blank:
        lines.append(f"空白页{blank}页保留原位，未编页号（第16条）。")
    backs = sum(len(pages[r.id].inserted_backs) for r in docs)
    if backs:
        simplex = sum(1 for r in docs if pages[r.id].inserted_backs)
        lines.append(f"单面扫描的文件{simplex}件，每页后插入空白背面，共{backs}页，未编页号。")
    if small_pages:  # Art. 16: every page with writing carries its number, smaller where it must
        lines.append(f"第{number_list(small_pages)}页幅面过小，页号缩小标注。")
    for r in docs:  # Art. 11: the pages a document should have
        actual = _numbered(pages[r.id])
        if r.meta.pages is not None and r.meta.pages != actual:
            lines.append(f"《{r.meta.title}》登记有文字的页为{r.meta.pages}页，实有{actual}页（第11条）。")
    for r in docs:  # Art. 14: filed under another year than its date's
        if r.meta.date.year != plan.year:
            lines.append(f"《{r.meta.title}》形成于{r.meta.date.year}年，按第14条归入{plan.year}年立卷。")
    if plan.followers:
        lines.append(f"普通文件{len(plan.followers)}件与绝密文件密切联系，随同立卷（第13条）。")
    if plan.oversize:
        lines.append(f"本卷为一组密不可分的文件，共{plan.sheets}张，超过每卷{config.volumes.max_sheets}张的上限；"
                     "为不拆分该组（第12条），单独成卷。")
    for r in docs:  # Art. 18, 19: repairs, faded originals filed with copies …
        if r.meta.notes:
            note = "；".join(line.strip() for line in r.meta.notes.splitlines() if line.strip())
            lines.append(f"《{r.meta.title}》：{note}")
    return tuple(lines)


def _numbered(p: PartPages) -> int:
    return 0 if p.first_number is None or p.last_number is None else p.last_number - p.first_number + 1


def number_list(numbers: Sequence[int]) -> str:
    """Page numbers as the remarks write them: ``3、5—7、9``."""
    out: list[str] = []
    ns = sorted(set(numbers))
    i = 0
    while i < len(ns):
        j = i
        while j + 1 < len(ns) and ns[j + 1] == ns[j] + 1:
            j += 1
        out.append(str(ns[i]) if i == j else f"{ns[i]}—{ns[j]}")
        i = j + 1
    return "、".join(out)
