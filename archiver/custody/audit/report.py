"""The audit's report: its findings under the four properties, complete and valid, the
terminal lines, and its entry in ``registers/audit.jsonl`` (event ``audit``) with its
scope, result, counts and every finding — so the statistics and the catalogue can show
the last audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...store import Archive
from .findings import PROPERTIES, Finding


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
