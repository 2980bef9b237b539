"""Destroyed means destroyed (Art. 29): the catalogue's copies of destroyed material go too.

:func:`purge_destroyed` is what the custody stage's ``disposal destroy`` calls — from the
CLI or not — once the held files are gone. It removes every derived copy the catalogue
stage made of the material:

* caches in the archive's state folder: thumbnails (``.archiver/thumbs/<sha256>.jpg``), the
  blank-page decisions (``.archiver/blank/<sha256>.json``), and the parsed inputs and
  summaries of the customers concerned (``.archiver/catalogue-inputs/<code>.pickle``,
  ``.archiver/catalogue-known/<code>.pickle``, which hold titles and numbers; they are
  only copies, made again by the next build);
* in every catalogue folder the archive has written (:func:`site_folders`): the PDFs and
  thumbnails whose checksum is one of the destroyed files' (as the folder's own
  ``.archiver-site.json`` lists them, and by name), and the pages of the destroyed
  volumes and records; then the folder is built again (``rebuild``), so no page, list or
  search entry names or links to the material any more.

It returns what was removed where (:class:`PurgeReport`), which the destruction register
records. It never raises for one folder that cannot be rebuilt: that folder's entry says
why, and the caller reports it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import ArchiverError
from ..store import Archive
from . import paths, thumbs
from .inputs import CACHE_DIR as INPUTS_DIR
from .known import DIR as KNOWN_DIR
from .output import MANIFEST

log = logging.getLogger("archiver.catalogue")
BLANK_DIR = "blank"  # the blank-page detector's cache of decisions (volumes.blank), by checksum


@dataclass
class SitePurge:
    """What was removed from one catalogue folder."""

    folder: str  # the folder, as an absolute path
    removed: list[str] = field(default_factory=list)  # site paths
    rebuilt: bool = False
    error: str = ""  # why it could not be rebuilt ('' when it was, or was not asked to be)


@dataclass
class PurgeReport:
    caches: list[str] = field(default_factory=list)  # files removed below the archive root (.archiver/…)
    sites: list[SitePurge] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # caches that could not be removed

    def as_dict(self) -> dict[str, Any]:
        return {"caches": self.caches, "sites": [asdict(s) for s in self.sites], "errors": self.errors}

    @property
    def problems(self) -> list[str]:
        return self.errors + [f"{s.folder}: {s.error}" for s in self.sites if s.error]


def site_folders(archive: Archive) -> list[Path]:
    """Every catalogue folder the archive has written and that still holds a site: the
    default one (``catalogue.output``) when it carries the site's manifest."""
    from .build import output_folder

    folder = output_folder(archive, None)
    return [folder] if (folder / MANIFEST).is_file() else []


def purge_destroyed(archive: Archive, *, sha256s: Collection[str], references: Collection[str] = (),
                    records: Collection[str] = (), customers: Collection[str] = (),
                    rebuild: bool = True) -> PurgeReport:
    """Remove the catalogue's copies of destroyed material (see the module's docstring).

    ``sha256s``: the checksums of the destroyed files (record and volume PDFs);
    ``references``: the destroyed volumes' reference codes; ``records``: the destroyed
    record ids; ``customers``: the customers they belong to. Idempotent: run again, it
    removes nothing more. ``rebuild=False`` only removes (a caller that rebuilds itself).
    """
    shas = set(sha256s)
    report = PurgeReport()
    root = archive.root
    state = archive.state
    caches = [thumbs.cached(thumbs.cache_dir(state), sha) for sha in sorted(shas)]
    caches += [state / BLANK_DIR / f"{sha}.json" for sha in sorted(shas)]
    for code in sorted(set(customers)):
        caches += [state / INPUTS_DIR / f"{code}.pickle", state / KNOWN_DIR / f"{code}.pickle"]
    for path in caches:
        try:
            if _unlink(path):
                report.caches.append(path.relative_to(root).as_posix())
        except OSError as exc:
            report.errors.append(f"{path}: not removed ({exc.strerror or exc}); remove it by hand")
    for folder in site_folders(archive):
        try:
            report.sites.append(_purge_site(archive, folder, shas, set(references), set(records), rebuild))
        except OSError as exc:  # one folder must not stop the destruction being recorded
            report.sites.append(SitePurge(folder=str(folder), error=f"not purged ({exc}); delete the folder or "
                                          f"build it again with `archiver site --out {folder}`"))
    return report


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _purge_site(archive: Archive, folder: Path, shas: set[str], references: set[str], records: set[str],
                rebuild: bool) -> SitePurge:
    out = SitePurge(folder=str(folder))
    names = {paths.safe_name(x) for x in references | records}
    manifest = folder / MANIFEST
    data: dict[str, Any] = {}
    listed: list[list[str]] = []
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(manifest.read_text("utf-8"))
        listed = [e for e in data.get("files", []) if isinstance(e, list) and e and isinstance(e[0], str)]

    def doomed(rel: str, key: str = "") -> bool:
        parts = rel.split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        if key in shas or (parts[0] == "thumbs" and stem in shas):
            return True  # a copy of a destroyed file, or its thumbnail
        if parts[0] == "files" and stem in names:
            return True  # a PDF named after a destroyed volume or record
        return parts[0] == "customers" and len(parts) == 4 and parts[2] in ("volumes", "documents") and stem in names

    gone = {e[0] for e in listed if doomed(e[0], str(e[1]) if len(e) > 1 else "")}
    for sub in ("files", "thumbs", "customers"):  # also what the manifest may have lost track of
        base = folder / sub
        for dirpath, dirs, files in os.walk(base) if base.is_dir() and not base.is_symlink() else ():
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(dirpath, d))]
            for name in files:
                rel = Path(dirpath, name).relative_to(folder).as_posix()
                if doomed(rel):
                    gone.add(rel)
    for rel in sorted(gone):
        target = folder / rel
        if ".." in rel.split("/") or not target.parent.resolve().is_relative_to(folder.resolve()):
            continue  # never follow a link out of the site
        if _unlink(target):
            out.removed.append(rel)
    if gone and listed:  # the manifest no longer claims them (the next build then redoes those customers)
        data["files"] = [e for e in listed if e[0] not in gone]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_text_atomic(manifest, text.replace('],["', '],\n["'))
    if rebuild:
        from .build import build_site

        try:
            build_site(archive, folder)
            out.rebuilt = True
        except Exception as exc:  # noqa: BLE001 — whatever it is, the destruction must still be recorded
            why = exc.message if isinstance(exc, ArchiverError) else f"{type(exc).__name__}: {exc}"
            out.error = f"not rebuilt ({why}); build it again with `archiver site --out {folder}`"
            log.warning("catalogue %s: %s", folder, out.error)
    return out
