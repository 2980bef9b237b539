"""The one month-arithmetic helper (archiver.months): the six-month hold of Art. 29, the
due day of the next month of Art. 5, the catalogue's last twelve months."""

from __future__ import annotations

import datetime as dt

from archiver.months import add_months, shift_month


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 20), 6) == dt.date(2027, 5, 20)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)  # a leap year
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 5, 31), 1) == dt.date(2026, 6, 30)


def test_shift_month_crosses_years_both_ways() -> None:
    assert shift_month(2026, 12, 1) == (2027, 1)
    assert shift_month(2026, 1, -1) == (2025, 12)
    assert shift_month(2026, 11, -12) == (2025, 11)
    assert shift_month(2026, 6, 0) == (2026, 6)
    assert shift_month(2026, 1, -25) == (2023, 12)
