"""Destroyed means destroyed (Art. 29): when a destruction list is destroyed, every copy the
archive made of its material goes too — the earlier versions ``archiver build`` kept aside,
the build's cached forms of the volumes, and (through the catalogue stage) thumbnails,
cached data and the material in every catalogue folder the archive has written."""

from __future__ import annotations

import contextlib
from typing import Any

from ...atomic import fsync_dir, sha256_file
from ...errors import UnreadableFileError
from ...store import Archive
from ...volumes.manifest import read_manifest
from ..state import DISPOSAL
from ..workflow import Case
from .lists import get_list


def destroy_copies(archive: Archive, case: Case, approved: dict[str, Any], *, by: str) -> dict[str, Any]:
    """Destroyed means destroyed (Art. 29): every copy the archive made of the material goes
    with it — earlier versions of its volumes that ``archiver build`` kept aside
    (``volumes/.superseded/``, any that binds a destroyed record), and, through the
    catalogue stage's :func:`~archiver.catalogue.purge.purge_destroyed`, thumbnails,
    cached data and the material in every catalogue folder the archive has written.

    Each run is recorded as a ``purged`` entry in the disposal register; returns what was
    removed where over every run for this list (an interrupted destruction run again
    removes what is left and still reports what the first run removed)."""
    from ...catalogue.purge import purge_destroyed  # the catalogue stage's copies

    volumes = case.opened.get("volumes", [])
    references = {v["reference"] for v in volumes}
    records = {d["record"] for v in volumes for d in v.get("documents", [])}
    superseded = _destroy_superseded(archive, references, records)
    forms = _forget_forms(archive, references)
    shas = {f["sha256"] for f in approved.get("files", [])} | {f["sha256"] for f in superseded}
    paths = [f["path"] for f in approved.get("files", [])] + [f["hold"] for f in approved.get("files", [])]
    report = purge_destroyed(archive, shas, paths_in_archive=paths)
    purged = report.as_dict()
    purged["cache"] = purged["cache"] + forms
    archive.register(DISPOSAL).append("purged", by=by, id=case.id, superseded=superseded, **purged)
    runs = get_list(archive, case.id).events("purged")
    sites: dict[str, dict[str, Any]] = {}
    for run in runs:
        for site in run.get("sites", []):
            mine = sites.setdefault(site["folder"], {"folder": site["folder"], "removed": [], "rebuilt": False,
                                                     "note": ""})
            mine["removed"] += [r for r in site.get("removed", []) if r not in mine["removed"]]
            mine["rebuilt"], mine["note"] = site.get("rebuilt", False), site.get("note", "")
    done = [f for run in runs for f in run.get("superseded", [])]
    gone = {f["path"] for f in done if "error" not in f}
    return {
        "superseded": [f for f in done if "error" not in f],
        "caches": sorted({c for run in runs for c in run.get("cache", [])}),
        "sites": list(sites.values()),
        "problems": [f"{f['path']}: {f['error']}" for f in done if "error" in f and f["path"] not in gone]
        + list(report.problems),
    }


def _forget_forms(archive: Archive, references: set[str]) -> list[str]:
    """The build's cached forms of the destroyed volumes (their index lists the titles)."""
    from ...volumes.formscache import FORMS_CACHE, forget_volume  # the volumes stage's cache

    gone = []
    for ref in sorted(references):
        cached = [archive.state / FORMS_CACHE / f"{ref}{suffix}" for suffix in (".json", ".pdf")]
        present = [p for p in cached if p.exists()]
        forget_volume(archive.state, ref)
        gone += [p.relative_to(archive.root).as_posix() for p in present]
    return gone


def _destroy_superseded(archive: Archive, references: set[str], records: set[str]) -> list[dict[str, Any]]:
    """Remove the superseded versions (PDF and manifest) of the destroyed volumes, and any
    superseded volume binding a destroyed record; return each file removed with its hash."""
    from ...volumes.build import SUPERSEDED  # where build keeps earlier versions

    removed = []
    for manifest in sorted((archive.volumes / SUPERSEDED).glob("*/[0-9][0-9][0-9][0-9]/*.toml")):
        try:
            m = read_manifest(manifest)
            hit = m.reference in references or any(d.record in records for d in m.documents)
        except UnreadableFileError:
            hit = manifest.name.split(".")[0] in references
        if not hit:
            continue
        for path in (manifest.with_suffix(".pdf"), manifest):  # the PDF first: the manifest names it
            rel = path.relative_to(archive.root).as_posix()
            try:
                if path.is_file():
                    sha = sha256_file(path)
                    path.unlink()
                    removed.append({"path": rel, "sha256": sha})
            except OSError as exc:  # recorded and reported; the destruction itself is still recorded
                removed.append({"path": rel, "error": f"not removed ({exc.strerror or exc}); remove it by hand"})
        with contextlib.suppress(OSError):
            fsync_dir(manifest.parent)
    return removed
