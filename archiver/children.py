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
