"""Helpers for the papers tests: volumes as manifests (what the papers read of a volume),
and a paper read back — its PDF/A-2b verdict and its words with their positions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from volumes_helpers import Word, words

from archiver.store import Archive
from archiver.volumes import pdfa
from archiver.volumes.manifest import VolumeDocument, VolumeManifest, write_manifest

MM = 72 / 25.4


def manifest(archive: Archive, customer: str, number: int, *, year: int = 2026, retention: str = "permanent",
             sheets: int = 100, classification: str = "ordinary", title: str = "", documents: int = 3) -> VolumeManifest:
    """Write the manifest of a volume (no PDF: the papers print from manifests)."""
    cfg = archive.config
    ref = cfg.volumes.reference_format.format(fonds=cfg.fonds_code, customer=customer, year=year,
                                              retention=cfg.retention[retention].letter, volume=number)
    docs = tuple(VolumeDocument(record=f"{ref}-r{i}", sha256="0" * 64, type="contract", title=f"销售合同第{i}号",
                                date=dt.date(year, i, 10), first_page=2 * i - 1, last_page=2 * i)
                 for i in range(1, documents + 1))
    m = VolumeManifest(
        reference=ref, customer=customer, year=year, retention=retention, classification=classification,
        volume=number, title=title or f"{customer} {year}年客户档案（第{number}卷）", start_date=dt.date(year, 1, 10),
        end_date=dt.date(year, documents, 10), page_count=2 * documents, sheet_count=sheets,
        built_at=dt.datetime(year + 1, 1, 5, 9, tzinfo=dt.UTC), filer="王小明", checker="李建国", inputs="test",
        file_name=f"{ref}.pdf", file_sha256="0" * 64, file_size=1, pdf_page_count=2 * documents, documents=docs,
        path=archive.volumes / customer / f"{year:04d}" / f"{ref}.toml",
    )  # fmt: skip
    write_manifest(m)
    return m


def read_paper(path: Path) -> list[list[Word]]:
    """The paper's words per page; fails unless it is valid PDF/A-2b (the project's check)."""
    result = pdfa.check(path)
    assert result.valid, result.summary()
    return words(path)


def line_of(page: list[Word], text: str) -> list[Word]:
    """The words on the line (same baseline ±2 pt) of the first word that is ``text``."""
    first = next(w for w in page if w.text == text)
    return sorted((w for w in page if abs(w.y1 - first.y1) < 2), key=lambda w: w.x0)


def row_of(page: list[Word], word: Word, tol: float = 9.0) -> list[Word]:
    """The words of a table row: their middles within ``tol`` pt of ``word``'s, left to right
    (a cell with two lines has its lines above and below a one-line cell's middle)."""
    mid = (word.y0 + word.y1) / 2
    return sorted((w for w in page if abs((w.y0 + w.y1) / 2 - mid) < tol), key=lambda w: (w.x0, w.y0))


def joined(page: list[Word]) -> str:
    return "".join(w.text for w in page)
