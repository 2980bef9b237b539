"""The inbox as the filer sees it: which entries wait to be filed, and a scan's sidecar."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from ..store import Archive

# Names a scanner, a copy or a desktop leaves while writing, or beside the files: never filed.
IGNORED = (".*", "~$*", "*.part", "*.tmp", "*.crdownload", "Thumbs.db", "desktop.ini")


def is_ignored(path: Path) -> bool:
    return any(fnmatch.fnmatchcase(path.name, pat) for pat in IGNORED)


def inbox_candidates(archive: Archive) -> list[Path]:
    """Entries in the inbox waiting to be filed: every entry but sidecars, ignored names
    and anything under ``rejected/``, in a stable order. Links (to files or folders),
    FIFOs, devices and sockets are candidates too — to be set aside, never opened."""
    out: list[Path] = []
    inbox = archive.inbox
    if not inbox.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(inbox):  # never follows links to folders
        here = Path(dirpath)
        links = [d for d in dirnames if os.path.islink(here / d)]
        dirnames[:] = sorted(d for d in dirnames if d not in links
                             and not (here == inbox and d == "rejected") and not d.startswith("."))
        for name in sorted([*filenames, *links]):
            path = here / name
            if is_ignored(path):
                continue
            if path.suffix.lower() == ".toml":
                continue  # a sidecar: filed with its PDF, or waiting for it
            out.append(path)
    return out


def inbox_sidecar(pdf: Path) -> Path | None:
    """The metadata file NAME.toml beside NAME.pdf (any kind of entry: it is read safely)."""
    side = pdf.with_suffix(".toml") if pdf.suffix else pdf.with_name(pdf.name + ".toml")
    return side if os.path.lexists(side) else None
