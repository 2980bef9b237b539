"""One pass over the inbox (``archiver ingest``): every stable scan filed, in groups.

Files modified within ``stable_seconds`` are left for the next pass (a scanner may still
be writing them). The next file is read ahead while the current one is filed
(:class:`~archiver.filing.intake.Prefetcher`), and every :data:`GROUP` scans the records
placed are committed in the background while the next ones are filed
(:mod:`archiver.filing.commit`); the pass returns once the last group is durable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..store import Archive
from .candidate import Splitter
from .inbox import inbox_candidates
from .intake import Prefetcher
from .names import escape_path
from .outcome import Outcome
from .pipeline import Filer

GROUP = 16  # scans per group commit (records fsynced and renamed, inbox copies removed)


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


def stable_entries(archive: Archive, stable: float) -> tuple[list[Path], list[str]]:
    """The inbox entries not modified within ``stable`` seconds, and the others' names."""
    ready: list[Path] = []
    waiting: list[str] = []
    for path in inbox_candidates(archive):
        try:
            young = time.time() - os.lstat(path).st_mtime < stable
        except FileNotFoundError:
            continue
        if young:
            waiting.append(escape_path(path.relative_to(archive.inbox).as_posix()))
        else:
            ready.append(path)
    return ready, waiting


def ingest(archive: Archive, *, by: str = "", stable_seconds: float | None = None,
           progress: Callable[[Outcome], object] | None = None, splitter: Splitter | None = None) -> IngestResult:
    """File every stable scan of the inbox. ``progress``, if given, is called with each
    outcome. Each file is handled on its own (:meth:`Filer.handle`): one that fails is
    set aside and the pass goes on. ``splitter`` is the step before filing that finds batches."""
    stable = archive.config.filing.stable_seconds if stable_seconds is None else stable_seconds
    with archive.lock("filing", purpose="archiver ingest"):
        filer = Filer(archive, by=by, splitter=splitter)
        ready, waiting = stable_entries(archive, stable)
        outcomes: list[Outcome] = []
        ahead = Prefetcher(archive.config.filing.max_file_bytes)
        if ready:
            ahead.start(ready[0])
        try:
            for n, path in enumerate(ready):
                read = ahead.take(path)
                if n + 1 < len(ready):
                    ahead.start(ready[n + 1])  # read the next file while this one is written
                outcome = filer.handle(path, read)
                if filer.pending() >= GROUP:
                    filer.flush(wait=False)  # made durable while the next scans are filed
                if outcome is None:
                    continue
                outcomes.extend(outcome.flat())
                if progress is not None:
                    progress(outcome)
            filer.flush()  # every record is durable before the pass reports it filed
        finally:
            ahead.close()
            filer.close()  # never left running once the lock is released
        return IngestResult(outcomes, waiting)
