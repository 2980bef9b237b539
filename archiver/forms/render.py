"""The PDF of a printed paper: a new fpdf2 document with the fonts, its bytes, its subsets named.

fpdf2 is imported on the first document (start-up time: a command that prints nothing
needs none). Every document's main font is the one font set of :mod:`.fonts`, subsetted
to the characters the paper prints; :func:`finish` names each subset after its content
(PDF 32000 §9.6.4) so that documents merged into one file never share a tag by accident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pikepdf

from .fonts import OUTPUT_LOCK, FontSet

if TYPE_CHECKING:
    from fpdf import FPDF

DIGITS = "0123456789–"  # page numbers and ranges the layouts add to the texts they were given


def new_document(page: Mapping[str, Any], fonts: FontSet, text: str, *, side: float,
                 created: dt.date) -> FPDF:
    """An fpdf2 document in millimetres, pages sized as the style's ``[page]``, which the
    layout breaks itself; ``text``: every character it will print (for the font subset
    and the fallback fonts)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(float(page["width"]), float(page["height"])))
    pdf.set_auto_page_break(False)
    fonts.attach(pdf, unicodedata.normalize("NFC", text) + DIGITS)
    pdf.set_margins(side, float(page["top"]), side)
    pdf.set_creation_date(dt.datetime.combine(created, dt.time(), tzinfo=dt.UTC))
    pdf.set_producer("archiver")
    return pdf


def output(pdf: FPDF) -> bytes:
    """The document's bytes (fpdf2 subsets the shared font objects here: one at a time)."""
    with OUTPUT_LOCK:
        return bytes(pdf.output())


def finish(data: bytes, title: str) -> bytes:
    """The document with its subsets named after their content, titled ``title``."""
    with pikepdf.open(io.BytesIO(data)) as src:
        tag_subsets(src)
        src.docinfo["/Title"] = title
        src.docinfo["/Producer"] = "archiver"
        buf = io.BytesIO()
        src.save(buf, deterministic_id=True)
    return buf.getvalue()


def split(data: bytes, spans: Mapping[str, tuple[int, int]], titles: Mapping[str, str]) -> dict[str, bytes]:
    """Standalone PDFs of the page ranges ``spans`` (1-based, inclusive) of ``data``."""
    out: dict[str, bytes] = {}
    with pikepdf.open(io.BytesIO(data)) as src:
        for part, (first, last) in spans.items():
            with pikepdf.new() as dst:
                dst.pages.extend(src.pages[first - 1:last])
                dst.docinfo["/Title"] = titles[part]
                dst.docinfo["/Producer"] = "archiver"
                buf = io.BytesIO()
                dst.save(buf, deterministic_id=True, compress_streams=True)
                out[part] = buf.getvalue()
    return out


def tag_subsets(pdf: pikepdf.Pdf) -> None:
    """Name each embedded subset after its content (fpdf2 tags every subset "MPDFAA+").

    PDF 32000 §9.6.4: different subsets in one file must have different tags. Forms are
    merged into a volume with other PDFs, so the tag is derived from the font program:
    the forms of one document share one subset and so one name; other subsets differ.
    """
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(fonts, pikepdf.Dictionary):
            continue
        for font in fonts.values():
            for cid_font in font.get("/DescendantFonts", pikepdf.Array()):
                descriptor = cid_font.get("/FontDescriptor")
                if not isinstance(descriptor, pikepdf.Dictionary):
                    continue
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                base = str(font.get("/BaseFont", ""))
                if not isinstance(program, pikepdf.Stream) or not base.startswith("/MPDFAA+"):
                    continue
                digest = hashlib.sha256(program.read_raw_bytes()).digest()
                tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
                name = pikepdf.Name("/" + tag + base[len("/MPDFAA"):])
                font.BaseFont = name
                cid_font.BaseFont = name
                descriptor.FontName = name
