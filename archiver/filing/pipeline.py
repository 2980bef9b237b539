"""Filing one scan: the four steps of Art. 6 — validate → classify → register → place.

Nothing lost, nothing twice (Art. 21):

* The scan is read once; those bytes are checked, hashed and written to the records tree
  (temporary file, fsync, rename) and read back to verify the hash.
* The sidecar is written after the PDF, atomically: a record exists once its sidecar
  does. The journal entry follows, and only then is the inbox copy removed.
* A record's id is made from its date, type and content hash, so a run killed at any
  instant and started again arrives at the same record: a PDF without a sidecar is
  completed, a record whose inbox copy was not yet removed is recognised by its source
  (name, size, modification time) and its inbox copy removed.
* A scan whose content matches a filed record from another source is a duplicate: it is
  set aside in ``inbox/rejected/`` naming the existing record.
* A scan holding printed cover sheets is a batch: each document in it is filed on its
  own, through the same steps (:mod:`archiver.batch.filing`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import (
    READ_ONLY_MODE,
    ensure_dir,
    fsync_dir,
    remove_stale_temps,
    sha256_file,
    write_bytes_atomic,
    write_text_atomic,
)
from ..errors import ArchiverError, Rejection
from ..model import FileInfo, FilingInfo, Metadata, Record
from ..register import current_user, now, today
from ..store import Archive, read_record, write_record
from .metadata import (
    Found,
    from_filename,
    from_folder,
    from_sidecar,
    not_recognised,
    parse_sidecar_text,
)
from .validate import check_pdf

log = logging.getLogger("archiver.filing")

IGNORED = (".*", "~$*", "*.part", "*.tmp", "*.crdownload", "Thumbs.db", "desktop.ini")
NAME_MAX = 255


def is_ignored(path: Path) -> bool:
    return any(fnmatch.fnmatchcase(path.name, pat) for pat in IGNORED)


def inbox_candidates(archive: Archive) -> list[Path]:
    """Files in the inbox waiting to be filed: every file but sidecars, ignored names
    and anything under ``rejected/``, in a stable order."""
    out: list[Path] = []
    inbox = archive.inbox
    if not inbox.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(inbox):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not (here == inbox and d == "rejected") and not d.startswith("."))
        for name in sorted(filenames):
            path = here / name
            if is_ignored(path):
                continue
            if path.suffix.lower() == ".toml" and _pdf_partner(path) is not None:
                continue
            if path.suffix.lower() == ".toml":
                continue  # a sidecar whose PDF has not arrived yet
            out.append(path)
    return out


def _pdf_partner(sidecar: Path) -> Path | None:
    for suffix in (".pdf", ".PDF"):
        partner = sidecar.with_suffix(suffix)
        if partner.exists():
            return partner
    return None


def inbox_sidecar(pdf: Path) -> Path | None:
    side = pdf.with_suffix(".toml")
    return side if side.is_file() else None


@dataclass
class Outcome:
    """What happened to one inbox file."""

    source: str  # path relative to the inbox
    status: str  # filed / rejected / resumed / split (a batch: see parts)
    record_id: str = ""
    record_path: str = ""
    code: str = ""  # rejection code
    reason: str = ""
    rejected_to: str = ""
    parts: list[Outcome] = field(default_factory=list)  # a batch: one outcome per document

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v != "" and k != "parts"}
        if self.parts:
            out["parts"] = [part.as_dict() for part in self.parts]
        return out

    def flat(self) -> list[Outcome]:
        """The documents' outcomes: a batch's parts, else this one."""
        return self.parts or [self]

    def line(self) -> str:
        if self.status == "split":
            filed = sum(p.status != "rejected" for p in self.parts)
            return f"split {self.source} into {len(self.parts)} document(s): {filed} filed, {len(self.parts) - filed} rejected"
        if self.status == "rejected":
            return f"rejected {self.source}: {self.reason} → {self.rejected_to}"
        verb = "filed" if self.status == "filed" else "completed filing of"
        return f"{verb} {self.source} as {self.record_id} ({self.record_path})"


@dataclass
class Filer:
    """Files scans into one archive. Keeps an index of filed content hashes."""

    archive: Archive
    by: str = ""
    by_hash: dict[str, Record] = field(default_factory=dict)
    journaled: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by = self.by or self.archive.config.filing.filer or current_user()
        for folder in (self.archive.records, self.archive.rejected):
            for stale in remove_stale_temps(folder):
                log.info("removed an unfinished temporary file %s", stale)
        for path in self.archive.sidecar_paths():
            try:
                record = read_record(path)
            except ArchiverError as exc:  # the audit's business (Art. 22–23): filing goes on
                log.warning("%s (filing goes on; `archiver audit` lists it)", exc.message)
                continue
            self.by_hash[record.file.sha256] = record
        for entry in self.archive.journal:
            if entry.get("event") == "filed":
                self.journaled.add(str(entry.get("record")))

    # The whole of Art. 6 for one file --------------------------------------------------
    def file(self, path: Path) -> Outcome:
        """File one inbox scan — or, when it holds cover sheets, each document of the
        batch (:mod:`archiver.batch.filing`)."""
        rel = path.relative_to(self.archive.inbox).as_posix()
        stat = path.stat()
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        try:
            existing = self.by_hash.get(sha)
            if existing is not None:
                if same_source(existing, rel, stat):  # a killed run got this far: finish it
                    return self._finish(existing, path, rel, stat, resumed=True)
                raise self.duplicate(existing, sha)
            facts = check_pdf(data, path.name)  # 1. validate: the file …
            from ..batch.filing import file_batch, split_parts

            parts = split_parts(data) if self.archive.config.batch.split else None  # a batch?
            if parts is not None:
                return file_batch(self, path, rel, stat, parts)
            found = self._describe(path, stat)  # … and its metadata (sources 1–3)
            check_page_count(found, facts.page_count)
            record = self.classify(found, sha, len(data), facts.page_count, rel, stat)  # 2. classify
            self.place(record, data)  # 3. register and 4. place
            return self._finish(record, path, rel, stat, resumed=False)
        except Rejection as rejection:
            return self.reject(path, rel, rejection)

    def _describe(self, path: Path, stat: os.stat_result) -> Found:
        cfg = self.archive.config
        customers = CustomerSet(self.archive)
        side = inbox_sidecar(path)
        day = today()
        if side is not None:
            raw = parse_sidecar_text(side.read_text("utf-8", errors="replace"), side.name)
            return from_sidecar(raw, cfg, customers, day)
        parts = path.parent.relative_to(self.archive.inbox).parts
        written = dt.datetime.fromtimestamp(stat.st_mtime).date()
        found = from_folder(parts, path.name, written, cfg, customers, day)
        if found is None:
            found = from_filename(path.name, cfg, customers, day)
        if found is None:
            raise not_recognised(path.name, cfg)
        return found

    def classify(self, found: Found, sha: str, size: int, pages: int, rel: str, stat: os.stat_result) -> Record:
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
            file=FileInfo(name=f"{record_id}.pdf", sha256=sha, size=size, page_count=pages),
            filing=FilingInfo(
                source=rel,
                source_size=stat.st_size,
                source_mtime_ns=stat.st_mtime_ns,
                metadata_source=found.source,
                filed_at=now(),
                filed_by=self.by,
            ),
            path=folder / f"{record_id}.pdf",
        )

    def place(self, record: Record, data: bytes) -> None:
        if not (record.path.exists() and sha256_file(record.path) == record.file.sha256):
            write_bytes_atomic(record.path, data, mode=READ_ONLY_MODE)  # a write through a link is refused
            if sha256_file(record.path) != record.file.sha256:  # read back and verify
                record.path.unlink(missing_ok=True)
                raise OSError(f"verification failed after writing {record.path}; the inbox copy is kept")
        write_record(record)  # the commit mark
        self.by_hash[record.file.sha256] = record

    def _finish(self, record: Record, path: Path, rel: str, read: os.stat_result, *, resumed: bool) -> Outcome:
        outcome = self.commit(record, rel, resumed=resumed)
        try:
            current = path.stat()
        except FileNotFoundError:
            current = None
        if current is not None and (current.st_size, current.st_mtime_ns) != (read.st_size, read.st_mtime_ns):
            log.warning("%s changed while it was being filed: the new content stays in the inbox", rel)
        else:
            side = inbox_sidecar(path)
            if side is not None:
                side.unlink()
            path.unlink(missing_ok=True)
            fsync_dir(path.parent)
        log.info(outcome.line())
        return outcome

    def commit(self, record: Record, source: str, *, resumed: bool) -> Outcome:
        """The journal entry of a placed record (once), and its outcome."""
        if record.id not in self.journaled:
            self.archive.journal.append(
                "filed",
                by=record.filing.filed_by,
                record=record.id,
                customer=record.customer,
                year=record.meta.year,
                type=record.meta.type,
                title=record.meta.title,
                source=source,
                sha256=record.file.sha256,
            )
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

    # Setting aside -------------------------------------------------------------------
    def reject(self, path: Path, rel: str, rejection: Rejection) -> Outcome:
        """Move ``path`` (and its inbox sidecar) to inbox/rejected/ with a reason file."""
        target = free_rejected_name(self.archive.rejected, path.name)
        reason = reason_path(target)
        write_text_atomic(reason, rejection.as_text(path))  # reason first: a crash leaves no file without one
        side = inbox_sidecar(path)
        os.replace(path, target)
        if side is not None:
            os.replace(side, target.with_suffix(".toml") if target.suffix.lower() == ".pdf" else target.with_name(target.name + ".toml"))
        fsync_dir(target.parent)
        if path.parent != target.parent:
            fsync_dir(path.parent)
        self.archive.journal.append(
            "rejected", by=self.by, source=rel, code=rejection.code, reason=rejection.reason,
            rejected_to=target.relative_to(self.archive.root).as_posix(),
        )
        outcome = Outcome(
            source=rel,
            status="rejected",
            code=rejection.code,
            reason=rejection.reason,
            rejected_to=target.relative_to(self.archive.root).as_posix(),
        )
        log.warning(outcome.line())
        return outcome


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


def reason_path(target: Path) -> Path:
    return target.with_name(target.name + ".reason.txt")


def rejected_names(folder: Path, name: str) -> Iterator[Path]:
    """The names ``name`` may take in rejected/, in order: ``x.pdf``, ``x (2).pdf``, …

    Over-long names are shortened so that the reason file's name still fits.
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ext = f".{suffix}" if dot else ""
    for n in range(1, 100_000):
        label = stem if n == 1 else f"{stem} ({n})"
        while len((label + ext + ".reason.txt").encode("utf-8")) > NAME_MAX:
            label = label[:-1]
        yield folder / f"{label}{ext}"


