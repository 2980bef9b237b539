"""Statistics (Art. 25), compared with counts worked out by hand from the fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from custody_helpers import bind, doc, file_docs

from archiver.store import Archive

# (customer, type, date, scan pages, classification)
OLD = [("C0001", "basic-data", "2025-06-01", 1, "ordinary")]  # filed 2025-12-30
OCTOBER = [  # filed 2026-10-05
    ("C0001", "credit-report", "2026-09-10", 2, "ordinary"),
    ("C0001", "contract", "2026-09-12", 3, "confidential"),
    ("C0002", "sales-statistics", "2026-09-30", 2, "ordinary"),
]
NOVEMBER = [  # filed 2026-11-20
    ("C0002", "credit-report", "2026-10-10", 4, "secret"),
    ("C0003", "analysis-report", "2026-10-31", 1, "ordinary"),
]


def _file(root: Path, drop, rows, prefix: str, clock, when: str):  # type: ignore[no-untyped-def]
    clock.set(when)
    return file_docs(root, drop, [doc(c, t, d, scan_pages=p, classification=k) for c, t, d, p, k in rows], prefix)


@pytest.fixture
def stats(archive_root: Path, drop, clock):  # type: ignore[no-untyped-def]
    _file(archive_root, drop, OLD, "old", clock, "2025-12-30T10:00:00+08:00")
    october = _file(archive_root, drop, OCTOBER, "oct", clock, "2026-10-05T10:00:00+08:00")
    _file(archive_root, drop, NOVEMBER, "nov", clock, "2026-11-20T10:00:00+08:00")
    archive = Archive.open(archive_root)
    bind(archive, october[:2])  # C0001 2026 long-term: 5 pages
    clock.set("2026-11-25T10:00:00+08:00")
    form = ["--requester", "赵", "--department", "销售部", "--purpose", "p", "--reason", "r", "--signer", "钱部长"]
    for _ in range(3):
        run_cli(archive_root, "consult", "request", *form, "--object", "C0001")
    assert run_cli(archive_root, "consult", "approve", "CQ-2026-0001", "--by", "李").exit_code == 0
    assert run_cli(archive_root, "consult", "refuse", "CQ-2026-0002", "--reason", "no", "--by", "李").exit_code == 0
    run_cli(archive_root, "loan", "request", *form, "--item", october[2].id, "--due", "2026-11-30")
    run_cli(archive_root, "loan", "request", *form, "--item", "C0003")
    run_cli(archive_root, "loan", "approve", "LN-2026-0001", "--by", "李")
    run_cli(archive_root, "loan", "lend", "LN-2026-0001", "--borrower", "赵")
    run_cli(archive_root, "audit", "--by", "审计员")
    clock.set("2026-12-02T10:00:00+08:00")
    return archive_root


def test_counts_by_every_dimension(stats: Path) -> None:
    r = run_cli(stats, "stats", "--json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    rows = OLD + OCTOBER + NOVEMBER
    assert s["customers"] == {"total": 3, "active": 3}
    d = s["documents"]
    assert d["documents"] == 6 and d["pages"] == sum(p for *_, p, _k in rows) == 13
    # today is 2026-12-02: nothing filed this month, five this year
    assert d["filed_this_month"] == 0 and d["filed_this_year"] == 5
    assert d["by"]["year"] == {"2025": {"documents": 1, "pages": 1, "customers": 1},
                               "2026": {"documents": 5, "pages": 12, "customers": 3}}
    assert d["by"]["type"]["credit-report"] == {"documents": 2, "pages": 6, "customers": 2}
    assert d["by"]["retention"] == {"long-term": {"documents": 3, "pages": 9, "customers": 2},
                                    "permanent": {"documents": 1, "pages": 1, "customers": 1},
                                    "short-term": {"documents": 2, "pages": 3, "customers": 2}}
    assert d["by"]["classification"] == {"confidential": {"documents": 1, "pages": 3, "customers": 1},
                                         "ordinary": {"documents": 4, "pages": 6, "customers": 3},
                                         "secret": {"documents": 1, "pages": 4, "customers": 1}}
    assert d["by"]["department"] == {"customer-service": {"documents": 1, "pages": 1, "customers": 1},
                                     "finance": {"documents": 2, "pages": 6, "customers": 2},
                                     "sales": {"documents": 3, "pages": 6, "customers": 2}}
    v = s["volumes"]
    assert v["volumes"] == 1 and v["pages"] == 5 and v["documents_bound"] == 2
    assert v["by"]["classification"] == {"confidential": {"volumes": 1, "pages": 5}}
    assert s["consultations"] == {"total": 3, "requested": 1, "approving": 0, "approved": 1, "refused": 1}
    ln = s["loans"]
    assert (ln["total"], ln["open"], ln["overdue"], ln["pending"]) == (2, 1, 1, 1)
    a = s["last_audit"]
    assert a["by"] == "审计员" and a["result"] == "ok" and a["at"].startswith("2026-11-25")
    assert s["disposal"]["destroyed"] == {"lists": 0, "volumes": 0, "records": 0}


def test_filed_this_month(stats: Path, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set("2026-11-30T10:00:00+08:00")
    s = json.loads(run_cli(stats, "stats", "--json").output)
    d = s["documents"]
    assert (d["filed_this_month"], d["filed_this_year"]) == (2, 5)
    # October's monthly documents (Art. 5): 3 active customers × 4 monthly types; C0002's
    # credit report and C0003's analysis report were filed on 2026-11-20, after their due days
    assert s["collection"] == {"month": "2026-10", "expected": 12, "arrived": 0, "late": 2, "missing": 10,
                               "not-yet-due": 0}


def test_text_report(stats: Path) -> None:
    out = run_cli(stats, "stats").output
    for text in ("Customers: 3", "Documents: 6 (13 pages)", "客户信用评估报告", "财务部", "机密", "长期",
                 "Volumes: 1", "1 overdue", "Last audit:", "审计员"):
        assert text in out, text
    assert run_cli(stats, "stats", "--help").exit_code == 0
