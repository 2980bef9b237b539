"""What a scan is, from the first source that says (Art. 6 step 2 decides by it): its
sidecar ``NAME.toml``, else its folder (``inbox/<customer>/<type>/``), else its file
name (``<customer>_<type>_<date>_<title>.pdf``). A scan that none describes is
``no-metadata``: the step before filing may find cover sheets in it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from ..store import Archive
from .intake import SIDECAR_LIMIT, read_regular
from .metadata import Found, from_filename, from_folder, from_sidecar, not_recognised, parse_sidecar_text
from .names import escape_name


def describe(archive: Archive, path: Path, info: os.stat_result, sidecar: Path | None, today: dt.date) -> Found:
    """The metadata of the inbox scan ``path`` (read with ``info``); a Rejection says
    what is wrong with it, or that nothing describes the scan (``no-metadata``)."""
    cfg = archive.config
    customers = CustomerSet(archive)
    if sidecar is not None:
        side_name = escape_name(sidecar.name)
        text, _ = read_regular(sidecar, side_name, SIDECAR_LIMIT)
        raw = parse_sidecar_text(text.decode("utf-8", errors="replace"), side_name)
        return from_sidecar(raw, cfg, customers, today)
    parts = tuple(escape_name(p) for p in path.parent.relative_to(archive.inbox).parts)
    name = escape_name(path.name)
    written = dt.datetime.fromtimestamp(info.st_mtime).date()
    found = from_folder(parts, name, written, cfg, customers, today)
    if found is None:
        found = from_filename(name, cfg, customers, today)
    if found is None:
        raise not_recognised(name, cfg)
    return found


class CustomerSet:
    """``code in customers``: whether customers/<code>/customer.toml exists (read lazily)."""

    def __init__(self, archive: Archive) -> None:
        self.folder = archive.customers_dir

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (self.folder / code / "customer.toml").is_file()

    def __iter__(self) -> Iterator[str]:
        return iter(p.parent.name for p in self.folder.glob("*/customer.toml"))

    def __len__(self) -> int:
        return sum(1 for _ in self)
