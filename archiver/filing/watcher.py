"""``archiver watch``: file scans as they arrive in the inbox.

* watchdog's native observer by default; its polling observer (``--polling``) for network
  shares where native events do not fire.
* A file is taken only when it is stable: size and modification time unchanged for
  ``filing.stable_seconds`` (a scanner may write slowly); the PDF check then refuses a
  file that is still incomplete.
* Files already in the inbox at start are taken; the whole inbox is rescanned every
  ``filing.rescan_seconds`` as a safety net; a file is never queued twice.
* SIGINT / SIGTERM: the file in hand is finished, then the watcher exits 0.
* The watcher never dies because of a file: each one is handled on its own
  (:meth:`~archiver.filing.pipeline.Filer.handle`), whatever goes wrong with it sets it
  aside. Only a disk that refuses to write stops it (exit 9; systemd restarts it).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from ..atomic import ensure_dir
from ..ocr.follow import Follower
from ..store import Archive
from .candidate import Splitter
from .inbox import inbox_candidates, is_ignored
from .names import escape_path
from .outcome import Outcome
from .pipeline import Filer

log = logging.getLogger("archiver.watch")


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time when size/mtime were last seen to change


class _Events(FileSystemEventHandler):
    def __init__(self, notify: Callable[[Path], None]) -> None:
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else os.fsdecode(raw))
                if not is_ignored(path):
                    self.notify(path)


class Watcher:
    """Watches one archive's inbox and files what becomes stable there."""

    def __init__(self, archive: Archive, *, polling: bool = False, by: str = "",
                 on_outcome: Callable[[Outcome], None] | None = None, tick: float = 0.2,
                 splitter: Splitter | None = None) -> None:
        self.archive = archive
        self.splitter = splitter
        self.polling = polling
        self.by = by
        self.on_outcome = on_outcome
        self.tick = tick
        self.stable = archive.config.filing.stable_seconds
        self.rescan_every = archive.config.filing.rescan_seconds
        self._pending: dict[Path, _Seen | None] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.outcomes: list[Outcome] = []

    def stop(self, *_: object) -> None:
        self._stop.set()

    def _notify(self, path: Path) -> None:
        with self._lock:
            self._pending.setdefault(path, None)

    def _rescan(self) -> None:
        for path in inbox_candidates(self.archive):
            self._notify(path)

    def _ready(self) -> list[Path]:
        """Pending files whose size and mtime have not changed for ``stable`` seconds."""
        ready = []
        clock = time.monotonic()
        with self._lock:
            for path, seen in list(self._pending.items()):
                try:
                    st = os.lstat(path)  # never follows a link, never opens anything
                except (FileNotFoundError, NotADirectoryError):
                    del self._pending[path]
                    continue
                if (path.is_dir() and not path.is_symlink()) or path.suffix.lower() == ".toml" \
                        or self.archive.rejected in path.parents or self.archive.inbox not in path.parents:
                    del self._pending[path]
                    continue
                if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                    self._pending[path] = _Seen(st.st_size, st.st_mtime_ns, clock)
                elif clock - seen.since >= self.stable and time.time() - st.st_mtime >= self.stable:
                    ready.append(path)
                    del self._pending[path]
        return sorted(ready)

    def make_observer(self) -> BaseObserver:
        return PollingObserver(timeout=1.0) if self.polling else Observer()

    def run(self, *, install_signals: bool = True) -> int:
        ensure_dir(self.archive.inbox)
        if install_signals:
            signal.signal(signal.SIGTERM, self._signal)
            signal.signal(signal.SIGINT, self._signal)
        with self.archive.lock("filing", purpose="archiver watch"):
            filer = Filer(self.archive, by=self.by, splitter=self.splitter)
            ocr = Follower(self.archive)  # the OCR stage, in a child process, after filing (issue 12)
            observer = self.make_observer()
            observer.schedule(_Events(self._notify), str(self.archive.inbox), recursive=True)
            observer.start()
            kind = "polling" if self.polling else "native"
            log.info("watching %s (%s events, stable after %.1f s)", escape_path(str(self.archive.inbox)), kind,
                     self.stable)
            try:
                self._rescan()
                last_rescan = time.monotonic()
                while not self._stop.is_set():
                    for path in self._ready():
                        if not os.path.lexists(path):
                            continue
                        outcome = filer.handle(path)  # contained; finished even if a signal arrives meanwhile
                        filer.flush()
                        if outcome is None:
                            continue
                        if any(o.status != "rejected" for o in outcome.flat()):
                            ocr.kick()
                        self.outcomes.extend(outcome.flat())
                        if self.on_outcome:
                            self.on_outcome(outcome)
                        if self._stop.is_set():
                            break
                    if time.monotonic() - last_rescan >= self.rescan_every:
                        self._rescan()
                        last_rescan = time.monotonic()
                    self._stop.wait(self.tick)
            finally:
                ocr.stop()
                observer.stop()
                observer.join(timeout=5)
                filer.close()
            log.info("watcher stopped")
        return 0

    def _signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("received %s: finishing the file in hand, then stopping", signal.Signals(signum).name)
        self.stop()
