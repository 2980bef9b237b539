"""The volume plan: which documents go into which volume, in which order.

:func:`plan_volumes` is pure: records and the configuration in, planned volumes out —
one series per customer, filing year (Art. 7, 14) and retention class (Art. 17);
top-secret material in volumes of its own (Art. 13); groups kept whole (Art. 12);
ordered by Art. 15; cut at ``volumes.max_sheets`` sheets of material.

Volume numbers run through a series (customer, year, retention class), so every
reference code (档号) is unique, and once given a number is never moved to another
volume (Art. 20: loans, destruction lists and box labels name volumes by it). Each
volume fills a *slot* — its series, whether it is ordinary or top-secret, and its place
among that kind's volumes — and a slot that already has a number keeps it; a new slot
takes the lowest number never given out (not held apart, destroyed or superseded either).
The first time, the ordinary volumes are numbered first, then the top-secret ones.

:func:`load_inputs` is the I/O edge: it reads every sidecar and checks the PDFs the
selected volumes are made of, and collects *every* problem (a sidecar that does not
parse, a PDF missing or altered, two documents claiming one role in a group, a group
spread over two customers) so the build can refuse with the complete list rather than
build a volume silently missing a document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import sha256_file
from ..children import end_child, fork_child
from ..config import Config
from ..errors import ArchiverError, ConfigError, IntegrityError
from ..model import Record
from ..store import Archive, read_record
from . import rules


@dataclass(frozen=True)
class PlannedVolume:
    """One volume to build: its place in its series and its documents in order."""

    customer: str
    year: int  # filing year (Art. 14)
    retention: str  # retention class code (Art. 17)
    top_secret: bool  # a top-secret volume (Art. 13)
    number: int  # volume number in its series (1, 2, …)
    reference: str  # 档号
    documents: tuple[Record, ...]
    classification: str  # the highest classification of its documents
    sheets: int  # sheets of material (documents only, forms excluded)
    oversize: bool = False  # one group thicker than volumes.max_sheets (Art. 12 wins)
    followers: tuple[str, ...] = ()  # ordinary records that follow a top-secret one (Art. 13)

    @property
    def start_date(self) -> dt.date:
        return min(r.meta.date for r in self.documents)

    @property
    def end_date(self) -> dt.date:
        return max(r.meta.date for r in self.documents)

    @property
    def series(self) -> tuple[str, int, str]:
        return (self.customer, self.year, self.retention)


Slot = tuple[str, int, str, bool, int]  # customer, year, retention, top-secret, place (1, 2, …)


def plan_volumes(records: Iterable[Record], config: Config, taken: Collection[str] = (),
                 assigned: Mapping[Slot, int] | None = None) -> list[PlannedVolume]:
    """Every volume the records make, in the order customer, year, retention, number.

    ``assigned``: the numbers slots already have (the volumes in ``volumes/``); they are
    kept. ``taken``: reference codes that name a volume for ever although it is no longer
    in ``volumes/`` (held apart, destroyed or superseded, Art. 20, 29); no new volume
    gets one."""
    assigned = assigned or {}
    rank = rules.config_type_rank(config)
    series: dict[tuple[str, int, str], list[rules.Unit]] = {}
    for unit in rules.group_units(records, rank):
        key = (unit[0].customer, rules.unit_year(unit), rules.unit_retention(unit, config))
        series.setdefault(key, []).append(unit)

    def sheets(unit: rules.Unit) -> int:
        return sum(rules.document_sheets(r.file.page_count, r.meta.sides) for r in unit)

    out: list[PlannedVolume] = []
    for (customer, year, retention) in sorted(series, key=lambda k: (k[0], k[1], _retention_order(config, k[2]))):
        units = series[(customer, year, retention)]
        slots: list[tuple[Slot, rules.Split]] = []
        for secret in (False, True):
            chosen = [u for u in units if rules.is_top_secret(u) == secret]
            for place, split in enumerate(rules.split_volumes(chosen, sheets, config.volumes.max_sheets), 1):
                slots.append(((customer, year, retention, secret, place), split))
        used = {n for slot, n in assigned.items() if slot[:3] == (customer, year, retention)}
        numbers: dict[Slot, int] = {slot: assigned[slot] for slot, _ in slots if slot in assigned}
        for slot, _ in slots:
            if slot not in numbers:
                n = 1
                while n in used or rules.reference_code(config, customer, year, retention, n) in taken:
                    n += 1
                numbers[slot] = n
                used.add(n)
        for slot, split in slots:
            secret, number = slot[3], numbers[slot]
            docs = tuple(r for unit in split.units for r in unit)
            followers = tuple(r.id for r in docs if secret and r.meta.classification != "top-secret")
            out.append(PlannedVolume(
                customer=customer, year=year, retention=retention, top_secret=secret, number=number,
                reference=rules.reference_code(config, customer, year, retention, number),
                documents=docs, classification=rules.highest_classification(docs),
                sheets=split.sheets, oversize=split.oversize, followers=followers,
            ))  # fmt: skip
    return sorted(out, key=lambda p: (p.customer, p.year, _retention_order(config, p.retention), p.number))


def check_references(plans: Iterable[PlannedVolume]) -> None:
    """Every reference code (档号) is unique and usable as a file name (Art. 20)."""
    seen: dict[str, PlannedVolume] = {}
    for p in plans:
        if not p.reference or p.reference.startswith(".") or any(c in p.reference for c in '/\\\0'):
            raise ConfigError(
                f"volumes.reference_format gives the reference code {p.reference!r}, which cannot name a file.",
                hint="Edit reference_format in archive.toml: no '/', '\\' or leading '.'.",
            )
        if p.reference in seen:
            raise ConfigError(
                f"volumes.reference_format gives two volumes the same reference code {p.reference} "
                f"(volume {seen[p.reference].number} and {p.number} of {p.customer} {p.year}).",
                hint="Edit reference_format in archive.toml so it includes {retention} and {volume}.",
            )
        seen[p.reference] = p


def _retention_order(config: Config, code: str) -> int:
    codes = list(config.retention)
    return codes.index(code) if code in codes else len(codes)


# The I/O edge: reading and checking the inputs -------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the build's inputs: where (a record or sidecar) and what."""

    where: str
    what: str
    customer: str = ""


