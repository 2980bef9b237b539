"""Small builders for the unit tests of the filing steps (the real types, filled in)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from archiver.filing.context import Document, FilingContext
from archiver.filing.index import RecordIndex
from archiver.filing.metadata import Found
from archiver.filing.setaside import SetAside
from archiver.model import Metadata
from archiver.store import Archive

AT = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def found(customer: str = "C0001", type_: str = "contract", date: dt.date = dt.date(2026, 1, 5),
          pages: int | None = None, source: str = "sidecar") -> Found:
    return Found(Metadata(customer=customer, type=type_, date=date, title="供货合同", pages=pages), source)


def stat_of(size: int, mtime_ns: int = 1_767_571_200_000_000_000) -> os.stat_result:
    """The lstat of a regular file of ``size`` bytes modified at ``mtime_ns``."""
    seconds = mtime_ns / 1e9
    return os.stat_result((0o100644, 1, 1, 1, 0, 0, size, 0, int(seconds), 0, 0.0, seconds, 0.0, 0, mtime_ns, 0))


def document(data: bytes, source: str = "scan.pdf", stat: os.stat_result | None = None) -> Document:
    return Document(data, hashlib.sha256(data).hexdigest(), source, Path(source).name, stat or stat_of(len(data)))


def context(archive: Archive, by: str = "李四") -> FilingContext:
    setaside = SetAside(archive, by)
    return FilingContext(archive, by, lambda: AT, RecordIndex.read(archive, setaside.note), setaside)
