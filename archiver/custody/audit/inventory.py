"""What the archive recorded, read from the sidecars, the manifests and the disposal
register: every file it must hold (:class:`Expected`), and every file present that nobody
recorded (Art. 22–23). The archive's own ``.tmp-archiver-*`` files of a running writer are
ignored."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...atomic import TEMP_PREFIX
from ...errors import UnreadableFileError
from ...model import Record
from ...ocr.store import text_path
from ...store import Archive, read_record
from ...volumes.manifest import VolumeManifest, read_manifest
from ..disposal.rules import HOLD
from ..state import disposal_lists, list_state
from .findings import Finding, rel_to


@dataclass(frozen=True)
class Expected:
    """A file the archive recorded: where, its checksum and size, and what it is."""

    path: Path
    sha256: str
    size: int
    page_count: int | None  # None: not recorded (a held file, a sidecar or manifest)
    what: str
    role: str = ""  # record, volume, superseded, held

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"


@dataclass
class Inventory:
    """What the archive recorded, read from sidecars, manifests and the disposal register."""

    expected: list[Expected] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    manifests: list[VolumeManifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while reading the inventory
    metadata: list[Path] = field(default_factory=list)  # the sidecars and manifests read


def files_below(folder: Path) -> list[Path]:
    """Every file below ``folder`` except the archive's own temporary files, sorted."""
    out: list[Path] = []
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        here = Path(dirpath)
        out.extend(here / n for n in sorted(filenames) if not n.startswith(TEMP_PREFIX))
    return out


def _in_year_folder(base: Path, path: Path, *, aside: bool = False) -> bool:
    """``base/<customer>/<YYYY>/<file>`` — the only place a sidecar, manifest or PDF
    belongs — or, with ``aside``, the same below a folder kept aside (``volumes/.superseded/``)."""
    parts = path.relative_to(base).parts
    if aside and len(parts) == 4 and parts[0].startswith("."):
        parts = parts[1:]
    return len(parts) == 3 and len(parts[1]) == 4 and parts[1].isdigit()


def _set_aside(base: Path, path: Path) -> str:
    """The dot-folder (``.superseded``) a file sits in below ``base``, or ''."""
    first = path.relative_to(base).parts[0]
    return first if first.startswith(".") else ""


def read_inventory(archive: Archive, held: Iterable[Expected] = ()) -> Inventory:
    """Walk ``records/`` and ``volumes/``: what is recorded, and what is there unrecorded."""
    inv = Inventory()
    claimed: set[Path] = set()

    files = files_below(archive.records)
    for path in files:
        if path.suffix == ".toml" and _in_year_folder(archive.records, path):
            claimed.add(path)
            inv.metadata.append(path)
            try:
                record = read_record(path)
            except UnreadableFileError as exc:
                inv.findings.append(Finding("unreadable-sidecar", rel_to(path, archive.root), detail=exc.message))
                claimed.add(path.with_suffix(".pdf"))  # its PDF is not "without sidecar"
                continue
            inv.records.append(record)
            claimed.add(record.path)
            claimed.add(text_path(record.path))  # its stored OCR text (archiver ocr), when there is one
            inv.expected.append(Expected(record.path, record.file.sha256, record.file.size,
                                         record.file.page_count, f"record {record.id}", "record"))
    for path in files:
        if path in claimed:
            continue
        if path.suffix.lower() == ".pdf" and _in_year_folder(archive.records, path):
            inv.findings.append(Finding("no-sidecar", rel_to(path, archive.root), expected=path.with_suffix(".toml").name,
                                        detail="a filing cut off before its sidecar was written, or a sidecar removed"))
        else:
            inv.findings.append(Finding("unregistered", rel_to(path, archive.root)))

    claimed = set()
    files = files_below(archive.volumes)
    for path in files:
        if path.suffix == ".toml" and _in_year_folder(archive.volumes, path, aside=True):
            claimed.add(path)
            inv.metadata.append(path)
            try:
                manifest = read_manifest(path)
            except UnreadableFileError as exc:
                inv.findings.append(Finding("unreadable-sidecar", rel_to(path, archive.root), detail=exc.message))
                claimed.add(path.with_suffix(".pdf"))
                continue
            aside = _set_aside(archive.volumes, path)
            if aside:  # an older version `archiver build` kept: its PDF sits beside it, renamed alike
                pdf = path.with_suffix(".pdf")
                what, role = f"superseded volume {manifest.reference} (kept in {aside}/)", "superseded"
            else:
                inv.manifests.append(manifest)
                pdf, what, role = manifest.pdf_path, f"volume {manifest.reference}", "volume"
            claimed.add(pdf)
            inv.expected.append(Expected(pdf, manifest.file_sha256, manifest.file_size, manifest.pdf_page_count,
                                         what, role))
    for path in files:
        if path in claimed:
            continue
        if path.suffix.lower() == ".pdf" and _in_year_folder(archive.volumes, path, aside=True):
            inv.findings.append(Finding("no-manifest", rel_to(path, archive.root), expected=path.with_suffix(".toml").name))
        else:
            inv.findings.append(Finding("unregistered", rel_to(path, archive.root)))

    inv.expected.extend(held)
    return inv


def hold_inventory(archive: Archive) -> tuple[list[Expected], list[Finding]]:
    """What must be in ``hold/`` (Art. 29), from the disposal register, in every state of a
    list — held: every file there; moving or restoring: each file in one of its two places;
    destroying: what is left there is still checked; destroyed or cancelled: nothing — and
    every file in ``hold/`` that no list accounts for."""
    root = archive.root
    expected: list[Expected] = []
    findings: list[Finding] = []
    claimed: set[Path] = set()
    for case in disposal_lists(archive).values():
        state = list_state(case)
        files = (case.last("approved") or {}).get("files", [])
        for f in files:
            try:
                held, home = root / f["hold"], root / f["path"]
                sha, size = str(f["sha256"]), int(f["size"])
            except (KeyError, TypeError, ValueError):
                continue
            claimed.add(held)
            what = f"held for destruction list {case.id} ({state})"
            if state == "held":
                expected.append(Expected(held, sha, size, None, what, "held"))
            elif state in ("moving", "restoring", "destroying"):
                if held.exists():
                    expected.append(Expected(held, sha, size, None, what, "held"))
                elif state != "destroying" and not home.exists():
                    findings.append(Finding("missing", f["hold"], expected=sha[:16] + "…",
                                            detail=f"{what}: in neither {f['path']} nor hold/"))
            elif held.exists():  # destroyed, cancelled
                findings.append(Finding("hold-leftover", f["hold"], detail=f"list {case.id} is {state}: "
                                        + ("this file should have been destroyed" if state == "destroyed"
                                           else f"this file should be back in {f['path']}")))
        if state in ("moving", "restoring", "destroying") and files:
            step = {"moving": "approve", "restoring": "cancel", "destroying": "destroy"}[state]
            findings.append(Finding("hold-interrupted", f"{HOLD}/{case.id}",
                                    detail=f"list {case.id} is {state}: run `archiver disposal {step} {case.id}` "
                                    "again to finish it"))
    for path in files_below(root / HOLD):
        if path not in claimed:
            findings.append(Finding("unregistered", rel_to(path, archive.root),
                                    detail="in hold/ but on no destruction list"))
    return expected, findings
