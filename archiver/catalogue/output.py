"""The site's output folder: what may be written there, and only that.

Safety (Art. 21: nothing of the archive is ever lost to a site build):

* The output folder may not be the archive root, contain it (and so the records), or
  lie inside a folder of the archive's material (records, inbox, volumes, customers,
  registers, hold, .archiver).
* A folder that exists and is not empty must carry the site's own manifest
  ``.archiver-site.json`` (written by an earlier build); anything else is refused.
* A rebuild removes only files its manifest says an earlier build wrote, never a folder
  with anything else in it, and never follows a link out of the folder.

Incremental: the manifest remembers, for every file, a key (a fingerprint of what the
page was made from, or the checksum of a copied file). A page whose key is unchanged and
whose file is still there is not made again; a page made again with the same bytes is
not rewritten; a PDF or thumbnail already in place with the same checksum is not copied
again.

Files are replaced atomically (temporary file, then rename), so a browser or a web
server never sees half a page. They are not fsynced one by one: the site is derived
from the archive and rebuilt at will, so the build flushes once (``os.sync``) before it
writes its manifest.

Interrupted builds finish: before it writes anything else into the folder, a build
replaces the manifest (atomically) by one marked ``"state": "building"`` that lists the
files in the folder that are *not* the site's (``foreign``: what somebody put there
beside an earlier build). A build killed at any point (SIGKILL, a full disk) leaves that
marker; the next build then trusts nothing it finds — every page and file is written
again, and every file in the folder except the foreign ones (half-written pages,
temporary files) is the site's to replace or remove — and ends with a complete manifest,
the same folder an uninterrupted build gives. A folder holding nothing but the site's
temporary files (a build killed while writing its first marker) counts as empty.

PDFs are copies of their own (:mod:`.copies`: a reflink where the file system can, else
a copy), never the archive's inodes, unless ``catalogue.pdf_files = "hardlink"``. A
folder built the other way is converted on its next build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import (
    DIR_MODE,
    FILE_MODE,
    TEMP_PREFIX,
    ensure_dir,
    replace_unsynced,
    temp_path,
    write_all,
    write_text_atomic,
)
from ..errors import WorkflowError
from ..store import Archive
from .copies import copy_into

MANIFEST = ".archiver-site.json"
FORMAT = 1
BUILDING, COMPLETE = "building", "complete"
PROTECTED = ("records", "inbox", "volumes", "customers", "registers", "hold", ".archiver")


def inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies below it (no file system access)."""
    return path == folder or folder in path.parents


def check_output(archive: Archive, out: Path) -> Path:
    """The resolved output folder, or a WorkflowError saying why it is refused."""
    root = archive.root.resolve()
    target = out.expanduser().resolve()
    hint = "Choose another folder with --out (the default is site/ in the archive root)."
    if target == root:
        raise WorkflowError(f"Refused: the output folder {target} is the archive root.", hint=hint)
    if inside(root, target):
        raise WorkflowError(f"Refused: the output folder {target} contains the archive {root} and its records.",
                            hint=hint)
    for name in PROTECTED:
        if inside(target, root / name):
            raise WorkflowError(f"Refused: the output folder {target} is inside the archive's {name}/ folder.",
                                hint=hint)
    if target.exists() and not target.is_dir():
        raise WorkflowError(f"Refused: {target} exists and is not a folder.", hint=hint)
    if (target.is_dir() and any(not p.name.startswith(TEMP_PREFIX) for p in target.iterdir())
            and not (target / MANIFEST).is_file()):
        raise WorkflowError(
            f"Refused: {target} is not empty and was not written by `archiver site` (it has no {MANIFEST}).",
            hint="Give an empty or new folder with --out; a site folder is only ever rebuilt in place.",
        )
    return target


def _is_temp(rel: str) -> bool:
    return rel.rpartition("/")[2].startswith(TEMP_PREFIX)


