"""Looking at a volume's records ahead of assembly, in worker processes: which pages are
blank (:mod:`.blank`), and where the page numbers go (:func:`.stamp.look_ahead`).

Both decode scans — most of a first build's time — and need nothing from each other
record by record, so :class:`Analysis` hands them to :data:`WORKERS` forked worker
processes (one per core; a process, not a thread: both are mostly Python) while the
build goes on: the blank pages while the forms' fonts are read, the corners while the
forms are made. The workers only read the records; what they find comes back to the
build, which keeps it in its caches (the blank-page decisions, the corner looks) as if
it had looked itself — so the answers, the caches and every file the build writes are
the same with workers or without. A record a worker could not do (whatever the reason)
is done by the build itself, which reports what is wrong with it; a detector that is
not :class:`.blank.Detector` (a test's) is always called in the build's own process.
"""

from __future__ import annotations

import logging
import signal
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf

from ..model import Record
from .lookcache import LookCache, Spot
from .placement import StampStyle
from .stamp import look_ahead, same_in_copy

WORKERS = 2  # worker processes of a build (the machines archiver runs on have two cores or more)

log = logging.getLogger(__name__)

Numbered = Sequence[tuple[int, int, str]]  # a record's numbered pages: (page in the record, number, side)


class Analysis:
    """The worker processes of one volume's analysis (none with ``workers=0``: then all
    is done in the calling process). Use as a context manager."""

    def __init__(self, workers: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if workers > 0:
            import multiprocessing

            try:
                self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                                initializer=_worker_setup)
            except (OSError, ValueError) as exc:  # no fork here, or no processes left: do it all here
                log.info("no worker processes (%s): the records are analysed in the build's process", exc)

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        if self.pool is None:
            return None
        try:
            return self.pool.submit(fn, *args)
        except Exception as exc:  # noqa: BLE001 — a broken pool: the caller does the work itself
            log.info("worker process not available: %s", exc)
            self.pool = None
            return None

    def blanks(self, detect: Callable[[Path, str, Path], list[bool]], records: Sequence[Record],
               cache_dir: Path) -> tuple[Callable[[], list[list[bool]]], bool]:
        """Start finding each record's blank pages; returns the call that waits for them
        (one list of flags per record, in order) and keeps the new ones in the cache, and
        whether workers are at it (the build has time for something else meanwhile)."""
        from .blank import Detector

        if not isinstance(detect, Detector) or self.pool is None:
            return (lambda: [detect(r.path, r.file.sha256, cache_dir) for r in records]), False
        kept = [detect.cached(r.file.sha256, cache_dir) for r in records]
        futures = [None if k is not None else self._submit(_analyse, detect, r.path) for r, k in zip(records, kept,
                                                                                                     strict=True)]

        def collect() -> list[list[bool]]:
            out = []
            for r, k, f in zip(records, kept, futures, strict=True):
                if k is not None:
                    out.append(k)
                    continue
                found = _result(f)
                if found is None:  # not done by a worker: here (and any error reported from here)
                    out.append(detect(r.path, r.file.sha256, cache_dir))
                else:
                    detect.keep(r.file.sha256, cache_dir, found)
                    out.append(found)
            return out

        return collect, any(f is not None for f in futures)

    def corners(self, records: Sequence[Record], numbered: Mapping[int, Numbered], style: StampStyle,
                looks: LookCache) -> Callable[[], None]:
        """Start looking at the corners of the records' numbered pages (``numbered``: by
        index in ``records``) whose looks are not kept yet; returns the call that waits
        and puts what was found in ``looks``. Without workers, nothing is looked at ahead
        (the stamping looks)."""
        futures = {i: self._submit(_corners, records[i].path, records[i].file.sha256, pages, style)
                   for i, pages in numbered.items() if not looks.has_all(records[i].file.sha256, len(pages))}

        def collect() -> None:
            for i, f in futures.items():
                for key, spot in (_result(f) or {}).items():
                    looks.put(records[i].file.sha256, key, spot)

        return collect


def _result(future: Future[Any] | None) -> Any:
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 — a worker that died: the build does it itself
        log.info("worker process failed: %s", exc)
        return None


def _worker_setup() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle (it stops the workers)
    warnings.simplefilter("ignore")  # a library's warning is never printed (the build logs its own)


def _analyse(detect: Any, path: Path) -> list[bool] | None:
    """In a worker: the blank pages of one record, or None when it cannot say."""
    try:
        return list(detect.analyse(path))
    except Exception:  # noqa: BLE001 — the build analyses it again, and reports what is wrong
        return None


class _Kept:
    """In a worker: the looks found (:func:`.stamp.look_ahead` asks and tells like a LookCache)."""

    def __init__(self) -> None:
        self.spots: dict[str, Spot] = {}

    def get(self, record: str, key: str) -> tuple[bool, Spot]:
        return (key in self.spots, self.spots.get(key))

    def put(self, record: str, key: str, spot: Spot) -> None:
        self.spots[key] = spot


def _corners(path: Path, sha256: str, numbered: Numbered, style: StampStyle) -> dict[str, Spot] | None:
    """In a worker: the corner looks of a record's numbered pages (by look key), or None
    when its pages may look otherwise in the volume (:func:`.stamp.same_in_copy`)."""
    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream) as pdf:
            if not same_in_copy(pdf):
                return None
            pages = list(pdf.pages)
            kept = _Kept()
            for source, number, side in numbered:
                look_ahead(pages[source], number, side, style, kept, (sha256, source))  # type: ignore[arg-type]
            return kept.spots
    except Exception:  # noqa: BLE001 — only an optimisation: the stamping looks again
        return None
