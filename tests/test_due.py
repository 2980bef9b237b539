"""Completeness and due dates (Art. 5, 10–11), with the policy's own departments and the
due days of the default archive.toml (sales and finance by the 10th, customer service by
the 15th of the following month)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import run_cli
from custody_helpers import bind, doc, file_docs

from archiver.custody.due import deadline, page_mismatches, parse_month, status
from archiver.errors import ArchiverError
from archiver.store import Archive


@pytest.fixture
def october(archive_root: Path, drop, clock):  # type: ignore[no-untyped-def]
    assert run_cli(archive_root, "customer", "update", "C0003", "--set", "active=false", "--reason", "停止合作").exit_code == 0
    clock.set("2026-11-05T09:00:00+08:00")
    on_time = file_docs(archive_root, drop, [
        doc("C0001", "credit-report", "2026-10-20", pages=2, scan_pages=3),  # bound: 3 numbered ≠ 2
        doc("C0003", "credit-report", "2026-10-20"),  # inactive customer: not expected
        doc("C0001", "credit-report", "2026-09-20"),  # another month
        doc("C0001", "contract", "2026-10-02"),  # not a monthly type
    ], "a")  # fmt: skip
    clock.set("2026-11-12T09:00:00+08:00")
    late = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2026-10-31", pages=3, scan_pages=4),  # unbound, 4 ≥ 3: not judged
        doc("C0002", "analysis-report", "2026-10-15"),
    ], "b")  # fmt: skip
    bind(Archive.open(archive_root), on_time[:1])
    return archive_root, on_time, late


def report(root: Path, month: str = "2026-10") -> dict:
    r = run_cli(root, "due", "--month", month, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def statuses(data: dict) -> dict[tuple[str, str], str]:
    return {(e["customer"], e["type"]): e["status"] for rows in data["departments"].values() for e in rows}


def test_arrived_late_missing_and_not_yet_due(october) -> None:  # type: ignore[no-untyped-def]
    root, on_time, late = october
    data = report(root)
    assert statuses(data) == {
        ("C0001", "credit-report"): "arrived",
        ("C0001", "qualification-rating"): "not-yet-due",  # customer service: due 2026-11-15
        ("C0001", "sales-statistics"): "late",  # sales: due 2026-11-10, filed 2026-11-12
        ("C0001", "analysis-report"): "not-yet-due",
        ("C0002", "credit-report"): "missing",  # finance: due 2026-11-10, nothing filed
        ("C0002", "qualification-rating"): "not-yet-due",
        ("C0002", "sales-statistics"): "missing",
        ("C0002", "analysis-report"): "arrived",  # filed 2026-11-12, due 2026-11-15
    }
    assert set(data["departments"]) == {"finance", "customer-service", "sales"}
    assert all(e["department"] == dept for dept, rows in data["departments"].items() for e in rows)
    assert data["counts"] == {"arrived": 2, "late": 1, "missing": 2, "not-yet-due": 3}
    late_row = next(e for e in data["departments"]["sales"] if e["customer"] == "C0001")
    assert late_row["records"] == [late[0].id] and late_row["filed"] == "2026-11-12"
    assert late_row["due"] == "2026-11-10"


def test_after_the_last_due_day_nothing_is_not_yet_due(october, clock) -> None:  # type: ignore[no-untyped-def]
    root = october[0]
    clock.set("2026-11-16T09:00:00+08:00")
    data = report(root)
    assert data["counts"] == {"arrived": 2, "late": 1, "missing": 5, "not-yet-due": 0}


def test_page_count_differences(october) -> None:  # type: ignore[no-untyped-def]
    root, on_time, _ = october
    data = report(root)
    assert [(p["record"], p["declared"], p["counted"]) for p in data["page_mismatches"]] == [(on_time[0].id, 2, 3)]
    assert data["page_mismatches"][0]["counted_in"].startswith("volume Q001-C0001-2026-C-001")
    out = run_cli(root, "due", "--month", "2026-10").output
    assert "MISSING" in out and "late" in out and "财务部" in out and "declared 2, 3 in volume" in out


def test_default_month_is_last_month(october, clock) -> None:  # type: ignore[no-untyped-def]
    root = october[0]
    r = run_cli(root, "due", "--json")
    assert json.loads(r.output)["month"] == "2026-10"
    assert run_cli(root, "due", "--month", "2026-13").exit_code != 0
    assert run_cli(root, "due", "--help").exit_code == 0


def test_rules() -> None:
    assert deadline(2026, 10, 10) == dt.date(2026, 11, 10)
    assert deadline(2026, 12, 15) == dt.date(2027, 1, 15)
    due = dt.date(2026, 11, 10)
    assert status([dt.date(2026, 11, 10)], due, dt.date(2026, 12, 1)) == "arrived"  # on the due day itself
    assert status([dt.date(2026, 11, 11), dt.date(2026, 11, 1)], due, dt.date(2026, 12, 1)) == "arrived"  # earliest
    assert status([dt.date(2026, 11, 11)], due, dt.date(2026, 12, 1)) == "late"
    assert status([], due, due) == "not-yet-due"
    assert status([], due, dt.date(2026, 11, 11)) == "missing"
    assert parse_month("2026-3") == (2026, 3)
    with pytest.raises(ArchiverError):
        parse_month("October")


def test_unbound_pdf_with_fewer_pages_than_declared() -> None:
    from archiver.model import FileInfo, FilingInfo, Metadata, Record

    r = Record("r1", Metadata("C1", "contract", dt.date(2026, 1, 1), "t", pages=5), FileInfo("r1.pdf", "", 1, 4),
               FilingInfo("s", 1, 1, "sidecar", dt.datetime(2026, 1, 2), "x"), "long-term")
    found = page_mismatches([r], [])
    assert [(m.declared, m.counted, m.counted_in) for m in found] == [(5, 4, "pdf")]
