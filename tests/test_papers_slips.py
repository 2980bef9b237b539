"""查档/借档申请单 and 借阅登记 (Art. 27, 28), printed from the consultation and loan registers."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from papers_helpers import joined, read_paper, row_of

from archiver.store import Archive

FORM = ("--requester", "赵敏", "--department", "销售部", "--purpose", "核对合同条款", "--reason", "客户续约谈判需要",
        "--signer", "销售部经理孙")


def value_of(page: list, label: str) -> str:  # type: ignore[type-arg]
    """The text right of ``label`` in its ruled row."""
    word = next(w for w in page if w.text == label)
    return "".join(w.text for w in row_of(page, word, tol=4) if w.x0 > word.x1)


def test_consultation_slip(archive: Archive, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(archive.root, "consult", "request", *FORM, "--object", "C0001", "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    cid = json.loads(r.output)["id"]
    out = tmp_path / "slip.pdf"
    r = run_cli(archive.root, "papers", "slip", cid, "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "查档申请单" in r.output and "借阅登记" not in r.output
    pages = read_paper(out)
    assert len(pages) == 1
    page = pages[0]
    text = joined(page)
    assert "查档申请单" in text and f"编号：{cid}" in text and "申请日期：2026年11月20日" in text
    assert value_of(page, "申请人") == "赵敏" and value_of(page, "申请部门") == "销售部"
    assert value_of(page, "查阅目的") == "核对合同条款" and value_of(page, "查阅理由") == "客户续约谈判需要"
    assert value_of(page, "查阅对象") == "客户档案C0001上海明远贸易有限公司"
    stamp = next(w for w in page if w.text == "盖章处")
    sign = next(w for w in page if w.text.startswith("负责人（签字）"))
    assert abs(stamp.y0 - sign.y0) < 80 and stamp.x0 > sign.x1  # the stamp box beside the signature
    assert "（销售部经理孙）" in text
    assert "档案部门审核意见：" in text and "同意" not in text  # not reviewed yet: blank
    assert run_cli(archive.root, "consult", "approve", cid, "--by", "档案室主任周").exit_code == 0
    assert run_cli(archive.root, "papers", "slip", cid, "--out", str(out)).exit_code == 0
    page = read_paper(out)[0]
    assert "档案部门审核意见：同意" in joined(page)
    reviewer = next(w for w in page if w.text.startswith("审核人（签字）"))
    assert "（档案室主任周）" in "".join(w.text for w in row_of(page, reviewer, tol=3))
    assert "日期：2026年11月20日" in "".join(w.text for w in row_of(page, reviewer, tol=3))


def test_loan_slip_record_and_its_cancellation(archive: Archive, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    root = archive.root
    r = run_cli(root, "loan", "request", *FORM, "--item", "C0002", "--copies", "2", "--due", "2026-12-10",
                "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    lid = json.loads(r.output)["id"]
    out = tmp_path / "loan.pdf"
    assert run_cli(root, "papers", "slip", lid, "--out", str(out)).exit_code == 0
    request, record = read_paper(out)
    assert "借档申请单" in joined(request)
    assert value_of(request, "借阅材料") == "1.客户档案C0002北京华信科技股份有限公司"
    assert value_of(request, "份数") == "2份" and value_of(request, "归还期限") == "2026年12月10日"
    assert value_of(request, "借档目的") == "核对合同条款"
    assert value_of(record, "借档人") == "" and "已注销" not in joined(record)  # not lent yet: blank
    assert run_cli(root, "loan", "approve", lid, "--by", "档案室主任周").exit_code == 0
    assert run_cli(root, "loan", "lend", lid, "--borrower", "赵敏", "--by", "档案员李明").exit_code == 0
    clock.advance(days=25)
    assert run_cli(root, "loan", "return", lid, "--by", "档案员王芳").exit_code == 0
    r = run_cli(root, "papers", "slip", lid, "--out", str(out))
    assert r.exit_code == 0 and "借档申请单 and 借阅登记" in r.output
    record = read_paper(out)[1]
    text = joined(record)
    assert "借阅登记" in text and f"编号：{lid}" in text
    item = next(w for w in record if w.text == "C0002")
    assert [w.text for w in row_of(record, item, tol=4)] == ["1", "C0002", "客户档案：北京华信科技股份有限公司", "2"]
    assert value_of(record, "借出日期") == "2026年11月20日" and value_of(record, "应还日期") == "2026年12月10日"
    assert value_of(record, "借阅理由") == "客户续约谈判需要" and value_of(record, "借档人") == "赵敏"
    borrower = next(w for w in record if w.text.startswith("借档人（签字）"))
    back = next(w for w in record if w.text == "归还注销")
    assert borrower.y1 < back.y0  # the borrower signs the loan; the cancellation comes below
    assert value_of(record, "归还日期") == "2026年12月15日" and value_of(record, "归还情况") == "逾期5天"
    mark = next(w for w in record if w.text == "已注销")
    assert mark.y0 > back.y1


def test_slip_of_an_unknown_request(archive: Archive, tmp_path: Path) -> None:
    r = run_cli(archive.root, "papers", "slip", "LN-2026-9999", "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 4 and "no consultation or loan request LN-2026-9999" in r.output
