"""Filing one scan: the four steps of Art. 6 — validate → classify → register → place.

This module is the orchestrator: it reads as the list of the steps, each a function of
its own module taking the stage's context (:mod:`archiver.filing.context`) and returning
plain data — :mod:`~archiver.filing.validate`, :mod:`~archiver.filing.describe` and
:mod:`~archiver.filing.classify`, :mod:`~archiver.filing.registration`,
:mod:`~archiver.filing.place`, then the group commit (:mod:`~archiver.filing.commit`).

Nothing lost, nothing twice (Art. 21):

* The scan is read once (a regular file only, never through a link, within the size
  budget: :mod:`archiver.filing.intake`); those bytes are checked, hashed and written to
  the records tree (temporary file, fsync, rename) and read back to verify the hash.
* The sidecar is written after the PDF, atomically: a record exists once its sidecar
  does. The journal entry follows, and only then is the inbox copy removed.
* A record's id is made from its date, type and content hash, so a run killed at any
  instant and started again arrives at the same record: a PDF without a sidecar is
  completed, a record whose inbox copy was not yet removed is recognised by its source
  (name, size, modification time) and its inbox copy removed (:mod:`~archiver.filing.index`).
* A scan whose content matches a filed record from another source is a duplicate: it is
  set aside in ``inbox/rejected/`` naming the existing record
  (:mod:`archiver.filing.setaside` owns setting aside).
* A scan that nothing describes (no sidecar, folder or file name) is handed to the step
  before filing, the batch splitter (given as ``splitter``, see
  :mod:`archiver.filing.candidate`): when it holds cover sheets, each document in it is
  a candidate filed on its own, through the same steps.

Containment: :meth:`Filer.handle` files one inbox entry; whatever goes wrong with it —
any exception — sets it aside with a reason (:mod:`archiver.filing.contain`), and the
run goes on. Only a disk that refuses to write (:class:`~archiver.errors.StorageError`,
exit 9) stops the run: nothing is lost, the scan stays in the inbox for the next run.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from .. import clock
from ..atomic import remove_stale_temps
from ..clock import Now
from ..errors import Rejection, is_storage_error
from ..model import Record
from ..store import Archive
from .candidate import Candidate, SplitRequest, Splitter
from .classify import classify
from .contain import contain, could_not_file_part, log_failure
from .context import Document, FilingContext, Scan
from .describe import CustomerSet, describe
from .inbox import inbox_sidecar
from .index import RecordIndex, duplicate, same_source
from .intake import read_once
from .metadata import Found, not_recognised
from .names import escape_name, escape_path
from .outcome import Outcome
from .place import place, restore
from .registration import journal_entry, register
from .setaside import SetAside
from .validate import PdfFacts, validate

log = logging.getLogger("archiver.filing")

Read = tuple[bytes, os.stat_result, str]  # what a Prefetcher read ahead: bytes, fstat, SHA-256


class Filer:
    """Files the scans of one archive, each inbox entry on its own."""

    def __init__(self, archive: Archive, *, by: str = "", splitter: Splitter | None = None,
                 now: Now | None = None) -> None:
        by = by or archive.config.filing.filer or clock.login_name()
        for folder in (archive.records, archive.rejected):
            for stale in remove_stale_temps(folder):
                log.info("removed an unfinished temporary file %s", escape_name(str(stale)))
        setaside = SetAside(archive, by)
        index = RecordIndex.read(archive, setaside.note)  # the journal is read once, for both
        self.ctx = FilingContext(archive, by, now or clock.now, index, setaside, splitter)
        self.given_up: set[tuple[str, int, int]] = set()  # could be neither filed nor set aside

    def handle(self, path: Path, read: Read | None = None) -> Outcome | None:
        """File one inbox entry; whatever goes wrong with it sets it aside (the run goes
        on). None when the entry vanished. A disk that refuses to write is raised.
        ``read`` is what a :class:`~archiver.filing.intake.Prefetcher` read of it."""
        try:
            return self.file(path, read)
        except Exception as exc:
            if is_storage_error(exc):
                raise
            if not os.path.lexists(path):
                return None  # taken away meanwhile (by a clerk, or a scanner's rename)
            return contain(self.ctx, path, exc, self.given_up)

    def file(self, path: Path, read: Read | None = None) -> Outcome:
        """File one inbox entry — or, when it holds cover sheets, each document of the
        batch. Problems of the file are set aside (a Rejection). ``read`` is used only if
        the entry is still that very file."""
        ctx = self.ctx
        rel = escape_path(path.relative_to(ctx.archive.inbox).as_posix())
        info = os.lstat(path)
        earlier = ctx.setaside.earlier(rel, info)
        if earlier is not None:  # a killed run was setting it aside: finish that
            return ctx.setaside.complete_move(path, earlier)
        side = inbox_sidecar(path)
        try:
            data, info, sha = read_once(path, escape_name(path.name), info, ctx.options.max_file_bytes, read)
        except Rejection as rejection:
            return ctx.setaside.move(path, rel, info, rejection, sidecar=side)
        try:
            return file_scan(ctx, Scan(path, Document(data, sha, rel, escape_name(path.name), info), side))
        except Rejection as rejection:
            return ctx.setaside.move(path, rel, info, rejection, sha256=sha, sidecar=side)

    def flush(self, *, wait: bool = True) -> None:
        """Group commit (:mod:`archiver.filing.commit`) of the records placed since the
        last flush; until it is done every one of their scans is still in the inbox.
        ``wait=False`` commits in the background while the next scans are filed (the
        next flush waits for it first); with ``wait`` (the default) every record placed
        so far is durable when it returns."""
        ctx = self.ctx
        group, ctx.group = ctx.group, type(ctx.group)(ctx.archive.inbox)
        ctx.committer.start(group)
        if wait:
            ctx.committer.wait()

    def pending(self) -> int:
        """Inbox entries handled since the last flush (filed or split, not yet removed)."""
        return len(self.ctx.group.removals)

    def close(self) -> None:
        """Wait for a commit still running (its error, if any, is dropped: a flush raises
        it), then stop the committer's thread."""
        self.ctx.committer.close()


