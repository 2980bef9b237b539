"""Completeness and due dates (Art. 5, 10–11).

Art. 5: each month's documents are supplied by their department by a day of the next
month (the policy leaves the day blank: ``[departments.X] due_day``). For one month, each
active customer and each monthly document type (``monthly = true``), the month's document:

* ``arrived`` — a record of that type dated in the month, filed by the due day;
* ``late`` — filed, but after the due day (the record's ``filing.filed_at``);
* ``missing`` — none filed and the due day has passed;
* ``not-yet-due`` — none filed yet, and the due day has not passed.

Art. 11 (pages complete): a document may declare its pages with writing (``pages``).
Where the document is bound, its numbered pages in the volume manifest are exactly its
pages with writing (Art. 16), so any difference is reported. Where it is not bound yet, only
its PDF page count is known, which also counts blank backs of a duplex scan: a PDF with
*fewer* pages than declared is reported; one with more cannot be judged until the
document is bound (the filing already refuses a scan with fewer pages than declared).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Protocol

from ..config import Config
from ..errors import ArchiverError
from ..model import Record
from ..months import shift_month
from ..volumes.manifest import VolumeManifest

STATUSES = ("arrived", "late", "missing", "not-yet-due")


def parse_month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ArchiverError(f"{text!r} is not a month.", hint="Write the month as YYYY-MM, e.g. 2026-10.")
    return int(m.group(1)), int(m.group(2))


def previous_month(day: dt.date) -> tuple[int, int]:
    return shift_month(day.year, day.month, -1)


def deadline(year: int, month: int, due_day: int) -> dt.date:
    """Art. 5: the due day of the month after (year, month)."""
    return dt.date(*shift_month(year, month, 1), due_day)


def status(filed: Iterable[dt.date], due: dt.date, day: dt.date) -> str:
    """One expected document's status from the days its records were filed."""
    first = min(filed, default=None)
    if first is not None:
        return "arrived" if first <= due else "late"
    return "missing" if day > due else "not-yet-due"


@dataclass(frozen=True)
class Expectation:
    customer: str
    customer_name: str
    type: str
    type_name: str
    department: str
    due: dt.date
    status: str
    records: tuple[str, ...]
    filed: dt.date | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _filed_day(record: Record) -> dt.date:
    at = record.filing.filed_at
    return at.date() if isinstance(at, dt.datetime) else at


@dataclass(frozen=True)
class Arrival:
    """A record of a monthly document type, as the completeness report needs it."""

    customer: str
    type: str
    year: int  # of the document's own date
    month: int
    filed: dt.date  # the day it was filed
    record: str


class Party(Protocol):
    """A customer as the completeness report needs it (:class:`~archiver.customers.Customer`
    or the catalogue's customer row)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def active(self) -> bool: ...


def arrivals(records: Iterable[Record], config: Config) -> tuple[Arrival, ...]:
    """The records of monthly document types, in the order given (Art. 5)."""
    monthly = {code for code, t in config.document_types.items() if t.monthly}
    return tuple(Arrival(r.customer, r.meta.type, r.meta.date.year, r.meta.date.month, _filed_day(r), r.id)
                 for r in records if r.meta.type in monthly)


def expectations(year: int, month: int, customers: Iterable[Party], arrived: Iterable[Arrival],
                 config: Config, day: dt.date) -> list[Expectation]:
    """Every expected monthly document of (year, month), with its status (Art. 5), from the
    arrivals of :func:`arrivals` (of one customer or many)."""
    found_in: dict[tuple[str, str], list[Arrival]] = {}
    for a in arrived:
        if a.year == year and a.month == month:
            found_in.setdefault((a.customer, a.type), []).append(a)
    monthly = [(t, deadline(year, month, config.departments[t.department].due_day))
               for t in config.document_types.values() if t.monthly]
    out = []
    for c in customers:
        if not c.active:
            continue
        for t, due in monthly:
            found = found_in.get((c.code, t.code))
            if found:
                found = sorted(found, key=lambda a: a.filed)
                out.append(Expectation(c.code, c.name, t.code, t.name, t.department, due,
                                       status([a.filed for a in found], due, day), tuple(a.record for a in found),
                                       found[0].filed))
            else:
                out.append(Expectation(c.code, c.name, t.code, t.name, t.department, due, status((), due, day), (),
                                       None))
    return out


def completeness(year: int, month: int, customers: Iterable[Party], records: Iterable[Record],
                 config: Config, day: dt.date) -> list[Expectation]:
    """Every expected monthly document of (year, month), with its status (Art. 5)."""
    return expectations(year, month, customers, arrivals(records, config), config, day)


def by_department(expectations: Iterable[Expectation]) -> dict[str, list[Expectation]]:
    out: dict[str, list[Expectation]] = {}
    for e in expectations:
        out.setdefault(e.department, []).append(e)
    return out


@dataclass(frozen=True)
class PageMismatch:
    record: str
    customer: str
    type: str
    title: str
    declared: int
    counted: int
    counted_in: str  # "volume REF" (numbered pages) or "pdf" (PDF pages, not yet bound)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def page_mismatches(records: Iterable[Record], manifests: Iterable[VolumeManifest]) -> list[PageMismatch]:
    """Documents whose pages differ from the declared ``pages`` (Art. 11)."""
    numbered: dict[str, tuple[int, str]] = {}
    for m in manifests:
        for d in m.documents:
            n = (d.last_page - d.first_page + 1) if d.first_page is not None and d.last_page is not None else 0
            numbered[d.record] = (n, f"volume {m.reference}")
    out = []
    for r in records:
        declared = r.meta.pages
        if declared is None:
            continue
        if r.id in numbered:
            counted, where = numbered[r.id]
            if counted == declared:
                continue
        else:
            counted, where = r.file.page_count, "pdf"
            if counted >= declared:
                continue
        out.append(PageMismatch(r.id, r.customer, r.meta.type, r.meta.title, declared, counted, where))
    return out
