"""Where each page's number went, kept between builds (issue 10 item 7).

Looking for ink in a page's corner (:func:`.stamp.least_ink`) decodes part of its scan;
the answer depends only on the page (its record's checksum and page number: a record
never changes) and on what was asked (the page's box and rotation, the corner zone, the
number's ground, what covers the corner). It is kept per record in
``<cache>/stamp-cache/<sha256>.json`` under a key made of all of that, with
:data:`LOOK_VERSION`, so a rebuild (``build --force``, a volume whose forms changed)
stamps its pages without decoding a scan again. A damaged or stale entry is simply
looked at again; the cache is never needed for a correct volume.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from ..atomic import write_text_atomic

LOOK_VERSION = 2  # bump when the corner look (stamp.least_ink, corner_look) decides differently; 2: keys name the number
CACHE = "stamp-cache"

log = logging.getLogger(__name__)

Spot = tuple[float, float] | None


class LookCache:
    """The corner looks of the records of one build: read per record when first asked,
    written back (the records with new entries) by :meth:`save`."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / CACHE
        self.spots: dict[str, dict[str, list[float] | None]] = {}
        self.changed: set[str] = set()

    def get(self, record: str, key: str) -> tuple[bool, Spot]:
        """(found, spot) for the look ``key`` (see :func:`look_key`) of a record's page."""
        spots = self._spots(record)
        if key not in spots:
            return False, None
        value = spots[key]
        return True, None if value is None else (float(value[0]), float(value[1]))

    def has_all(self, record: str, pages: Iterable[tuple[int, int]]) -> bool:
        """Whether a record has a look kept for each of its ``pages`` (page, number): a
        rebuild whose numbers did not move need not look ahead."""
        kept = {key.rsplit(":", 1)[0] for key in self._spots(record)}
        return all(f"{page}:{number}" in kept for page, number in pages)

    def put(self, record: str, key: str, spot: Spot) -> None:
        self._spots(record)[key] = None if spot is None else [spot[0], spot[1]]
        self.changed.add(record)

    def save(self) -> None:
        """Write the records' entries that changed (atomically; a failure is only logged)."""
        for record in sorted(self.changed):
            data = {"version": LOOK_VERSION, "sha256": record, "spots": self.spots[record]}
            try:
                write_text_atomic(self.folder / f"{record}.json", json.dumps(data, sort_keys=True) + "\n")
            except OSError as exc:
                log.info("corner looks of %s not kept: %s", record, exc)
        self.changed.clear()

    def _spots(self, record: str) -> dict[str, list[float] | None]:
        spots = self.spots.get(record)
        if spots is None:
            spots = self.spots[record] = _read(self.folder / f"{record}.json", record)
        return spots


def _read(path: Path, record: str) -> dict[str, list[float] | None]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or torn: look again
    if not isinstance(data, dict) or data.get("version") != LOOK_VERSION or data.get("sha256") != record:
        return {}
    spots = data.get("spots")
    if not isinstance(spots, dict):
        return {}
    return {k: v for k, v in spots.items() if v is None or (isinstance(v, list) and len(v) == 2
                                                            and all(isinstance(x, (int, float)) for x in v))}


def look_key(page: int, number: int, *parts: object) -> str:
    """The key of one look: the page (0-based, in its record), its number, and everything
    the look is asked with (box, rotation, zone, ground, covered rectangles), as text,
    hashed — ``<page>:<number>:<hash>``."""
    text = json.dumps([page, number, *[repr(p) for p in parts]])
    return f"{page}:{number}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"
