"""The build's worker processes: looking at a volume's records ahead of assembly — which
pages are blank (:mod:`.blank`), and what the corners the page numbers go in look like
(:func:`.stamp.corner_of`) — and validating a volume written as PDF/A-2b while the build
assembles the next (:meth:`Analysis.validate`).

Both decode scans — most of a first build's time — and need nothing from each other
record by record, so :class:`Analysis` hands each record to one of :data:`WORKERS` forked
worker processes (one per core; a process, not a thread: both are mostly Python) while
the build reads the forms' fonts. A worker looks at each page once for both (the corner
of the side the page will be on: a document starts on a front). The numbers are known
only once every blank page is: then the build places each number in its corner from
what the worker saw (:func:`.stamp.spot_of`, no scan decoded again). The workers only
read the records; what they find comes back to the build, which keeps it in its caches
(the blank-page decisions, the corner looks) as if it had looked itself — so the
answers, the caches and every file the build writes are the same with workers or
without. A record a worker could not do (whatever the reason)
is done by the build itself, which reports what is wrong with it; a detector that is
not :class:`.blank.Detector` (a test's) is always called in the build's own process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

from ..children import before_fork, die_with_parent
from ..model import Record
from . import pages as pg
from . import pdfa
from .lookcache import LookCache
from .placement import StampStyle
from .stamp import Corner, corner_of, same_in_copy, spot_of

if TYPE_CHECKING:  # (imported when first needed: a build that finds everything cached starts no worker)
    from concurrent.futures import Future, ProcessPoolExecutor

WORKERS = 2  # worker processes of a build (the machines archiver runs on have two cores or more)
MIN_PAGES = 12  # fewer pages to look at than this: looked at in the build's process (starting workers costs more)

log = logging.getLogger(__name__)

Numbered = Sequence[tuple[int, int, str]]  # a record's numbered pages: (page in the record, number, side)


class Analysis:
    """The worker processes of a build's analysis, started when first needed and kept for
    all its volumes (none with ``workers=0``: then all is done in the calling process).
    Use as a context manager."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.seen: dict[str, list[Corner | None]] = {}  # the corners the workers looked at (this volume's)

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _start(self) -> ProcessPoolExecutor | None:
        if self.pool is None and self.workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            before_fork()
            try:
                self.pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_setup,
                                                mp_context=multiprocessing.get_context("fork"),
                                                initargs=(os.getpid(),))
            except (OSError, ValueError) as exc:  # no fork here, or no processes left: do it all here
                log.info("no worker processes (%s): the records are analysed in the build's process", exc)
                self.workers = 0
        return self.pool

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        pool = self._start()
        if pool is None:
            return None
        try:
            return pool.submit(fn, *args)
        except Exception as exc:  # noqa: BLE001 — a broken pool: the caller does the work itself
            log.info("worker process not available: %s", exc)
            self.workers = 0
            return None

    def blanks(self, detect: Callable[[Path, str, Path], list[bool]], records: Sequence[Record], cache_dir: Path,
               style: StampStyle) -> tuple[Callable[[], list[list[bool]]], bool]:
        """Start finding each record's blank pages (and, where they are not kept, looking
        at its corners); returns the call that waits for them (one list of flags per
        record, in order) and keeps the new ones in the cache, and whether workers are
        at it (the build has time for something else meanwhile)."""
        from .blank import Detector

        self.seen = {}
        if not isinstance(detect, Detector) or self.workers <= 0:
            return (lambda: [detect(r.path, r.file.sha256, cache_dir) for r in records]), False
        kept = [detect.cached(r.file.sha256, cache_dir) for r in records]
        if sum(r.file.page_count for r, k in zip(records, kept, strict=True) if k is None) < MIN_PAGES:
            return (lambda: [k if k is not None else detect(r.path, r.file.sha256, cache_dir)
                             for r, k in zip(records, kept, strict=True)]), False
        futures = [None if k is not None else self._submit(_analyse, detect, r.path, _sides(r), style)
                   for r, k in zip(records, kept, strict=True)]

        def collect() -> list[list[bool]]:
            out = []
            for r, k, f in zip(records, kept, futures, strict=True):
                if k is not None:
                    out.append(k)
                    continue
                found = _result(f)
                if found is None:  # not done by a worker: here (and any error reported from here)
                    out.append(detect(r.path, r.file.sha256, cache_dir))
                    continue
                flags, corners = found
                detect.keep(r.file.sha256, cache_dir, flags)
                if corners is not None:
                    self.seen[r.file.sha256] = corners
                out.append(flags)
            return out

        return collect, any(f is not None for f in futures)

    def corners(self, records: Sequence[Record], numbered: Mapping[int, Numbered], style: StampStyle,
                looks: LookCache) -> None:
        """Place the numbers of the records' numbered pages (``numbered``: by index in
        ``records``) in their corners, into ``looks`` — for the records whose looks are
        not all kept yet: from what the workers saw with the blank pages, or (a record
        whose blank pages were kept, whose numbers moved: a rebuild after a new document)
        looked at now by the workers. (Without workers, nothing is placed ahead: the
        stamping looks.)"""
        todo = {i: pages for i, pages in numbered.items()
                if not looks.has_all(records[i].file.sha256, [(page, number) for page, number, _ in pages])}
        unseen = [i for i in todo if records[i].file.sha256 not in self.seen]
        if self.workers <= 0 or sum(records[i].file.page_count for i in unseen) < MIN_PAGES:
            unseen = []  # (a few pages: the stamping looks)
        looking = {i: self._submit(_look, records[i].path, _sides(records[i]), style) for i in unseen}
        for i, f in looking.items():
            found = _result(f)
            if found is not None:
                self.seen[records[i].file.sha256] = found
        for i, pages in todo.items():
            sha256 = records[i].file.sha256
            seen = self.seen.get(sha256)
            if seen is None:
                continue
            for source, number, side in pages:
                corner = seen[source] if source < len(seen) else None
                placed = spot_of(corner, source, number, side, style) if corner is not None else None
                if placed is not None:
                    looks.put(sha256, *placed)

    def validate(self, path: Path, now: dt.datetime) -> Callable[[], pdfa.PdfaResult]:
        """Start validating the saved volume ``path`` as PDF/A-2b (:func:`.pdfa.check`) in
        a worker, while the build assembles the next volume; returns the call that waits
        for the verdict — reached here if no worker could (the same check, the same verdict)."""
        future = self._submit(_validate, path, now)

        def verdict() -> pdfa.PdfaResult:
            result = _result(future)
            if isinstance(result, pdfa.PdfaResult):
                return result
            with warnings.catch_warnings(record=True) as caught:  # (the build's own: logged, never printed)
                warnings.simplefilter("always")
                result = pdfa.check(path, now=now)
            for w in caught:
                log.info("%s: %s: %s", path.name, w.category.__name__, w.message)
            return result

        return verdict


