"""Customer dealings (业务往来, Art. 8, 26, 30): the record of business dealings with the
company that a customer file holds, each dated and attributed.

``archiver customer dealing add C0001 --date 2026-10-12 --summary … [--amount …]
[--document RECORD] [--confidential]`` appends one entry (event ``dealing``) to the
customer's dated register ``customers/<code>/history.jsonl`` — the register of its major
changes and dealings (Art. 30), beside the profile changes of :mod:`.history`: at, by (the
archive's clock and actor, :mod:`archiver.clock`), id (``BD-<year>-<n>``, numbered under
the custody lock), the date of the dealing, a summary, an amount (a decimal, as written,
without a unit), the record that documents it and whether it is confidential.

A confidential dealing (Art. 26: "除该业务保密外") is kept in the register and shown to the
archive's own commands, but never handed to the catalogue (:func:`public_dealings`): it is
in no page and no file of any site. Like every register, the file is only appended to, one
``write`` a line; a line torn by a crash is skipped when read and reported by
``archiver audit`` (``torn-line``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import clock
from ..customers import clean_text
from ..errors import ArchiverError, NotFoundError, WorkflowError
from ..register import Register
from ..store import Archive
from .history import history_path
from .state import held_names
from .workflow import custody_lock, next_id

EVENT = "dealing"
PREFIX = "BD"  # 业务往来 business dealing
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Dealing:
    """One recorded dealing of a customer with the company."""

    id: str
    customer: str
    date: dt.date
    summary: str
    amount: str  # a decimal as normalised on entry ("120000.00"), "" when none was given
    document: str  # the record id that documents it, "" when none
    confidential: bool
    at: str  # when it was recorded
    by: str  # who recorded it

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "date": self.date.isoformat()}


# Pure rules ------------------------------------------------------------------------------------
def parse_date(text: str, today: dt.date) -> dt.date:
    """The day of a dealing: YYYY-MM-DD, not after ``today`` (a dealing is recorded after it
    took place)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ArchiverError(f"--date {text!r} is not a date.", hint="Write the day of the dealing as YYYY-MM-DD, "
                            "e.g. --date 2026-10-12. Nothing was recorded.") from None
    if day > today:
        raise ArchiverError(f"--date {day.isoformat()} is after today ({today.isoformat()}).",
                            hint="Record a dealing once it has taken place. Nothing was recorded.")
    return day


def parse_amount(text: str) -> str:
    """An amount as a plain decimal string ("1,200,000.5" → "1200000.5"); "" for none."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        return ""
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ArchiverError(f"--amount {text!r} is not an amount.",
                            hint="Write a number, e.g. --amount 120000.00 (no unit). Nothing was recorded.")
    return format(value, "f")  # never an exponent ("1E+5")


def need_summary(text: str) -> str:
    summary = clean_text(text)
    if not summary:
        raise ArchiverError("The summary of the dealing is empty.",
                            hint="Say what the dealing was with --summary TEXT. Nothing was recorded.")
    return summary


def from_entry(entry: dict[str, Any], customer: str) -> Dealing | None:
    """A register entry as a Dealing; None for another event or an entry that does not read."""
    if entry.get("event") != EVENT or not isinstance(entry.get("id"), str):
        return None
    try:
        day = dt.date.fromisoformat(str(entry.get("date")))
    except ValueError:
        return None
    return Dealing(id=entry["id"], customer=customer, date=day, summary=str(entry.get("summary", "")),
                   amount=str(entry.get("amount") or ""), document=str(entry.get("document") or ""),
                   confidential=entry.get("confidential") is True, at=str(entry.get("at", "")),
                   by=str(entry.get("by", "")))


# The register -----------------------------------------------------------------------------------
def dealings(archive: Archive, code: str) -> list[Dealing]:
    """Every recorded dealing of customer ``code``, oldest first, the confidential ones
    included (NotFoundError for an unknown customer)."""
    archive.customer(code)
    return _read(archive, code)


def public_dealings(archive: Archive, code: str) -> list[Dealing]:
    """The dealings the catalogue may show: none that is confidential (Art. 26)."""
    return [d for d in _read(archive, code) if not d.confidential]


def find(archive: Archive, dealing_id: str) -> Dealing:
    """The dealing ``dealing_id``, whichever customer it concerns."""
    for customer in archive.customers():
        for d in _read(archive, customer.code):
            if d.id == dealing_id:
                return d
    raise NotFoundError(f"There is no dealing {dealing_id}.",
                        hint="List a customer's dealings with `archiver customer dealing list CODE`.")


def add(archive: Archive, code: str, *, date: str, summary: str, amount: str = "", document: str = "",
        confidential: bool = False, by: str = "") -> dict[str, Any]:
    """Record one dealing of customer ``code``; returns the entry written. Every value is
    checked first: a bad date, amount or summary, an unknown customer or record, or a record
    of another customer or held for destruction is refused with nothing recorded."""
    archive.customer(code)  # NotFoundError for an unknown customer
    day = parse_date(date, clock.today())
    text = need_summary(summary)
    value = parse_amount(amount)
    record = _document(archive, code, document.strip()) if document.strip() else ""
    with custody_lock(archive, "archiver customer dealing add"):
        taken = [d.id for c in archive.customers() for d in _read(archive, c.code)]
        dealing_id = next_id(taken, PREFIX, clock.today().year)
        return Register(history_path(archive, code)).append(
            EVENT, by=by, id=dealing_id, date=day, summary=text, amount=value, document=record,
            confidential=confidential)


def _read(archive: Archive, code: str) -> list[Dealing]:
    found = (from_entry(e, code) for e in Register(history_path(archive, code)))
    return [d for d in found if d is not None]


def _document(archive: Archive, code: str, record_id: str) -> str:
    """The record that documents a dealing: filed, of this customer, not held apart."""
    held = held_names(archive)
    if record_id in held:
        raise WorkflowError(f"Record {record_id} is held apart for destruction (list {held[record_id]}, Art. 29).",
                            hint="Name another record, or record the dealing without --document. "
                            "Nothing was recorded.")
    if not RECORD_ID.fullmatch(record_id):
        raise NotFoundError(f"There is no record {record_id!r}.", hint="Record ids look like "
                            "20261012-contract-1a2b3c4d: `archiver log --customer CODE` lists them.")
    try:
        record = archive.find_record(record_id)
    except NotFoundError:
        raise NotFoundError(f"There is no record {record_id} (--document).",
                            hint=f"`archiver log --customer {code}` lists the records filed for {code}. "
                            "Nothing was recorded.") from None
    if record.customer != code:
        raise WorkflowError(f"Record {record_id} is in the file of customer {record.customer}, not {code}.",
                            hint="A dealing is documented by a record of the same customer. Nothing was recorded.")
    return record.id
