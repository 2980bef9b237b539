"""安全性 Security (DA/T 70-2018): permissions as the archive sets them (Art. 24), no
symbolic link in the archive or a catalogue, no stored PDF sharing its inode with another
name, no active content in a PDF the catalogue serves."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pikepdf

from ...active import find_active_content
from ...atomic import DIR_MODE, FILE_MODE, READ_ONLY_MODE
from ...config import CONFIG_NAME
from ...store import Archive
from .findings import Finding, rel_to
from .inventory import Expected, Inventory, files_below

# 安全性: permissions, links, shared inodes ----------------------------------------------------------
MATERIAL = ("records", "volumes", "hold", "registers", "customers")


def _allowed_mode(path: Path, is_dir: bool, stored_pdf: bool) -> int:
    if is_dir:
        return DIR_MODE
    return READ_ONLY_MODE if stored_pdf else FILE_MODE


def security_findings(archive: Archive, inv: Inventory, held: list[Expected], *,
                      hardlinks_allowed: bool) -> list[Finding]:
    """Permissions as the archive sets them (Art. 24: folders 0750, files 0640, stored scans
    and volume PDFs 0440 — never more open; the inbox, written by scanners, is not
    checked), no symbolic link anywhere in the archive root, and no stored PDF sharing its
    inode with another name (a hard link: with ``catalogue.pdf_files = "copy"`` nothing
    may; a write through the other name would change the stored file)."""
    root = archive.root
    out: list[Finding] = []
    stored = [e.path for e in inv.expected if e.is_pdf] + [e.path for e in held if e.is_pdf]
    stored_set = set(stored)
    # files whose permissions are checked: what the archive recorded (strays are already reported)
    checked: list[Path] = stored + inv.metadata + [e.path for e in held if not e.is_pdf]
    checked.append(root / CONFIG_NAME)
    for top in ("registers", "customers"):
        checked += files_below(root / top)
    for path in checked:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # reported as missing
        if stat.S_ISLNK(st.st_mode):
            continue  # reported below as a link
        allowed = _allowed_mode(path, False, path in stored_set)
        extra = stat.S_IMODE(st.st_mode) & ~allowed
        if extra:
            out.append(Finding("permissions", rel_to(path, archive.root), expected=f"{allowed:04o} or stricter",
                               actual=f"{stat.S_IMODE(st.st_mode):04o}",
                               detail=("a stored PDF must be read-only" if path in stored_set and extra & 0o222
                                       else "more open than the archive sets it (Art. 24)")
                               + f" — chmod {allowed:o} {rel_to(path, archive.root)}"))
        if path in stored_set and st.st_nlink > 1 and not hardlinks_allowed:
            out.append(Finding("shared-inode", rel_to(path, archive.root), actual=f"{st.st_nlink} names",
                               detail="another name (a hard link) can change this stored file: remove it; "
                               "`archiver site` gives a catalogue its own copies"))
    for top in MATERIAL:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            continue
        for dirpath, _dirnames, _files in os.walk(base):
            mode = stat.S_IMODE(os.lstat(dirpath).st_mode)
            if mode & ~DIR_MODE:
                out.append(Finding("permissions", rel_to(Path(dirpath), archive.root), expected=f"{DIR_MODE:04o} or stricter",
                                   actual=f"{mode:04o}", detail="a folder more open than the archive sets it "
                                   f"— chmod {DIR_MODE:o} {rel_to(Path(dirpath), archive.root)}"))
    out.extend(link_findings(root, root))
    return out


def link_findings(top: Path, root: Path, *, label: str = "") -> list[Finding]:
    """Every symbolic link below ``top`` (never followed): one that leads out of ``root``
    could make a write or a copy reach a file outside the archive."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            if not path.is_symlink():
                continue
            target = os.readlink(path)
            resolved = path.parent.joinpath(target).resolve()
            outside = resolved != root and root not in resolved.parents
            rel = rel_to(path, root)
            out.append(Finding("link", rel, actual=target,
                               detail=(f"{label}a link pointing out of the archive, to {resolved}" if outside
                                       else f"{label}a link (material must be real files)")))
    return out


def catalogue_findings(archive: Archive, *, fast: bool) -> tuple[list[Finding], int]:
    """The catalogue folders the archive has written (``.archiver/sites.json``): no link
    in them and, in a full audit, no PDF there carries active content. Returns the
    findings and how many catalogue PDFs were opened."""
    from ...catalogue.sites import listed  # the catalogue stage's list of its folders

    out: list[Finding] = []
    opened = 0
    for folder in listed(archive):
        if not folder.is_dir():
            continue
        root = archive.root.resolve()
        if folder.resolve() != root and root not in folder.resolve().parents:  # (inside: walked already)
            out.extend(link_findings(folder, archive.root, label=f"in the catalogue {folder}: "))
        if fast:
            continue
        for dirpath, _dirnames, filenames in os.walk(folder):
            for name in filenames:
                if not name.lower().endswith(".pdf"):
                    continue
                path = Path(dirpath, name)
                if path.is_symlink():
                    continue
                opened += 1
                try:
                    with pikepdf.open(path) as pdf:
                        active = find_active_content(pdf)
                except (pikepdf.PdfError, OSError, ValueError, RuntimeError):
                    continue  # the copy of a file the audit checks in the archive
                if active:
                    out.append(Finding("active-content", rel_to(path, archive.root), actual=", ".join(active),
                                       detail="a PDF the catalogue serves"))
    return out, opened
