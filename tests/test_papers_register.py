"""案卷目录, the volume register of one year and retention class, read back from the PDF."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli
from papers_helpers import joined, line_of, manifest, read_paper, row_of

from archiver.store import Archive


def test_volume_register_lists_the_volumes_of_a_year_and_class(archive: Archive, tmp_path: Path,
                                                                clock: object) -> None:
    for n in range(1, 31):
        manifest(archive, "C0001", n, sheets=20, classification="secret" if n == 7 else "ordinary",
                 title=f"上海明远贸易有限公司 2026年客户档案（永久·第{n}卷）")
    manifest(archive, "C0002", 1, title="北京华信科技股份有限公司 2026年客户档案（永久·第1卷）")
    manifest(archive, "C0001", 1, retention="long-term", title="长期的卷")
    manifest(archive, "C0001", 1, year=2025, title="去年的卷")
    assert run_cli(archive.root, "papers", "box-labels", "--out", str(tmp_path / "boxes.pdf")).exit_code == 0
    out = tmp_path / "register.pdf"
    result = run_cli(archive.root, "papers", "volume-register", "--year", "2026", "--retention", "permanent",
                     "--out", str(out), "--by", "王芳")
    assert result.exit_code == 0, result.output
    assert "31 volume(s)" in result.output and "PDF/A-2b: valid" in result.output
    pages = read_paper(out)
    table_pages = len(pages) - 1
    assert table_pages >= 2
    cover = joined(pages[0])
    for expected in ("案卷目录", "全宗名称某某有限公司客户服务部", "全宗号Q001", "年度2026", "保管期限永久", "案卷数31卷",
                     "Q001-C0001-2026-Y-001", "至Q001-C0002-2026-Y-001", "编制人王芳", "编制日期2026年11月20日",
                     f"本目录共{table_pages}页"):
        assert expected in cover.replace(" ", ""), expected
    rows = []
    for n, page in enumerate(pages[1:], start=1):
        text = joined(page)
        assert "案卷目录" in text and "全宗号：Q001" in text and "保管期限：永久" in text
        assert re.search(rf"第{n}页共{table_pages}页", text)
        header = line_of(page, "档号")
        assert [w.text for w in header][:2] == ["案卷号", "档号"] and "备注" in [w.text for w in header]
        ref_x = next(w for w in header if w.text == "档号")
        for w in page:
            if re.fullmatch(r"Q001-C000\d-2026-Y-\d{3}", w.text) and abs((w.x0 + w.x1) / 2 - (ref_x.x0 + ref_x.x1) / 2) < 30:
                rows.append((w.text, [x.text for x in row_of(page, w)]))
    assert [r[0] for r in rows] == [f"Q001-C0001-2026-Y-{n:03d}" for n in range(1, 31)] + ["Q001-C0002-2026-Y-001"]
    seventh = rows[6][1]
    assert seventh[0] == "7" and seventh[1] == "Q001-C0001-2026-Y-007" and "6" in seventh and "永久" in seventh
    assert "上海明远贸易有限公司" in "".join(seventh) and "20260110–" in seventh
    assert "机密" in seventh  # the classification in 备注
    assert rows[0][1][-1] == "第1盒"  # the box in 备注
    assert "长期的卷" not in "".join(joined(p) for p in pages) and "去年的卷" not in "".join(joined(p) for p in pages)


def test_volume_register_of_nothing_says_so(archive: Archive, tmp_path: Path) -> None:
    result = run_cli(archive.root, "papers", "volume-register", "--year", "2026", "--retention", "permanent",
                     "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 4 and "no built volumes of 2026" in result.output
    result = run_cli(archive.root, "papers", "volume-register", "--year", "2026", "--retention", "forever",
                     "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 4 and "no retention class 'forever'" in result.output
