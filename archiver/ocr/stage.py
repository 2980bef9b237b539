"""``archiver ocr``: recognise every filed record whose text is missing or stale.

The steps, one function each::

    run
     ├─ remove_stale_temps      what a killed run left (only this stage's temporary files)
     ├─ pending                 records without a current text file (a cheap head read each)
     └─ per record (``ocr.workers`` at once, one by default)
         ├─ check_record_pdf    the PDF still the one filed (the sidecar's SHA-256)
         ├─ record_text         per page: its own text, else render → recognise → points
         └─ write_text          one atomic write: a killed run leaves no file or a whole one

Crash-safe and resumable like filing: nothing is written for a record until its text is
complete, so a run killed at any instant leaves either no text file or a complete one
(and at worst a temporary file, removed by the next run), and running again finishes the
rest. A page that cannot be read or recognised is recorded as failed with its reason; a
record whose PDF is missing or no longer matches its sidecar is reported and left (no
text is written for it) — neither stops the run. The scan is never written to.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .. import clock
from ..atomic import TEMP_PREFIX, sha256_file
from ..errors import ArchiverError, IntegrityError
from ..model import Record
from ..store import Archive, read_record
from . import pages
from .engine import Engine
from .store import SUFFIX, PageText, RecordText, is_current, stored_sha256, write_text

log = logging.getLogger(__name__)

EngineFactory = Callable[[int], Engine]  # threads per inference → a new engine


def default_engine(threads: int) -> Engine:
    from .rapid import RapidEngine

    return RapidEngine(threads=threads)


@dataclass(frozen=True)
class Outcome:
    """What happened to one record."""

    record: str  # record id
    status: str  # done | failed (nothing written)
    path: str = ""  # the text file, relative to the archive root
    pages: dict[str, int] = field(default_factory=dict)  # "ocr" / "pdf" / "none" → pages
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"record": self.record, "status": self.status}
        if self.path:
            out["path"] = self.path
        if self.pages:
            out["pages"] = dict(self.pages)
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Result:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: bool = False  # asked to stop before every record was done

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def remove_stale_temps(archive: Archive) -> int:
    """Remove the temporary text files a killed run left (never another stage's)."""
    n = 0
    if archive.records.is_dir():
        for tmp in archive.records.glob(f"*/[0-9][0-9][0-9][0-9]/{TEMP_PREFIX}*{SUFFIX}"):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


def pending(archive: Archive, *, customer: str = "", force: bool = False) -> Iterator[Record | Outcome]:
    """Each record without a current text (all with ``force``), in filing order; an
    unreadable sidecar comes out as a failed :class:`Outcome` instead."""
    for sidecar in archive.sidecar_paths():
        if customer and sidecar.parent.parent.name != customer:
            continue
        stored = "" if force else stored_sha256(sidecar.with_suffix(".pdf"))
        if stored and _names_checksum(sidecar, stored):
            continue  # done (the common case, without parsing the sidecar: a 100,000-record archive in seconds)
        try:
            record = read_record(sidecar)
        except ArchiverError as exc:
            yield Outcome(sidecar.stem, "failed", detail=exc.message)
            continue
        if force or not is_current(record.path, record.file.sha256):
            yield record


def _names_checksum(sidecar: Path, sha256: str) -> bool:
    """Whether the sidecar records ``sha256`` as its file's checksum (a look at its text)."""
    try:
        return f'sha256 = "{sha256}"' in sidecar.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def check_record_pdf(record: Record) -> None:
    """The record's PDF is still the one filed (its sidecar's SHA-256; read in chunks:
    a record may be large)."""
    try:
        sha = sha256_file(record.path)
    except OSError as exc:
        raise IntegrityError(f"the record PDF cannot be read ({exc.strerror or exc})",
                            hint="Run `archiver audit`.") from None
    if sha != record.file.sha256:
        raise IntegrityError("the record PDF is not the one filed (its SHA-256 differs from the sidecar's); "
                            "no text was made", hint="Run `archiver audit` and restore the record from backup.")


def record_text(record: Record, engine: Engine, dpi: int = pages.DPI) -> RecordText:
    """Every page's text (see :func:`archiver.ocr.pages.page_text`)."""
    import pikepdf
    import pypdfium2

    out: list[PageText] = []
    try:
        with pages.PDFIUM:
            document = pypdfium2.PdfDocument(record.path)
    except Exception as exc:  # noqa: BLE001 — a PDF pdfium cannot open: every page recorded as failed
        reason = f"the PDF cannot be opened for reading ({type(exc).__name__}: {exc})"[:300]
        out = [PageText(i + 1, "none", "failed", reason, 0.0, 0.0) for i in range(record.file.page_count)]
        return RecordText(record.file.sha256, engine.info, clock.now().isoformat(), tuple(out))
    try:
        try:
            pike: pikepdf.Pdf | None = pikepdf.open(record.path)
        except Exception:  # noqa: BLE001 — the image limits cannot be checked: rendering goes on (pdfium could open it)
            pike = None
        try:
            with pages.PDFIUM:
                count = len(document)
            for i in range(count):
                pike_page = pike.pages[i] if pike is not None and i < len(pike.pages) else None
                out.append(pages.read_page(document, i, pike_page, engine, dpi))
        finally:
            if pike is not None:
                pike.close()
    finally:
        with pages.PDFIUM:
            document.close()
    return RecordText(record.file.sha256, engine.info, clock.now().isoformat(), tuple(out))


def do_record(archive: Archive, record: Record, engine: Engine) -> Outcome:
    """One record, contained: its text written, or why not."""
    try:
        check_record_pdf(record)
        text = record_text(record, engine)
        target = write_text(record.path, text)
    except IntegrityError as exc:  # this record only; a missing engine or a full disk stops the run
        return Outcome(record.id, "failed", detail=f"{exc.message}: {exc.hint}" if exc.hint else exc.message)
    except OSError as exc:  # not a storage error (those are StorageError): e.g. a folder not writable
        return Outcome(record.id, "failed", detail=f"its text file cannot be written ({exc.strerror or exc})")
    counts: dict[str, int] = {}
    for p in text.pages:
        counts[p.source] = counts.get(p.source, 0) + 1
    failed = [p for p in text.pages if p.status == "failed"]
    detail = f"page {failed[0].page}: {failed[0].reason}" if failed else ""
    return Outcome(record.id, "done", target.relative_to(archive.root).as_posix(), counts, detail)


def run(archive: Archive, *, customer: str = "", force: bool = False, workers: int | None = None,
        engine_factory: EngineFactory | None = None, planned: Callable[[int], None] | None = None,
        progress: Callable[[Outcome], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False) -> Result:
    """Recognise the records not yet done (``force``: all of them), ``workers`` at once
    (default ``ocr.workers``), each worker with its own engine (``engine_factory``,
    default :func:`default_engine`: RapidOCR). ``planned(n)`` is told how many records there are,
    ``progress`` each outcome; ``should_stop`` is asked before each record is started."""
    workers = max(1, workers or archive.config.ocr.workers)
    make_engine = engine_factory or default_engine
    result = Result()
    with archive.lock("ocr", purpose="archiver ocr"):
        if n := remove_stale_temps(archive):
            log.info("removed %d temporary text file(s) a cut-off run left", n)
        todo = list(pending(archive, customer=customer, force=force))
        if planned:
            planned(len(todo))
        threads = max(1, (os.cpu_count() or 1) // workers)
        local = threading.local()

        def work(record: Record) -> Outcome:
            if getattr(local, "engine", None) is None:
                local.engine = make_engine(threads)
            return do_record(archive, record, local.engine)

        def done(outcome: Outcome) -> None:
            result.outcomes.append(outcome)
            if outcome.status == "failed":
                log.warning("%s: %s", outcome.record, outcome.detail)
            if progress:
                progress(outcome)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
            running: set[Future[Outcome]] = set()
            queue = iter(todo)
            while True:
                while len(running) < workers and not result.stopped:
                    item = next(queue, None)
                    if item is None:
                        break
                    if isinstance(item, Outcome):
                        done(item)
                    elif should_stop():
                        result.stopped = True
                    else:
                        running.add(pool.submit(work, item))
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
    return result
