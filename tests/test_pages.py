"""Sheet layout and page numbers (Art. 16, 20)."""

from __future__ import annotations

from archiver.volumes.pages import BACK, DOCUMENT, FORM, FRONT, Part, layout, numbered_count, part_pages, sheet_count


def form(name: str, n: int = 1) -> Part:
    return Part(name, FORM, (False,) * n)


def doc(name: str, blanks: str, simplex: bool = False) -> Part:
    """``blanks``: one letter per page, 'x' writing, '.' blank."""
    return Part(name, DOCUMENT, tuple(c == "." for c in blanks), simplex=simplex)


def test_odd_pages_are_fronts_and_every_part_starts_on_a_front() -> None:
    parts = [form("cover"), form("index", 3), doc("a", "xxx"), doc("b", "xx"), form("remarks"), form("back_cover")]
    slots = layout(parts)
    assert [s.side for s in slots] == [FRONT, BACK] * (len(slots) // 2) + [FRONT] * (len(slots) % 2)
    starts: dict[int, int] = {}
    for i, s in enumerate(slots):
        starts.setdefault(s.part, i)
    assert all(i % 2 == 0 for i in starts.values())  # 0-based even = odd page = front
    # cover+pad, index 3 + pad, a 3 + pad, b 2, remarks + pad, back cover
    assert len(slots) == 2 + 4 + 4 + 2 + 2 + 1
    assert [s.inserted for s in slots].count("pad") == 4


def test_numbers_run_over_material_pages_with_writing_only() -> None:
    """Art. 16: every page with writing gets the next number, from 1; blank pages keep
    their place with no number; forms are not numbered."""
    parts = [form("cover"), form("index"), doc("a", "x.x."), doc("b", "xx."), form("remarks"), form("back_cover")]
    slots = layout(parts)
    numbers = [(parts[s.part].name, s.number) for s in slots]
    assert numbers == [("cover", None), ("cover", None), ("index", None), ("index", None),
                       ("a", 1), ("a", None), ("a", 2), ("a", None),
                       ("b", 3), ("b", 4), ("b", None), ("b", None),  # the last one is the pad
                       ("remarks", None), ("remarks", None), ("back_cover", None)]
    assert numbered_count(slots) == 4


def test_a_simplex_scan_gets_a_blank_back_after_each_page() -> None:
    parts = [form("cover"), doc("s", "xx.", simplex=True), doc("d", "x")]
    slots = layout(parts)
    s_slots = [s for s in slots if s.part == 1]
    assert [(s.source, s.side, s.inserted, s.number) for s in s_slots] == [
        (0, FRONT, "", 1), (None, BACK, "back", None),
        (1, FRONT, "", 2), (None, BACK, "back", None),
        (2, FRONT, "", None), (None, BACK, "back", None),
    ]
    assert slots[-1].number == 3 and slots[-1].side == FRONT


def test_part_pages_summarise_positions_numbers_and_blanks() -> None:
    parts = [form("cover"), form("index"), doc("a", "x.x"), doc("b", "..", simplex=True), doc("c", "xx")]
    slots = layout(parts)
    pp = part_pages(slots, len(parts))
    a, b, c = pp[2], pp[3], pp[4]
    assert (a.pdf_first, a.pdf_last, a.first_number, a.last_number) == (5, 8, 1, 2)
    assert a.blank_pages == (6,) and a.pads == (8,)
    assert (b.first_number, b.last_number) == (None, None)
    assert b.blank_pages == (9, 11) and b.inserted_backs == (10, 12)
    assert (c.pdf_first, c.first_number, c.last_number) == (13, 3, 4)
    assert sheet_count(slots) == 7
