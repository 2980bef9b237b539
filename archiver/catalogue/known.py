"""What the last build knew of each customer, so the next one redoes only the customers
whose material changed: ``.archiver/catalogue-known/<code>.pickle``, one file a
customer, so a small rebuild writes a small file.

For each customer: the fingerprint of its material (:meth:`.inputs.Folder.fingerprint`,
which also covers the configuration, the templates and the archiver's version), its
:class:`~.model.CustomerSummary` (all the site-wide pages need from it) and the site
paths of the files made for it. The site's own manifest says which fingerprint each
customer's files were made from, so a site folder built from an older state is never
taken as up to date. Only a copy: delete it at will (the next build is then a full one).
A pickle for speed, in the archive's state folder, like the inputs cache.
"""

from __future__ import annotations

import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_bytes_atomic
from .model import CustomerSummary

log = logging.getLogger("archiver.catalogue")
DIR = "catalogue-known"
VERSION = 2  # 2: a summary's tally is made by the custody statistics engine


@dataclass(frozen=True)
class Known:
    fingerprint: str
    summary: CustomerSummary
    outputs: tuple[str, ...]  # site paths of its pages, PDFs and thumbnails
    pages: int
    restricted: int  # documents shown by reference code only (Art. 24)
    thumbs: tuple[str, ...]  # checksums of the thumbnails its pages show
    complete: bool  # every thumbnail made and every file found (if not, it is redone every build)


def load(state: Path) -> dict[str, Known]:
    folder = state / DIR
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return {}
    out = {}
    for name in names:
        if not name.endswith(".pickle"):
            continue
        try:
            with open(folder / name, "rb") as fh:
                data = pickle.load(fh)
            if isinstance(data, tuple) and len(data) == 2 and data[0] == VERSION and isinstance(data[1], Known):
                out[name[:-7]] = data[1]
        except Exception as exc:  # noqa: BLE001 — a broken file only means that customer is redone
            log.info("ignoring the catalogue cache %s: %s", folder / name, exc)
    return out


def save(state: Path, known: dict[str, Known] | None, earlier: dict[str, Known]) -> None:
    """Write what changed since ``earlier``; None forgets everything (the next build is
    then a full one)."""
    folder = state / DIR
    for code in set(earlier) - set(known or {}):
        (folder / f"{code}.pickle").unlink(missing_ok=True)
    for code, k in (known or {}).items():
        if earlier.get(code) != k:
            write_bytes_atomic(folder / f"{code}.pickle", pickle.dumps((VERSION, k), protocol=pickle.HIGHEST_PROTOCOL))
