"""What the last build knew of each customer, so the next one redoes only the customers
whose material changed: ``.archiver/catalogue-known/<code>.json``, one file a
customer, so a small rebuild writes a small file.

For each customer: the fingerprint of its material (:meth:`.inputs.Folder.fingerprint`,
which also covers the configuration, the templates and the archiver's version), its
:class:`~.model.CustomerSummary` (all the site-wide pages need from it) and the site
paths of the files made for it. The site's own manifest says which fingerprint each
customer's files were made from, so a site folder built from an older state is never
taken as up to date. Only a copy: delete it at will (the next build is then a full one).
JSON (:mod:`.cachefile`: it cannot run code), versioned: a file of another version, a
foreign or a broken one only means that customer is made again. Files of the pickle
format of earlier versions are never read, only removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import cachefile
from .views import CustomerSummary

DIR = "catalogue-known"
KIND = "known"
VERSION = 3  # 2: a summary's tally is made by the custody statistics engine; 3: JSON, not a pickle
SUFFIX = ".json"
OLD_SUFFIX = ".pickle"  # versions 1–2: never loaded, removed by the next save


@dataclass(frozen=True)
class Known:
    fingerprint: str
    summary: CustomerSummary
    outputs: tuple[str, ...]  # site paths of its pages, PDFs and thumbnails
    pages: int
    restricted: int  # documents shown by reference code only (Art. 24)
    thumbs: tuple[str, ...]  # checksums of the thumbnails its pages show
    complete: bool  # every thumbnail made and every file found (if not, it is redone every build)


def path(state: Path, code: str) -> Path:
    return state / DIR / f"{code}{SUFFIX}"


def load(state: Path) -> dict[str, Known]:
    """What the last build knew, by customer code (a file that does not fit is left out:
    that customer is made again)."""
    folder = state / DIR
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return {}
    out = {}
    for name in names:
        if not name.endswith(SUFFIX) or name.startswith("."):
            continue
        data = cachefile.read(folder / name, KIND, VERSION)
        if data is None:
            continue
        try:
            out[name[: -len(SUFFIX)]] = cachefile.typed(Known, data)
        except cachefile.CacheError as exc:
            cachefile.log.info("ignoring the catalogue cache %s: %s", folder / name, exc)
    return out


def save(state: Path, known: dict[str, Known] | None, earlier: dict[str, Known]) -> None:
    """Write what changed since ``earlier``; None forgets everything (the next build is
    then a full one)."""
    folder = state / DIR
    for code in set(earlier) - set(known or {}):
        path(state, code).unlink(missing_ok=True)
    for code, k in (known or {}).items():
        if earlier.get(code) != k:
            cachefile.write(path(state, code), KIND, VERSION, k)
    if folder.is_dir():
        for name in os.listdir(folder):
            if name.endswith(OLD_SUFFIX):  # an earlier version's pickle: never read
                (folder / name).unlink(missing_ok=True)
