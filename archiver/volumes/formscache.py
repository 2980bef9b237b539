"""A volume's forms (cover, index, remarks sheet, back cover) as one PDF, and the
cache of them: one entry per reference code in ``<cache>/forms-cache/``, replaced when
the sheet changes, removed when the volume is destroyed (:func:`forget_volume`)."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pikepdf

from ..atomic import write_bytes_atomic, write_text_atomic

FORM_PARTS = ("cover", "index", "remarks", "back_cover")

log = logging.getLogger(__name__)


class Renderer(Protocol):
    def cover(self, sheet: Any) -> bytes: ...
    def index(self, sheet: Any) -> bytes: ...
    def remarks(self, sheet: Any) -> bytes: ...
    def back_cover(self, sheet: Any) -> bytes: ...


FORMS_CACHE = "forms-cache"  # in the cache folder: each volume's rendered forms (see render_forms)


# PDF work -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Forms:
    """The volume's forms as one PDF (so their font is embedded once) and the pages of each."""

    data: bytes
    spans: dict[str, tuple[int, int]]  # part → (first, last) page, 1-based

    def count(self, part: str) -> int:
        first, last = self.spans[part]
        return last - first + 1


def render_forms(renderer: Renderer, sheet: Any, cache_dir: Path | None = None) -> Forms:
    """The renderer's one-document forms (``document(sheet)``, the production renderer),
    else its four standalone PDFs put together (a renderer with only the four methods).

    A renderer that gives a ``cache_key(sheet)`` has the volume's forms kept in
    ``cache_dir`` (one entry per reference code, replaced when the sheet changes): a
    rebuild of an unchanged volume (``build --force``) then needs no layout, no font and
    no fpdf2 at all. :func:`forget_volume` removes a volume's entry (its index lists the
    documents' titles: a destroyed volume's must go with it)."""
    document = getattr(renderer, "document", None)
    if document is not None:
        key_of = getattr(renderer, "cache_key", None)
        reference = getattr(sheet, "reference_code", "")
        cached = (cache_dir / FORMS_CACHE / f"{reference}.pdf"
                  if cache_dir is not None and key_of is not None and reference else None)
        key = key_of(sheet) if cached is not None and key_of is not None else ""
        if cached is not None:
            try:
                meta = json.loads(cached.with_suffix(".json").read_text("utf-8"))
                if meta["key"] == key:
                    spans = {k: (int(v[0]), int(v[1])) for k, v in meta["spans"].items()}
                    return Forms(cached.read_bytes(), spans)
            except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
                pass  # not cached (or a damaged entry): render
        doc = document(sheet)
        forms = Forms(doc.data, dict(doc.spans))
        if cached is not None:
            try:
                cached.with_suffix(".json").unlink(missing_ok=True)  # (an entry without meta is not read)
                write_bytes_atomic(cached, forms.data)
                write_text_atomic(cached.with_suffix(".json"), json.dumps({"key": key, "spans": forms.spans}))
            except OSError as exc:
                log.info("forms cache %s not written: %s", cached, exc)
        return forms
    pages: dict[str, tuple[int, int]] = {}
    with pikepdf.new() as out:
        for name in FORM_PARTS:
            with pikepdf.open(io.BytesIO(getattr(renderer, name)(sheet))) as src:
                first = len(out.pages) + 1
                out.pages.extend(src.pages)
                pages[name] = (first, len(out.pages))
        buf = io.BytesIO()
        out.save(buf, deterministic_id=True)
    return Forms(buf.getvalue(), pages)


def forget_volume(cache_dir: Path, reference: str) -> None:
    """Remove what the build keeps of a volume besides its files (its cached forms), e.g.
    when the volume is destroyed (Art. 29)."""
    for suffix in (".json", ".pdf"):
        (cache_dir / FORMS_CACHE / f"{reference}{suffix}").unlink(missing_ok=True)
