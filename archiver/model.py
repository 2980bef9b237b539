"""The plain data every stage passes along: a document's metadata and its filed record.

No I/O here. Field names follow ``../shared/glossary.md``; sidecars on disk use the same
names (see :mod:`archiver.store` for how they are read and written).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# Roles inside a group of inseparable documents (Art. 12), in the order Art. 15 puts them:
# reply before request, main document before attachment, printed copy before final
# draft, original before duplicate, forwarding before forwarded, original language
# before translation.
ROLES = (
    "reply",
    "request",
    "main",
    "attachment",
    "printed",
    "final-draft",
    "original",
    "duplicate",
    "forwarding",
    "forwarded",
    "original-language",
    "translation",
)
# Kinds that change the filing year of a cross-year document (Art. 14).
KINDS = ("plan", "summary", "meeting")
SIDES = ("duplex", "simplex")


@dataclass(frozen=True)
class Metadata:
    """What a scan is: whose, which type, when, and its links (one inbox document)."""

    customer: str
    type: str
    date: dt.date
    title: str
    doc_no: str = ""  # 文号
    responsible: str = ""  # 责任者
    classification: str = "ordinary"
    retention: str = ""  # the retention class declared for it; empty: none (the type's applies)
    sides: str = "duplex"
    pages: int | None = None  # pages with writing the paper has (Art. 11)
    copies: int | None = None  # copies the paper has (Art. 11)
    group: str = ""  # Art. 12 link key, shared by related documents
    role: str = ""  # role in the group (ROLES)
    kind: str = ""  # plan / summary / meeting (Art. 14)
    period: tuple[dt.date, dt.date] | None = None  # what a plan/summary/meeting covers
    notes: str = ""  # condition notes for the remarks sheet (Art. 18, 19)

    @property
    def year(self) -> int:
        """The year folder of the record: the year of the document's own date."""
        return self.date.year


@dataclass(frozen=True)
class FileInfo:
    name: str  # file name of the PDF inside the year folder
    sha256: str
    size: int
    page_count: int
    active_content: tuple[str, ...] = ()  # what active content an accepted scan carries (filing.accept_active_content)


@dataclass(frozen=True)
class FilingInfo:
    source: str  # the inbox file name it came from
    source_size: int
    source_mtime_ns: int
    metadata_source: str  # sidecar / folder / filename / coversheet
    filed_at: dt.datetime
    filed_by: str


@dataclass(frozen=True)
class Record:
    """One filed document: metadata + the stored file + how it was filed.

    ``retention`` is the retention class that applies (Art. 17): the one ``meta``
    declared, else its document type's, fixed when the document was filed.
    """

    id: str
    meta: Metadata
    file: FileInfo
    filing: FilingInfo
    retention: str  # the retention class that applies (meta.retention declared it, or the type's)
    path: Path = field(default=Path(), compare=False)  # the PDF's path in records/

    @property
    def customer(self) -> str:
        return self.meta.customer

    @property
    def sidecar_path(self) -> Path:
        return self.path.with_suffix(".toml")


def metadata_to_dict(meta: Metadata) -> dict[str, Any]:
    """Metadata as a TOML-ready dict, leaving out empty optional fields."""
    out: dict[str, Any] = {}
    for f in fields(meta):
        value = getattr(meta, f.name)
        if value in ("", None):
            continue
        if f.name == "period" and value is not None:
            value = list(value)
        out[f.name] = value
    return out