def _taken(candidate: Path) -> bool:
    return candidate.exists() or (candidate.suffix.lower() == ".pdf" and candidate.with_suffix(".toml").exists())


def free_rejected_name(folder: Path, name: str) -> Path:
    """A name in rejected/ that never overwrites: ``x.pdf``, ``x (2).pdf``, …

    A reason file whose file is missing was left by a killed run: its name is reused.
    """
    for candidate in rejected_names(folder, name):
        if not _taken(candidate):
            ensure_dir(folder)
            return candidate
    raise OSError(f"no free name in {folder} for {name}")


def taken_rejected_names(folder: Path, name: str) -> Iterator[Path]:
    """The files in rejected/ that took ``name`` before (``x.pdf``, ``x (2).pdf``, …)."""
    for candidate in rejected_names(folder, name):
        if not _taken(candidate):
            return
        yield candidate


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
           progress: Any = None) -> IngestResult:
    """One pass over the inbox (``archiver ingest``): file every stable scan.

    Files modified within ``stable_seconds`` are left for the next pass: a scanner may
    still be writing them. ``progress``, if given, is called with each outcome.
    """
    import time

    stable = archive.config.filing.stable_seconds if stable_seconds is None else stable_seconds
    with archive.lock("filing", purpose="archiver ingest"):
        filer = Filer(archive, by=by)
        outcomes: list[Outcome] = []
        waiting: list[str] = []
        for path in inbox_candidates(archive):
            try:
                young = time.time() - path.stat().st_mtime < stable
            except FileNotFoundError:
                continue
            if young:
                waiting.append(path.relative_to(archive.inbox).as_posix())
                continue
            outcome = filer.file(path)
            outcomes.extend(outcome.flat())
            if progress is not None:
                progress(outcome)
        return IngestResult(outcomes, waiting)
