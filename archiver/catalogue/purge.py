"""Destroyed means destroyed (Art. 29): every copy the catalogue made of destroyed
material goes, from every catalogue folder the archive has written.

:func:`purge_destroyed` is called by ``disposal destroy`` (from the CLI or not) once the
held files are gone. For the files it is given (by checksum, and by where they were in
the archive):

1. the catalogue's caches in ``.archiver/``: the thumbnails (``thumbs/<sha256>.jpg``),
   the active-content results, and the parsed inputs and page summaries of the
   customers concerned (they hold titles and numbers of the destroyed records);
2. in every folder listed in ``.archiver/sites.json`` (and the default ``site/``): every
   file the site's manifest says was copied from one of them (PDF copies, thumbnails), the
   pages of the destroyed documents and volumes; the manifest is rewritten without them
   and marks those customers as to be made again;
3. each of those folders is then brought up to date (``archiver site --out FOLDER``), so
   no page, list or search index names the destroyed material any more. A folder that
   cannot be rebuilt now (a build running on it, a full disk) keeps the removals and is
   reported with what to run.

It returns what was removed where (the destruction register records it).
:func:`refresh_sites` brings every listed catalogue up to date (after material went into
or came back from the hold).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..atomic import write_text_atomic
from ..errors import ArchiverError
from ..store import Archive
from . import build, fulltext_index, inputs, known, paths, sites, thumbs, withheld
from .output import MANIFEST, inside

log = logging.getLogger("archiver.catalogue")


@dataclass
class SitePurge:
    folder: str
    removed: list[str] = field(default_factory=list)  # site paths removed
    rebuilt: bool = False
    note: str = ""  # why not rebuilt, or that the folder is gone


@dataclass
class PurgeReport:
    cache: list[str] = field(default_factory=list)  # files removed from .archiver/ (relative to the root)
    sites: list[SitePurge] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(s.rebuilt or s.note.startswith("gone") for s in self.sites)

    @property
    def problems(self) -> list[str]:
        """One line per catalogue folder that still shows the material (not rebuilt)."""
        return [f"catalogue {s.folder}: {s.note}" for s in self.sites if not s.rebuilt and not s.note.startswith("gone")]

    def as_dict(self) -> dict[str, Any]:
        return {"cache": self.cache, "sites": [asdict(s) for s in self.sites], "complete": self.complete}


def _where(rel: str) -> tuple[str, str, str] | None:
    """(kind, customer, name) of an archive path ``records/<c>/<y>/<id>.pdf`` or
    ``volumes/<c>/<y>/<ref>.pdf`` (also inside ``hold/<list>/``)."""
    parts = PurePosixPath(rel).parts
    if len(parts) > 2 and parts[0] == "hold":
        parts = parts[2:]
    if len(parts) != 4 or parts[0] not in ("records", "volumes") or not parts[3].endswith(".pdf"):
        return None
    return parts[0], parts[1], parts[3][:-4]


def purge_destroyed(archive: Archive, sha256s: Iterable[str], *, paths_in_archive: Iterable[str] = (),
                    rebuild: bool = True) -> PurgeReport:
    """Remove every catalogue copy of the destroyed files — ``sha256s`` their checksums,
    ``paths_in_archive`` where they were (``records/…``, ``volumes/…`` or their
    ``hold/<list>/…`` places; sidecars and manifests may be among them) — from the
    caches and from every catalogue folder the archive has written; then rebuild those
    folders (unless ``rebuild`` is False). Idempotent."""
    shas = {s for s in sha256s if s}
    where = [w for w in (_where(p) for p in paths_in_archive) if w is not None]
    customers = {c for _k, c, _n in where}
    report = PurgeReport()
    root = archive.root

    # 1. The caches.
    cache = thumbs.cache_dir(archive.state)
    for sha in sorted(shas):
        thumb = thumbs.cached(cache, sha)
        if thumb.exists():
            thumb.unlink()
            report.cache.append(thumb.relative_to(root).as_posix())
        for kept in (archive.state / "blank" / f"{sha}.json",  # build's blank-page decisions (volumes/blank.py)
                     archive.state / "stamp-cache" / f"{sha}.json"):  # where its numbers went (volumes/lookcache.py)
            if kept.exists():
                kept.unlink()
                report.cache.append(kept.relative_to(root).as_posix())
    if withheld.forget(archive.state, shas):
        report.cache.append((archive.state / withheld.CACHE).relative_to(root).as_posix())
    for code in sorted(customers):
        for f in (inputs.cache_path(archive, code), known.path(archive.state, code),
                  archive.state / inputs.CACHE_DIR / f"{code}{inputs.OLD_SUFFIX}",  # an earlier version's
                  archive.state / known.DIR / f"{code}{known.OLD_SUFFIX}"):
            if f.exists():
                f.unlink()
                report.cache.append(f.relative_to(root).as_posix())

    # The full-text index: cached texts, document files in every folder (fulltext_index.forget).
    for f in fulltext_index.forget(archive.state, (name for kind, _c, name in where if kind == "records")):
        report.cache.append(f.relative_to(root).as_posix() if root in f.parents else str(f))

    # 2. Every catalogue folder.
    pages = set()
    for kind, code, name in where:
        pages.add(paths.document_page(code, name) if kind == "records" else paths.volume_page(code, name))
    for folder in sites.listed(archive):
        report.sites.append(_purge_folder(folder, shas, pages, customers))

    # 3. Bring them up to date.
    if rebuild:
        for s in report.sites:
            if not s.note:
                s.rebuilt, s.note = _rebuild(archive, Path(s.folder))
    return report


def _purge_folder(folder: Path, shas: set[str], pages: set[str], customers: set[str]) -> SitePurge:
    out = SitePurge(folder=str(folder))
    manifest = folder / MANIFEST
    try:
        meta = json.loads(manifest.read_text("utf-8"))
        files = [list(e) for e in meta.get("files", [])]
    except FileNotFoundError:
        out.note = "gone: the folder no longer holds a catalogue"
        return out
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        out.note = f"its manifest cannot be read ({exc}); delete the folder and run `archiver site --out {folder}`"
        return out
    keep = []
    doomed = set(pages) | {paths.thumbnail(sha) for sha in shas}
    for entry in files:
        rel, key = str(entry[0]), str(entry[1]) if len(entry) > 1 else ""
        if key in shas or rel in doomed:
            _remove(folder, rel, out)
        else:
            keep.append(entry)
    for rel in sorted(doomed):  # also when an interrupted build wrote them unlisted
        _remove(folder, rel, out)
    meta["files"] = keep
    if isinstance(meta.get("customers"), dict):  # their pages are made again by the next build
        meta["customers"] = {c: fp for c, fp in meta["customers"].items() if c not in customers}
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    write_text_atomic(manifest, text.replace('],["', '],\n["'))
    return out


def _remove(folder: Path, rel: str, out: SitePurge) -> None:
    if rel in out.removed or rel.startswith("/") or ".." in PurePosixPath(rel).parts:
        return
    target = folder / rel
    if not inside(target.parent.resolve(), folder.resolve()):
        return  # never follow a link out of the site
    with contextlib.suppress(FileNotFoundError):
        if target.is_symlink() or target.is_file():
            target.unlink()
            out.removed.append(rel)


def _rebuild(archive: Archive, folder: Path) -> tuple[bool, str]:
    try:
        build.build_site(archive, folder)
        return True, ""
    except Exception as exc:  # one catalogue folder must never stop a destruction being recorded
        log.warning("catalogue %s not rebuilt: %s", folder, exc, exc_info=not isinstance(exc, ArchiverError | OSError))
        return False, (f"not rebuilt ({str(exc).splitlines()[0]}); its copies of the destroyed material are "
                       f"removed — run `archiver site --out {folder}` to update its lists")


def refresh_sites(archive: Archive) -> list[SitePurge]:
    """Bring every catalogue folder the archive has written up to date (material went
    into the disposal hold or came back): what was done per folder."""
    out = []
    for folder in sites.listed(archive):
        s = SitePurge(folder=str(folder))
        if not (folder / MANIFEST).is_file():
            s.note = "gone: the folder no longer holds a catalogue"
        else:
            s.rebuilt, s.note = _rebuild(archive, folder)
        out.append(s)
    return out
