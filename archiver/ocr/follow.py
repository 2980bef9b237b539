"""The watcher's hook: the OCR stage, in a child process, after something was filed.

``archiver watch`` calls :meth:`Follower.kick` after each file it has filed: when no OCR
run is going on, ``archiver ocr`` is started as a child process (its own session, so a
Ctrl-C at the terminal reaches only the watcher); when one is, another is started when
it ends, for the records filed meanwhile. Filing never waits for OCR — recognising is
slow (seconds a page) and the child has its own interpreter and a lower priority, so
filing is as fast as without it. When the watcher stops, the child is terminated: the stage is
crash-safe (a record's text is written whole or not at all), the next run finishes it.

``ocr.after_filing = false`` in archive.toml turns this off.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Archive

log = logging.getLogger("archiver.watch")
NICE = 10  # the child's priority below the watcher's
STOP_SECONDS = 10.0  # how long a terminated child may take to exit before it is killed


class Follower:
    def __init__(self, archive: Archive) -> None:
        self.root = archive.root
        self.enabled = archive.config.ocr.after_filing
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._again = False
        self._stopping = False
        self._waiter: threading.Thread | None = None

    def command(self) -> list[str]:
        """``archiver --root ROOT --quiet ocr``, at a lower priority (nice 10): filing keeps the processor first."""
        start = f"import os, sys; os.nice({NICE}); from archiver.cli import main; main(sys.argv[1:], prog_name='archiver')"
        return [sys.executable, "-c", start, "--root", os.fspath(self.root), "--quiet", "ocr"]

    def kick(self) -> None:
        """Something was filed: recognise it (now, or after the run going on)."""
        if not self.enabled:
            return
        with self._lock:
            if self._stopping:
                return
            if self._child is not None and self._child.poll() is None:
                self._again = True
                return
            self._start()

    def _start(self) -> None:  # with self._lock held
        try:
            self._child = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           start_new_session=True)
        except OSError as exc:
            log.warning("OCR after filing could not be started (%s); run `archiver ocr` yourself", exc)
            self._child = None
            return
        self._again = False
        self._waiter = threading.Thread(target=self._wait, args=(self._child,), name="ocr-follower", daemon=True)
        self._waiter.start()

    def _wait(self, child: subprocess.Popen[bytes]) -> None:
        code = child.wait()
        with self._lock:
            if self._stopping:
                return
            if code not in (0, 5):  # 5: another `archiver ocr` holds the lock and does the work
                log.warning("OCR after filing ended with exit code %s; run `archiver ocr` to see why", code)
            if self._again:
                self._start()

    def stop(self) -> None:
        """Terminate a run going on (it is finished by the next one)."""
        with self._lock:
            self._stopping = True
            child, waiter = self._child, self._waiter
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if waiter is not None:
            waiter.join(timeout=STOP_SECONDS)
