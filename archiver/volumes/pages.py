"""The sheets of a volume and its page numbers (Art. 16), as a pure function.

A volume is printed double-sided: PDF page 1 is the front of sheet 1, page 2 its back,
page 3 the front of sheet 2, and so on — odd pages are fronts, even pages backs.

:func:`layout` places every page of every part (form or document) and decides:

* every part starts on a front: when the previous part ended on a front, a blank *pad*
  page is inserted as that sheet's back;
* a simplex scan (one side of each sheet scanned) gets a blank *back* inserted after
  each of its pages, so each scanned page stays on a sheet of its own;
* blank scanned pages (as the blank detector found them) keep their place and get no
  number; inserted pages and form pages get no number either;
* the material pages with writing are numbered in one running sequence from 1
  (页号, Art. 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

FRONT, BACK = "front", "back"
FORM, DOCUMENT = "form", "document"


@dataclass(frozen=True)
class Part:
    """One part of a volume: a form (cover, index, remarks, back cover) or a document."""

    name: str  # cover / index / remarks / back_cover, or the record id
    kind: str  # FORM or DOCUMENT
    blank: tuple[bool, ...]  # one flag per page of the part's PDF
    simplex: bool = False


@dataclass(frozen=True)
class Slot:
    """One page of the volume PDF: where it comes from, its side and its number."""

    part: int  # index of the part it belongs to (a pad belongs to the part it ends)
    source: int | None  # 0-based page of the part's PDF; None for an inserted blank page
    side: str  # FRONT or BACK
    number: int | None  # the stamped page number (页号), or None
    inserted: str = ""  # "" for a page of the part, "back" (simplex) or "pad" (start on a front)
    blank: bool = False  # a blank page (detected or inserted)


def layout(parts: Sequence[Part]) -> list[Slot]:
    """Every page of the volume, in order (see the module docstring for the rules)."""
    slots: list[Slot] = []
    number = 0

    def side() -> str:
        return FRONT if len(slots) % 2 == 0 else BACK

    for index, part in enumerate(parts):
        if slots and side() == BACK:
            slots.append(Slot(slots[-1].part, None, BACK, None, inserted="pad", blank=True))
        for source, is_blank in enumerate(part.blank):
            numbered = part.kind == DOCUMENT and not is_blank
            if numbered:
                number += 1
            slots.append(Slot(index, source, side(), number if numbered else None, blank=is_blank))
            if part.simplex:
                slots.append(Slot(index, None, BACK, None, inserted="back", blank=True))
    return slots


@dataclass(frozen=True)
class PartPages:
    """Where one part landed: PDF positions (1-based, pads included) and its numbers."""

    pdf_first: int
    pdf_last: int
    first_number: int | None
    last_number: int | None
    blank_pages: tuple[int, ...]  # PDF positions of its blank scanned pages
    inserted_backs: tuple[int, ...]  # PDF positions of blank backs inserted for a simplex scan
    pads: tuple[int, ...]  # PDF positions of pads after it


def part_pages(slots: Sequence[Slot], n_parts: int) -> list[PartPages]:
    """Summarise :func:`layout`'s slots per part."""
    pos: list[list[int]] = [[] for _ in range(n_parts)]
    nums: list[list[int]] = [[] for _ in range(n_parts)]
    blanks: list[list[int]] = [[] for _ in range(n_parts)]
    backs: list[list[int]] = [[] for _ in range(n_parts)]
    pads: list[list[int]] = [[] for _ in range(n_parts)]
    for i, s in enumerate(slots, start=1):
        pos[s.part].append(i)
        if s.number is not None:
            nums[s.part].append(s.number)
        if s.inserted == "back":
            backs[s.part].append(i)
        elif s.inserted == "pad":
            pads[s.part].append(i)
        elif s.blank:
            blanks[s.part].append(i)
    return [
        PartPages(
            pdf_first=min(p) if p else 0, pdf_last=max(p) if p else 0,
            first_number=min(n) if n else None, last_number=max(n) if n else None,
            blank_pages=tuple(b), inserted_backs=tuple(k), pads=tuple(d),
        )  # fmt: skip
        for p, n, b, k, d in zip(pos, nums, blanks, backs, pads, strict=True)
    ]


def numbered_count(slots: Sequence[Slot]) -> int:
    return sum(s.number is not None for s in slots)


def sheet_count(slots: Sequence[Slot]) -> int:
    return (len(slots) + 1) // 2