def _files(folder: str, prefix: str = "") -> set[str]:
    """Every file under ``folder`` as a site path — one directory listing per folder,
    links not followed."""
    out: set[str] = set()
    with os.scandir(folder) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                out |= _files(e.path, f"{prefix}{e.name}/")
            else:
                out.add(prefix + e.name)
    return out


@dataclass
class Entry:
    key: str
    sha256: str = ""  # of the bytes written (pages) — lets an unchanged page be skipped


@dataclass
class SiteOutput:
    """Writes files into a checked output folder and remembers what it wrote."""

    folder: Path
    link_files: bool = True
    previous: dict[str, Entry] = field(default_factory=dict)
    written: dict[str, Entry] = field(default_factory=dict)
    previous_meta: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)  # paths actually (re)written this build
    existing: set[str] = field(default_factory=set)  # files in the folder when the build began
    foreign: set[str] = field(default_factory=set)  # files in the folder not written by a build (kept)
    interrupted: bool = False  # the folder's last build did not finish
    _dirs: set[str] = field(default_factory=set)  # folders made or checked

    @classmethod
    def open(cls, archive: Archive, out: Path, *, link_files: bool = False) -> SiteOutput:
        """Open the folder for a build and mark it as being built (before anything else
        is written there): see the module's docstring."""
        folder = check_output(archive, out)
        ensure_dir(folder)
        previous: dict[str, Entry] = {}
        meta: dict[str, Any] = {}
        foreign_before: set[str] = set()
        path = folder / MANIFEST
        if path.exists():
            try:
                meta = json.loads(path.read_text("utf-8"))
                previous = {str(rel): Entry(str(key), str(sha)) for rel, key, sha in meta.get("files", [])}
                foreign_before = {str(rel) for rel in meta.get("foreign", [])}
            except (ValueError, TypeError, AttributeError) as exc:
                raise WorkflowError(f"The site manifest {path} cannot be read ({exc}).",
                                    hint=f"Delete the folder {folder} yourself and build again.") from None
        existing = _files(str(folder))
        interrupted = path.exists() and meta.get("state", COMPLETE) != COMPLETE
        if interrupted:  # trust nothing an interrupted build left; every non-foreign file is ours
            foreign = foreign_before & existing
            previous = {rel: Entry("") for rel in existing - foreign - {MANIFEST}}
            meta = {k: v for k, v in meta.items() if k != "customers"}
        else:
            foreign = {rel for rel in existing - set(previous) - {MANIFEST} if not _is_temp(rel)}
            if meta.get("pdf_files", "hardlink") != ("hardlink" if link_files else "copy"):
                # built with the other way of putting PDFs in: replace every copied file
                previous = {rel: Entry("", e.sha256) if not e.sha256 else e for rel, e in previous.items()}
        self = cls(folder=folder, link_files=link_files, previous=previous, previous_meta=meta, existing=existing,
                   foreign=foreign, interrupted=interrupted, _dirs={str(folder)})
        self._mark_building()
        return self

    def _mark_building(self) -> None:
        data = {"format": FORMAT, "generator": "archiver site", "state": BUILDING,
                "foreign": sorted(self.foreign), "files": []}
        write_text_atomic(self.folder / MANIFEST, json.dumps(data, ensure_ascii=False))

    # Paths ---------------------------------------------------------------------------
    def _target(self, rel: str) -> str:
        """The file's path (a plain string: made 35,000 times a build), its folder made."""
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"site path outside the site: {rel}")
        target = f"{self.folder}/{rel}"
        self._dir(os.path.dirname(target))
        return target

    def _dir(self, folder: str) -> None:
        """Make ``folder`` a real folder of the site, its parents first. A link found in
        the way (planted in the site) is refused, so nothing is written outside it."""
        if folder in self._dirs:
            return
        parent = os.path.dirname(folder)
        if parent == folder or not folder.startswith(f"{self.folder}/"):
            raise ValueError(f"folder outside the site: {folder}")
        self._dir(parent)
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            if os.path.islink(folder) or not os.path.isdir(folder):
                raise WorkflowError(f"Refused: {folder} leads out of the site folder {self.folder}.",
                                    hint="Remove the link from the site folder and build again.") from None
        self._dirs.add(folder)

    # Pages -----------------------------------------------------------------------------
    def keep(self, rels: Iterable[str]) -> bool:
        """Keep files an earlier build wrote, as they are, when every one is still there
        (listed in the manifest and in the folder); False, and nothing kept, otherwise."""
        rels = list(rels)
        previous, existing = self.previous, self.existing
        if not all(rel in previous and rel in existing for rel in rels):
            return False
        for rel in rels:
            self.written[rel] = previous[rel]
        return True

    def page(self, rel: str, data: bytes) -> None:
        """Write a page (or any generated file) unless the same bytes are already there."""
        sha = hashlib.sha256(data).hexdigest()
        old = self.previous.get(rel)
        self.written[rel] = Entry(key=sha, sha256=sha)
        target = self._target(rel)
        if old is not None and old.sha256 == sha and rel in self.existing and os.stat(target).st_size == len(data):
            return
        if rel not in self.existing:  # a new file: nobody can be reading it yet
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
            self.changed.append(rel)
            return
        replace_unsynced(Path(target), lambda fd: write_all(fd, data))
        self.changed.append(rel)

    # Copied files (PDFs, thumbnails) ----------------------------------------------------
    def file(self, rel: str, source: Path | str, sha256: str) -> None:
        """Put ``source`` (whose checksum is ``sha256``) at ``rel``: a copy of its own (a
        reflink where the file system can), or a hard link when the archive chose
        ``catalogue.pdf_files = "hardlink"`` (else a copy). Skipped when already there."""
        old = self.previous.get(rel)
        if old is not None and old.key == sha256 and rel in self.existing:
            self.written[rel] = old
            return
        self.written[rel] = Entry(key=sha256)
        target = self._target(rel)
        if self.link_files and rel not in self.existing:
            try:
                os.link(source, target)
                self.changed.append(rel)
                return
            except FileExistsError:
                pass
            except OSError:
                if not os.path.isfile(source):
                    raise FileNotFoundError(source) from None
        tmp = temp_path(Path(target))
        if self.link_files:
            try:
                os.link(source, tmp)
                os.replace(tmp, target)
                self.changed.append(rel)
                return
            except OSError:  # another file system, or links not allowed: copy instead
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        if not os.path.isfile(source):
            raise FileNotFoundError(source)
        replace_unsynced(Path(target), lambda fd: copy_into(str(source), fd))
        self.changed.append(rel)

    # Finishing ---------------------------------------------------------------------------
    def stale(self) -> list[str]:
        """Files of an earlier (or interrupted) build that this one did not write."""
        ours = set(self.previous) | {rel for rel in self.existing - self.foreign if rel != MANIFEST}
        return sorted(ours - set(self.written) - {MANIFEST})

    def finish(self, meta: dict[str, Any]) -> list[str]:
        """Remove files an earlier build wrote that this one did not; write the manifest
        (marked complete). Returns the removed paths."""
        removed = []
        folder = self.folder
        for rel in self.stale():
            target = folder / rel
            # Never follow a link out of the site: the parent must resolve inside it.
            if ".." in Path(rel).parts or not inside(target.parent.resolve(), folder):
                continue
            if target.is_symlink() or target.is_file():
                target.unlink()
                if not _is_temp(rel):
                    removed.append(rel)
                parent = target.parent
                while parent != folder and inside(parent, folder) and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
        if self.changed or removed or self.interrupted:
            os.sync()
        data = dict(meta)
        data.update(format=FORMAT, generator="archiver site", state=COMPLETE,
                    pdf_files="hardlink" if self.link_files else "copy", foreign=sorted(self.foreign),
                    files=[[rel, e.key, e.sha256] for rel, e in sorted(self.written.items())])
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_text_atomic(folder / MANIFEST, text.replace('],["', '],\n["'))  # one file a line
        return removed
