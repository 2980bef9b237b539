"""Customer dealings (Art. 8, 26, 30): `customer dealing add/list/show`, dated and attributed
by the archive's clock, in the customer's append-only history register; every bad value
refused with nothing recorded; a torn line skipped and reported by the audit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import Clock, run_cli
from custody_conftest import Lending

from archiver.custody import dealings
from archiver.errors import EXIT_NOT_FOUND, EXIT_USAGE, EXIT_WORKFLOW, ArchiverError
from archiver.store import Archive

ADD = ("customer", "dealing", "add")


def add(root: Path, *args: str) -> dict:  # type: ignore[type-arg]
    r = run_cli(root, *ADD, *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)  # type: ignore[no-any-return]


def register_lines(root: Path, code: str = "C0001") -> list[str]:
    path = root / "customers" / code / "history.jsonl"
    return path.read_text("utf-8").splitlines() if path.exists() else []


def test_a_dealing_is_dated_attributed_and_listed(lending: Lending, clock: Clock) -> None:
    root, contract = lending.root, lending.bound[0]
    clock.login = "王芳"
    e = add(root, "C0001", "--date", "2026-10-12", "--summary", "签订年度采购框架协议", "--amount", "1,200,000.50",
            "--document", contract.id)
    assert e == {"at": clock.iso, "by": "王芳", "event": "dealing", "id": "BD-2026-0001", "date": "2026-10-12",
                 "summary": "签订年度采购框架协议", "amount": "1200000.50", "document": contract.id,
                 "confidential": False}
    assert [json.loads(x) for x in register_lines(root)] == [e]  # one line in the customer's register
    clock.advance(days=1)
    second = add(root, "C0002", "--date", "2026-11-20", "--summary", "并购谈判", "--confidential", "--by", "李明")
    assert (second["id"], second["by"], second["confidential"]) == ("BD-2026-0002", "李明", True)  # one numbering
    listed = json.loads(run_cli(root, "customer", "dealing", "list", "C0002", "--json").output)
    assert [d["id"] for d in listed] == ["BD-2026-0002"] and listed[0]["customer"] == "C0002"
    text = run_cli(root, "customer", "dealing", "list", "C0001").output
    assert "BD-2026-0001" in text and "1200000.50" in text and contract.id in text and "confidential" not in text
    assert "confidential" in run_cli(root, "customer", "dealing", "list", "C0002").output
    shown = json.loads(run_cli(root, "customer", "dealing", "show", "BD-2026-0002", "--json").output)
    assert shown["summary"] == "并购谈判" and shown["customer"] == "C0002" and shown["by"] == "李明"
    assert "签订年度采购框架协议" in run_cli(root, "customer", "dealing", "show", "BD-2026-0001").output
    assert run_cli(root, "customer", "dealing", "show", "BD-2026-0404").exit_code == EXIT_NOT_FOUND
    assert run_cli(root, "customer", "dealing", "list", "C0003").output.strip() == "C0003: no recorded dealings."
    # the profile history shows only profile changes; the dealings stay in their own view
    assert run_cli(root, "customer", "history", "C0001").output.strip() == "C0001: no recorded changes."
    archive = Archive.open(root)
    assert [d.id for d in dealings.public_dealings(archive, "C0002")] == []  # confidential: never for the catalogue
    assert [d.id for d in dealings.public_dealings(archive, "C0001")] == ["BD-2026-0001"]


@pytest.mark.parametrize(("args", "code", "words"), [
    (("C0001", "--date", "2026-13-01"), EXIT_USAGE, "is not a date"),
    (("C0001", "--date", "12.10.2026"), EXIT_USAGE, "YYYY-MM-DD"),
    (("C0001", "--date", "2026-11-21"), EXIT_USAGE, "after today"),  # the clock says 2026-11-20
    (("C0009", "--date", "2026-10-12"), EXIT_NOT_FOUND, "Unknown customer C0009"),
    (("C0001", "--date", "2026-10-12", "--document", "20260101-contract-deadbeef"), EXIT_NOT_FOUND,
     "no record 20260101-contract-deadbeef"),
    (("C0001", "--date", "2026-10-12", "--document", "*"), EXIT_NOT_FOUND, "no record '*'"),
    (("C0001", "--date", "2026-10-12", "--amount", "一百万"), EXIT_USAGE, "is not an amount"),
    (("C0001", "--date", "2026-10-12", "--amount", "NaN"), EXIT_USAGE, "is not an amount"),
])
def test_bad_values_are_refused_with_nothing_recorded(lending: Lending, args: tuple[str, ...], code: int,
                                                      words: str) -> None:
    r = run_cli(lending.root, *ADD, *args, "--summary", "往来")
    assert r.exit_code == code and words in r.output, r.output
    assert register_lines(lending.root) == [] and register_lines(lending.root, "C0002") == []


def test_the_document_must_be_the_customers_own_record(lending: Lending) -> None:
    r = run_cli(lending.root, *ADD, "C0001", "--date", "2026-10-12", "--summary", "往来",
                "--document", lending.secret.id)  # C0002's record
    assert r.exit_code == EXIT_WORKFLOW and "customer C0002, not C0001" in r.output
    r = run_cli(lending.root, *ADD, "C0001", "--date", "2026-10-12", "--summary", " \x00 ")
    assert r.exit_code == EXIT_USAGE and "summary" in r.output
    assert register_lines(lending.root) == []


def test_pure_rules() -> None:
    today = dt.date(2026, 11, 20)
    assert dealings.parse_date(" 2026-11-20 ", today) == today  # today itself is allowed
    with pytest.raises(ArchiverError, match="after today"):
        dealings.parse_date("2026-11-21", today)
    assert dealings.parse_amount("") == ""
    assert dealings.parse_amount("1，200.5") == "1200.5"
    assert dealings.parse_amount("1e5") == "100000"  # never an exponent
    assert dealings.parse_amount("-300") == "-300"  # a refund is a dealing too
    with pytest.raises(ArchiverError):
        dealings.parse_amount("inf")
    assert dealings.from_entry({"event": "changed", "id": "x"}, "C0001") is None
    assert dealings.from_entry({"event": "dealing", "id": "BD-1", "date": "bad"}, "C0001") is None
    d = dealings.from_entry({"event": "dealing", "id": "BD-1", "date": "2026-01-02", "confidential": "yes"}, "C1")
    assert d is not None and d.confidential is False and d.summary == ""  # only a real true is confidential


def test_a_torn_last_line_is_skipped_reported_and_never_glued(lending: Lending) -> None:
    root = lending.root
    add(root, "C0001", "--date", "2026-10-12", "--summary", "第一次往来")
    path = root / "customers" / "C0001" / "history.jsonl"
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"at": "2026-11-20T10:00:00+08:00", "event": "dealing", "id": "BD-2026-0002", "summ')  # killed
    listed = json.loads(run_cli(root, "customer", "dealing", "list", "C0001", "--json").output)
    assert [d["id"] for d in listed] == ["BD-2026-0001"]  # the torn line was never recorded
    r = run_cli(root, "audit", "--fast", "--json")
    torn = [f for f in json.loads(r.output)["finding_list"] if f["kind"] == "torn-line"]
    assert torn == [{"kind": "torn-line", "path": "customers/C0001/history.jsonl", "severity": "warning",
                     "detail": "line 2 cannot be read; it was never recorded"}]
    e = add(root, "C0001", "--date", "2026-11-01", "--summary", "第二次往来")
    assert e["id"] == "BD-2026-0002"  # the torn line's number was never given out
    assert json.loads(path.read_text("utf-8").splitlines()[-1]) == e  # a line of its own, not glued to the torn one


def test_the_catalogue_shows_dealings_but_never_a_confidential_one(lending: Lending, clock: Clock) -> None:
    """Art. 26 "除该业务保密外": the customer's page lists its dealings; a confidential dealing —
    its summary, its amount — is in no file of the catalogue folder."""
    root, contract = lending.root, lending.bound[0]
    add(root, "C0001", "--date", "2026-10-12", "--summary", "签订年度采购框架协议", "--amount", "1200000.50",
        "--document", contract.id, "--by", "王芳")
    secret_summary, secret_amount = "与星河集团秘密洽谈并购事宜", "98765432.10"
    add(root, "C0001", "--date", "2026-11-02", "--summary", secret_summary, "--amount", secret_amount,
        "--confidential")
    add(root, "C0001", "--date", "2026-11-03", "--summary", "退还多收货款", "--amount", "-300")
    r = run_cli(root, "site")
    assert r.exit_code == 0, r.output
    page = (root / "site" / "customers" / "C0001" / "index.html").read_text("utf-8")
    assert "业务往来" in page and "签订年度采购框架协议" in page and "1200000.50" in page and "退还多收货款" in page
    assert f'documents/{contract.id}.html' in page  # the record that documents it, linked
    assert "王芳" in page and "2026-10-12" in page  # dated and attributed
    assert page.index("退还多收货款") < page.index("签订年度采购框架协议")  # newest first
    needles = [secret_summary.encode(), json.dumps(secret_summary).encode(), secret_amount.encode(),
               "".join(f"&#{ord(c)};" for c in secret_summary[:4]).encode()]
    files = [p for p in (root / "site").rglob("*") if p.is_file()]
    assert len(files) > 10
    for p in files:
        data = p.read_bytes()
        assert not any(n in data for n in needles), p
    assert "与星河集团" not in run_cli(root, "site").output
