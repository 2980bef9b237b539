"""完整性 Integrity (DA/T 70-2018): every record a volume lists still filed and unchanged,
records in no volume yet (a warning), page sequences without gaps, register lines cut
off by a crash (a warning). What is missing or unregistered is found by :mod:`.inventory`.

Records filed but in no volume are reported as ``not-bound``: a *warning*, not a failure.
Binding is a separate, deliberate step (``archiver build``) and the audit cannot know
whether a record was left out on purpose (the year is still open) — it says so, and when a
volume of the same customer and year was built after the record was filed, it says that
too, so the clerk can run ``archiver build``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...model import Record
from ...store import Archive
from ...volumes.manifest import VolumeManifest
from .findings import Finding, rel_to


# Rules over what was recorded (pure) ---------------------------------------------------------
def binding_findings(records: list[Record], manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """Records a volume lists but that are gone or changed; records in no volume (warning)."""
    out: list[Finding] = []
    by_id = {r.id: r for r in records}
    bound: set[str] = set()
    last_build: dict[tuple[str, int], Any] = {}
    for m in manifests:
        key = (m.customer, m.year)
        last_build[key] = max(last_build.get(key, m.built_at), m.built_at)
        where = rel_to(m.path, root)
        for doc in m.documents:
            bound.add(doc.record)
            record = by_id.get(doc.record)
            if record is None:
                out.append(Finding("volume-record-missing", where, expected=doc.record,
                                   detail=f"volume {m.reference} lists record {doc.record}, which is not filed"))
            elif record.file.sha256 != doc.sha256:
                out.append(Finding("volume-record-changed", where, expected=doc.sha256, actual=record.file.sha256,
                                   detail=f"record {doc.record} in volume {m.reference}"))
    for r in records:
        if r.id in bound:
            continue
        built = last_build.get((r.customer, r.meta.year))
        note = "not in any volume yet"
        if built is not None and _later(built, r.filing.filed_at):
            note += f"; volumes of {r.customer} {r.meta.year} were built after it was filed — run `archiver build`"
        out.append(Finding("not-bound", rel_to(r.path, root), detail=note))
    return out


def _later(a: Any, b: Any) -> bool:
    try:
        return bool(a > b)
    except TypeError:  # one naive, one aware: compare as written
        return str(a) > str(b)


# 完整性: counts and page sequences ----------------------------------------------------------------
def sequence_findings(manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """A volume's stamped page numbers run 1, 2, … without gap or overlap to its page
    count; its documents' PDF pages are in order, do not overlap and lie in the PDF. (Pure.)"""
    out = []
    for m in manifests:
        where = rel_to(m.path, root)
        problems = []
        expect = 1
        for item, d in enumerate(m.documents, start=1):
            if d.first_page is None:
                continue
            if d.first_page != expect:
                problems.append(f"item {item} starts at page {d.first_page}, not {expect}")
            if d.last_page is None or d.last_page < d.first_page:
                problems.append(f"item {item} ends at page {d.last_page} before it starts")
                continue
            expect = d.last_page + 1
        if m.documents and expect - 1 != m.page_count:
            problems.append(f"the pages numbered end at {expect - 1}, the volume records {m.page_count}")
        last = 0
        for item, d in enumerate(m.documents, start=1):
            if not (last < d.pdf_first <= d.pdf_last <= m.pdf_page_count):
                problems.append(f"item {item} lies on PDF pages {d.pdf_first}–{d.pdf_last} "
                                f"(after page {last}, of {m.pdf_page_count})")
            last = max(last, d.pdf_last)
        if problems:
            out.append(Finding("page-sequence", where, detail=f"volume {m.reference}: " + "; ".join(problems[:5])))
    return out


def register_findings(archive: Archive) -> list[Finding]:
    """Lines of the registers that cannot be read: a write cut off by a crash. The register
    stays valid (readers skip such a line, nothing was recorded by it); worth knowing."""
    paths = sorted(archive.registers.glob("*.jsonl")) if archive.registers.is_dir() else []
    if archive.customers_dir.is_dir():
        paths += sorted(archive.customers_dir.glob("*/history.jsonl"))
    out = []
    for path in paths:
        with path.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    ok = isinstance(json.loads(raw), dict)
                except ValueError:
                    ok = False
                if not ok:
                    out.append(Finding("torn-line", rel_to(path, archive.root), detail=f"line {n} cannot be read; it was never recorded"))
    return out
