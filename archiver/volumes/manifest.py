"""The manifest of a built volume: ``volumes/<customer>/<year>/<reference>.toml``.

Written beside the volume PDF by ``archiver build``; read by the catalogue, the audit,
the statistics and the disposal workflow. Human-readable TOML: it lists the volume's
documents in order with their archival page ranges, the PDF pages of each part and which
pages are blank (left unnumbered, Art. 16).

Page numbers come in two kinds, never mixed up:
* ``first_page`` / ``last_page``: the archival page numbers stamped on the paper (页号),
  counting only material pages with writing; absent when a document has none.
* ``pdf_first`` / ``pdf_last`` / ``blank_pages`` / ``parts``: 1-based page positions in
  the volume PDF file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from ..atomic import write_text_atomic
from ..errors import UnreadableFileError

HEADER = (
    "# 案卷清单 · volume manifest, written by `archiver build` beside the volume PDF.\n"
    "# first_page/last_page: stamped page numbers (页号, Art. 16); pdf_*: positions in the PDF.\n"
)


@dataclass(frozen=True)
class VolumeDocument:
    record: str  # record id
    sha256: str  # the record's PDF checksum when the volume was built
    type: str
    title: str
    date: dt.date
    doc_no: str = ""
    responsible: str = ""
    classification: str = "ordinary"
    group: str = ""
    role: str = ""
    first_page: int | None = None  # archival page numbers (页号)
    last_page: int | None = None
    pdf_first: int = 0  # 1-based pages of the volume PDF
    pdf_last: int = 0
    blank_pages: tuple[int, ...] = ()  # volume-PDF pages left unnumbered
    inserted_backs: tuple[int, ...] = ()  # blank backs added for simplex scans


@dataclass(frozen=True)
class VolumeManifest:
    reference: str  # 档号
    customer: str
    year: int  # filing year (Art. 7, 14)
    retention: str  # retention class code
    classification: str  # the highest classification of its documents
    volume: int  # volume number within its series (1, 2, …)
    title: str
    start_date: dt.date
    end_date: dt.date
    page_count: int  # numbered pages (页数)
    sheet_count: int
    built_at: dt.datetime
    filer: str
    checker: str
    inputs: str  # fingerprint of everything the volume was built from
    file_name: str
    file_sha256: str
    file_size: int
    pdf_page_count: int
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)  # cover/index/documents/remarks/back_cover
    documents: tuple[VolumeDocument, ...] = ()
    remarks: tuple[str, ...] = ()
    path: Path = field(default=Path(), compare=False)  # of the manifest
    pdfa: dict[str, Any] = field(default_factory=dict)  # PDF/A-2b check: valid, verdict, validator, checked, findings
    reencoded: tuple[dict[str, str], ...] = ()  # streams PDF/A forbade as they were (LZW → Flate): where, from, to
    box: int = 0  # 盒号 of its year and retention class, 0: not boxed yet (archiver papers box-labels, Art. 20)

    @property
    def pdf_path(self) -> Path:
        return self.path.with_name(self.file_name)

    @property
    def document_count(self) -> int:
        return len(self.documents)


def manifest_to_dict(m: VolumeManifest) -> dict[str, Any]:
    docs = []
    for d in m.documents:
        row: dict[str, Any] = {
            "record": d.record, "sha256": d.sha256, "type": d.type, "title": d.title, "date": d.date,
            "doc_no": d.doc_no, "responsible": d.responsible, "classification": d.classification,
            "group": d.group, "role": d.role,
        }  # fmt: skip
        if d.first_page is not None:
            row["first_page"] = d.first_page
            row["last_page"] = d.last_page
        row.update(pdf_first=d.pdf_first, pdf_last=d.pdf_last, blank_pages=list(d.blank_pages),
                   inserted_backs=list(d.inserted_backs))
        docs.append({k: v for k, v in row.items() if v != ""})
    return {
        "reference": m.reference,
        "customer": m.customer,
        "year": m.year,
        "retention": m.retention,
        "classification": m.classification,
        "volume": m.volume,
        "title": m.title,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "document_count": m.document_count,
        "page_count": m.page_count,
        "sheet_count": m.sheet_count,
        "built_at": m.built_at,
        "filer": m.filer,
        "checker": m.checker,
        "inputs": m.inputs,
        "remarks": list(m.remarks),
        "file": {"name": m.file_name, "sha256": m.file_sha256, "size": m.file_size, "page_count": m.pdf_page_count},
        "parts": {k: list(v) for k, v in m.parts.items()},
        "documents": docs,
        **({"pdfa": m.pdfa} if m.pdfa else {}),
        **({"reencoded": [dict(r) for r in m.reencoded]} if m.reencoded else {}),
        **({"box": m.box} if m.box else {}),
    }


def manifest_from_dict(data: dict[str, Any], path: Path) -> VolumeManifest:
    f = data["file"]
    return VolumeManifest(
        reference=data["reference"],
        customer=data["customer"],
        year=data["year"],
        retention=data["retention"],
        classification=data["classification"],
        volume=data["volume"],
        title=data["title"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        page_count=data["page_count"],
        sheet_count=data["sheet_count"],
        built_at=data["built_at"],
        filer=data["filer"],
        checker=data["checker"],
        inputs=data["inputs"],
        file_name=f["name"],
        file_sha256=f["sha256"],
        file_size=f["size"],
        pdf_page_count=f["page_count"],
        parts={k: (v[0], v[1]) for k, v in data.get("parts", {}).items()},
        documents=tuple(
            VolumeDocument(
                record=d["record"], sha256=d["sha256"], type=d["type"], title=d["title"], date=d["date"],
                doc_no=d.get("doc_no", ""), responsible=d.get("responsible", ""),
                classification=d.get("classification", "ordinary"), group=d.get("group", ""),
                role=d.get("role", ""), first_page=d.get("first_page"), last_page=d.get("last_page"),
                pdf_first=d["pdf_first"], pdf_last=d["pdf_last"],
                blank_pages=tuple(d.get("blank_pages", ())), inserted_backs=tuple(d.get("inserted_backs", ())),
            )  # fmt: skip
            for d in data.get("documents", [])
        ),
        remarks=tuple(data.get("remarks", ())),
        path=path,
        pdfa=_pdfa(data.get("pdfa")),
        reencoded=tuple(dict(r) for r in data.get("reencoded", ())),
        box=int(data.get("box", 0)),
    )


SEAL = "# sha256 of the manifest above this line: "


def manifest_text(m: VolumeManifest) -> str:
    """The manifest as written: TOML, then a seal line — the SHA-256 of the text above it —
    so that anything appended to it or changed in it later is found (:func:`read_manifest`)."""
    body = HEADER + tomli_w.dumps(manifest_to_dict(m))
    return f"{body}{SEAL}{hashlib.sha256(body.encode('utf-8')).hexdigest()}\n"


def check_seal(text: str) -> None:
    """Raise ValueError when the seal line is there and does not match, or is not last.
    A manifest without a seal (written before seals existed) is taken as it is."""
    at = text.rfind("\n" + SEAL)
    if at < 0 and not text.startswith(SEAL):
        return
    body, seal = text[: at + 1], text[at + 1:]
    expected = f"{SEAL}{hashlib.sha256(body.encode('utf-8')).hexdigest()}\n"
    if seal != expected:
        raise ValueError("it was changed after `archiver build` wrote it: its seal line does not match "
                         "its content, or is not its last line")


def _pdfa(value: Any) -> dict[str, Any]:
    """The ``pdfa`` field as a table (``valid``, ``verdict``…); a bare word or boolean (a
    hand-written or older manifest) is taken as the verdict."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, bool):
        return {"valid": value}
    if isinstance(value, str):
        return {"valid": value.strip().lower() in ("pass", "valid"), "verdict": value}
    return {}


