"""What a build reports: one :class:`Outcome` per volume (or record, or list) it
touched, the customers and years asked for (:class:`Scope`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import Archive


@dataclass
class Outcome:
    reference: str
    status: str  # built / unchanged / superseded / held / skipped
    path: str
    documents: int = 0
    pages: int = 0
    detail: str = ""
    warning: str = ""  # e.g. the volume is not valid PDF/A-2b (see its manifest's [pdfa])

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", None)}


@dataclass
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


@dataclass(frozen=True)
class Scope:
    """The customer and filing year asked for (empty / None: all)."""

    customer: str = ""
    year: int | None = None

    def has(self, customer: str, year: int) -> bool:
        return (not self.customer or customer == self.customer) and (self.year is None or year == self.year)

    def has_customer(self, customer: str) -> bool:
        return not self.customer or customer == self.customer


def rel(archive: Archive, path: Path) -> str:
    """``path`` relative to the archive root, as the build reports it."""
    return path.relative_to(archive.root).as_posix()
