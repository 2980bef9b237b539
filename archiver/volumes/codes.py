"""The reference-code register (档号登记, Art. 20): ``registers/references.jsonl``.

A reference code names one volume for ever: loans, destruction lists and box labels
name volumes by it, and it is printed on the bound volume. So a code is *decided and
recorded* before a single file of its volume is written, and the register is also the
build's write-ahead journal, which makes a build killed at any instant complete, when run
again, into exactly what an uninterrupted build gives.

One JSON object a line (an append-only register, :mod:`archiver.register`); the events:

``assigned``     a code is given to a volume: ``reference``, ``customer``, ``year``,
                 ``retention``, ``top_secret``, ``volume`` (its number in the series).
                 Written once per code, before any file of the volume.
``writing``      a build is about to write a volume (``job``: a number unique in the
                 register; ``inputs``: the fingerprint; ``built_at``; ``supersede``: the
                 earlier PDF and manifest to keep, and the ``label`` — the time — they are
                 kept under in ``volumes/.superseded/``).
``written``      that volume's PDF and manifest are in place (closes ``writing``).
``superseding``  a volume no longer planned is about to be moved aside (``job``, ``label``,
                 ``files``).
``released``     the code names no volume in ``volumes/`` any more (closes ``superseding``;
                 or a code given out whose volume was never written). A released code is
                 never given out again.
``abandoned``    a ``writing`` that a later build did not complete (its inputs changed in
                 between): its unfinished PDF, which never had a manifest, was replaced.

Each volume's files are written in one order — the earlier PDF, then its manifest, move
to ``volumes/.superseded/`` under the label recorded beforehand; the new PDF; its manifest
(the commit mark of a volume, as a sidecar is of a record) — and every step is idempotent
(a move is done when its destination exists), so a build run again after a kill completes
the steps left, with the same label, the same build time and the same code.

For the audit, :func:`assigned_codes` gives every code with what it was given to, and
:func:`reference_findings` compares that with ``volumes/``: a volume renumbered, a code
without its volume, a volume whose code nobody gave out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..register import Register
from ..store import Archive

REGISTER = "references"
INTENTS = ("writing", "superseding")
CLOSINGS = ("written", "released", "abandoned")


@dataclass(frozen=True)
class Assignment:
    """One reference code as the register records it."""

    reference: str
    customer: str
    year: int
    retention: str
    top_secret: bool
    volume: int
    assigned_at: str = ""
    released: bool = False
    released_because: str = ""

    @property
    def kind(self) -> tuple[str, int, str, bool]:
        """Its series and whether it is a top-secret volume (Art. 13)."""
        return (self.customer, self.year, self.retention, self.top_secret)


@dataclass
class Journal:
    """The reference-code register, read once."""

    register: Register
    codes: dict[str, Assignment] = field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # reference → open intent
    jobs: int = 0  # the highest job number recorded

    @classmethod
    def read(cls, archive: Archive) -> Journal:
        journal = cls(archive.register(REGISTER))
        for entry in journal.register:
            journal._apply(entry)
        return journal

    def _apply(self, e: dict[str, Any]) -> None:
        event, ref = e.get("event"), e.get("reference")
        if not isinstance(ref, str):
            return
        if isinstance(e.get("job"), int):
            self.jobs = max(self.jobs, e["job"])
        if event == "assigned" and ref not in self.codes:
            try:
                year, volume = int(e.get("year", 0)), int(e.get("volume", 0))
            except (TypeError, ValueError):
                return  # a line not written by archiver: not a code given out
            self.codes[ref] = Assignment(ref, str(e.get("customer", "")), year, str(e.get("retention", "")),
                                         bool(e.get("top_secret")), volume, str(e.get("at", "")))
        elif event in INTENTS:
            self.pending[ref] = e
        elif event in CLOSINGS:
            open_ = self.pending.get(ref)
            if open_ is not None and e.get("job") in (None, open_.get("job")):
                del self.pending[ref]
            if event == "released" and ref in self.codes:
                a = self.codes[ref]
                self.codes[ref] = Assignment(a.reference, a.customer, a.year, a.retention, a.top_secret, a.volume,
                                             a.assigned_at, True, str(e.get("reason", "")))

    def append(self, event: str, *, by: str, **fields: Any) -> dict[str, Any]:
        entry = self.register.append(event, by=by, **fields)
        self._apply(entry)
        return entry

    def next_job(self) -> int:
        return self.jobs + 1

    def live(self) -> dict[str, Assignment]:
        return {ref: a for ref, a in self.codes.items() if not a.released}


def assigned_codes(archive: Archive) -> dict[str, Assignment]:
    """Every reference code ever given out, with the series and number it was given to
    (``released`` once no volume in ``volumes/`` bears it: superseded because no longer
    planned). Empty for an archive no build has yet recorded codes in."""
    return Journal.read(archive).codes


def pending_writes(archive: Archive) -> dict[str, dict[str, Any]]:
    """Volumes a build began to write or move and did not finish (it was killed):
    reference → the recorded step. ``archiver build`` completes them."""
    return dict(Journal.read(archive).pending)


# The audit's view ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeFinding:
    """One disagreement between the register and ``volumes/`` (kind, where, what)."""

    kind: str
    path: str
    detail: str
    expected: str = ""
    actual: str = ""


KINDS = {
    "reference-renumbered": "a volume bears a code other than the one its place was given (a 档号 changed)",
    "reference-unregistered": "a volume bears a code the reference register never gave out",
    "reference-released": "a volume bears a code that was released (its volume superseded)",
    "reference-missing": "a code given out names no volume (not in volumes/, not held for destruction)",
    "build-interrupted": "a build was cut off while writing a volume: run `archiver build`",
}


def reference_findings(archive: Archive, manifests: Iterable[Any],
                       elsewhere: Iterable[str] | None = None) -> list[CodeFinding]:
    """Compare the register with the volumes in ``volumes/`` (``manifests``: their
    :class:`~archiver.volumes.manifest.VolumeManifest`); ``elsewhere``: codes legitimately
    not in ``volumes/`` — by default those on a destruction list in any state but
    cancelled (held apart, moving, destroyed…, Art. 29), as ``archiver build`` reads them.

    An archive whose register has no codes yet (built before the register existed) gives
    no findings: the next ``archiver build`` records the codes its volumes bear."""
    journal = Journal.read(archive)
    if not journal.codes:
        return []
    if elsewhere is None:
        from .holds import disposal_holds  # the build's one reading of the destruction lists

        elsewhere = disposal_holds(archive).references
    away = set(elsewhere)
    manifests = list(manifests)
    present = {m.reference for m in manifests}
    missing = {ref: a for ref, a in sorted(journal.codes.items())
               if not a.released and ref not in present and ref not in away}
    out: list[CodeFinding] = []
    for m in manifests:
        where = _rel(archive.root, m.path)
        a = journal.codes.get(m.reference)
        kind = (m.customer, m.year, m.retention, m.classification == "top-secret")
        if a is None:
            instead = [ref for ref, b in missing.items() if b.kind == kind]
            out.append(CodeFinding("reference-unregistered", where,
                                   f"volume {m.reference} bears a code the reference register never gave out"
                                   + (f"; its series' code {', '.join(instead)} names no volume: renumbered?"
                                      if instead else ""),
                                   expected=", ".join(instead), actual=m.reference))
        elif a.released:
            out.append(CodeFinding("reference-released", where,
                                   f"volume {m.reference} bears a code released ({a.released_because})"))
        elif (a.customer, a.year, a.retention, a.volume) != (m.customer, m.year, m.retention, m.volume):
            out.append(CodeFinding("reference-renumbered", where,
                                   f"{m.reference} was given to {a.customer} {a.year} {a.retention} volume "
                                   f"{a.volume}; the manifest says volume {m.volume} of {m.customer} {m.year} "
                                   f"{m.retention}", expected=str(a.volume), actual=str(m.volume)))
    for ref, a in missing.items():
        where = f"volumes/{a.customer}/{a.year:04d}/{ref}.pdf"
        if journal.pending:  # given out by a build that was cut off
            out.append(CodeFinding("build-interrupted", where,
                                   f"a build was cut off before it wrote {ref}: run `archiver build` to complete it"))
        else:
            out.append(CodeFinding("reference-missing", where,
                                   f"{ref} was given to {a.customer} {a.year} {a.retention} volume {a.volume}, "
                                   "and no volume bears it: renumbered, or removed by hand"))
    for ref, intent in sorted(journal.pending.items()):
        if ref in present:
            out.append(CodeFinding("build-interrupted", f"registers/{REGISTER}.jsonl",
                                   f"a build was cut off while {intent.get('event')} {ref}: run `archiver build`"))
    return out


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def label_time(when: dt.datetime) -> str:
    """The time part of a superseded copy's name."""
    return when.strftime("%Y%m%dT%H%M%S")
