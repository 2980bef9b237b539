"""Make the page numbers' font archiver ships: the ten digits of
archiver/fonts/NotoSerifSC-Regular-GB2312.ttf, subset with fontTools, with their metrics
(archiver/fonts/NotoSerifSC-Regular-digits.ttf and .json). Run it after changing that
font or archiver.volumes.digits.subset_digits:

    .venv/bin/python scripts/make_digit_font.py

tests/test_stamp.py checks that the shipped subset is the one this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archiver.volumes.digits import subset_digits, write_shipped_digits  # noqa: E402

if __name__ == "__main__":
    for path in write_shipped_digits(subset_digits(), ROOT / "archiver" / "fonts"):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