@dataclass
class Inputs:
    """Every readable record, the hash of each sidecar's text, and what is wrong."""

    records: list[Record] = field(default_factory=list)
    sidecar_sha256: dict[str, str] = field(default_factory=dict)  # record id → sha256 of its sidecar
    problems: list[Problem] = field(default_factory=list)


def load_inputs(archive: Archive) -> Inputs:
    """Read every sidecar of the archive; note those that do not parse, and group problems."""
    inputs = Inputs()
    for path in archive.sidecar_paths():
        customer = path.parent.parent.name
        rel = path.relative_to(archive.root).as_posix()
        try:
            record = read_record(path)
            data = path.read_bytes()
        except (ArchiverError, OSError) as exc:
            inputs.problems.append(Problem(rel, f"the sidecar cannot be read: {getattr(exc, 'message', exc)}", customer))
            continue
        if record.meta.type not in archive.config.document_types:
            inputs.problems.append(Problem(rel, f"unknown document type '{record.meta.type}' (not in archive.toml)", customer))
            continue
        if record.retention not in archive.config.retention:
            inputs.problems.append(Problem(rel, f"unknown retention class '{record.retention}' (not in archive.toml)", customer))
            continue
        inputs.records.append(record)
        inputs.sidecar_sha256[record.id] = hashlib.sha256(data).hexdigest()
    by_id = {r.id: r for r in inputs.records}
    for gp in rules.check_groups(inputs.records):
        for customer in sorted({by_id[i].customer for i in gp.records}):
            inputs.problems.append(Problem(", ".join(gp.records), gp.what, customer))
    return inputs


