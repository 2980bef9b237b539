"""Group commit: the records placed since the last commit are made durable together
(Art. 21: nothing lost, nothing twice).

A placed record is a PDF and its sidecar staged as temporary files beside their
targets, written and read back (:func:`archiver.atomic.stage_files`). A :class:`Group`
collects them with the inbox entries they came from and the outcomes to log, and
:meth:`Group.commit` makes them durable in this order:

1. every staged file fsynced (together: the file system commits them at once);
2. renamed into place, every PDF before any sidecar (a record never exists without its PDF);
3. their folders and the journal fsynced (together);
4. only then the inbox copies removed, and the outcomes logged.

Until step 4 every scan of the group is still in the inbox, so a crash or power cut at
any point only makes the next run recognise and finish them.

:class:`Committer` runs one group's commit in a background thread while the filer
reads, checks and stages the next group (the disk's wait overlaps the work); it holds
one group at a time, and :meth:`Committer.wait` returns once that group is durable (or
raises what stopped it).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import commit_staged, fsync_dir, fsync_file
from .inbox import inbox_sidecar
from .names import escape_path
from .outcome import Outcome

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger("archiver.filing")


@dataclass
class Group:
    """What one commit makes durable, and what it may then remove from the inbox."""

    inbox: Path
    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary file, target)
    folders: set[Path] = field(default_factory=set)  # whose new names are not yet fsynced
    journal: Path | None = None  # appended to without an fsync
    removals: list[tuple[Path, os.stat_result]] = field(default_factory=list)  # (inbox entry, as read)
    announced: list[Outcome] = field(default_factory=list)  # logged once durable

    def __bool__(self) -> bool:
        return bool(self.staged or self.folders or self.journal or self.removals or self.announced)

    def commit(self) -> None:
        # every PDF (with its data) before any sidecar: a record never exists without its PDF
        commit_staged(sorted(self.staged, key=lambda pair: pair[1].suffix != ".pdf"), sync_dir=False)
        syncs: list[tuple[Callable[[Path], None], Path]] = [(fsync_dir, folder) for folder in sorted(self.folders)]
        if self.journal is not None:
            syncs.append((fsync_file, self.journal))
        _together(syncs)
        for path, read in self.removals:
            self._remove(path, read)
        for outcome in self.announced:
            log.info(outcome.line())

    def _remove(self, path: Path, read: os.stat_result) -> None:
        try:
            current = os.lstat(path)
        except FileNotFoundError:
            return
        if (current.st_size, current.st_mtime_ns) != (read.st_size, read.st_mtime_ns):
            log.warning("%s changed while it was being filed: the new content stays in the inbox",
                        escape_path(path.relative_to(self.inbox).as_posix()))
            return
        side = inbox_sidecar(path)
        if side is not None:
            side.unlink(missing_ok=True)
        # No fsync of the inbox folder: should the removal be lost in a power cut, the
        # next run recognises the scan by its source and removes it again.
        path.unlink(missing_ok=True)


def _together(syncs: list[tuple[Callable[[Path], None], Path]]) -> None:
    """Run the fsyncs at once (one commit of the file system's journal for all)."""
    errors: list[BaseException] = []

    def run(sync: Callable[[Path], None], path: Path) -> None:
        try:
            sync(path)
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in syncs[1:]]
    for thread in threads:
        thread.start()
    if syncs:
        run(*syncs[0])
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


class Committer:
    """Commits one :class:`Group` at a time in a background thread (one worker thread
    for all the groups of a pass)."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-commit")
        self._future: Future[None] | None = None

    def start(self, group: Group) -> None:
        """Commit ``group`` in the background, once the group before it is durable."""
        self.wait()
        if group:
            self._future = self._worker.submit(group.commit)

    def wait(self) -> None:
        """Return once the group in hand is durable; raise what stopped its commit."""
        future, self._future = self._future, None
        if future is not None:
            future.result()

    def join(self) -> None:
        """Wait for the group in hand, whatever became of it (its error is kept for wait())."""
        if self._future is not None:
            self._future.exception()

    def close(self) -> None:
        """Wait for the group in hand, then stop the worker thread."""
        self.join()
        self._worker.shutdown(wait=True)