def write_manifest(m: VolumeManifest) -> None:
    write_text_atomic(m.path, manifest_text(m))


# What a manifest must hold, and of which type (a manifest may carry more: later versions add keys).
_TOP: dict[str, type | tuple[type, ...]] = {
    "reference": str, "customer": str, "year": int, "retention": str, "classification": str, "volume": int,
    "title": str, "start_date": dt.date, "end_date": dt.date, "page_count": int, "sheet_count": int,
    "built_at": dt.datetime, "filer": str, "checker": str, "inputs": str, "file": dict,
}  # fmt: skip
_FILE: dict[str, type] = {"name": str, "sha256": str, "size": int, "page_count": int}
_DOCUMENT: dict[str, type | tuple[type, ...]] = {"record": str, "sha256": str, "type": str, "title": str,
                                                 "date": dt.date, "pdf_first": int, "pdf_last": int}


def check_manifest_dict(data: dict[str, Any]) -> None:
    """Raise TypeError (KeyError) when ``data`` is not a volume manifest: a required key
    missing or of the wrong type — what garbage or a damaged edit leaves behind."""
    for table, spec, where in [(data, _TOP, "")] + [(data.get("file"), _FILE, "file.")] + [
            (d, _DOCUMENT, f"documents[{i}].") for i, d in enumerate(data.get("documents", []))]:
        if not isinstance(table, dict):
            raise TypeError(f"{where.rstrip('.') or 'the manifest'} is not a table")
        for key, kind in spec.items():
            value = table[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{where}{key} is {type(value).__name__}, not {getattr(kind, '__name__', kind)}")
    if not isinstance(data.get("documents", []), list) or not isinstance(data.get("parts", {}), dict):
        raise TypeError("documents or parts has the wrong type")
    if len(data["file"]["sha256"]) != 64:
        raise TypeError("file.sha256 is not a SHA-256")


def read_manifest(path: Path, *, sealed: bool = False) -> VolumeManifest:
    """Read a manifest; with ``sealed``, also check its seal line (:func:`check_seal`):
    ``archiver build`` does, before it trusts a manifest to decide a bound PDF's fate."""
    try:
        text = path.read_text("utf-8")
        if sealed:
            check_seal(text)
        data = tomllib.loads(text)
        check_manifest_dict(data)
        return manifest_from_dict(data, path)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError, IndexError, ValueError) as exc:
        raise UnreadableFileError(
            f"The volume manifest {path} cannot be read ({type(exc).__name__}: {exc}).",
            hint="Rebuild the volume with `archiver build --force`, or restore the file from backup.",
        ) from None


def manifest_paths(volumes_dir: Path) -> Iterator[Path]:
    """Every volume manifest below ``volumes/``, in a stable order."""
    if volumes_dir.is_dir():
        # a writer's hidden temporary file (``.tmp-archiver-…``) is not a manifest yet
        yield from sorted(p for p in volumes_dir.glob("*/[0-9][0-9][0-9][0-9]/*.toml") if not p.name.startswith("."))


def iter_manifests(volumes_dir: Path) -> Iterator[VolumeManifest]:
    for path in manifest_paths(volumes_dir):
        yield read_manifest(path)
