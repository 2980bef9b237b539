"""档案统计表 (Art. 25): the numbers of `archiver stats`, printed and read back."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from custody_helpers import doc, file_docs
from papers_helpers import joined, read_paper, row_of


def cells(pages: list, label: str) -> list[str]:  # type: ignore[type-arg]
    for page in pages:
        for w in page:
            if w.text == label:
                return [x.text for x in row_of(page, w, tol=3) if x is not w]
    raise AssertionError(f"no row {label}")


def test_statistics_report_prints_the_numbers_of_stats(archive_root: Path, drop, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file_docs(archive_root, drop, [
        doc("C0001", "contract", "2026-03-09", title="销售合同", scan_pages=3),
        doc("C0001", "credit-report", "2026-06-30", title="信用评估报告"),
        doc("C0002", "contract", "2025-05-01", title="旧合同", classification="secret"),
    ])  # fmt: skip
    assert run_cli(archive_root, "consult", "request", "--requester", "赵敏", "--department", "销售部", "--purpose", "核对",
                   "--reason", "续约", "--object", "C0001").exit_code == 0
    numbers = json.loads(run_cli(archive_root, "stats", "--json").output)
    out = tmp_path / "stats.pdf"
    r = run_cli(archive_root, "papers", "stats", "--out", str(out), "--by", "王芳")
    assert r.exit_code == 0, r.output
    pages = read_paper(out)
    text = "".join(joined(p) for p in pages)
    assert "客户档案统计表" in text and "统计日期：2026年11月20日" in text and "制表人：王芳" in text
    d = numbers["documents"]
    assert cells(pages, "文件（件）") == [str(d["documents"]), str(d["pages"])] == ["3", "7"]
    assert cells(pages, "客户（在册）") == [f"{numbers['customers']['total']}（{numbers['customers']['active']}）"]
    contract = d["by"]["type"]["contract"]
    assert cells(pages, "客户销售合同(复印件)")[:3] == [str(contract["documents"]), str(contract["pages"]),
                                                    str(contract["customers"])] == ["2", "5", "2"]
    assert cells(pages, "机密")[:2] == ["1", "2"]  # by classification
    assert cells(pages, "2025")[:1] == ["1"] and cells(pages, "2026")[:1] == ["2"]  # by year
    assert cells(pages, "查阅（第27条）")[:2] == [str(numbers["consultations"]["total"]), "1"]  # one waiting
    assert cells(pages, "档案柜（个）") == []  # kept by hand: blank to fill in
    order = [next(i for i, p in enumerate(pages) for w in p if w.text.startswith(t)) * 10_000 +
             next(w.y0 for p in pages for w in p if w.text.startswith(t)) for t in ("一、", "二、", "三、", "四、", "五、")]
    assert order == sorted(order)  # Art. 25's order
