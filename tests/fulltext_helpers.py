"""Stored texts for the full-text search tests: ``<stem>.text.json`` files of the shape
``docs/text-format.md`` documents (what ``archiver ocr`` writes), written beside a record
without running OCR, and the texts given to the catalogue test archive's records."""

from __future__ import annotations

import json
from pathlib import Path

from catalogue_helpers import Populated

from archiver.model import Record
from archiver.ocr.store import text_path

SECRET_TEXT = "鲲鹏计划收购底价"  # on a page of the restricted document only
SECRET_WORD = "zetacodeword"

# The text of each page of the catalogue test archive's records (two pages each).
TEXTS: dict[str, list[list[str]]] = {
    "credit": [["上海明远贸易有限公司", "信用评估:良好"], ["本公司向其采购减速器二十台,", "经办人王立新签字。"]],
    "contract": [["钢材购销合同", "甲方:上海明远贸易有限公司", "减速装置与变速器"], ["王经理立即安排发货,", "符合 ISO9001 质量要求。"]],
    "rating": [["资质评级表", "齿轮箱与减速器供应商"], ["评级结论:A 级"]],
    "stats": [["2026年10月销售统计", "减速带 器材 出库 120 件"], []],
    "secret": [[SECRET_TEXT, "减速器 王立新"], [SECRET_WORD]],
    "beside": [["并购附件 市场概况", "减速器市场"], ["王立新 审核"]],
    "plain2": [["客户基本资料表"], ["北京华信科技股份有限公司"]],
    "hostile": [['<img src=x onerror="alert(3)">恶意正文'], ["</script>结束"]],
}


def write_text(record: Record, pages: list[list[str]], *, record_sha256: str | None = None) -> Path:
    """Write ``record``'s stored text: one list of lines per page (an empty list: a page
    without text, recorded as skipped)."""
    out = []
    for i, lines in enumerate(pages, start=1):
        out.append({"page": i, "source": "ocr" if lines else "none", "status": "ok" if lines else "skipped",
                    "reason": "" if lines else "blank page", "width": 595.28, "height": 841.89,
                    "lines": [{"text": t, "box": [72.0, 72.0 + 20 * j, 400.0, 88.0 + 20 * j], "confidence": 0.97}
                              for j, t in enumerate(lines)]})
    data = {"format": "archiver-text", "version": 1, "record_sha256": record_sha256 or record.file.sha256,
            "engine": {"name": "test", "version": "1", "models": {}}, "created": "2026-11-26T10:00:00+08:00",
            "pages": out}
    path = text_path(record.path)
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def write_texts(pop: Populated) -> None:
    for name, pages in TEXTS.items():
        write_text(pop.records[name], pages)
