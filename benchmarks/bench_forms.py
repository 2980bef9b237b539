"""Forms per volume in a batch build (issue 3: ≤ 50 ms per volume, font loaded once per process).

Renders the four forms (cover, index, remarks sheet, back cover) of 100 volumes of a
realistic size (10–40 documents each) with one FormRenderer, against the baseline of
fpdf2 rendering one empty A4 page per form (four PDFs per volume), in the same run.

    python benchmarks/bench_forms.py [--volumes 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.volumes.forms import FormRenderer, IndexRow, VolumeSheet  # noqa: E402

TYPES = ["客户基本资料表", "客户信用评估报告", "客户销售合同(复印件)", "客户资质评级表", "客户销售统计表", "客户信息分析报告"]
NAMES = ["上海明远贸易有限公司", "北京华信科技股份有限公司", "广州南方物流有限公司", "深圳前海金融服务有限公司"]


def sheet(v: int) -> VolumeSheet:
    name = NAMES[v % len(NAMES)]
    n = 10 + v * 7 % 31
    rows, page = [], 1
    for i in range(n):
        size = (i * 5 + v) % 6 + 1
        title = f"{name}{TYPES[(i + v) % len(TYPES)]}" + ("（二〇二六年度，含附件）" if i % 4 == 1 else "")
        rows.append(IndexRow(i + 1, "" if i % 3 == 0 else f"{name[:2]}〔2026〕{v * 100 + i}号",
                             ["销售部", "财务部", "客户服务部"][i % 3], title,
                             dt.date(2026, i % 12 + 1, i % 27 + 1), page, page + size - 1))
        page += size
    return VolumeSheet(
        fonds_code="Q001", fonds_name="某某有限公司客户服务部", reference_code=f"Q001-C{v:04d}-2026-Y-001",
        title=f"{name} 2026年 客户档案 永久 第1卷", customer_code=f"C{v:04d}", customer_name=name, year=2026,
        retention_name="永久", volume_number=1, classification_label="", start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 27), document_count=n, page_count=page - 1, rows=tuple(rows),
        remarks=(f"本卷共 {n} 件，{page - 1} 页。", "第 3、8 页为空白页，未编页号。"),
        filer="王小明", checker="李建国", date=dt.date(2027, 1, 15))


def empty_forms() -> None:
    for _ in range(4):
        pdf = FPDF(format="A4")
        pdf.add_page()
        pdf.output()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volumes", type=int, default=100)
    ap.add_argument("--font", default="", help="a font file instead of the shipped one (volumes.font)")
    args = ap.parse_args()
    sheets = [sheet(v) for v in range(args.volumes)]

    start = time.perf_counter()
    renderer = FormRenderer(args.font)
    assert renderer.fonts.regular  # the fonts are read on first use: here
    load = time.perf_counter() - start

    start, cpu = time.perf_counter(), time.process_time()
    doc_size = sum(len(renderer.document(s).data) for s in sheets)
    document = (time.perf_counter() - start) / len(sheets) * 1000
    document_cpu = (time.process_time() - cpu) / len(sheets) * 1000
    renderer = FormRenderer(args.font)  # no cached last sheet

    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    for s in sheets:
        for part in (renderer.cover(s), renderer.index(s), renderer.remarks(s), renderer.back_cover(s)):
            size += len(part)
    forms = (time.perf_counter() - start) / len(sheets) * 1000
    forms_cpu = (time.process_time() - cpu) / len(sheets) * 1000

    start, cpu = time.perf_counter(), time.process_time()
    for _ in sheets:
        empty_forms()
    baseline = (time.perf_counter() - start) / len(sheets) * 1000
    baseline_cpu = (time.process_time() - cpu) / len(sheets) * 1000

    rows = sum(len(s.rows) for s in sheets)
    print(f"forms for {len(sheets)} volumes ({rows} index rows), fonts loaded once in {load * 1000:.0f} ms")
    print(f"{'':34}{'wall ms':>9}{'CPU ms':>9}  per volume")
    print(f"  forms as one PDF (the assembler) {document:8.1f}{document_cpu:9.1f}  "
          f"({doc_size / len(sheets) / 1024:.0f} KiB)")
    print(f"  forms (4 PDFs, all pages)       {forms:9.1f}{forms_cpu:9.1f}  ({size / len(sheets) / 1024:.0f} KiB)")
    print(f"  baseline (4 empty A4 PDFs)      {baseline:9.1f}{baseline_cpu:9.1f}")
    print(f"  ratio                           {forms / baseline:9.1f}{forms_cpu / baseline_cpu:9.1f}")
    print("  (target ≤ 50 ms per volume; CPU time is the fairer figure on a busy machine)")


if __name__ == "__main__":
    main()