# The steps, for one scan and for one document ------------------------------------------
def file_scan(ctx: FilingContext, scan: Scan) -> Outcome:
    """Art. 6 for one inbox scan — or, when it holds cover sheets, for each document of the batch."""
    doc = scan.document
    existing = ctx.index.get(doc.sha256)
    if existing is not None:  # seen before: a killed run's filing to finish, or a duplicate
        return finish(ctx, scan, resume(ctx, existing, doc))
    facts = validate(doc.data, doc.name, ctx.options)  # 1. validate: the file …
    try:
        found = describe(ctx.archive, scan.path, doc.stat, scan.sidecar, clock.today())  # … and its metadata
    except Rejection as rejection:
        candidates = split(ctx, scan) if rejection.code == "no-metadata" else None
        if candidates is None:
            raise
        return file_batch(ctx, scan, facts.page_count, candidates)
    return finish(ctx, scan, file_document(ctx, doc, found, facts))


def file_document(ctx: FilingContext, doc: Document, found: Found, facts: PdfFacts) -> Outcome:
    """Steps 2–4 for a valid document whose metadata is known."""
    record = classify(ctx, doc, found, facts)  # 2. classify
    registration = register(ctx, record, doc.source)  # 3. register
    place(ctx, record, doc.data, registration)  # 4. place
    return filed(ctx, record, doc.source, resumed=False)


