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

import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from ..atomic import TEMP_PREFIX
from ..errors import ConfigError
from ..model import Record
from ..register import now
from ..store import Archive, read_record
from ..volumes.manifest import VolumeManifest, read_manifest

# kind → (severity, question it answers, plain words)
KINDS: dict[str, tuple[str, str, str]] = {
    "missing": ("error", "complete", "a recorded file is missing"),
    "unregistered": ("error", "complete", "a file nobody recorded"),
    "no-sidecar": ("error", "complete", "a record PDF without its sidecar"),
    "no-manifest": ("error", "complete", "a volume PDF without its manifest"),
    "unreadable-sidecar": ("error", "complete", "a sidecar or manifest that cannot be read"),
    "volume-record-missing": ("error", "complete", "a volume lists a record that is not filed"),
    "size-changed": ("error", "valid", "the file's size differs from the recorded size"),
    "altered": ("error", "valid", "the file's SHA-256 differs from the recorded checksum"),
    "unreadable": ("error", "valid", "the PDF cannot be opened"),
    "damaged": ("error", "valid", "the PDF opens only after repair"),
    "page-count": ("error", "valid", "the PDF has another number of pages than recorded"),
    "volume-record-changed": ("error", "valid", "a volume lists a record whose checksum has changed since"),
    "not-bound": ("warning", "bound", "a record that is in no volume yet"),
    "torn-line": ("warning", "registers", "a register line cut off by a crash (never recorded)"),
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
    page_count: int | None  # None: not a PDF (a held sidecar or manifest)
    what: str


@dataclass
class Inventory:
    """What the archive recorded, read from sidecars, manifests and the disposal register."""

    expected: list[Expected] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    manifests: list[VolumeManifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # found while reading the inventory


@dataclass
class AuditReport:
    scope: str  # "full" or "fast"
    started: Any
    seconds: float
    files: int
    bytes: int
    findings: list[Finding]

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
        }


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
            try:
                record = read_record(path)
            except ConfigError as exc:
                inv.findings.append(Finding("unreadable-sidecar", _rel(archive, path), detail=exc.message))
                claimed.add(path.with_suffix(".pdf"))  # its PDF is not "without sidecar"
                continue
            inv.records.append(record)
            claimed.add(record.path)
            inv.expected.append(Expected(record.path, record.file.sha256, record.file.size,
                                         record.file.page_count, f"record {record.id}"))
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
            try:
                manifest = read_manifest(path)
            except ConfigError as exc:
                inv.findings.append(Finding("unreadable-sidecar", _rel(archive, path), detail=exc.message))
                claimed.add(path.with_suffix(".pdf"))
                continue
            aside = _set_aside(archive.volumes, path)
            if aside:  # an older version `archiver build` kept: its PDF sits beside it, renamed alike
                pdf = path.with_suffix(".pdf")
                what = f"superseded volume {manifest.reference} (kept in {aside}/)"
            else:
                inv.manifests.append(manifest)
                pdf, what = manifest.pdf_path, f"volume {manifest.reference}"
            claimed.add(pdf)
            inv.expected.append(Expected(pdf, manifest.file_sha256, manifest.file_size, manifest.pdf_page_count, what))
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
    if exp.page_count is not None:
        findings.extend(pdf_findings(data, rel, exp))
    return findings, len(data)


def pdf_findings(data: bytes, rel: str, exp: Expected) -> list[Finding]:
    """Open the PDF from memory: unreadable, repaired on opening, or another page count."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            warnings = pdf.get_warnings()
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        return [Finding("unreadable", rel, detail=f"{exp.what}: {str(exc).split(': ', 1)[-1][:200]}")]
    out = []
    if warnings:
        out.append(Finding("damaged", rel, detail=f"{exp.what}: {warnings[0].split(': ', 1)[-1][:200]}"))
    if exp.page_count is not None and pages != exp.page_count:
        out.append(Finding("page-count", rel, expected=str(exp.page_count), actual=str(pages), detail=exp.what))
    return out


def run_audit(archive: Archive, *, fast: bool = False, held: Iterable[Expected] = (),
              progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Audit the whole archive. ``progress(size, total)`` is called after each file with
    its recorded size and the total recorded size of all files (for a progress bar)."""
    started = now()
    clock = time.monotonic()
    inv = read_inventory(archive, held)
    findings = list(inv.findings)
    total = 0
    planned = sum(e.size for e in inv.expected)
    for exp in inv.expected:
        found, read = check_file(exp, _rel(archive, exp.path), fast=fast)
        findings.extend(found)
        total += read
        if progress is not None:
            progress(exp.size, planned)
    findings.extend(binding_findings(inv.records, inv.manifests, archive.root))
    findings.extend(register_findings(archive))
    return AuditReport(
        scope="fast" if fast else "full",
        started=started,
        seconds=time.monotonic() - clock,
        files=len(inv.expected),
        bytes=total,
        findings=findings,
    )


def record_audit(archive: Archive, report: AuditReport, *, by: str = "") -> dict[str, Any]:
    """Append the audit to ``registers/audit.jsonl`` (event ``audit``)."""
    data = report.as_dict()
    data.pop("started")
    return archive.register("audit").append("audit", by=by, started=report.started, **data)


def last_audit(archive: Archive) -> dict[str, Any] | None:
    """The most recent ``audit`` entry, or None when the archive was never audited."""
    return archive.register("audit").last("audit")
