"""Run the archiver CLI at a fixed time and SIGKILL it at the N-th file-system step.

Usage: python build_crash_runner.py WHEN N ARGS…  — sets this process's clock to WHEN (ISO
time with offset, :func:`fixed_clock`), then runs ``crash_runner.py N ARGS…`` (which counts
os.write/fsync/replace/rename/unlink calls and kills the process at the N-th). A build at a
fixed time is byte-for-byte reproducible, so a killed build run again can be compared with
an uninterrupted one file by file.
"""

from __future__ import annotations

import datetime as dt
import runpy
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent


def fixed_clock(when: str) -> Callable[[], None]:
    """Make the archive's clock say ``when`` in this process; returns the undo."""
    import archiver.register as register

    value = dt.datetime.fromisoformat(when)
    saved = register.now
    register.now = lambda: value  # type: ignore[assignment]  # (register.now is what build asks)
    undo_clock: Callable[[], None] = lambda: None  # noqa: E731
    try:  # the archive's one clock, where it exists (archiver/clock.py)
        from archiver import clock  # type: ignore[attr-defined]

        previous = clock.install(lambda: value)
        undo_clock = lambda: clock.restore(previous)  # noqa: E731
    except ImportError:
        pass

    def undo() -> None:
        register.now = saved  # type: ignore[assignment]
        undo_clock()

    return undo


if __name__ == "__main__":
    fixed_clock(sys.argv[1])
    sys.argv = [str(HERE / "crash_runner.py"), *sys.argv[2:]]
    runpy.run_path(str(HERE / "crash_runner.py"), run_name="__main__")
