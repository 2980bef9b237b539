"""The four forms of a volume rendered together: one fpdf2 document, one font subset.

Each form starts on a new page; the assembler places them (cover → index → documents →
remarks sheet → back cover, each starting on a front); the forms never pad themselves.

Speed, and one font per volume: the assembler takes the one PDF (:meth:`FormRenderer.document`:
its bytes and the pages of each form), so the subset is embedded once in the volume. The
four standalone PDFs (``cover()`` …) are split from it with pikepdf for other callers; the
first form asked for renders all four and the other three are served from that (the
sheet is immutable, so this is safe).

Everything a user may want to restyle is in ``archiver/templates/forms/forms.toml``; an
archive may override any part of it (``volumes.forms_style``, see :mod:`.style`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...forms import render
from ...forms.fonts import FontSet, load_fonts, shipped
from ...forms.style import strings
from ...forms.typeset import Typesetter
from . import back_cover, cover, index, remarks
from .sheet import VolumeSheet, sheet_fields
from .style import load_style

PARTS = ("cover", "index", "remarks", "back_cover")
LAYOUTS: dict[str, Callable[[Typesetter, dict[str, Any], VolumeSheet], None]] = {
    "cover": cover.draw, "index": index.draw, "remarks": remarks.draw, "back_cover": back_cover.draw,
}
TITLES = {"cover": "案卷封面", "index": "卷内文件目录", "remarks": "卷内备考表", "back_cover": "封底"}


@dataclass(frozen=True)
class FormsDocument:
    """The four forms of a volume in one PDF: ``spans[part]`` = (first, last) page, 1-based."""

    data: bytes
    spans: dict[str, tuple[int, int]]


class FormRenderer:
    """Renders the four forms of a volume; fonts and style are read once per process.

    ``font`` (``volumes.font``) and ``style`` (``volumes.forms_style``): '' for the shipped
    ones; a relative path is taken relative to ``base`` (the archive root) when given.
    ``binding_margin_mm`` (``volumes.binding_margin_mm``) widens the side margins if the
    style's are narrower. Safe to share between threads.
    """

    def __init__(self, font: str = "", *, style: str | Path = "", binding_margin_mm: float | None = None,
                 base: Path | None = None) -> None:
        if base is not None:
            font = str(base / Path(font).expanduser()) if font else ""
            style = base / Path(style).expanduser() if style else ""
        self.font = font
        if font and not Path(font).expanduser().is_file():
            load_fonts(font)  # raises the ConfigError naming volumes.font
        self._fonts: FontSet | None = None  # read on first render (a cached volume needs none)
        self.style = load_style(style)
        page = self.style["page"]
        self.side = max(float(page["side"]), binding_margin_mm or 0.0)
        self._lock = threading.Lock()
        self._last: tuple[VolumeSheet, dict[str, bytes]] | None = None
        self._last_doc: tuple[VolumeSheet, FormsDocument] | None = None

    def prepare(self) -> None:
        """Read the fonts now (a build does while its records are analysed)."""
        _ = self.fonts

    @property
    def fonts(self) -> FontSet:
        if self._fonts is None:
            self._fonts = load_fonts(self.font)
        return self._fonts

    def cache_key(self, sheet: VolumeSheet) -> str:
        """A key for the rendered forms of ``sheet``: the sheet, the style, the font file
        and the versions of archiver and fpdf2 — the same key, the same PDF."""
        from ... import __version__

        font = Path(self.font).expanduser() if self.font else shipped()
        font_id = [str(font), font.stat().st_size, font.stat().st_mtime_ns]
        text = json.dumps([repr(sheet), self.style, self.side, font_id, __version__, fpdf2_version()],
                          sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # The four forms; each a complete PDF.
    def cover(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["cover"]

    def index(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["index"]

    def remarks(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["remarks"]

    def back_cover(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["back_cover"]

    def forms(self, sheet: VolumeSheet) -> dict[str, bytes]:
        """All four forms of ``sheet`` (cover, index, remarks, back_cover), rendered together."""
        with self._lock:
            if self._last is not None and self._last[0] == sheet:
                return self._last[1]
        doc = self.document(sheet)
        result = render.split(doc.data, doc.spans, {p: f"{TITLES[p]} {sheet.reference_code}" for p in PARTS})
        with self._lock:
            self._last = (sheet, result)
        return result

    def document(self, sheet: VolumeSheet) -> FormsDocument:
        """The four forms of ``sheet`` as ONE PDF (one font subset) and the pages of each."""
        with self._lock:
            if self._last_doc is not None and self._last_doc[0] == sheet:
                return self._last_doc[1]
        data, spans = self._render(sheet)
        doc = FormsDocument(render.finish(data, f"卷内表格 {sheet.reference_code}"), spans)
        with self._lock:
            self._last_doc = (sheet, doc)
        return doc

    def _render(self, sheet: VolumeSheet) -> tuple[bytes, dict[str, tuple[int, int]]]:
        values = sheet_fields(sheet)
        texts = [*strings(self.style), *(str(v) for v in values.values())]
        texts += [f"{r.doc_no}{r.responsible}{r.title}{r.remark}" for r in sheet.rows]
        texts += list(sheet.remarks)
        pdf = render.new_document(self.style["page"], self.fonts, "".join(texts), side=self.side,
                                  created=sheet.date)
        ts = Typesetter(pdf, self.style["page"], values)
        spans: dict[str, tuple[int, int]] = {}
        for part in PARTS:
            first = pdf.page + 1
            LAYOUTS[part](ts, self.style, sheet)
            spans[part] = (first, pdf.page)
        return render.output(pdf), spans


def fpdf2_version() -> str:
    """The installed fpdf2's version, from its ``fpdf2-<version>.dist-info`` folder beside
    the package (what importlib.metadata reads, without its 30 ms of imports and search
    on every build); importlib.metadata where that folder is not there."""
    import importlib.util

    spec = importlib.util.find_spec("fpdf")
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob("fpdf2-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len("fpdf2-"):-len(".dist-info")]
    from importlib.metadata import version

    return version("fpdf2")
