"""What the catalogue reads from the custody stage, kept in one small module.

These readers use the registers' own reader (:meth:`Register.last`, newest first) and the
custody stage's file names, and read defensively, so the catalogue builds whether or not
those registers exist yet; nothing else in the catalogue reads custody files.

* The last audit (Art. 22–23): the last entry with ``event == "audit"`` in
  ``registers/audit.jsonl`` — its ``result`` ("ok" / "problems"), ``findings`` and, per
  property of DA/T 70-2018, ``properties.<key>.{label,name,result,errors,warnings}``.
* A customer's dated history (Art. 26, 30): ``customers/<code>/history.jsonl``, one JSON
  object a line with ``at``, ``by``, ``field``, ``old``, ``new``, ``reason``.
* A customer's dealings (Art. 8, 26, 30), from the same register through
  :func:`archiver.custody.dealings.public_dealings`: never a confidential one (Art. 26).
* Material in a disposal hold (Art. 29) lives under ``hold/`` at the archive root; the
  catalogue never reads that folder, so held material is out of the catalogue. What the
  custody state (:mod:`archiver.custody.state`) says is held apart or destroyed is left
  out as well, even while its files are still being moved (:func:`out_of_catalogue`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..custody import state
from ..custody.dealings import public_dealings
from ..custody.history import history_path
from ..register import Register
from ..store import Archive

log = logging.getLogger("archiver.catalogue")


@dataclass(frozen=True)
class AuditSummary:
    at: str
    by: str
    result: str  # "ok" / "problems" (or whatever the register says)
    findings: int | None
    scope: str = ""
    properties: tuple[PropertyResult, ...] = ()  # 真实性, 完整性, 可用性, 安全性 (DA/T 70-2018)


@dataclass(frozen=True)
class PropertyResult:
    key: str  # authenticity, integrity, usability, security
    label: str  # 真实性 …
    name: str  # Authenticity …
    result: str  # ok / problems
    errors: int
    warnings: int


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    by: str
    field: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class FilingSummary:
    at: str
    by: str
    record: str
    customer: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(_text(v) for v in value)
    return str(value)


def last_audit(archive: Archive) -> AuditSummary | None:
    """The most recent audit recorded in the audit register, or None."""
    last = archive.register("audit").last("audit")
    if last is None:
        return None
    findings = last.get("findings")
    if isinstance(findings, list):
        count: int | None = len(findings)
    elif isinstance(findings, int) and not isinstance(findings, bool):
        count = findings
    else:
        count = None
    props = []
    raw = last.get("properties")
    if isinstance(raw, dict):
        for key, p in raw.items():
            if not isinstance(p, dict):
                continue
            props.append(PropertyResult(key=str(key), label=_text(p.get("label")), name=_text(p.get("name")),
                                        result=_text(p.get("result")), errors=_count(p.get("errors")),
                                        warnings=_count(p.get("warnings"))))
    return AuditSummary(at=_text(last.get("at")), by=_text(last.get("by")), result=_text(last.get("result")),
                        findings=count, scope=_text(last.get("scope")), properties=tuple(props))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def last_filing(archive: Archive) -> FilingSummary | None:
    """The most recent "filed" entry of the filing journal (only ids: titles are looked
    up from the record, so a restricted title is never taken from the journal)."""
    last = archive.journal.last("filed")
    if last is None:
        return None
    return FilingSummary(at=_text(last.get("at")), by=_text(last.get("by")), record=_text(last.get("record")),
                         customer=_text(last.get("customer")))


@dataclass(frozen=True)
class DealingEntry:
    at: str
    by: str
    date: str  # YYYY-MM-DD
    summary: str
    amount: str
    document: str  # a record id, or ""


def customer_dealings(archive: Archive, code: str) -> list[DealingEntry]:
    """A customer's dealings the catalogue may show, oldest first: the confidential ones
    are never read into it (Art. 26)."""
    return [DealingEntry(at=d.at, by=d.by, date=d.date.isoformat(), summary=d.summary, amount=d.amount,
                         document=d.document) for d in public_dealings(archive, code)]


def customer_history(archive: Archive, code: str) -> list[HistoryEntry]:
    """A customer's dated profile changes, oldest first (empty when none are recorded)."""
    out = []
    for entry in Register(history_path(archive, code)):
        if "field" not in entry:
            continue
        out.append(HistoryEntry(at=_text(entry.get("at")), by=_text(entry.get("by")), field=_text(entry.get("field")),
                                old=_text(entry.get("old")), new=_text(entry.get("new")),
                                reason=_text(entry.get("reason"))))
    return out




def out_of_catalogue(archive: Archive) -> frozenset[str]:
    """Volume reference codes and record ids the custody state holds apart for
    destruction, and reference codes of destroyed volumes (Art. 29): never in the
    catalogue. (A destroyed record's id is not kept out: should the same scan ever be
    filed again, it is a new record.)"""
    custody = state.read(archive)
    return frozenset(custody.held) | custody.disposed
