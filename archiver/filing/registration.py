"""Art. 6 step 3, register: what enters the archive's registers for a record — its
sidecar (the record's own entry, written beside its PDF: its commit mark) and its line
in the filing journal (once per record, however many runs it took)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..model import Record
from ..store import sidecar_text
from .context import FilingContext


@dataclass(frozen=True)
class Registration:
    sidecar: bytes  # the record's sidecar, UTF-8 TOML
    entry: dict[str, Any] | None  # its filing-journal line; None when the journal has one


def filed_entry(record: Record, source: str, at: dt.datetime) -> dict[str, Any]:
    """The filing journal's line for ``record``, filed from ``source``."""
    return {"at": at.isoformat(), "by": record.filing.filed_by, "event": "filed",
            "record": record.id, "customer": record.customer, "year": record.meta.year,
            "type": record.meta.type, "title": record.meta.title, "source": source,
            "sha256": record.file.sha256}


def journal_entry(ctx: FilingContext, record: Record, source: str) -> dict[str, Any] | None:
    """The journal line ``record`` still needs (None: it has one)."""
    return None if record.id in ctx.index.journaled else filed_entry(record, source, ctx.now())


def register(ctx: FilingContext, record: Record, source: str) -> Registration:
    return Registration(sidecar_text(record).encode("utf-8"), journal_entry(ctx, record, source))
