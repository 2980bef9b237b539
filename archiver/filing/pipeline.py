"""Filing one scan: the four steps of Art. 6 — validate → classify → register → place.

Nothing lost, nothing twice (Art. 21):

* The scan is read once (a regular file only, never through a link, within the size
  budget: :mod:`archiver.filing.intake`); those bytes are checked, hashed and written to
  the records tree (temporary file, fsync, rename) and read back to verify the hash.
* The sidecar is written after the PDF, atomically: a record exists once its sidecar
  does. The journal entry follows, and only then is the inbox copy removed.
* A record's id is made from its date, type and content hash, so a run killed at any
  instant and started again arrives at the same record: a PDF without a sidecar is
  completed, a record whose inbox copy was not yet removed is recognised by its source
  (name, size, modification time) and its inbox copy removed.
* A scan whose content matches a filed record from another source is a duplicate: it is
  set aside in ``inbox/rejected/`` naming the existing record
  (:mod:`archiver.filing.setaside` owns setting aside).
* A scan that nothing describes (no sidecar, folder or file name) is handed to the step
  before filing, the batch splitter (given as ``splitter``, see
  :mod:`archiver.filing.candidate`): when it holds cover sheets, each document in it is
  a candidate filed on its own, through the same steps.

Containment: :meth:`Filer.handle` files one inbox entry; whatever goes wrong with it —
any exception — sets it aside with a reason (the traceback goes to
``.archiver/log/filing.log``), and the run goes on. Only a disk that refuses to write
(:class:`~archiver.errors.StorageError`, exit 9) stops the run: nothing is lost, the
scan stays in the inbox for the next run.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import logging
import os
import stat
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import (
    FILE_MODE,
    READ_ONLY_MODE,
    append_line,
    commit_staged,
    fsync_dir,
    fsync_file,
    remove_stale_temps,
    sha256_file,
    stage_files,
    write_bytes_atomic,
)
from ..clock import login_name, now, today
from ..errors import ArchiverError, Rejection, is_storage_error
from ..model import FileInfo, FilingInfo, Metadata, Record
from ..store import Archive, read_record, sidecar_text
from .candidate import Candidate, SplitRequest, Splitter
from .intake import SIDECAR_LIMIT, Prefetcher, read_regular
from .metadata import (
    Found,
    from_filename,
    from_folder,
    from_sidecar,
    not_recognised,
    parse_sidecar_text,
)
from .names import escape_name, escape_path
from .outcome import Outcome
from .setaside import SetAside, reason_path, rejected_names
from .validate import PdfFacts, check_pdf

log = logging.getLogger("archiver.filing")

GROUP = 16  # ingest fsyncs record folders and removes inbox copies once per this many scans
IGNORED = (".*", "~$*", "*.part", "*.tmp", "*.crdownload", "Thumbs.db", "desktop.ini")
__all__ = ["Filer", "Outcome", "IngestResult", "ingest", "inbox_candidates", "is_ignored", "reason_path",
           "rejected_names", "CustomerSet"]


def is_ignored(path: Path) -> bool:
    return any(fnmatch.fnmatchcase(path.name, pat) for pat in IGNORED)


def inbox_candidates(archive: Archive) -> list[Path]:
    """Entries in the inbox waiting to be filed: every entry but sidecars, ignored names
    and anything under ``rejected/``, in a stable order. Links (to files or folders),
    FIFOs, devices and sockets are candidates too — to be set aside, never opened."""
    out: list[Path] = []
    inbox = archive.inbox
    if not inbox.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(inbox):  # never follows links to folders
        here = Path(dirpath)
        links = [d for d in dirnames if os.path.islink(here / d)]
        dirnames[:] = sorted(d for d in dirnames if d not in links
                             and not (here == inbox and d == "rejected") and not d.startswith("."))
        for name in sorted([*filenames, *links]):
            path = here / name
            if is_ignored(path):
                continue
            if path.suffix.lower() == ".toml":
                continue  # a sidecar: filed with its PDF, or waiting for it
            out.append(path)
    return out


def inbox_sidecar(pdf: Path) -> Path | None:
    """The metadata file NAME.toml beside NAME.pdf (any kind of entry: it is read safely)."""
    side = pdf.with_suffix(".toml") if pdf.suffix else pdf.with_name(pdf.name + ".toml")
    return side if os.path.lexists(side) else None


def failure_log(archive: Archive) -> Path:
    return archive.state / "log" / "filing.log"


@dataclass
class Filer:
    """Files scans into one archive. Keeps an index of filed content hashes."""

    archive: Archive
    by: str = ""
    splitter: Splitter | None = None  # the step before filing: cover sheets (archiver.batch.filing)
    now: Any = None  # the clock: a function returning an aware datetime (default: the system's)
    by_hash: dict[str, Record] = field(default_factory=dict)
    journaled: set[str] = field(default_factory=set)
    given_up: set[tuple[str, int, int]] = field(default_factory=set)
    # Group commit: record folders whose new names are not yet fsynced, and inbox entries
    # (with the stat they were read with) to remove once they are (see flush()).
    unsynced: set[Path] = field(default_factory=set)
    removals: list[tuple[Path, os.stat_result]] = field(default_factory=list)
    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary file, target)
    announced: list[Outcome] = field(default_factory=list)  # logged by flush()
    journal_unsynced: bool = False

    def __post_init__(self) -> None:
        self.by = self.by or self.archive.config.filing.filer or login_name()
        self.now = self.now or now
        for folder in (self.archive.records, self.archive.rejected):
            for stale in remove_stale_temps(folder):
                log.info("removed an unfinished temporary file %s", escape_name(str(stale)))
        for path in self.archive.sidecar_paths():
            try:
                record = read_record(path)
            except ArchiverError as exc:  # the audit's business (Art. 22–23): filing goes on
                log.warning("%s (filing goes on; `archiver audit` lists it)", exc.message)
                continue
            self.by_hash[record.file.sha256] = record
        self.setaside = SetAside(self.archive, self.by)
        for entry in self.archive.journal:
            if entry.get("event") == "filed":
                self.journaled.add(str(entry.get("record")))
            else:
                self.setaside.note(entry)

    # Containment ---------------------------------------------------------------------
    def handle(self, path: Path, read: tuple[bytes, os.stat_result, str] | None = None) -> Outcome | None:
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
            return self._contain(path, exc)

    def _contain(self, path: Path, exc: Exception) -> Outcome | None:
        rel = escape_path(path.relative_to(self.archive.inbox).as_posix())
        where = self._log_failure(rel, exc)
        rejection = Rejection(
            "could-not-file",
            f"The archiver could not file {escape_name(path.name)}: an unexpected problem "
            f"({type(exc).__name__}) stopped it. The technical details are in {where}.",
            "Tell the archive's administrator (the log names the problem). Once it is solved, move the "
            "file (and its .toml, if any) back into the inbox.",
        )
        key = (rel, 0, 0)
        try:
            info = os.lstat(path)
            key = (rel, info.st_ino, info.st_mtime_ns)
            if key in self.given_up:
                return None
            return self.setaside.move(path, rel, info, rejection, sidecar=inbox_sidecar(path))
        except Exception as again:
            if is_storage_error(again):
                raise
            self._log_failure(rel, again)
            self.given_up.add(key)
            log.error("could not file or set aside %s (%s); it stays in the inbox — details in %s",
                      rel, type(again).__name__, where)
            return Outcome(source=rel, status="rejected", code="could-not-file",
                           reason=f"could not be filed or set aside; details in {where}")

    def _log_failure(self, rel: str, exc: BaseException) -> str:
        """Write the traceback to .archiver/log/filing.log; return that path (relative to the root)."""
        path = failure_log(self.archive)
        try:
            path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
            text = "".join(traceback.format_exception(exc))
            lines = [escape_name(line) for line in text.splitlines()]
            with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(f"{self.now().isoformat(timespec='seconds')} {rel}\n")
                fh.writelines(f"    {line}\n" for line in lines)
        except OSError:
            pass  # the log is a help, not a record
        return path.relative_to(self.archive.root).as_posix()

    # The whole of Art. 6 for one file --------------------------------------------------
    def file(self, path: Path, read: tuple[bytes, os.stat_result, str] | None = None) -> Outcome:
        """File one inbox entry — or, when it holds cover sheets, each document of the
        batch (the ``splitter``). Problems of the file are set aside (a Rejection).
        ``read`` (bytes, fstat, SHA-256 read ahead) is used only if the entry is still
        that very file (same inode, size, modification and change times)."""
        rel = escape_path(path.relative_to(self.archive.inbox).as_posix())
        name = escape_name(path.name)
        info = os.lstat(path)
        earlier = self.setaside.earlier(rel, info)
        if earlier is not None:  # a killed run was setting it aside: finish that
            return self.setaside.complete_move(path, earlier)
        side = inbox_sidecar(path)
        budget = self.archive.config.filing
        if read is not None and stat.S_ISREG(info.st_mode) and _same_file(read[1], info):
            data, info, sha = read
        else:
            try:
                data, info = read_regular(path, name, budget.max_file_bytes)
            except Rejection as rejection:
                return self.setaside.move(path, rel, info, rejection, sidecar=side)
            sha = hashlib.sha256(data).hexdigest()
        try:
            existing = self.by_hash.get(sha)
            if existing is not None:
                if same_source(existing, rel, info):  # a killed run got this far: finish it
                    self._store_pdf(existing, data)
                    return self._finish(existing, path, rel, info, resumed=True)
                raise self.duplicate(existing, sha)
            facts = self.validate(data, name)  # 1. validate: the file …
            try:
                found = self._describe(path, info, side)  # … and its metadata (sources 1–3)
            except Rejection as rejection:
                candidates = self._split(data, path, rel, info) if rejection.code == "no-metadata" else None
                if candidates is None:
                    raise
                return self._file_batch(path, rel, info, facts.page_count, candidates)
            check_page_count(found, facts.page_count)
            record = self.classify(found, sha, len(data), facts.page_count, rel, info, facts.active)  # 2.
            self.place(record, data)  # 3. register and 4. place
            return self._finish(record, path, rel, info, resumed=False)
        except Rejection as rejection:
            return self.setaside.move(path, rel, info, rejection, sha256=sha, sidecar=side)

    def validate(self, data: bytes, name: str) -> PdfFacts:
        """Art. 6 step 1 for the bytes of one document: a PDF within the page budget, and
        without active content unless the archive accepts it."""
        options = self.archive.config.filing
        facts = check_pdf(data, name, max_pages=options.max_pages)
        if facts.active and not options.accept_active_content:
            raise Rejection(
                "active-content",
                f"{name} carries {', '.join(facts.active)}. A scanner never writes this; opened, such a "
                "file can run code or send data out.",
                "Scan the paper document again. If this very file must be kept as it is, set "
                "filing.accept_active_content = true in archive.toml and move it back into the inbox: it is "
                "then filed byte for byte and its sidecar lists what it carries.",
                {"active content": ", ".join(facts.active)},
            )
        return facts

    def _describe(self, path: Path, info: os.stat_result, side: Path | None) -> Found:
        cfg = self.archive.config
        customers = CustomerSet(self.archive)
        day = today()
        if side is not None:
            side_name = escape_name(side.name)
            text, _ = read_regular(side, side_name, SIDECAR_LIMIT)
            raw = parse_sidecar_text(text.decode("utf-8", errors="replace"), side_name)
            return from_sidecar(raw, cfg, customers, day)
        parts = tuple(escape_name(p) for p in path.parent.relative_to(self.archive.inbox).parts)
        name = escape_name(path.name)
        written = dt.datetime.fromtimestamp(info.st_mtime).date()
        found = from_folder(parts, name, written, cfg, customers, day)
        if found is None:
            found = from_filename(name, cfg, customers, day)
        if found is None:
            raise not_recognised(name, cfg)
        return found

    # Batches: the step before filing hands over candidates ------------------------------
    def _split(self, data: bytes, path: Path, rel: str, info: os.stat_result) -> list[Candidate] | None:
        if self.splitter is None or not self.archive.config.batch.split:
            return None
        request = SplitRequest(data=data, source=rel, stem=path.stem, stat=info, config=self.archive.config,
                               customers=CustomerSet(self.archive), today=today())
        return self.splitter(request)

    def _file_batch(self, path: Path, rel: str, info: os.stat_result, page_count: int,
                    candidates: list[Candidate]) -> Outcome:
        """File or set aside every document of a batch, then remove the batch from the inbox."""
        outcomes = [self._file_part(candidate, info) for candidate in candidates]
        self.archive.journal.append(  # after a crash just here, the next run records it again
            "split", by=self.by, source=rel, source_size=info.st_size, source_mtime_ns=info.st_mtime_ns,
            pages=page_count,
            records=[o.record_id for o in outcomes if o.record_id],
            rejected_to=[o.rejected_to for o in outcomes if o.rejected_to],
        )
        self.removals.append((path, info))  # every part is filed or set aside: the batch may go (flush())
        outcome = Outcome(source=rel, status="split", parts=outcomes)
        self._announce(outcome)
        return outcome

    def _file_part(self, candidate: Candidate, batch: os.stat_result) -> Outcome:
        """One document of a batch: filed, or set aside on its own (contained)."""
        data, source = candidate.data, candidate.source
        sha = hashlib.sha256(data).hexdigest()
        earlier = self.setaside.earlier_part(source, batch, sha)
        if earlier is not None:  # a run (maybe killed) set it aside already: complete that
            return self.setaside.complete_write(data, earlier, candidate.fields)
        try:
            try:
                existing = self.by_hash.get(sha)
                if existing is not None:
                    if same_source(existing, source, batch):  # a killed run filed it: finish it
                        self._store_pdf(existing, data)
                        return self._announce(self.commit(existing, source, resumed=True))
                    raise self.duplicate(existing, sha)
                if candidate.problem is not None:
                    raise candidate.problem
                facts = self.validate(data, escape_name(candidate.name))
                if candidate.found is None:
                    raise not_recognised(escape_name(candidate.name), self.archive.config)
                check_page_count(candidate.found, candidate.pages)
                record = self.classify(candidate.found, sha, len(data), candidate.pages, source, batch, facts.active)
                self.place(record, data)
                return self._announce(self.commit(record, source, resumed=False))
            except Rejection as rejection:
                rejection.details.update(candidate.details)
                return self.setaside.write(data, candidate.name, source, batch, rejection, candidate.fields,
                                           sha256=sha)
        except Exception as exc:
            if is_storage_error(exc):
                raise
            where = self._log_failure(source, exc)
            failure = Rejection(
                "could-not-file",
                f"The archiver could not file this document of a batch: an unexpected problem "
                f"({type(exc).__name__}) stopped it. The technical details are in {where}.",
                "Tell the archive's administrator; once it is solved, move this file into the inbox.",
                dict(candidate.details),
            )
            return self.setaside.write(data, candidate.name, source, batch, failure, candidate.fields, sha256=sha)

    # Steps 2–4 -----------------------------------------------------------------------
    def classify(self, found: Found, sha: str, size: int, pages: int, rel: str, stat: os.stat_result,
                 active: tuple[str, ...] = ()) -> Record:
        meta: Metadata = found.meta
        retention = meta.retention or self.archive.config.type(meta.type).retention
        folder = self.archive.record_dir(meta.customer, meta.year)
        record_id = f"{meta.date:%Y%m%d}-{meta.type}-{sha[:8]}"
        n = 8
        while (folder / f"{record_id}.toml").exists() or _occupied(folder / f"{record_id}.pdf", sha):
            pdf = folder / f"{record_id}.pdf"
            if pdf.exists() and sha256_file(pdf) == sha:  # filed already; its sidecar is unreadable
                raise Rejection(
                    "duplicate",
                    f"This scan is identical to the filed record {record_id} "
                    f"({pdf.relative_to(self.archive.root).as_posix()}), whose sidecar cannot be read.",
                    "Nothing to do for this copy. Restore or correct that sidecar (`archiver audit` lists it).",
                    {"existing record": record_id},
                )
            n += 4  # another document's id (a hash prefix clash): lengthen it
            record_id = f"{meta.date:%Y%m%d}-{meta.type}-{sha[:n]}"
        return Record(
            id=record_id,
            meta=meta,
            retention=retention,
            file=FileInfo(name=f"{record_id}.pdf", sha256=sha, size=size, page_count=pages,
                          active_content=tuple(active)),
            filing=FilingInfo(
                source=rel,
                source_size=stat.st_size,
                source_mtime_ns=stat.st_mtime_ns,
                metadata_source=found.source,
                filed_at=self.now(),
                filed_by=self.by,
            ),
            path=folder / f"{record_id}.pdf",
        )

    def place(self, record: Record, data: bytes) -> None:
        """3. register and 4. place: the PDF and then its sidecar (the commit mark).

        Both are written to temporary files, read back (the PDF: the very bytes that were
        hashed), fsynced together and renamed — the PDF first. Their folder is fsynced by
        :meth:`flush`, before the inbox copy goes."""
        files = [(record.sidecar_path, sidecar_text(record).encode("utf-8"), FILE_MODE)]
        if not (record.path.exists() and sha256_file(record.path) == record.file.sha256):
            files.insert(0, (record.path, data, READ_ONLY_MODE))  # (else a killed run placed it already)
        # Staged: written to temporary files now (the PDF read back and compared), fsynced
        # and renamed into place — PDF first, sidecar last — by flush(), for many at once.
        # A write through a link is refused (the temporary file replaces the name).
        self.staged.extend(stage_files(files, verify=True))
        self.unsynced.add(record.path.parent)
        self.by_hash[record.file.sha256] = record

    def _store_pdf(self, record: Record, data: bytes) -> None:
        """The record's PDF, written (or written again, after a power cut) and verified."""
        if not (record.path.exists() and sha256_file(record.path) == record.file.sha256):
            # a write through a link is refused; the folder is fsynced by flush()
            write_bytes_atomic(record.path, data, mode=READ_ONLY_MODE, sync_dir=False)
            self.unsynced.add(record.path.parent)
            if record.path.read_bytes() != data:  # read back and verify: the very bytes that were hashed
                record.path.unlink(missing_ok=True)
                raise OSError(f"verification failed after writing {record.path}; the inbox copy is kept")

    def flush(self) -> None:
        """Group commit: the staged PDFs and sidecars of the records placed since the last
        flush are fsynced (together) and renamed into place — every PDF before any
        sidecar — their folders fsynced, the journal fsynced, and only then the inbox
        copies removed. Until then every filed scan is still in the inbox, so a crash or
        power cut at any point only makes the next run recognise and finish them (nothing
        lost, nothing twice)."""
        staged, self.staged = self.staged, []
        # every PDF (with its data) before any sidecar: a record never exists without its PDF
        commit_staged(sorted(staged, key=lambda pair: pair[1].suffix != ".pdf"), sync_dir=False)
        for folder in sorted(self.unsynced):
            fsync_dir(folder)
        self.unsynced.clear()
        if self.journal_unsynced:
            fsync_file(self.archive.journal.path)
            self.journal_unsynced = False
        removals, self.removals = self.removals, []
        for path, read in removals:
            try:
                current = os.lstat(path)
            except FileNotFoundError:
                continue
            if (current.st_size, current.st_mtime_ns) != (read.st_size, read.st_mtime_ns):
                log.warning("%s changed while it was being filed: the new content stays in the inbox",
                            escape_path(path.relative_to(self.archive.inbox).as_posix()))
                continue
            side = inbox_sidecar(path)
            if side is not None:
                side.unlink(missing_ok=True)
            # No fsync of the inbox folder: should the removal be lost in a power cut, the
            # next run recognises the scan by its source and removes it again.
            path.unlink(missing_ok=True)
        announced, self.announced = self.announced, []
        for outcome in announced:
            log.info(outcome.line())

    def _announce(self, outcome: Outcome) -> Outcome:
        """Log the outcome once it is durable: at the next flush()."""
        self.announced.append(outcome)
        return outcome

    def _finish(self, record: Record, path: Path, rel: str, read: os.stat_result, *, resumed: bool) -> Outcome:
        outcome = self.commit(record, rel, resumed=resumed)
        self.removals.append((path, read))  # removed from the inbox by flush()
        self._announce(outcome)
        return outcome

    def commit(self, record: Record, source: str, *, resumed: bool) -> Outcome:
        """The journal entry of a placed record (once), and its outcome."""
        if record.id not in self.journaled:
            # The line is fsynced by flush(), before the inbox copy is removed: should it be
            # lost in a power cut, the scan is still in the inbox and its record is journaled
            # when the next run finishes it.
            entry = {"at": self.now().isoformat(), "by": record.filing.filed_by, "event": "filed",
                     "record": record.id, "customer": record.customer, "year": record.meta.year,
                     "type": record.meta.type, "title": record.meta.title, "source": source,
                     "sha256": record.file.sha256}
            append_line(self.archive.journal.path, json.dumps(entry, ensure_ascii=False), sync=False)
            self.journal_unsynced = True
            self.journaled.add(record.id)
        return Outcome(
            source=source,
            status="resumed" if resumed else "filed",
            record_id=record.id,
            record_path=record.path.relative_to(self.archive.root).as_posix(),
        )

    def duplicate(self, existing: Record, sha: str) -> Rejection:
        return Rejection(
            "duplicate",
            f"This scan is identical (SHA-256 {sha[:12]}…) to the filed record {existing.id} "
            f"({existing.path.relative_to(self.archive.root).as_posix()}), filed "
            f"{existing.filing.filed_at:%Y-%m-%d} from {existing.filing.source}.",
            "Nothing to do: the document is already in the archive. Delete this copy "
            "when you have checked it.",
            {"existing record": existing.id},
        )


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == \
        (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def same_source(record: Record, rel: str, stat: os.stat_result) -> bool:
    f = record.filing
    return f.source == rel and f.source_size == stat.st_size and f.source_mtime_ns == stat.st_mtime_ns


def check_page_count(found: Found, page_count: int) -> None:
    """Art. 11: a document declaring more pages than the scan has is not complete."""
    if found.meta.pages is not None and page_count < found.meta.pages:
        raise Rejection(
            "missing-pages",
            f"The metadata declares {found.meta.pages} pages with writing, but the PDF has "
            f"only {page_count} page(s) (Art. 11: every page must be complete).",
            "Scan the missing pages (or correct 'pages') and drop the file again.",
        )


def _occupied(pdf: Path, sha: str) -> bool:
    """A PDF without sidecar at the id's place: ours from a killed run, or another's."""
    return pdf.exists() and sha256_file(pdf) != sha


class CustomerSet:
    """``code in customers``: whether customers/<code>/customer.toml exists (read lazily)."""

    def __init__(self, archive: Archive) -> None:
        self.folder = archive.customers_dir

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (self.folder / code / "customer.toml").is_file()

    def __iter__(self) -> Any:
        return iter(p.parent.name for p in self.folder.glob("*/customer.toml"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class IngestResult:
    outcomes: list[Outcome]
    waiting: list[str]  # files still being written (changed within stable_seconds)

    @property
    def rejected(self) -> int:
        return sum(o.status == "rejected" for o in self.outcomes)

    @property
    def filed(self) -> int:
        return sum(o.status != "rejected" for o in self.outcomes)


def ingest(archive: Archive, *, by: str = "", stable_seconds: float | None = None,
           progress: Any = None, splitter: Splitter | None = None) -> IngestResult:
    """One pass over the inbox (``archiver ingest``): file every stable scan.

    Files modified within ``stable_seconds`` are left for the next pass: a scanner may
    still be writing them. ``progress``, if given, is called with each outcome. Each
    file is handled on its own (:meth:`Filer.handle`): one that fails is set aside and
    the pass goes on. ``splitter`` is the step before filing that finds batches.
    """
    import time

    stable = archive.config.filing.stable_seconds if stable_seconds is None else stable_seconds
    with archive.lock("filing", purpose="archiver ingest"):
        filer = Filer(archive, by=by, splitter=splitter)
        outcomes: list[Outcome] = []
        waiting: list[str] = []
        ready: list[Path] = []
        for path in inbox_candidates(archive):
            try:
                young = time.time() - os.lstat(path).st_mtime < stable
            except FileNotFoundError:
                continue
            if young:
                waiting.append(escape_path(path.relative_to(archive.inbox).as_posix()))
            else:
                ready.append(path)
        ahead = Prefetcher(archive.config.filing.max_file_bytes)
        if ready:
            ahead.start(ready[0])
        for n, path in enumerate(ready):
            read = ahead.take(path)
            if n + 1 < len(ready):
                ahead.start(ready[n + 1])  # read the next file while this one is written
            outcome = filer.handle(path, read)
            if len(filer.removals) >= GROUP or n + 1 == len(ready):
                filer.flush()
            if outcome is None:
                continue
            outcomes.extend(outcome.flat())
            if progress is not None:
                progress(outcome)
        return IngestResult(outcomes, waiting)
