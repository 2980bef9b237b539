"""A test-only way to run archiver in a subprocess at a set time (never installed, never
read from the environment): ``python tests/clocked_main.py 2026-11-26T10:00:00+08:00
--root DIR ingest``, or ``from clocked_main import fix_clock`` in a script run with
``python -c``. Production code has no such switch (see :mod:`archiver.clock`)."""

from __future__ import annotations

import datetime as dt
import sys

from archiver import clock


def fix_clock(when: str, login: str = "") -> None:
    """Set this process's clock to ``when`` (ISO, with offset); and the login name."""
    value = dt.datetime.fromisoformat(when)
    clock.install(lambda: value, (lambda: login) if login else None)


if __name__ == "__main__":
    fix_clock(sys.argv[1])
    from archiver.cli import main

    main(sys.argv[2:])
