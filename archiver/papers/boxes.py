"""Volumes placed in boxes (卷盒, Art. 20: "以案卷号排列次序装入卷盒"): pure rules.

A box holds the volumes of one series — one customer, filing year and retention class,
top-secret volumes apart (Art. 13) — in volume-number order, as many as fit its capacity
in sheets (``volumes.box_sheets``). A volume already in a box stays there: placing is done
once, as on the shelf, and new volumes go into the series' last box while it has room and
they follow its last volume, else into a new box. Boxes are numbered from 1 within each
filing year and retention class (盒号), in the order they are first filled. A volume
thicker than a whole box gets a box of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Volume:
    """What placing needs of one volume (from its manifest)."""

    reference: str  # 档号
    customer: str
    year: int
    retention: str  # retention class code
    top_secret: bool
    number: int  # 案卷号 within its series
    sheets: int

    @property
    def series(self) -> tuple[str, int, str, bool]:
        return (self.customer, self.year, self.retention, self.top_secret)


@dataclass(frozen=True)
class Placement:
    """One volume in one box: box ``number`` of its ``year`` and ``retention`` class."""

    reference: str
    year: int
    retention: str
    number: int  # 盒号

    @property
    def box(self) -> tuple[int, str, int]:
        return (self.year, self.retention, self.number)


def place(volumes: Iterable[Volume], placed: Mapping[str, Placement], capacity: int) -> list[Placement]:
    """Placements for the volumes not yet in ``placed``, in volume-number order per series."""
    by_ref = {v.reference: v for v in volumes}
    known = dict(placed)
    # what the existing boxes hold: sheets used, last volume number, series
    used: dict[tuple[int, str, int], int] = {}
    last: dict[tuple[int, str, int], int] = {}
    series_box: dict[tuple[str, int, str, bool], tuple[int, str, int]] = {}
    highest: dict[tuple[int, str], int] = {}
    for p in known.values():
        highest[(p.year, p.retention)] = max(highest.get((p.year, p.retention), 0), p.number)
        v = by_ref.get(p.reference)
        if v is None:
            continue
        used[p.box] = used.get(p.box, 0) + v.sheets
        last[p.box] = max(last.get(p.box, 0), v.number)
        if p.box >= series_box.get(v.series, (0, "", 0)):
            series_box[v.series] = p.box
    new: list[Placement] = []
    for v in sorted((v for v in by_ref.values() if v.reference not in known),
                    key=lambda v: (v.year, v.retention, v.customer, v.top_secret, v.number)):
        box = series_box.get(v.series)
        if box is None or used[box] + v.sheets > capacity or v.number < last[box]:
            n = highest.get((v.year, v.retention), 0) + 1
            highest[(v.year, v.retention)] = n
            box = (v.year, v.retention, n)
            used[box], last[box] = 0, 0
            series_box[v.series] = box
        used[box] += v.sheets
        last[box] = v.number
        new.append(Placement(v.reference, v.year, v.retention, box[2]))
    return new


def boxes_of(volumes: Sequence[Volume], placed: Mapping[str, Placement]) -> dict[tuple[int, str, int], list[Volume]]:
    """The placed volumes grouped by box, each box's volumes in volume-number order."""
    out: dict[tuple[int, str, int], list[Volume]] = {}
    for v in volumes:
        p = placed.get(v.reference)
        if p is not None:
            out.setdefault(p.box, []).append(v)
    return {box: sorted(vs, key=lambda v: v.number) for box, vs in sorted(out.items())}
