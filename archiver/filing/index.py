"""The records filed so far, by content hash (Art. 21: nothing twice).

A scan whose content is a filed record's is either that record's own filing, which a
killed run did not finish (the same source: name, size and modification time), or a
duplicate from another source, set aside naming the record.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArchiverError, Rejection
from ..model import Record
from ..store import Archive, read_record

log = logging.getLogger("archiver.filing")


@dataclass
class RecordIndex:
    by_hash: dict[str, Record] = field(default_factory=dict)
    paths: set[Path] = field(default_factory=set)  # every record's PDF, committed or not yet
    journaled: set[str] = field(default_factory=set)  # ids with a "filed" journal entry

    @classmethod
    def read(cls, archive: Archive, other: Callable[[dict[str, Any]], None]) -> RecordIndex:
        """The archive's records (their sidecars) and filing journal; each journal entry
        that is not a filing is handed to ``other`` (the set-aside step learns from them)."""
        index = cls()
        for path in archive.sidecar_paths():
            try:
                index.add(read_record(path))
            except ArchiverError as exc:  # the audit's business (Art. 22–23): filing goes on
                log.warning("%s (filing goes on; `archiver audit` lists it)", exc.message)
        for entry in archive.journal:
            if entry.get("event") == "filed":
                index.journaled.add(str(entry.get("record")))
            else:
                other(entry)
        return index

    def get(self, sha256: str) -> Record | None:
        return self.by_hash.get(sha256)

    def add(self, record: Record) -> None:
        self.by_hash[record.file.sha256] = record
        self.paths.add(record.path)


def same_source(record: Record, source: str, stat: os.stat_result) -> bool:
    """Whether ``record`` was filed from this very source (a killed run got this far)."""
    f = record.filing
    return f.source == source and f.source_size == stat.st_size and f.source_mtime_ns == stat.st_mtime_ns


def duplicate(existing: Record, sha256: str, where: str) -> Rejection:
    """The reason a copy of the filed record ``existing`` (at ``where``) is set aside."""
    return Rejection(
        "duplicate",
        f"This scan is identical (SHA-256 {sha256[:12]}…) to the filed record {existing.id} "
        f"({where}), filed {existing.filing.filed_at:%Y-%m-%d} from {existing.filing.source}.",
        "Nothing to do: the document is already in the archive. Delete this copy "
        "when you have checked it.",
        {"existing record": existing.id},
    )
