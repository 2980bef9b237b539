"""Statistics (统计, Art. 25): quantities, collection, custody and use of the archive.

Counts customers; documents, their pages and the customers they concern by year, document
type, retention class, classification and supplying department; the collection of last
month's monthly documents (Art. 5: expected, arrived, late, missing — see
:mod:`archiver.custody.due`); volumes and their numbered pages by year,
retention class and classification; documents filed this month and this year;
consultations and loans (open, overdue, total); the last audit and its result; and the
destruction register (lists, volumes and records destroyed, lists held apart now).

Pages of a document are the pages of its PDF (``file.page_count`` in its sidecar, which the
audit verifies); pages of a volume are its numbered pages (页数, Art. 16).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..config import Config
from ..model import Record
from ..register import today
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests
from . import consult, disposal, loans
from .audit import last_audit
from .due import completeness, previous_month
from .workflow import approval_state

DIMENSIONS = ("year", "type", "retention", "classification", "department")


def _bump(table: dict[str, dict[str, Any]], key: Any, pages: int, customer: str) -> None:
    row = table.setdefault(str(key), {"documents": 0, "pages": 0, "customers": set()})
    row["documents"] += 1
    row["pages"] += pages
    row["customers"].add(customer)


def _finish(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Sorted rows; the set of customers becomes how many customers a row concerns."""
    return {k: {**row, "customers": len(row["customers"])} for k, row in sorted(table.items())}


def document_stats(records: Iterable[Record], config: Config, day: dt.date) -> dict[str, Any]:
    """Documents, pages and the customers they concern, in total and by each dimension;
    documents filed this month and this year (by ``filing.filed_at``)."""
    by: dict[str, dict[str, dict[str, Any]]] = {d: {} for d in DIMENSIONS}
    total = pages = this_month = this_year = 0
    for r in records:
        n = r.file.page_count
        total += 1
        pages += n
        dtype = config.document_types.get(r.meta.type)
        values = {
            "year": r.meta.year,
            "type": r.meta.type,
            "retention": r.retention,
            "classification": r.meta.classification,
            "department": dtype.department if dtype else "(unknown type)",
        }
        for dim, value in values.items():
            _bump(by[dim], value, n, r.customer)
        filed = r.filing.filed_at
        filed_day = filed.date() if isinstance(filed, dt.datetime) else filed
        if filed_day.year == day.year:
            this_year += 1
            if filed_day.month == day.month:
                this_month += 1
    return {"documents": total, "pages": pages, "filed_this_month": this_month, "filed_this_year": this_year,
            "by": {d: _finish(t) for d, t in by.items()}}


def volume_stats(manifests: Iterable[VolumeManifest]) -> dict[str, Any]:
    by: dict[str, dict[str, dict[str, int]]] = {"year": {}, "retention": {}, "classification": {}}
    total = pages = docs = 0
    for m in manifests:
        total += 1
        pages += m.page_count
        docs += m.document_count
        for dim, value in (("year", m.year), ("retention", m.retention), ("classification", m.classification)):
            row = by[dim].setdefault(str(value), {"volumes": 0, "pages": 0})
            row["volumes"] += 1
            row["pages"] += m.page_count
    return {"volumes": total, "pages": pages, "documents_bound": docs,
            "by": {d: dict(sorted(t.items())) for d, t in by.items()}}


def collect(archive: Archive, day: dt.date | None = None) -> dict[str, Any]:
    """Every statistic of Art. 25, as plain data (``archiver stats --json``)."""
    day = day or today()
    people = archive.customers()
    consultations = Counter(approval_state(c) for c in consult.cases(archive).values())
    audit = last_audit(archive)
    lists = list(disposal.summaries(archive))
    records = list(archive.iter_records())
    year, month = previous_month(day)
    expected = completeness(year, month, people, records, archive.config, day)
    return {
        "as_of": day,
        "customers": {"total": len(people), "active": sum(c.active for c in people)},
        "documents": document_stats(records, archive.config, day),
        "collection": {"month": f"{year:04d}-{month:02d}", "expected": len(expected),
                       **{k: sum(e.status == k for e in expected) for k in ("arrived", "late", "missing", "not-yet-due")}},
        "volumes": volume_stats(iter_manifests(archive.volumes)),
        "consultations": {"total": sum(consultations.values()), **{k: consultations.get(k, 0) for k in
                          ("requested", "approving", "approved", "refused")}},
        "loans": loans.loan_counts(archive, day),
        "last_audit": None if audit is None else {
            k: audit.get(k) for k in ("at", "by", "scope", "result", "findings", "warnings", "files")
        },
        "disposal": {
            "destroyed": disposal.destruction_totals(archive),
            "held_lists": sum(s["state"] in disposal.HELD_STATES for s in lists),
            "open_lists": sum(s["state"] in disposal.OPEN_STATES for s in lists),
        },
    }
