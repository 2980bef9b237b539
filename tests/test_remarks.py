"""The remarks sheet's lines (Art. 11, 13, 14, 16, 18, 19)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

from volumes_helpers import make_record

from archiver.config import parse_config, template_text
from archiver.volumes.pages import PartPages
from archiver.volumes.plan import plan_volumes
from archiver.volumes.remarks import volume_remarks

CONFIG = parse_config(tomllib.loads(template_text()))


def pp(first: int | None, last: int | None, blanks: tuple[int, ...] = (), backs: tuple[int, ...] = ()) -> PartPages:
    return PartPages(1, 1, first, last, blanks, backs, ())


def test_nothing_to_remark_still_states_documents_and_pages(tmp_path: Path) -> None:
    """Art. 18: never empty — the first line always counts the volume."""
    [plan] = plan_volumes([make_record(tmp_path, "a", pages=3)], CONFIG)
    assert volume_remarks(plan, {"a": pp(1, 3)}, CONFIG) == ("本卷共有文件1件，有文字的页共3页（页号1—3）。",)


def test_every_kind_of_remark(tmp_path: Path) -> None:
    recs = [
        make_record(tmp_path, "a", pages=2, title="资料表", notes="原件字迹褪色，附复印件\n已裱糊", date=dt.date(2026, 2, 1)),
        make_record(tmp_path, "b", pages=3, title="评估报告", date=dt.date(2026, 3, 1)),
        make_record(tmp_path, "c", pages=1, title="请示", group="g", role="request", date=dt.date(2025, 12, 1)),
        make_record(tmp_path, "d", pages=1, title="批复", group="g", role="reply", date=dt.date(2026, 1, 5)),
    ]
    recs[1] = dataclasses.replace(recs[1], meta=dataclasses.replace(recs[1].meta, pages=3))
    [plan] = plan_volumes(recs, CONFIG)
    pages = {"a": pp(1, 2, blanks=(9,)), "b": pp(3, 4, backs=(11, 13)), "c": pp(6, 6), "d": pp(5, 5)}
    lines = volume_remarks(plan, pages, CONFIG)
    assert lines == (
        "本卷共有文件4件，有文字的页共6页（页号1—6）。",
        "空白页1页保留原位，未编页号（第16条）。",
        "单面扫描的文件1件，每页后插入空白背面，共2页，未编页号。",
        "《评估报告》登记有文字的页为3页，实有2页（第11条）。",
        "《请示》形成于2025年，按第14条归入2026年立卷。",
        "《资料表》：原件字迹褪色，附复印件；已裱糊",
    )


def test_oversize_and_followers(tmp_path: Path) -> None:
    small = dataclasses.replace(CONFIG, volumes=dataclasses.replace(CONFIG.volumes, max_sheets=10))
    recs = [make_record(tmp_path, "s", pages=30, group="g", role="main", classification="top-secret"),
            make_record(tmp_path, "o", pages=2, group="g", role="attachment")]
    [plan] = plan_volumes(recs, small)
    lines = volume_remarks(plan, {"s": pp(1, 30), "o": pp(31, 32)}, small)
    assert "普通文件1件与绝密文件密切联系，随同立卷（第13条）。" in lines
    assert "本卷为一组密不可分的文件，共16张，超过每卷10张的上限；为不拆分该组（第12条），单独成卷。" in lines
