"""The audit (检查与核对, Art. 21–23): does the archive on disk match what it recorded?

Two questions, kept apart as bagit-python keeps them:

* **complete** — every file the archive recorded is present, and nothing is present that
  nobody recorded: record PDFs named by their sidecars, volume PDFs named by their
  manifests (also the older versions ``archiver build`` keeps aside in
  ``volumes/.superseded/<customer>/<year>/``, each PDF beside its manifest under the same
  name), no PDF without its sidecar or manifest, no stray file under ``records/`` or
  ``volumes/`` (the archive's own ``.tmp-archiver-*`` files of a running writer are
  ignored), every record a volume lists still filed;
* **valid** — complete, and every file is what was recorded: its size, its SHA-256, a PDF
  that opens without repair and has the recorded number of pages, and every volume lists
  its records with the checksum they have now.

``fast`` checks presence and sizes only. The full audit reads every file exactly once:
the bytes read are hashed and handed to pikepdf from memory, never read a second time.

Lines of the registers that a crash cut off are reported as ``torn-line`` warnings (the
registers stay valid: such a line was never recorded).

Records filed but in no volume are reported as ``not-bound``: a *warning*, not a failure.
Binding is a separate, deliberate step (``archiver build``) and the audit cannot know
whether a record was left out on purpose (the year is still open) — it says so, and when a
volume of the same customer and year was built after the record was filed, it says that
too, so the clerk can run ``archiver build``.

Material held apart for destruction (``hold/``, Art. 29) is checked against the hashes the
disposal register recorded when it was moved there.

Every finding carries data (kind, path, expected, actual, detail), not only a sentence.
An audit is recorded in ``registers/audit.jsonl`` (event ``audit``) with its scope, result,
counts and every finding, so the statistics and the catalogue can show the last audit.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from ..active import find_active_content
from ..atomic import DIR_MODE, FILE_MODE, READ_ONLY_MODE, TEMP_PREFIX
from ..config import CONFIG_NAME
from ..errors import ConfigError, LockedError
from ..model import Record
from ..ocr.store import text_path
from ..register import now
from ..store import Archive, read_record
from ..volumes.manifest import VolumeManifest, read_manifest

# The four properties of DA/T 70-2018 (文书类电子档案检测一般要求) an archive checks
# electronic records for, in the order the standard gives them.
PROPERTIES: dict[str, tuple[str, str, str]] = {
    "authenticity": ("真实性", "Authenticity", "checksums and metadata agree with what was recorded"),
    "integrity": ("完整性", "Integrity", "every record and volume present, counts and page sequences without "
                  "gaps, nothing unregistered, hold/ included"),
    "usability": ("可用性", "Usability", "every file opens; volumes pass PDF/A-2b validation"),
    "security": ("安全性", "Security", "no active content in volumes or the catalogue, permissions as the "
                 "archive sets them, no link out of the archive"),
}

# kind → (severity, question it answers, property, plain words)
KINDS: dict[str, tuple[str, str, str, str]] = {
    # 真实性 authenticity
    "altered": ("error", "valid", "authenticity", "the file's SHA-256 differs from the recorded checksum"),
    "size-changed": ("error", "valid", "authenticity", "the file's size differs from the recorded size"),
    "page-count": ("error", "valid", "authenticity", "the PDF has another number of pages than recorded"),
    "volume-record-changed": ("error", "valid", "authenticity",
                              "a volume lists a record whose checksum has changed since"),
    "metadata-mismatch": ("error", "valid", "authenticity",
                          "a sidecar or manifest disagrees with the record's id, place or metadata"),
    "id-checksum": ("warning", "valid", "authenticity",
                    "a sidecar's checksum does not begin with the 8 hex digits of its record id"),
    "reference-renumbered": ("error", "valid", "authenticity",
                             "a volume bears a code other than the one its place was given (a 档号 changed)"),
    "reference-unregistered": ("error", "valid", "authenticity",
                               "a volume bears a code the reference register never gave out"),
    "reference-released": ("error", "valid", "authenticity",
                           "a volume bears a code that was released (its volume superseded)"),
    # 完整性 integrity
    "missing": ("error", "complete", "integrity", "a recorded file is missing"),
    "unregistered": ("error", "complete", "integrity", "a file nobody recorded"),
    "no-sidecar": ("error", "complete", "integrity", "a record PDF without its sidecar"),
    "no-manifest": ("error", "complete", "integrity", "a volume PDF without its manifest"),
    "volume-record-missing": ("error", "complete", "integrity", "a volume lists a record that is not filed"),
    "page-sequence": ("error", "complete", "integrity", "a volume's page numbers or PDF pages have gaps or overlaps"),
    "hold-leftover": ("error", "complete", "integrity",
                      "material still in hold/ for a list that was destroyed or cancelled"),
    "hold-interrupted": ("warning", "complete", "integrity",
                         "a disposal step was interrupted: its files are partly moved"),
    "not-bound": ("warning", "bound", "integrity", "a record that is in no volume yet"),
    "reference-missing": ("error", "complete", "integrity",
                          "a code given out names no volume (not in volumes/, not held for destruction)"),
    "build-interrupted": ("warning", "complete", "integrity",
                          "a build was cut off while writing a volume: run `archiver build`"),
    "torn-line": ("warning", "registers", "integrity", "a register line cut off by a crash (never recorded)"),
    # 可用性 usability
    "unreadable-sidecar": ("error", "complete", "usability", "a sidecar or manifest that cannot be read"),
    "unreadable": ("error", "valid", "usability", "the PDF cannot be opened"),
    "damaged": ("error", "valid", "usability", "the PDF opens only after repair"),
    "not-pdfa": ("error", "valid", "usability", "the volume failed PDF/A-2b validation"),
    "pdfa-unchecked": ("warning", "valid", "usability", "no PDF/A-2b validation result for the volume"),
    # 安全性 security
    "active-content": ("error", "valid", "security", "a volume or catalogue PDF carries active content"),
    "permissions": ("error", "valid", "security", "a file or folder is more open than the archive sets it"),
    "link": ("error", "valid", "security", "a symbolic link in the archive or a catalogue"),
    "shared-inode": ("error", "valid", "security",
                     "a stored file shares its inode (a hard link) with another name"),
}

@dataclass(frozen=True)
class Finding:
    kind: str
    path: str  # relative to the archive root, POSIX separators
    expected: str = ""
    actual: str = ""
    detail: str = ""

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]

    @property
    def question(self) -> str:
        return KINDS[self.kind][1]

    @property
    def property(self) -> str:
        """The DA/T 70 property the finding is about: authenticity, integrity, usability, security."""
        return KINDS[self.kind][2]

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v != ""}
        out["severity"] = self.severity
        return out

    def line(self) -> str:
        text = f"{self.kind:<22} {self.path}"
        if self.expected or self.actual:
            text += f"  (expected {self.expected or '—'}, found {self.actual or '—'})"
        if self.detail:
            text += f"  {self.detail}"
        return text


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


@dataclass
class AuditReport:
    scope: str  # "full" or "fast"
    started: Any
    seconds: float
    files: int
    bytes: int
    findings: list[Finding]
    locks: str = ""  # under which of the archive's locks it ran (said in every output)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def complete(self) -> bool:
        return not any(f.severity == "error" and f.question == "complete" for f in self.findings)

    @property
    def valid(self) -> bool:
        """Complete, and (for a full audit) every checksum and PDF as recorded."""
        return not self.errors

    @property
    def result(self) -> str:
        return "ok" if not self.errors else "problems"

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "result": self.result,
            "complete": self.complete,
            "valid": self.valid,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "files": self.files,
            "bytes": self.bytes,
            "findings": len(self.errors),
            "warnings": len(self.warnings),
            "finding_list": [f.as_dict() for f in self.findings],
            "locks": self.locks,
            "properties": self.properties(with_findings=True),
        }

    def properties(self, *, with_findings: bool = False) -> dict[str, dict[str, Any]]:
        """The findings under the four properties of DA/T 70-2018, in its order."""
        out: dict[str, dict[str, Any]] = {}
        for key, (zh, en, what) in PROPERTIES.items():
            mine = [f for f in self.findings if f.property == key]
            errors = sum(1 for f in mine if f.severity == "error")
            entry: dict[str, Any] = {"label": zh, "name": en, "checks": what,
                                     "result": "ok" if not errors else "problems", "errors": errors,
                                     "warnings": len(mine) - errors}
            if with_findings:
                entry["finding_list"] = [f.as_dict() for f in mine]
            out[key] = entry
        return out


# Reading what was recorded ----------------------------------------------------------------
def _rel(archive: Archive, path: Path) -> str:
    try:
        return path.relative_to(archive.root).as_posix()
    except ValueError:
        return str(path)


def _files_below(folder: Path) -> list[Path]:
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

    files = _files_below(archive.records)
    for path in files:
        if path.suffix == ".toml" and _in_year_folder(archive.records, path):
            claimed.add(path)
            inv.metadata.append(path)
            try:
                record = read_record(path)
            except ConfigError as exc:
                inv.findings.append(Finding("unreadable-sidecar", _rel(archive, path), detail=exc.message))
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
            inv.findings.append(Finding("no-sidecar", _rel(archive, path), expected=path.with_suffix(".toml").name,
                                        detail="a filing cut off before its sidecar was written, or a sidecar removed"))
        else:
            inv.findings.append(Finding("unregistered", _rel(archive, path)))

    claimed = set()
    files = _files_below(archive.volumes)
    for path in files:
        if path.suffix == ".toml" and _in_year_folder(archive.volumes, path, aside=True):
            claimed.add(path)
            inv.metadata.append(path)
            try:
                manifest = read_manifest(path)
            except ConfigError as exc:
                inv.findings.append(Finding("unreadable-sidecar", _rel(archive, path), detail=exc.message))
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
            inv.findings.append(Finding("no-manifest", _rel(archive, path), expected=path.with_suffix(".toml").name))
        else:
            inv.findings.append(Finding("unregistered", _rel(archive, path)))

    inv.expected.extend(held)
    return inv


# Rules over what was recorded (pure) ---------------------------------------------------------
def binding_findings(records: list[Record], manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """Records a volume lists but that are gone or changed; records in no volume (warning)."""
    out: list[Finding] = []
    by_id = {r.id: r for r in records}
    bound: set[str] = set()
    last_build: dict[tuple[str, int], Any] = {}
    for m in manifests:
        key = (m.customer, m.year)
        last_build[key] = max(last_build.get(key, m.built_at), m.built_at)
        where = _rel_to(m.path, root)
        for doc in m.documents:
            bound.add(doc.record)
            record = by_id.get(doc.record)
            if record is None:
                out.append(Finding("volume-record-missing", where, expected=doc.record,
                                   detail=f"volume {m.reference} lists record {doc.record}, which is not filed"))
            elif record.file.sha256 != doc.sha256:
                out.append(Finding("volume-record-changed", where, expected=doc.sha256, actual=record.file.sha256,
                                   detail=f"record {doc.record} in volume {m.reference}"))
    for r in records:
        if r.id in bound:
            continue
        built = last_build.get((r.customer, r.meta.year))
        note = "not in any volume yet"
        if built is not None and _later(built, r.filing.filed_at):
            note += f"; volumes of {r.customer} {r.meta.year} were built after it was filed — run `archiver build`"
        out.append(Finding("not-bound", _rel_to(r.path, root), detail=note))
    return out


def _later(a: Any, b: Any) -> bool:
    try:
        return bool(a > b)
    except TypeError:  # one naive, one aware: compare as written
        return str(a) > str(b)


def register_findings(archive: Archive) -> list[Finding]:
    """Lines of the registers that cannot be read: a write cut off by a crash. The register
    stays valid (readers skip such a line, nothing was recorded by it); worth knowing."""
    paths = sorted(archive.registers.glob("*.jsonl")) if archive.registers.is_dir() else []
    if archive.customers_dir.is_dir():
        paths += sorted(archive.customers_dir.glob("*/history.jsonl"))
    out = []
    for path in paths:
        with path.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    ok = isinstance(json.loads(raw), dict)
                except ValueError:
                    ok = False
                if not ok:
                    out.append(Finding("torn-line", _rel(archive, path), detail=f"line {n} cannot be read; it was never recorded"))
    return out


def _rel_to(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# Checking the files (I/O) -------------------------------------------------------------------
def check_file(exp: Expected, rel: str, *, fast: bool) -> tuple[list[Finding], int]:
    """Check one recorded file; return the findings and the bytes read (0 when fast)."""
    try:
        size = exp.path.stat().st_size
    except FileNotFoundError:
        return [Finding("missing", rel, expected=exp.sha256[:16] + "…", detail=exp.what)], 0
    findings: list[Finding] = []
    if size != exp.size:
        findings.append(Finding("size-changed", rel, expected=str(exp.size), actual=str(size), detail=exp.what))
    if fast:
        return findings, 0
    data = exp.path.read_bytes()  # the one read: hashed, then parsed from memory
    sha = hashlib.sha256(data).hexdigest()
    if sha != exp.sha256 and not findings:
        findings.append(Finding("altered", rel, expected=exp.sha256, actual=sha, detail=exp.what))
    if exp.page_count is not None or exp.is_pdf:
        findings.extend(pdf_findings(data, rel, exp))
    return findings, len(data)


def pdf_findings(data: bytes, rel: str, exp: Expected) -> list[Finding]:
    """Open the PDF from memory: unreadable, repaired on opening, another page count, or
    active content (JavaScript, Launch actions, embedded files …)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            warnings = pdf.get_warnings()
            # volumes (what is printed, bound and served); a record's scan is checked by
            # filing and by the catalogue, which never serves it with active content
            active = find_active_content(pdf) if exp.role != "record" else []
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        return [Finding("unreadable", rel, detail=f"{exp.what}: {str(exc).split(': ', 1)[-1][:200]}")]
    out = []
    if warnings:
        out.append(Finding("damaged", rel, detail=f"{exp.what}: {warnings[0].split(': ', 1)[-1][:200]}"))
    if exp.page_count is not None and pages != exp.page_count:
        out.append(Finding("page-count", rel, expected=str(exp.page_count), actual=str(pages), detail=exp.what))
    if active:
        out.append(Finding("active-content", rel, actual=", ".join(active), detail=exp.what))
    return out


