"""Append-only registers: the filing journal, audits, loans, consultations, disposals.

A register is a JSON Lines file (one JSON object a line, UTF-8, readable with any text
editor or ``jq``). Lines are only ever appended, each with one ``write`` and an
``fsync``; a line cut off by a crash is skipped when read and never glued to the next
(Art. 21: nothing half-recorded). Every entry carries ``at`` (ISO time, UTC offset) and
``by`` (who did it, Art. 9) and an ``event`` name — both from :mod:`archiver.clock`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import clock
from .atomic import append_line


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot record {type(value).__name__} in a register")


class Register:
    """One append-only JSON Lines register file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: str, *, by: str = "", **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"at": clock.now().isoformat(), "by": by or clock.login_name(), "event": event}
        entry.update(fields)
        append_line(self.path, json.dumps(entry, ensure_ascii=False, default=_default, sort_keys=False))
        return entry

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                entry = _parse(line)
                if entry is not None:
                    yield entry

    def entries(self) -> list[dict[str, Any]]:
        return list(self)

    def last(self, event: str) -> dict[str, Any] | None:
        """The newest entry with ``event``, read backwards from the end (a register only
        grows, so the time this takes does not grow with it). Torn lines are skipped."""
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return None
        with fh:
            end = fh.seek(0, os.SEEK_END)
            rest = b""  # the start of a line cut by the block boundary
            while end > 0:
                start = max(0, end - BLOCK)
                fh.seek(start)
                lines = (fh.read(end - start) + rest).split(b"\n")
                rest = lines.pop(0) if start > 0 else b""
                for line in reversed(lines):
                    entry = _parse(line.decode("utf-8", errors="replace"))
                    if entry is not None and entry.get("event") == event:
                        return entry
                end = start
        return None


BLOCK = 1 << 16  # bytes read at a time by Register.last


def _parse(line: str) -> dict[str, Any] | None:
    """One register line as a dict; None for a blank, torn or foreign line."""
    line = line.strip()
    if not line:
        return None
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None  # a line torn by a crash: it was never recorded
    return entry if isinstance(entry, dict) else None