def check_files(archive: Archive, records: Iterable[Record]) -> list[Problem]:
    """Each record's PDF exists and has the size its sidecar recorded (the checksums:
    :class:`HashCheck`)."""
    problems = []
    for r in records:
        where = f"{r.id} ({rel_path(archive, r.path)})"
        try:
            size = r.path.stat().st_size
        except FileNotFoundError:
            problems.append(Problem(where, "the PDF is missing", r.customer))
            continue
        if size != r.file.size:
            problems.append(Problem(where, f"the PDF was altered: it has {size} bytes, the sidecar records "
                                           f"{r.file.size}", r.customer))
    return problems


def _hash_problems(archive: Archive, r: Record, actual: str) -> list[Problem]:
    if actual == r.file.sha256:
        return []
    return [Problem(f"{r.id} ({rel_path(archive, r.path)})", f"the PDF was altered: its SHA-256 is {actual[:12]}…, "
                                                             f"the sidecar records {r.file.sha256[:12]}…", r.customer)]


class HashCheck:
    """The records' PDFs hashed and compared with their sidecars by a child process (on
    another core, sharing nothing with the build but the file names) while the volumes
    are assembled: :meth:`verify` waits for every one, and raises :func:`refuse` with
    all the altered ones, before the first volume is put in place. Where there is no
    ``fork``, or the child fails, the records are hashed here, when verified."""

    def __init__(self, archive: Archive, records: Iterable[Record]) -> None:
        self.archive = archive
        self.records = list(records)
        self._verified = False
        self._pid = 0
        self._reader: int | None = None
        if self.records and hasattr(os, "fork"):
            with contextlib.suppress(OSError):  # no process left to fork: hashed here, when verified
                self._start()

    def _start(self) -> None:
        read, write = os.pipe()

        def child() -> None:  # one line per record, its SHA-256 or "!" when it cannot be read
            os.close(read)
            with os.fdopen(write, "w") as out:
                for r in self.records:
                    try:
                        out.write(sha256_file(r.path) + "\n")
                    except OSError:
                        out.write("!\n")

        try:
            pid = fork_child(child)
        except OSError:
            os.close(read)
            os.close(write)
            raise
        os.close(write)
        self._pid, self._reader = pid, read

    def _hashes(self) -> list[str]:
        lines: list[str] = []
        if self._reader is not None:
            with os.fdopen(self._reader, "r") as got:
                self._reader = None
                lines = got.read().splitlines()
            self._reap()
        return lines

    def verify(self) -> None:
        if self._verified:
            return
        lines = self._hashes()
        problems: list[Problem] = []
        for i, r in enumerate(self.records):
            actual = lines[i] if i < len(lines) and len(lines[i]) == 64 else None
            try:
                problems += _hash_problems(self.archive, r, actual or sha256_file(r.path))
            except FileNotFoundError:
                problems.append(Problem(f"{r.id} ({rel_path(self.archive, r.path)})", "the PDF is missing", r.customer))
        if problems:
            raise refuse(problems)
        self._verified = True

    def close(self) -> None:
        """Stop the child if it is still hashing (the build stopped early)."""
        still = self._reader is not None
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        self._reap(kill=still)

    def _reap(self, *, kill: bool = False) -> None:
        if self._pid:
            end_child(self._pid, kill=kill)
            self._pid = 0


def refuse(problems: list[Problem]) -> IntegrityError:
    """One error naming every problem, so nothing half-right is built."""
    lines = "\n".join(f"  · {p.where}: {p.what}" for p in problems)
    return IntegrityError(
        f"Nothing was built: {len(problems)} problem(s) in the records of the volumes asked for:\n{lines}",
        hint="Correct or restore each record named (a changed PDF: restore it from backup; a group: fix the "
        "group/role in the sidecar), then run `archiver build` again. `archiver audit` checks every file.",
    )


def rel_path(archive: Archive, path: Path) -> str:
    return path.relative_to(archive.root).as_posix() if path.is_relative_to(archive.root) else str(path)
