"""Calendar months: the one place the archive adds or counts whole months (the six-month
hold of Art. 29, the due day of the next month of Art. 5, the catalogue's last twelve
months of collection). Pure functions."""

from __future__ import annotations

import datetime as dt


def shift_month(year: int, month: int, n: int) -> tuple[int, int]:
    """(year, month) moved by ``n`` months (``n`` may be negative)."""
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day when needed."""
    year, month = shift_month(day.year, day.month, months)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
