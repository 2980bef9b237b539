"""What an audit finds: each kind of finding with its severity, the question it answers
(complete or valid, as bagit-python keeps them apart) and the DA/T 70-2018 property it is
about; a :class:`Finding` carries data (kind, path, expected, actual, detail), not only a
sentence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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


def rel_to(path: Path, root: Path) -> str:
    """``path`` relative to the archive root, POSIX separators (as it is, outside the root)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
