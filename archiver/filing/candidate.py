"""What the step before filing hands the filer: candidates (a PDF's bytes and its metadata).

The batch splitter (:mod:`archiver.batch.filing`) runs before filing: given an inbox
file that nothing else describes, it looks for cover sheets and, when it finds some,
returns one :class:`Candidate` per document. The filer then files or sets aside each
candidate as it does any scan. The filer never imports the splitter; the command line
hands it in (:data:`Splitter`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..errors import Rejection
from .metadata import Found


@dataclass
class Candidate:
    """One document to file.

    ``source`` is its escaped source (``batch.pdf#2``), ``name`` the file name it takes
    in ``inbox/rejected/`` if it is set aside. ``found`` is its metadata when the step
    before filing knows it; ``problem`` says why it cannot be filed when that is known
    already (pages before the first cover sheet, an unreadable sheet …). ``fields`` are
    written as a metadata file beside it when it is set aside (so that fixing them and
    moving both files into the inbox files it); ``details`` go into its reason file.
    """

    data: bytes
    source: str
    name: str
    pages: int
    found: Found | None = None
    problem: Rejection | None = None
    fields: dict[str, Any] | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SplitRequest:
    """What a splitter is told about one inbox file (already checked to be a readable PDF)."""

    data: bytes
    source: str  # escaped path relative to the inbox
    stem: str  # the file's name without .pdf: parts are named <stem>.part-NN.pdf
    stat: os.stat_result
    config: Config
    customers: Collection[str]
    today: dt.date


# A splitter: the candidates of one inbox file, or None when it is one document.
Splitter = Callable[[SplitRequest], "list[Candidate] | None"]
