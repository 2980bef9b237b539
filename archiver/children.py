"""Child processes archiver forks (a build's analysis workers, its hashing child) end
with the process that made them, however it ends — SIGKILL included: never left behind.

On Linux the kernel is asked to kill the child when its parent dies
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``); a parent that died before the child asked is
noticed by its parent id having changed. Elsewhere a child ends when it next finds no
one to answer to.
"""

from __future__ import annotations

import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Call first thing in a forked child; ``parent``: the pid that forked it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)
