"""Which box (卷盒, Art. 20) each volume is in, as the box register says.

``registers/boxes.jsonl`` is written by ``archiver papers box-labels`` (:mod:`archiver.papers.box_register`):
one ``boxed`` entry per volume when it is first placed; the first entry for a volume
counts, so a box number printed on a label stays true. A volume's box is a fact of the
shelf that outlives rebuilds: ``build`` reads it here and writes it into every manifest
it writes, so the catalogue never loses a volume's 盒号 to a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..store import Archive

REGISTER = "boxes"


@dataclass(frozen=True)
class Boxed:
    """One volume in box ``box`` of its ``year`` and ``retention`` class."""

    reference: str
    year: int
    retention: str
    box: int


def boxed(archive: Archive) -> Iterator[Boxed]:
    """The register's ``boxed`` entries, the first for each volume only."""
    seen: set[str] = set()
    for e in archive.register(REGISTER):
        if e.get("event") != "boxed":
            continue
        try:
            b = Boxed(str(e["reference"]), int(e["year"]), str(e["retention"]), int(e["box"]))
        except (KeyError, TypeError, ValueError):
            continue  # a hand-edited line that is not an entry of ours
        if b.reference not in seen:
            seen.add(b.reference)
            yield b


def box_numbers(archive: Archive) -> dict[str, int]:
    """Each boxed volume's box number, by reference code."""
    return {b.reference: b.box for b in boxed(archive)}
