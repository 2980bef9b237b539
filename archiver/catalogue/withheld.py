"""PDFs the catalogue never serves: those that carry active content (JavaScript, Launch
actions, embedded files, form actions — :func:`archiver.active.find_active_content`).

A record or volume whose PDF has any is listed without its PDF link, with a note saying
why; its page and thumbnail stay. The check opens each PDF the site may serve once per
file version: the results are kept in ``.archiver/catalogue-active.json`` by checksum
(safe to delete), and thrown away when :mod:`archiver.active` changes. A record whose
sidecar already lists ``active_content`` (filing found it and
``filing.accept_active_content`` let it in) is withheld without opening the PDF again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pikepdf

from .. import active as active_mod
from ..atomic import write_text_atomic

log = logging.getLogger("archiver.catalogue")
CACHE = "catalogue-active.json"


@functools.cache
def _checker_version() -> str:
    return hashlib.sha256(Path(active_mod.__file__).read_bytes()).hexdigest()[:16]


def scan(pdf: Path) -> list[str]:
    """What active content ``pdf`` carries ([] for none, or for a file that does not
    open: the audit reports that; the catalogue serves what the archive stores)."""
    try:
        with pikepdf.open(pdf) as doc:
            return active_mod.find_active_content(doc)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError, RuntimeError) as exc:  # (encrypted)
        log.info("active-content check skipped for %s: %s", pdf, exc)
        return []


def load(state: Path) -> dict[str, list[str]]:
    try:
        data = json.loads((state / CACHE).read_text("utf-8"))
        if data.get("checker") == _checker_version() and isinstance(data.get("results"), dict):
            return {str(k): list(v) for k, v in data["results"].items()}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return {}


def find(state: Path, todo: Iterable[tuple[str, Path]], declared: Mapping[str, Sequence[str]] | None = None
         ) -> dict[str, tuple[str, ...]]:
    """For each (sha256, pdf): the active content it carries, only those that carry any.
    ``declared`` are findings already recorded (a sidecar's ``active_content``)."""
    cache = load(state)
    before = len(cache)
    out: dict[str, tuple[str, ...]] = {}
    for sha, pdf in todo:
        if declared and declared.get(sha):
            out[sha] = tuple(declared[sha])
            continue
        found = cache.get(sha)
        if found is None:
            if not pdf.is_file():
                continue
            found = cache[sha] = scan(pdf)
        if found:
            out[sha] = tuple(found)
    if len(cache) != before:
        _save(state, cache)
    return out


def forget(state: Path, shas: Iterable[str]) -> bool:
    """Drop the findings of these files (destroyed, Art. 29); True when any was there."""
    cache = load(state)
    gone = set(shas) & set(cache)
    for sha in gone:
        del cache[sha]
    if gone:
        _save(state, cache)
    return bool(gone)


def _save(state: Path, cache: dict[str, list[str]]) -> None:
    write_text_atomic(state / CACHE, json.dumps({"checker": _checker_version(), "results": cache},
                                                ensure_ascii=False, sort_keys=True))
