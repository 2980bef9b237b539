"""Run the archiver CLI at a fixed time and SIGKILL it at the N-th file-system step.

Usage: python build_crash_runner.py WHEN N ARGS…  — sets this process's clock to WHEN (ISO
time with offset, :func:`fixed_clock`), then runs ``crash_runner.py N ARGS…`` (which counts
os.write/fsync/replace/rename/unlink calls and kills the process at the N-th). A build at a
fixed time is byte-for-byte reproducible, so a killed build run again can be compared with
an uninterrupted one file by file.

:func:`run_killed_at` does the same in a forked child of the calling process (the
archiver already imported: a sweep of many kill points does not pay the start-up of a
new interpreter each time); the counting is crash_runner.py's, step for step.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).parent


def fixed_clock(when: str) -> Callable[[], None]:
    """Make the archive's clock say ``when`` in this process; returns the undo."""
    from archiver import clock  # the archive's one clock

    value = dt.datetime.fromisoformat(when)
    previous = clock.install(lambda: value)
    return lambda: clock.restore(previous)


STEPS = ("write", "fsync", "replace", "rename", "unlink")  # as crash_runner.py counts them


def _kill_at(n: int) -> None:
    """crash_runner.py's hooks: SIGKILL at the n-th step (a write: after half its bytes) —
    of this process only, not of a child it forks."""
    count = 0
    swept = os.getpid()

    def hook(name: str) -> None:
        original = getattr(os, name)

        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal count
            if os.getpid() != swept:  # a forked child (an analysis worker): not the process swept
                return original(*args, **kwargs)
            count += 1
            if count == n:
                if name == "write" and len(args) == 2 and len(args[1]) > 1:
                    original(args[0], args[1][: len(args[1]) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)

        setattr(os, name, wrapper)

    for name in STEPS:
        hook(name)


def run_killed_at(n: int, argv: Sequence[str], when: str) -> int | None:
    """Run ``archiver ARGV…`` at time ``when`` in a forked child killed at its n-th
    file-system step. Returns its exit code, or None when it was killed."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            fixed_clock(when)
            from archiver.cli import main

            _kill_at(n)
            try:
                main(list(argv), standalone_mode=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL, status
        return None
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    fixed_clock(sys.argv[1])
    sys.argv = [str(HERE / "crash_runner.py"), *sys.argv[2:]]
    runpy.run_path(str(HERE / "crash_runner.py"), run_name="__main__")
