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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..clock import today
from ..config import Config
from ..model import Record
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests
from . import loans, state
from .audit.report import last_audit
from .disposal.lists import destruction_totals
from .due import STATUSES, Expectation, completeness, previous_month

DIMENSIONS = ("year", "type", "retention", "classification", "department")
VOLUME_DIMENSIONS = ("year", "retention", "classification")
UNKNOWN_TYPE = "(unknown type)"


# The engine: tallies of some documents or volumes, added up --------------------------------
# ``archiver stats`` tallies the whole archive at once; the catalogue tallies each customer
# (kept between builds) and adds the tallies up: the same functions give both numbers.
@dataclass(frozen=True)
class DocumentTally:
    """Counts of a set of documents, to be added up with :func:`add_documents`."""

    documents: int = 0
    pages: int = 0
    # (dimension, value, documents, pages, customers concerned)
    rows: tuple[tuple[str, str, int, int, frozenset[str]], ...] = ()
    filed: tuple[tuple[int, int, int], ...] = ()  # (year, month, documents filed then)
    earliest: dt.date | None = None  # the date of the earliest document


def tally_documents(records: Iterable[Record], config: Config) -> DocumentTally:
    """Documents, pages and the customers they concern by each dimension; filings by month."""
    docs: Counter[tuple[str, str]] = Counter()
    pages: Counter[tuple[str, str]] = Counter()
    customers: dict[tuple[str, str], set[str]] = {}
    filed: Counter[tuple[int, int]] = Counter()
    total = n_pages = 0
    earliest: dt.date | None = None
    for r in records:
        n = r.file.page_count
        total += 1
        n_pages += n
        dtype = config.document_types.get(r.meta.type)
        for key in (("year", str(r.meta.year)), ("type", r.meta.type), ("retention", r.retention),
                    ("classification", r.meta.classification),
                    ("department", dtype.department if dtype else UNKNOWN_TYPE)):
            docs[key] += 1
            pages[key] += n
            customers.setdefault(key, set()).add(r.customer)
        at = r.filing.filed_at
        day = at.date() if isinstance(at, dt.datetime) else at
        filed[(day.year, day.month)] += 1
        earliest = r.meta.date if earliest is None else min(earliest, r.meta.date)
    return DocumentTally(documents=total, pages=n_pages,
                         rows=tuple((d, v, docs[(d, v)], pages[(d, v)], frozenset(customers[(d, v)])) for d, v in docs),
                         filed=tuple((y, m, k) for (y, m), k in filed.items()), earliest=earliest)


def add_documents(tallies: Iterable[DocumentTally], day: dt.date) -> dict[str, Any]:
    """The documents part of the statistics (``stats --json``'s ``documents``), from tallies."""
    by: dict[str, dict[str, dict[str, Any]]] = {d: {} for d in DIMENSIONS}
    total = pages = this_month = this_year = 0
    for t in tallies:
        total += t.documents
        pages += t.pages
        for dim, value, n_docs, n_pages, people in t.rows:
            row = by[dim].setdefault(value, {"documents": 0, "pages": 0, "customers": set()})
            row["documents"] += n_docs
            row["pages"] += n_pages
            row["customers"] |= people
        for y, m, n in t.filed:
            if y == day.year:
                this_year += n
                if m == day.month:
                    this_month += n
    return {"documents": total, "pages": pages, "filed_this_month": this_month, "filed_this_year": this_year,
            "by": {d: _finish(t) for d, t in by.items()}}


