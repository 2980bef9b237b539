"""Helpers for the custody tests: file records through the CLI and bind them into a volume
the way ``archiver build`` will (a PDF plus its manifest, :mod:`archiver.volumes.manifest`),
without depending on the build stage itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
from conftest import run_cli

from archiver.atomic import READ_ONLY_MODE, write_bytes_atomic
from archiver.model import Record
from archiver.store import Archive
from archiver.volumes.manifest import VolumeDocument, VolumeManifest, write_manifest


def file_docs(root: Path, drop: Callable[..., Path], docs: list[dict[str, Any]], prefix: str = "doc") -> list[Record]:
    """Drop one scan per dict (keys: the metadata sidecar, plus ``pages`` of the scan as
    ``scan_pages``) and ingest them; return the records, in the order given."""
    for i, meta in enumerate(docs):
        meta = dict(meta)
        pages = meta.pop("scan_pages", 2)
        drop(f"{prefix}{i:03d}.pdf", pages=pages, meta=meta, seed=zlib.crc32(prefix.encode()) % 100_000 * 100 + i)
    result = run_cli(root, "ingest")
    assert result.exit_code == 0, result.output
    archive = Archive.open(root)
    by_source = {r.filing.source: r for r in archive.iter_records()}
    return [by_source[f"{prefix}{i:03d}.pdf"] for i in range(len(docs))]


def bind(archive: Archive, records: list[Record], *, volume: int = 1, year: int | None = None,
         retention: str | None = None, classification: str | None = None,
         built_at: dt.datetime | None = None) -> VolumeManifest:
    """Write a volume of ``records`` (their PDFs concatenated) and its manifest."""
    first = records[0]
    year = year or first.meta.year
    retention = retention or first.retention
    letter = archive.config.retention[retention].letter
    reference = archive.config.volumes.reference_format.format(
        fonds=archive.config.fonds_code, customer=first.customer, year=year, retention=letter, volume=volume)
    out = pikepdf.new()
    docs = []
    page = 0
    for r in records:
        with pikepdf.open(r.path) as src:
            n = len(src.pages)
            out.pages.extend(src.pages)
        docs.append(VolumeDocument(
            record=r.id, sha256=r.file.sha256, type=r.meta.type, title=r.meta.title, date=r.meta.date,
            classification=r.meta.classification, first_page=page + 1, last_page=page + n,
            pdf_first=page + 1, pdf_last=page + n,
        ))  # fmt: skip
        page += n
    buf = io.BytesIO()
    out.save(buf)
    data = buf.getvalue()
    folder = archive.volumes / first.customer / f"{year:04d}"
    pdf = folder / f"{reference}.pdf"
    write_bytes_atomic(pdf, data, mode=READ_ONLY_MODE)  # as `archiver build` stores a volume
    levels = ("ordinary", "confidential", "secret", "top-secret")
    manifest = VolumeManifest(
        reference=reference, customer=first.customer, year=year, retention=retention,
        classification=classification or max((r.meta.classification for r in records), key=levels.index),
        volume=volume, title=f"{first.customer} {year} 客户档案", start_date=min(r.meta.date for r in records),
        end_date=max(r.meta.date for r in records), page_count=page, sheet_count=(page + 1) // 2,
        built_at=built_at or dt.datetime.now().astimezone().replace(microsecond=0), filer="李明", checker="王芳",
        inputs="test", file_name=pdf.name, file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data),
        pdf_page_count=page, documents=tuple(docs), path=folder / f"{reference}.toml",
    )  # fmt: skip
    write_manifest(manifest)
    return manifest


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Flip the lowest bit of one byte (default: the middle of the file)."""
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def doc(customer: str, type_: str, date: str, **extra: Any) -> dict[str, Any]:
    return {"customer": customer, "type": type_, "date": dt.date.fromisoformat(date), **extra}
