"""Run the archiver CLI and SIGKILL it at the N-th file-system step (for the crash tests).

Usage: python crash_runner.py N [--clock ISO] [--group G] ARGS…  — (``--clock``: the time the
archive is at, as the ``clock`` fixture sets it in-process; ``--group``: ingest commits every
G scans, in the background while it files the next ones) counts calls of os.write, os.fsync, os.replace,
os.rename, os.unlink and the set-aside's no-replace rename (renameat2, called through
ctypes); at the N-th, kills the process with SIGKILL (for os.write: after writing half of
the bytes, to leave a torn line). Exits normally if fewer steps happen. Only this process's
steps count: a child it forks (a build's analysis workers, its hashing child) inherits
the hooks but is not the process swept (it dies with it).
"""

import os
import signal
import sys

N = int(sys.argv[1])
count = 0
SWEPT = os.getpid()
if sys.argv[2:3] == ["--clock"]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from clocked_main import fix_clock

    fix_clock(sys.argv[3])
    del sys.argv[2:4]
if sys.argv[2:3] == ["--group"]:
    from archiver.filing import ingest

    ingest.GROUP = int(sys.argv[3])
    del sys.argv[2:4]


def _hook(name: str, owner=os) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        global count
        if os.getpid() != SWEPT:  # a forked child: not counted
            return original(*args, **kwargs)
        count += 1
        if count == N:
            if name == "write" and len(args) == 2 and len(args[1]) > 1:
                original(args[0], args[1][: len(args[1]) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


for _name in ("write", "fsync", "replace", "rename", "unlink"):
    _hook(_name)

from archiver.filing import setaside  # noqa: E402

_hook("rename_noreplace", setaside)

from archiver.cli import main  # noqa: E402

sys.argv = ["archiver", *sys.argv[2:]]
main()
