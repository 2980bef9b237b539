"""One printed paper: laid out with the forms machinery, finished as PDF/A-2b, written.

Every paper uses the one font set of the volume forms (``volumes.font``, else the shipped
Song face), the page geometry of ``templates/forms/papers.toml`` and its own section of
that file. The PDF is finished as the volumes are (:func:`archiver.volumes.pdfa.make_pdfa`:
output intent, XMP metadata) and checked with the same validator after it is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from ..atomic import write_bytes_atomic
from ..forms.fonts import load_fonts
from ..forms.render import new_document, output, tag_subsets
from ..forms.style import load_style, strings
from ..forms.typeset import Typesetter
from ..volumes.pdfa import PdfaResult, VolumeInfo, check, make_pdfa

SHIPPED = "papers.toml"


@functools.cache
def style() -> dict[str, Any]:
    """The papers' style (shipped; not overridden per archive yet)."""
    return load_style(SHIPPED, key="papers.toml")


@dataclass(frozen=True)
class Paper:
    """What a paper says about itself (PDF/A metadata) and what it prints."""

    title: str  # dc:title, e.g. "案卷目录 Q001 2026 永久"
    identifier: str  # dc:identifier
    created: dt.datetime  # timezone-aware; the day is printed as the paper's date


Draw = Callable[[Typesetter, Mapping[str, Any]], None]


def render(paper: Paper, section: str, draw: Draw, *, texts: Iterable[str], values: Mapping[str, object] | None = None,
           font: str = "") -> bytes:
    """The paper as PDF/A-2b bytes: ``draw(ts, style[section])`` on a new document whose
    font subset holds the section's texts and ``texts`` (everything the data prints)."""
    st = style()
    page = st["page"]
    chars = "".join([*strings(page), *strings(st[section]), *texts, *(str(v) for v in (values or {}).values())])
    pdf = new_document(page, load_fonts(font), chars, side=float(page["side"]), created=paper.created.date())
    ts = Typesetter(pdf, page, values or {})
    draw(ts, st[section])
    return finish_pdfa(output(pdf), paper)


def finish_pdfa(data: bytes, paper: Paper) -> bytes:
    """fpdf2's PDF made PDF/A-2b: subsets named, viewer actions dropped, output intent and metadata added."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tag_subsets(pdf)
        for key in ("/OpenAction", "/PageMode", "/PageLayout"):  # fpdf2's viewer settings: not for paper
            if key in pdf.Root:
                del pdf.Root[key]
        make_pdfa(pdf, VolumeInfo(title=paper.title, identifier=paper.identifier, created=paper.created))
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def write(path: Path, data: bytes, now: dt.datetime) -> PdfaResult:
    """Write the paper (atomically) and check the written file as PDF/A-2b."""
    write_bytes_atomic(path, data)
    return check(path, now=now)


def page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
