"""The stored text of a record: ``<stem>.text.json`` beside ``<stem>.pdf`` (docs/text-format.md).

Written by the OCR stage, atomically (temporary file, fsync, rename: a reader sees no
file or a whole one); read by the catalogue's full-text index and ``archiver search``
through :func:`read_text`. A text whose ``record_sha256`` is not the record's is stale:
:func:`read_text` ignores it and the stage recognises the record again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import sha256_file, write_text_atomic
from .engine import EngineInfo

FORMAT, VERSION = "archiver-text", 1
SUFFIX = ".text.json"
SOURCES = ("ocr", "pdf", "none")
STATUSES = ("ok", "skipped", "failed")
_HEAD = re.compile(rb'"record_sha256":\s*"([0-9a-f]{64})"')
HEAD_BYTES = 512  # record_sha256 is within the first bytes of every text file this module writes


@dataclass(frozen=True)
class TextLine:
    """One line: its text, its box in PDF points (x0, y0, x1, y1 on the page as displayed,
    origin top-left, y downward) and the engine's confidence (1.0 for a page's own text)."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


@dataclass(frozen=True)
class PageText:
    page: int  # from 1, in the record
    source: str  # ocr | pdf | none
    status: str  # ok | skipped | failed
    reason: str  # why skipped or failed ("" when ok)
    width: float  # the page as displayed (after /Rotate), in points
    height: float
    lines: tuple[TextLine, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class RecordText:
    record_sha256: str
    engine: EngineInfo
    created: str  # ISO 8601 with offset
    pages: tuple[PageText, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


def text_path(record_pdf: Path) -> Path:
    """``records/<customer>/<year>/<stem>.text.json`` for ``<stem>.pdf``."""
    return record_pdf.with_name(record_pdf.stem + SUFFIX)


def to_dict(text: RecordText) -> dict[str, Any]:
    return {
        "format": FORMAT, "version": VERSION, "record_sha256": text.record_sha256,
        "engine": text.engine.as_dict(), "created": text.created,
        "pages": [{"page": p.page, "source": p.source, "status": p.status, "reason": p.reason,
                   "width": round(p.width, 2), "height": round(p.height, 2),
                   "lines": [{"text": ln.text, "box": [round(v, 2) for v in ln.box],
                              "confidence": round(ln.confidence, 4)} for ln in p.lines]}
                  for p in text.pages],
    }  # fmt: skip


def from_dict(data: dict[str, Any]) -> RecordText:
    """The text of a parsed file; raises ValueError (or KeyError, TypeError) for anything else."""
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"not {FORMAT} version {VERSION}")
    engine = data["engine"]
    pages = []
    for p in data["pages"]:
        if p["source"] not in SOURCES or p["status"] not in STATUSES:
            raise ValueError(f"page {p.get('page')}: unknown source or status")
        lines = tuple(TextLine(str(ln["text"]), _box(ln["box"]), float(ln["confidence"])) for ln in p["lines"])
        pages.append(PageText(int(p["page"]), p["source"], p["status"], str(p["reason"]), float(p["width"]),
                              float(p["height"]), lines))
    return RecordText(str(data["record_sha256"]), EngineInfo(str(engine["name"]), str(engine["version"]),
                                                             {str(k): str(v) for k, v in engine["models"].items()}),
                      str(data["created"]), tuple(pages))


def _box(raw: list[Any]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in raw)
    return (x0, y0, x1, y1)


def dumps(text: RecordText) -> str:
    """The file's JSON: one key a line at the top, one page a line and one text line a line
    (readable, and ``record_sha256`` within the first :data:`HEAD_BYTES`)."""
    data = to_dict(text)

    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = [f" {one(k)}: {one(v)}" for k, v in data.items() if k != "pages"]
    pages = []
    for page in data["pages"]:
        fields = ", ".join(f"{one(k)}: {one(v)}" for k, v in page.items() if k != "lines")
        lines = ",\n".join(f"    {one(line)}" for line in page["lines"])
        pages.append(f"  {{{fields}, \"lines\": [" + (f"\n{lines}]}}" if lines else "]}"))
    return "{\n" + ",\n".join(head) + ',\n "pages": [' + ("\n" + ",\n".join(pages) if pages else "") + "]\n}\n"


def write_text(record_pdf: Path, text: RecordText) -> Path:
    """Write the text beside its record in one atomic step; return its path."""
    target = text_path(record_pdf)
    write_text_atomic(target, dumps(text))
    return target


def load(path: Path) -> RecordText | None:
    """The text file at ``path``, or None when it is missing or not a text file of this format."""
    try:
        return from_dict(json.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_text(record_pdf: Path, sha256: str = "") -> RecordText | None:
    """The stored text of the record ``record_pdf``, or None: no text yet, a damaged file,
    or a stale one (its ``record_sha256`` is not the record's). ``sha256``: the record's
    checksum when the caller knows it (its sidecar's ``file.sha256``), else the file is hashed."""
    text = load(text_path(record_pdf))
    if text is None:
        return None
    try:
        current = sha256 or sha256_file(record_pdf)
    except OSError:
        return None
    return text if text.record_sha256 == current else None


def stored_sha256(record_pdf: Path) -> str:
    """The ``record_sha256`` of the record's text file, "" when it has none — cheap: reads
    only the file's first bytes (the stage asks it of every record)."""
    try:
        with text_path(record_pdf).open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return ""
    match = _HEAD.search(head)
    return match.group(1).decode() if match else ""


def is_current(record_pdf: Path, sha256: str) -> bool:
    """Whether the record with checksum ``sha256`` has a text file made from it."""
    return stored_sha256(record_pdf) == sha256