# 真实性: metadata agree ------------------------------------------------------------------------
def metadata_findings(records: list[Record], manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """A record's id, place and sidecar agree (the id is ``<date>-<type>-<first 8 hex of its
    SHA-256>``, in ``records/<customer>/<year>/``); a volume's manifest lists each record
    with the metadata its sidecar has, and lies in ``volumes/<customer>/<year>/``. (Pure.)"""
    out = []
    by_id = {r.id: r for r in records}
    for r in records:
        where = _rel_to(r.sidecar_path, root)
        stem = f"{r.meta.date:%Y%m%d}-{r.meta.type}-"
        if not r.id.startswith(stem):
            out.append(Finding("metadata-mismatch", where, expected=stem + "…", actual=r.id,
                               detail="the record id does not match the date and type in its sidecar"))
        elif r.id[len(stem):] != r.file.sha256[:8]:
            out.append(Finding("id-checksum", where, expected=r.id[len(stem):], actual=r.file.sha256[:8],
                               detail="the sidecar's checksum was changed after filing (the id keeps the first)"))
        folder = r.sidecar_path.parent
        if (folder.parent.name, folder.name) != (r.customer, f"{r.meta.year:04d}"):
            out.append(Finding("metadata-mismatch", where, expected=f"{r.customer}/{r.meta.year:04d}",
                               actual=f"{folder.parent.name}/{folder.name}",
                               detail="the record lies in another customer's or year's folder"))
    for m in manifests:
        where = _rel_to(m.path, root)
        folder = m.path.parent
        if (folder.parent.name, folder.name) != (m.customer, f"{m.year:04d}"):
            out.append(Finding("metadata-mismatch", where, expected=f"{m.customer}/{m.year:04d}",
                               actual=f"{folder.parent.name}/{folder.name}",
                               detail=f"volume {m.reference} lies in another customer's or year's folder"))
        for d in m.documents:
            rec = by_id.get(d.record)
            if rec is None or rec.file.sha256 != d.sha256:
                continue  # reported as volume-record-missing / -changed
            differ = [name for name, a, b in (("type", d.type, rec.meta.type), ("title", d.title, rec.meta.title),
                                              ("date", d.date, rec.meta.date),
                                              ("classification", d.classification, rec.meta.classification))
                      if a != b]
            if differ:
                out.append(Finding("metadata-mismatch", where, expected=d.record,
                                   detail=f"volume {m.reference} lists record {d.record} with another "
                                   + ", ".join(differ) + " than its sidecar"))
    return out


# 完整性: counts and page sequences ----------------------------------------------------------------
def sequence_findings(manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """A volume's stamped page numbers run 1, 2, … without gap or overlap to its page
    count; its documents' PDF pages are in order, do not overlap and lie in the PDF. (Pure.)"""
    out = []
    for m in manifests:
        where = _rel_to(m.path, root)
        problems = []
        expect = 1
        for item, d in enumerate(m.documents, start=1):
            if d.first_page is None:
                continue
            if d.first_page != expect:
                problems.append(f"item {item} starts at page {d.first_page}, not {expect}")
            if d.last_page is None or d.last_page < d.first_page:
                problems.append(f"item {item} ends at page {d.last_page} before it starts")
                continue
            expect = d.last_page + 1
        if m.documents and expect - 1 != m.page_count:
            problems.append(f"the pages numbered end at {expect - 1}, the volume records {m.page_count}")
        last = 0
        for item, d in enumerate(m.documents, start=1):
            if not (last < d.pdf_first <= d.pdf_last <= m.pdf_page_count):
                problems.append(f"item {item} lies on PDF pages {d.pdf_first}–{d.pdf_last} "
                                f"(after page {last}, of {m.pdf_page_count})")
            last = max(last, d.pdf_last)
        if problems:
            out.append(Finding("page-sequence", where, detail=f"volume {m.reference}: " + "; ".join(problems[:5])))
    return out


# 完整性: hold/ ---------------------------------------------------------------------------------
def code_findings(archive: Archive, manifests: list[VolumeManifest]) -> list[Finding]:
    """Reference codes (档号) against the register ``build`` keeps of them (Art. 20): a
    volume renumbered, a code no volume bears, a build cut off mid-write."""
    from ..volumes.codes import reference_findings  # the volumes stage's register of codes

    return [Finding(f.kind, f.path, expected=f.expected, actual=f.actual, detail=f.detail)
            for f in reference_findings(archive, manifests)]


def hold_inventory(archive: Archive) -> tuple[list[Expected], list[Finding]]:
    """What must be in ``hold/`` (Art. 29), from the disposal register, in every state of a
    list — held: every file there; moving or restoring: each file in one of its two places;
    destroying: what is left there is still checked; destroyed or cancelled: nothing — and
    every file in ``hold/`` that no list accounts for."""
    from .disposal import HOLD  # (disposal imports this module)
    from .state import disposal_lists, list_state  # the one view of custody state

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
    for path in _files_below(root / HOLD):
        if path not in claimed:
            findings.append(Finding("unregistered", _rel(archive, path),
                                    detail="in hold/ but on no destruction list"))
    return expected, findings


# 可用性: PDF/A-2b ---------------------------------------------------------------------------------
def revalidate_pdfa(path: Path) -> tuple[bool, str] | None:
    """Validate a volume as PDF/A-2b again, now, with the validator ``build`` uses
    (:func:`archiver.volumes.pdfa.check`): (passed, detail)."""
    from ..volumes import pdfa  # the volumes stage's validator (pikepdf.pdfa)

    result = pdfa.check(path, now=now())
    return result.valid, result.summary()


def recorded_pdfa(manifest_path: Path) -> tuple[bool, str] | None:
    """The PDF/A-2b result ``archiver build`` recorded in the manifest's ``pdfa`` field:
    (passed, detail), or None when it records none. Accepts a boolean, a word ("pass",
    "fail", …) or a table (``valid``/``passed``/``ok``/``compliant``, ``errors``, ``profile``)."""
    try:
        data = tomllib.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("pdfa")
    if value is None:
        return None
    if isinstance(value, bool):
        return value, ""
    if isinstance(value, str):
        word = value.strip().lower()
        return word in ("pass", "passed", "ok", "valid", "compliant", "yes", "true", "pdf/a-2b", "2b"), value
    if isinstance(value, dict):
        for key in ("valid", "passed", "ok", "compliant", "pass"):
            if isinstance(value.get(key), bool):
                errors = value.get("findings") or value.get("errors") or value.get("problems") or []
                detail = "; ".join(str(e) for e in errors[:3]) if isinstance(errors, list) else str(errors)
                return bool(value[key]), detail
        result = value.get("result") or value.get("status")
        if isinstance(result, str):
            return result.strip().lower() in ("pass", "passed", "ok", "valid", "compliant"), result
    return None


def pdfa_findings(manifests: list[VolumeManifest], root: Path, *, fast: bool = False) -> list[Finding]:
    """可用性: each volume is PDF/A-2b, as ``archiver build`` recorded in its manifest. A
    full audit validates every volume recorded as passing again (the record says what
    the file was, not what it is now); ``fast`` trusts the record."""
    out = []
    for m in manifests:
        where = _rel_to(m.pdf_path, root)
        result = recorded_pdfa(m.path)
        how = "recorded by archiver build"
        if not fast and result is not None and result[0] and m.pdf_path.is_file():
            result, how = revalidate_pdfa(m.pdf_path), "validated again by this audit"
        if result is None:
            out.append(Finding("pdfa-unchecked", where, detail=f"volume {m.reference}: no PDF/A-2b result in its "
                               "manifest (built before validation was recorded?): run `archiver audit` without "
                               "--fast, or `archiver build --force`"))
        elif not result[0]:
            out.append(Finding("not-pdfa", where, actual=result[1][:200],
                               detail=f"volume {m.reference}: PDF/A-2b validation failed ({how})"))
    return out


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
        checked += _files_below(root / top)
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
            out.append(Finding("permissions", _rel(archive, path), expected=f"{allowed:04o} or stricter",
                               actual=f"{stat.S_IMODE(st.st_mode):04o}",
                               detail=("a stored PDF must be read-only" if path in stored_set and extra & 0o222
                                       else "more open than the archive sets it (Art. 24)")
                               + f" — chmod {allowed:o} {_rel(archive, path)}"))
        if path in stored_set and st.st_nlink > 1 and not hardlinks_allowed:
            out.append(Finding("shared-inode", _rel(archive, path), actual=f"{st.st_nlink} names",
                               detail="another name (a hard link) can change this stored file: remove it; "
                               "`archiver site` gives a catalogue its own copies"))
    for top in MATERIAL:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            continue
        for dirpath, _dirnames, _files in os.walk(base):
            mode = stat.S_IMODE(os.lstat(dirpath).st_mode)
            if mode & ~DIR_MODE:
                out.append(Finding("permissions", _rel(archive, Path(dirpath)), expected=f"{DIR_MODE:04o} or stricter",
                                   actual=f"{mode:04o}", detail="a folder more open than the archive sets it "
                                   f"— chmod {DIR_MODE:o} {_rel(archive, Path(dirpath))}"))
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
            rel = _rel_to(path, root)
            out.append(Finding("link", rel, actual=target,
                               detail=(f"{label}a link pointing out of the archive, to {resolved}" if outside
                                       else f"{label}a link (material must be real files)")))
    return out


def catalogue_findings(archive: Archive, *, fast: bool) -> tuple[list[Finding], int]:
    """The catalogue folders the archive has written (``.archiver/sites.json``): no link
    in them and, in a full audit, no PDF there carries active content. Returns the
    findings and how many catalogue PDFs were opened."""
    from ..catalogue.sites import listed  # the catalogue stage's list of its folders

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
                    out.append(Finding("active-content", _rel(archive, path), actual=", ".join(active),
                                       detail="a PDF the catalogue serves"))
    return out, opened


def run_audit(archive: Archive, *, fast: bool = False, held: Iterable[Expected] | None = None,
              progress: Callable[[int, int], None] | None = None, locks: str = "") -> AuditReport:
    """Audit the whole archive under the four properties of DA/T 70-2018. ``progress(size,
    total)`` is called after each file with its recorded size and the total recorded size
    of all files (for a progress bar). ``held``: the files expected in ``hold/`` (default:
    read from the disposal register, every state). Takes no lock: :func:`audit_archive`
    does."""
    started = now()
    clock = time.monotonic()
    held_expected, hold_problems = hold_inventory(archive)
    if held is not None:
        held_expected = list(held)
    inv = read_inventory(archive, held_expected)
    findings = list(inv.findings) + hold_problems
    total = 0
    planned = sum(e.size for e in inv.expected)
    for exp in inv.expected:
        found, read = check_file(exp, _rel(archive, exp.path), fast=fast)
        findings.extend(found)
        total += read
        if progress is not None:
            progress(exp.size, planned)
    findings.extend(binding_findings(inv.records, inv.manifests, archive.root))
    findings.extend(metadata_findings(inv.records, inv.manifests, archive.root))
    findings.extend(sequence_findings(inv.manifests, archive.root))
    findings.extend(code_findings(archive, inv.manifests))
    findings.extend(pdfa_findings(inv.manifests, archive.root, fast=fast))
    findings.extend(security_findings(archive, inv, held_expected,
                                      hardlinks_allowed=archive.config.catalogue.pdf_files == "hardlink"))
    site_found, _opened = catalogue_findings(archive, fast=fast)
    findings.extend(site_found)
    findings.extend(register_findings(archive))
    return AuditReport(
        scope="fast" if fast else "full",
        started=started,
        seconds=time.monotonic() - clock,
        files=len(inv.expected),
        bytes=total,
        findings=findings,
        locks=locks,
    )


def audit_archive(archive: Archive, *, fast: bool = False, progress: Callable[[int, int], None] | None = None,
                  ) -> AuditReport:
    """The audit as ``archiver audit`` runs it: under the archive's custody lock (waiting a
    little for a custody step) and its build lock (refused at once, exit 5, while
    ``archiver build`` or a disposal step moves files), so nothing it checks moves while it
    reads. Filing is locked too when no watcher holds it; when one does, the report says
    so (a record filed meanwhile may show as a PDF without its sidecar)."""
    from .workflow import custody_lock

    with contextlib.ExitStack() as stack:
        stack.enter_context(custody_lock(archive, "archiver audit"))
        stack.enter_context(archive.lock("build", purpose="archiver audit"))
        try:
            stack.enter_context(archive.lock("filing", purpose="archiver audit"))
            locks = "custody, build and filing locks held: nothing moved while it read"
        except LockedError as exc:
            holder = str(exc).split(": ", 1)[-1].split(" holds")[0]
            locks = (f"custody and build locks held; filing not locked ({holder} holds it): "
                     "a record being filed meanwhile may show as a PDF without its sidecar")
        return run_audit(archive, fast=fast, progress=progress, locks=locks)


def report_lines(report: AuditReport) -> list[str]:
    """The terminal report: findings grouped under the four properties (Chinese and English)."""
    mb = report.bytes / 1e6
    lines = [f"Audit ({report.scope}) 检查与核对: {report.files} files checked"
             + (f", {mb:.1f} MB read" if report.scope == "full" else "") + f" in {report.seconds:.1f} s.",
             f"  Locks: {report.locks or 'none taken (called without the archive lock)'}.",
             f"  complete: {'yes' if report.complete else 'NO'}   valid: {'yes' if report.valid else 'NO'}"
             + ("   (fast: checksums, PDFs and the catalogue not opened)" if report.scope == "fast" else "")]
    for key, entry in report.properties().items():
        mine = [f for f in report.findings if f.property == key]
        status = "ok" if not entry["errors"] else f"{entry['errors']} problem(s)"
        if entry["warnings"]:
            status += f", {entry['warnings']} warning(s)"
        lines.append(f"{entry['label']} {entry['name']} — {entry['checks']}: {status}")
        for f in mine:
            if f.severity == "error":
                lines.append(f"  ✗ {f.line()}")
        unbound = [f for f in mine if f.kind == "not-bound"]
        if unbound:
            per: dict[str, int] = {}
            for f in unbound:
                parts = f.path.split("/")
                label = f"{parts[1]} {parts[2]}" if len(parts) > 3 else f.path
                per[label] = per.get(label, 0) + 1
            lines.append(f"  ! {len(unbound)} record(s) not yet bound into a volume (a warning): "
                         + ", ".join(f"{k}: {n}" for k, n in per.items()) + " — list them with --json.")
            lines += [f"  ! {f.line()}" for f in unbound if "archiver build" in f.detail]
        unchecked = [f for f in mine if f.kind == "pdfa-unchecked"]
        if unchecked:
            lines.append(f"  ! {len(unchecked)} volume(s) without a recorded PDF/A-2b result (a warning): "
                         f"first {unchecked[0].path} — list them with --json.")
        lines += [f"  ! {f.line()}" for f in mine
                  if f.severity == "warning" and f.kind not in ("not-bound", "pdfa-unchecked")]
    if report.errors:
        lines.append(f"Result: {len(report.errors)} problem(s). Restore the files named from backup, register or "
                     "remove stray files, correct permissions and links, then audit again.")
    else:
        lines.append("Result: ok.")
    return lines


def record_audit(archive: Archive, report: AuditReport, *, by: str = "") -> dict[str, Any]:
    """Append the audit to ``registers/audit.jsonl`` (event ``audit``): its result per
    property (the findings once, in ``finding_list``)."""
    data = report.as_dict()
    data.pop("started")
    data["properties"] = report.properties()
    return archive.register("audit").append("audit", by=by, started=report.started, **data)


def last_audit(archive: Archive) -> dict[str, Any] | None:
    """The most recent ``audit`` entry, or None when the archive was never audited."""
    return archive.register("audit").last("audit")