def _validate(path: Path, now: dt.datetime) -> pdfa.PdfaResult:
    """In a worker: :func:`.pdfa.check`."""
    return pdfa.check(path, now=now)


def _sides(r: Record) -> list[str]:
    """The side each page of a record is on in its volume (a document starts on a front)."""
    one = pg.layout([pg.Part(r.id, pg.DOCUMENT, (False,) * r.file.page_count, simplex=r.meta.sides == "simplex")])
    return [s.side for s in one if s.source is not None]


def _result(future: Future[Any] | None) -> Any:
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 — a worker that died: the build does it itself
        log.info("worker process failed: %s", exc)
        return None


def _worker_setup(parent: int) -> None:
    die_with_parent(parent)  # a build killed takes its workers with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle (it stops the workers)
    warnings.simplefilter("ignore")  # a library's warning is never printed (the build logs its own)


def _analyse(detect: Any, path: Path, sides: Sequence[str],
             style: StampStyle) -> tuple[list[bool], list[Corner | None] | None] | None:
    """In a worker: one record's blank pages and (where its pages look the same in the
    volume: :func:`.stamp.same_in_copy`) each page's corner on its side; None when it
    cannot say (the build analyses it again, and reports what is wrong)."""
    from ..scanimage import shared_decodes
    from .blank import page_is_blank

    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream) as pdf:
            pages = list(pdf.pages)
            looked = same_in_copy(pdf) and len(sides) == len(pages)
            flags: list[bool] = []
            corners: list[Corner | None] = []
            for page, side in zip(pages, sides if looked else ["front"] * len(pages), strict=True):
                with shared_decodes():  # the page's scan read and decoded once for both looks
                    flags.append(page_is_blank(page, detect.params))
                    if looked:
                        try:
                            corners.append(corner_of(page, side, style))
                        except Exception:  # noqa: BLE001 — that page is looked at when stamped
                            corners.append(None)
            return flags, corners if looked else None
    except Exception:  # noqa: BLE001
        return None


def _look(path: Path, sides: Sequence[str], style: StampStyle) -> list[Corner | None] | None:
    """In a worker: each page's corner on its side (its blank pages are known already), or
    None where the pages may look otherwise in the volume or cannot be read."""
    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream) as pdf:
            pages = list(pdf.pages)
            if not same_in_copy(pdf) or len(sides) != len(pages):
                return None
            corners: list[Corner | None] = []
            for page, side in zip(pages, sides, strict=True):
                try:
                    corners.append(corner_of(page, side, style))
                except Exception:  # noqa: BLE001 — that page is looked at when stamped
                    corners.append(None)
            return corners
    except Exception:  # noqa: BLE001
        return None
