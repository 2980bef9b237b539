"""What the steps of filing share, and what they work on.

:class:`FilingContext` is the stage's context, handed to every step (as OCRmyPDF's steps
get their job's context): the archive, who files, the clock, the filed records by
content hash, the set-aside step, the group of records waiting for their commit and the
step before filing. :class:`Document` is one document's bytes, read once, with where
they came from: an inbox scan, or one document of a batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..clock import Now
from ..config import FilingOptions
from ..store import Archive
from .candidate import Splitter
from .commit import Committer, Group
from .index import RecordIndex
from .setaside import SetAside


@dataclass(frozen=True)
class Document:
    """The bytes of one document to file and where they came from."""

    data: bytes
    sha256: str
    source: str  # escaped path relative to the inbox; a batch's document: ``batch.pdf#2``
    name: str  # escaped file name, for messages
    stat: os.stat_result  # of the inbox file it came from (a batch's document: the batch's)


@dataclass(frozen=True)
class Scan:
    """One inbox file as read: its document, where it lies and its sidecar, if any."""

    path: Path
    document: Document
    sidecar: Path | None


@dataclass
class FilingContext:
    archive: Archive
    by: str
    now: Now
    index: RecordIndex
    setaside: SetAside
    splitter: Splitter | None = None  # the step before filing: cover sheets (archiver.batch.filing)
    group: Group = field(init=False)  # the records placed since the last commit
    committer: Committer = field(default_factory=Committer)

    def __post_init__(self) -> None:
        self.group = Group(self.archive.inbox)

    @property
    def options(self) -> FilingOptions:
        return self.archive.config.filing

    def rel(self, path: Path) -> str:
        """``path`` relative to the archive's root, as messages and outcomes name it."""
        return path.relative_to(self.archive.root).as_posix()