def _finish(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Sorted rows; the set of customers becomes how many customers a row concerns."""
    return {k: {**row, "customers": len(row["customers"])} for k, row in sorted(table.items())}


def document_stats(records: Iterable[Record], config: Config, day: dt.date) -> dict[str, Any]:
    """Documents, pages and the customers they concern, in total and by each dimension;
    documents filed this month and this year (by ``filing.filed_at``)."""
    return add_documents([tally_documents(records, config)], day)


@dataclass(frozen=True)
class VolumeTally:
    """Counts of a set of volumes, to be added up with :func:`add_volumes`."""

    volumes: int = 0
    pages: int = 0
    documents_bound: int = 0
    rows: tuple[tuple[str, str, int, int], ...] = ()  # (dimension, value, volumes, numbered pages)


def tally_volumes(manifests: Iterable[VolumeManifest]) -> VolumeTally:
    vols: Counter[tuple[str, str]] = Counter()
    pages: Counter[tuple[str, str]] = Counter()
    total = n_pages = docs = 0
    for m in manifests:
        total += 1
        n_pages += m.page_count
        docs += m.document_count
        for key in (("year", str(m.year)), ("retention", m.retention), ("classification", m.classification)):
            vols[key] += 1
            pages[key] += m.page_count
    return VolumeTally(volumes=total, pages=n_pages, documents_bound=docs,
                       rows=tuple((d, v, vols[(d, v)], pages[(d, v)]) for d, v in vols))


def add_volumes(tallies: Iterable[VolumeTally]) -> dict[str, Any]:
    """The volumes part of the statistics (``stats --json``'s ``volumes``), from tallies."""
    by: dict[str, dict[str, dict[str, int]]] = {d: {} for d in VOLUME_DIMENSIONS}
    total = pages = docs = 0
    for t in tallies:
        total += t.volumes
        pages += t.pages
        docs += t.documents_bound
        for dim, value, n, n_pages in t.rows:
            row = by[dim].setdefault(value, {"volumes": 0, "pages": 0})
            row["volumes"] += n
            row["pages"] += n_pages
    return {"volumes": total, "pages": pages, "documents_bound": docs,
            "by": {d: dict(sorted(t.items())) for d, t in by.items()}}


def volume_stats(manifests: Iterable[VolumeManifest]) -> dict[str, Any]:
    return add_volumes([tally_volumes(manifests)])


def collection_counts(expectations: Iterable[Expectation]) -> dict[str, int]:
    """How many expected monthly documents (Art. 5) are in each status, and in all."""
    found = list(expectations)
    return {"expected": len(found), **{k: sum(e.status == k for e in found) for k in STATUSES}}


def collect(archive: Archive, day: dt.date | None = None) -> dict[str, Any]:
    """Every statistic of Art. 25, as plain data (``archiver stats --json``)."""
    day = day or today()
    people = archive.customers()
    custody = state.read(archive)
    consultations = Counter(custody.consultations.values())
    audit = last_audit(archive)
    records = list(archive.iter_records())
    year, month = previous_month(day)
    expected = completeness(year, month, people, records, archive.config, day)
    return {
        "as_of": day,
        "customers": {"total": len(people), "active": sum(c.active for c in people)},
        "documents": document_stats(records, archive.config, day),
        "collection": {"month": f"{year:04d}-{month:02d}", **collection_counts(expected)},
        "volumes": volume_stats(iter_manifests(archive.volumes)),
        "consultations": {"total": sum(consultations.values()), **{k: consultations.get(k, 0) for k in
                          ("requested", "approving", "approved", "refused")}},
        "loans": loans.loan_counts(archive, day),
        "last_audit": None if audit is None else {
            k: audit.get(k) for k in ("at", "by", "scope", "result", "findings", "warnings", "files")
        },
        "disposal": {
            "destroyed": destruction_totals(archive),
            "held_lists": sum(s in state.HELD_STATES for s in custody.lists.values()),
            "open_lists": sum(s in state.OPEN_STATES for s in custody.lists.values()),
        },
    }


def dimension_names(cfg: Config) -> tuple[dict[str, Callable[[str], str]], dict[str, list[str]]]:
    """How the statistics' dimensions are shown: each key's configured name (year, document
    type, retention class, classification, department), and the configured order of their
    keys (years in their own order) — for the terminal and the printed report alike."""
    labels: dict[str, Callable[[str], str]] = {
        "year": str,
        "type": lambda k: cfg.document_types[k].name if k in cfg.document_types else k,
        "retention": lambda k: cfg.retention[k].name if k in cfg.retention else k,
        "classification": lambda k: cfg.classifications.get(k, k),
        "department": lambda k: cfg.departments[k].name if k in cfg.departments else k,
    }
    order = {"type": list(cfg.document_types), "retention": list(cfg.retention),
             "classification": list(cfg.classifications), "department": list(cfg.departments)}
    return labels, order
