"""销毁清册 and 销毁登记表 (Art. 29), printed from the disposal and destruction registers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from custody_helpers import bind, doc, file_docs
from papers_helpers import joined, read_paper, row_of

from archiver.store import Archive


@pytest.fixture
def listed(archive_root: Path, drop, clock) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    records = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2014-03-09", title="2014年3月销售统计"),
        doc("C0001", "analysis-report", "2014-06-30", title="2014年上半年分析报告"),
    ])  # fmt: skip
    volume = bind(Archive.open(archive_root), records)  # short-term (10 years): expired after 2024-12-31
    r = run_cli(archive_root, "disposal", "propose", volume.reference, "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    return archive_root, json.loads(r.output)["id"], volume.reference


def steps(page: list, label: str) -> list[str]:  # type: ignore[type-arg]
    word = next(w for w in page if w.text == label)
    return [w.text for w in row_of(page, word, tol=6)]


def test_destruction_list_before_and_after_the_appraisals(listed, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    root, lid, ref = listed
    out = tmp_path / "list.pdf"
    r = run_cli(root, "papers", "destruction-list", lid, "--out", str(out))
    assert r.exit_code == 0, r.output
    page = read_paper(out)[0]
    text = joined(page)
    assert "档案销毁清册" in text and f"清册编号：{lid}" in text and "全宗号：Q001" in text
    row = [w.text for w in row_of(page, next(w for w in page if w.text == ref))]
    assert row[0] == "1" and "2014" in row and "短期" in row and "2" in row and "20241231" in row  # 件数, 到期
    assert "销毁原因：以上案卷保管期限已满" in text and "共1卷2件" in text
    assert steps(page, "登记造册")[:3] == ["登记造册", "保管期限已满", "档案员李明"]
    assert steps(page, "客户服务部经理鉴定") == ["客户服务部经理鉴定"]  # not appraised yet: blank to fill in
    assert steps(page, "客户总监批准") == ["客户总监批准"]
    header = [w.text for w in row_of(page, next(w for w in page if w.text == "环节"), tol=3)]
    assert header == ["环节", "意见", "姓名", "签字", "日期"]

    assert run_cli(root, "disposal", "appraise", lid, "--role", "cs-manager", "--by", "客服经理张",
                   "--opinion", "同意，确无保留价值").exit_code == 0
    assert run_cli(root, "disposal", "appraise", lid, "--role", "originating-dept", "--by", "销售部刘").exit_code == 0
    r = run_cli(root, "disposal", "approve", lid, "--by", "客户总监陈")
    assert r.exit_code == 0, r.output
    assert run_cli(root, "papers", "destruction-list", lid, "--out", str(out)).exit_code == 0
    page = read_paper(out)[0]
    assert steps(page, "客户服务部经理鉴定") == ["客户服务部经理鉴定", "同意，确无保留价值", "客服经理张", "2026年11月20日"]
    assert steps(page, "形成部门领导鉴定") == ["形成部门领导鉴定", "同意销毁", "销售部刘", "2026年11月20日"]
    assert steps(page, "客户总监批准") == ["客户总监批准", "同意销毁", "客户总监陈", "2026年11月20日"]
    assert "单独存放至2027年5月20日" in joined(page)
    # the signature table below the volumes, on the same sheet
    assert next(w for w in page if w.text == "环节").y0 > next(w for w in page if w.text == ref).y1


def test_destruction_register_after_destruction(listed, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    root, lid, ref = listed
    out = tmp_path / "register.pdf"
    r = run_cli(root, "papers", "destruction-register", lid, "--out", str(out))
    assert r.exit_code == 7 and "has not been destroyed" in r.output  # a workflow step refused
    assert run_cli(root, "disposal", "appraise", lid, "--role", "cs-manager", "--by", "客服经理张").exit_code == 0
    assert run_cli(root, "disposal", "appraise", lid, "--role", "originating-dept", "--by", "销售部刘").exit_code == 0
    assert run_cli(root, "disposal", "approve", lid, "--by", "客户总监陈").exit_code == 0
    clock.advance(days=200)
    r = run_cli(root, "disposal", "destroy", lid, "--supervisor", "监销人吴", "--place", "公司碎纸室", "--by", "档案员李明")
    assert r.exit_code == 0, r.output
    r = run_cli(root, "papers", "destruction-register", lid, "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "1 volume(s) destroyed" in r.output
    page = read_paper(out)[0]
    text = joined(page)
    assert "档案销毁登记表" in text
    for label, value in (("销毁日期", "2027年6月8日"), ("销毁地点", "公司碎纸室"), ("监销人", "监销人吴"),
                         ("执行人", "档案员李明"), ("封存期满", "2027年5月20日")):
        assert [w.text for w in row_of(page, next(w for w in page if w.text == label), tol=3)] == [label, value]
    assert re.search(r"客户总监陈（2026年11月20日批准）", text)
    assert "1卷2件（6个文件）" in text  # a volume (PDF, manifest) and its two records (PDF, sidecar each)
    assert ref in text
    sign = next(w for w in page if w.text.startswith("监销人（签字）"))
    assert sign.y0 > next(w for w in page if w.text == ref).y1  # the supervisor signs below the list
    assert run_cli(root, "papers", "destruction-register", "DL-2099-001", "--out", str(out)).exit_code == 4