def resume(ctx: FilingContext, existing: Record, doc: Document) -> Outcome:
    """A document whose content is the filed record ``existing``: from its own source, a
    killed run's filing, finished; from another, a duplicate (set aside)."""
    if not same_source(existing, doc.source, doc.stat):
        raise duplicate(existing, doc.sha256, ctx.rel(existing.path))
    restore(ctx, existing, doc.data, journal_entry(ctx, existing, doc.source))
    return filed(ctx, existing, doc.source, resumed=True)


def filed(ctx: FilingContext, record: Record, source: str, *, resumed: bool) -> Outcome:
    return Outcome(source=source, status="resumed" if resumed else "filed", record_id=record.id,
                   record_path=ctx.rel(record.path))


def finish(ctx: FilingContext, scan: Scan, outcome: Outcome) -> Outcome:
    """The scan's inbox copy is removed, and its outcome logged, once its group is committed."""
    ctx.group.removals.append((scan.path, scan.document.stat))
    ctx.group.announced.append(outcome)
    return outcome


# Batches: the step before filing hands over candidates ---------------------------------
def split(ctx: FilingContext, scan: Scan) -> list[Candidate] | None:
    if ctx.splitter is None or not ctx.archive.config.batch.split:
        return None
    doc = scan.document
    return ctx.splitter(SplitRequest(data=doc.data, source=doc.source, stem=scan.path.stem, stat=doc.stat,
                                     config=ctx.archive.config, customers=CustomerSet(ctx.archive),
                                     today=clock.today()))


def file_batch(ctx: FilingContext, scan: Scan, page_count: int, candidates: list[Candidate]) -> Outcome:
    """File or set aside every document of a batch, then remove the batch from the inbox."""
    doc = scan.document
    outcomes = [file_candidate(ctx, candidate, doc.stat) for candidate in candidates]
    ctx.archive.journal.append(  # after a crash just here, the next run records it again
        "split", by=ctx.by, source=doc.source, source_size=doc.stat.st_size, source_mtime_ns=doc.stat.st_mtime_ns,
        pages=page_count,
        records=[o.record_id for o in outcomes if o.record_id],
        rejected_to=[o.rejected_to for o in outcomes if o.rejected_to],
    )
    # every part is filed or set aside: the batch may go
    return finish(ctx, scan, Outcome(source=doc.source, status="split", parts=outcomes))


def file_candidate(ctx: FilingContext, candidate: Candidate, batch: os.stat_result) -> Outcome:
    """One document of a batch: filed, or set aside on its own (contained)."""
    data = candidate.data
    doc = Document(data, hashlib.sha256(data).hexdigest(), candidate.source, escape_name(candidate.name), batch)
    earlier = ctx.setaside.earlier_part(doc.source, batch, doc.sha256)
    if earlier is not None:  # a run (maybe killed) set it aside already: complete that
        return ctx.setaside.complete_write(data, earlier, candidate.fields)
    try:
        try:
            outcome = file_part(ctx, candidate, doc)
            ctx.group.announced.append(outcome)
            return outcome
        except Rejection as rejection:
            rejection.details.update(candidate.details)
            return ctx.setaside.write(data, candidate.name, doc.source, batch, rejection, candidate.fields,
                                      sha256=doc.sha256)
    except Exception as exc:
        if is_storage_error(exc):
            raise
        where = log_failure(ctx.archive, ctx.now(), doc.source, exc)
        return ctx.setaside.write(data, candidate.name, doc.source, batch,
                                  could_not_file_part(exc, where, candidate.details), candidate.fields,
                                  sha256=doc.sha256)


def file_part(ctx: FilingContext, candidate: Candidate, doc: Document) -> Outcome:
    existing = ctx.index.get(doc.sha256)
    if existing is not None:
        return resume(ctx, existing, doc)
    if candidate.problem is not None:
        raise candidate.problem
    facts = validate(doc.data, doc.name, ctx.options)  # 1. validate
    if candidate.found is None:
        raise not_recognised(doc.name, ctx.archive.config)
    return file_document(ctx, doc, candidate.found, PdfFacts(candidate.pages, facts.active))
