"""Child processes archiver forks (a build's analysis workers, its hashing child) end
with the process that made them, however it ends — SIGKILL included: never left behind.

On Linux the kernel is asked to kill the child when its parent dies
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``); a parent that died before the child asked is
noticed by its parent id having changed. Elsewhere a child ends when it next finds no
one to answer to. (``prctl`` is looked up here, in the parent: a forked child only calls
it: :func:`before_fork`.)
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from contextlib import suppress

PR_SET_PDEATHSIG = 1


def _find_prctl() -> Callable[..., int] | None:
    try:
        import ctypes

        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL: list[Callable[..., int] | None] = []  # found once, by before_fork


def before_fork() -> None:
    """Call in the parent before forking a child that calls :func:`die_with_parent`."""
    if not _PRCTL:
        _PRCTL.append(_find_prctl())


def die_with_parent(parent: int) -> None:
    """Call first thing in a forked child; ``parent``: the pid that forked it."""
    prctl = _PRCTL[0] if _PRCTL else None
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def fork_child(run: Callable[[], None]) -> int:
    """Fork a child that calls :func:`die_with_parent`, then ``run``, then exits (status
    0, or 1 when ``run`` raised) without returning to the caller's code; returns its pid
    (raises OSError when no process can be forked). End it with :func:`end_child`."""
    before_fork()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            die_with_parent(parent)
            run()
            code = 0
        finally:
            os._exit(code)
    return pid


def end_child(pid: int, *, kill: bool = False) -> None:
    """Wait for the child ``pid`` to end (``kill``: SIGKILL it first)."""
    if kill:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with suppress(ChildProcessError):
        os.waitpid(pid, 0)
