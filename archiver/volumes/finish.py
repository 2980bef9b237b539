"""Pass 2 of writing a volume, on the merged pages: the blank pages inserted, form
fields flattened, active content stripped, LZW re-encoded, the pages stamped, page
labels, outline, PDF/A metadata and the file identifier.

Page labels (/PageLabels), so a viewer's page box shows what the paper shows:

* numbered pages: their page number (``1``, ``2``, …);
* form pages: ``封面-1``, ``目录-1``, ``目录-2``, ``备考-1``, ``封底-1`` … (the blank back
  that pads a form part counts as one of its pages);
* every other unnumbered page (blank scanned pages, blank backs inserted for simplex
  scans, pads after a document): ``空白-1``, ``空白-2`` … counted through the volume.

Every label is unique. The outline has one entry for the index, one per document and
one for the remarks sheet.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from ..active import strip_active_content
from . import pages as pg
from . import pdfa
from .lookcache import LookCache
from .placement import StampStyle, page_box, page_rotation, visual_size
from .plan import PlannedVolume
from .stamp import Stamper
from .textlayer import add_text_layers, page_texts

FORM_LABELS = {"cover": "封面-", "index": "目录-", "remarks": "备考-", "back_cover": "封底-"}


BLANK_LABEL = "空白-"


log = logging.getLogger(__name__)


@dataclass
class Written:
    """What :func:`write_volume` did besides writing the file."""

    pdfa: pdfa.PdfaResult
    sha256: str = ""
    size: int = 0  # bytes written
    reencoded: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # active content stripped
    flattened: bool = False


def finish(out: pikepdf.Pdf, plan: PlannedVolume, parts: Sequence[pg.Part], slots: Sequence[pg.Slot],
           where: Sequence[pg.PartPages], style: StampStyle, info: pdfa.VolumeInfo, inputs: str,
           looks: LookCache | None = None) -> Written:
    """Pass 2 on the merged pages (see :func:`write_volume`); ``looks``: the corner looks
    kept from earlier builds (:mod:`.lookcache`)."""
    for key in ("/Outlines", "/PageLabels", "/Metadata", "/OutputIntents", "/StructTreeRoot", "/MarkInfo"):
        if key in out.Root:
            del out.Root[key]
    copied = {o.objgen for o in out.objects if isinstance(o, pikepdf.Stream)}  # the forms' and records' streams
    pages = insert_blanks(out, slots)
    written = Written(pdfa=pdfa.PdfaResult(False, "not run", pdfa.validator_name(), info.created))
    written.flattened = flatten_forms(out)
    written.removed = strip_active_content(out)
    written.reencoded = pdfa.convert_forbidden_filters(_streams(pages, parts, slots, plan))
    stamper = Stamper(out, style, looks=looks)
    records = {r.id: r.file.sha256 for r in plan.documents}
    for page, slot in zip(pages, slots, strict=True):
        if slot.number is not None:
            part = parts[slot.part]
            source = (records[part.name], slot.source) if part.name in records and slot.source is not None else None
            stamper.stamp(page, slot.number, slot.side, source)
    add_text_layers(out, pages, page_texts(plan, parts, slots))  # the records' stored text, invisible (issue 12)
    set_page_labels(out, page_labels(parts, slots))
    set_outline(out, plan, where)
    pdfa.make_pdfa(out, info)
    set_id(out, inputs, plan.reference)
    compress_new_streams(out, copied)
    return written


def compress_new_streams(out: pikepdf.Pdf, copied: set[tuple[int, int]]) -> int:
    """Flate-compress the streams written for the volume (stamps, blank pages' content,
    profiles) that have no filter: the volume is saved with no stream (re)compressed, so
    the copied ones keep their bytes, and only these are compressed. The XMP packet stays
    plain (PDF/A: readable without a PDF parser). Returns how many were compressed."""
    metadata = out.Root.get("/Metadata")
    skip = {metadata.objgen} if isinstance(metadata, pikepdf.Stream) else set()
    n = 0
    for obj in out.objects:
        if (not isinstance(obj, pikepdf.Stream) or obj.objgen in copied or obj.objgen in skip
                or "/Filter" in obj.stream_dict):
            continue
        data = obj.read_bytes()
        if len(data) > 64:
            obj.write(zlib.compress(data, 6), filter=Name.FlateDecode)
            n += 1
    return n


def insert_blanks(out: pikepdf.Pdf, slots: Sequence[pg.Slot]) -> list[pikepdf.Page]:
    """Insert the blank slots' pages, each the visible size of the page it backs; returns
    the volume's pages in order."""
    merged = list(out.pages)  # (indexing out.pages is slow)
    pages: list[pikepdf.Page] = []
    k = 0
    for i, slot in enumerate(slots):
        if slot.source is None:
            prev = pages[-1]  # the page it backs: the blank takes its visible size
            w, h = visual_size(page_box(prev), page_rotation(prev))
            blank = out.make_indirect(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, w, h]),
                                                 Resources=Dictionary()))
            out.pages.insert(i, pikepdf.Page(blank))
            pages.append(out.pages[i])
        else:
            pages.append(merged[k])
            k += 1
    return pages


def flatten_forms(out: pikepdf.Pdf) -> bool:
    """Burn form fields' appearances (what was filled in) into their pages, then drop the
    form: a volume is printed and bound, never filled in. Returns whether there was one."""
    if "/AcroForm" not in out.Root:
        return False
    form = out.acroform
    try:
        if any("/AP" not in f.obj for f in form.fields if f.obj.get("/FT") is not None):
            form.needs_appearances = True
        form.generate_appearances_if_needed()
    except (pikepdf.PdfError, RuntimeError) as exc:
        log.info("form appearances could not all be generated: %s", exc)
    out.flatten_annotations("print")
    if "/AcroForm" in out.Root:
        del out.Root.AcroForm
    for page in out.pages:  # widgets left (hidden, or not printed) go with the form
        annots = page.obj.get("/Annots")
        if isinstance(annots, Array):
            keep = [a for a in annots if not (isinstance(a, Dictionary) and a.get("/Subtype") == Name.Widget)]
            if len(keep) != len(annots):
                if keep:
                    page.obj.Annots = Array(keep)
                else:
                    del page.obj["/Annots"]
    return True


def _streams(pages: Sequence[pikepdf.Page], parts: Sequence[pg.Part], slots: Sequence[pg.Slot],
             plan: PlannedVolume) -> Iterator[tuple[pikepdf.Stream, str]]:
    """Every image and content stream of the documents' pages, with where it is."""
    ids = {p.name for p in parts if p.kind == pg.DOCUMENT}
    for page, slot in zip(pages, slots, strict=True):
        part = parts[slot.part]
        if slot.source is None or part.name not in ids:
            continue
        here = f"{part.name} page {slot.source + 1}"
        contents = page.obj.get("/Contents")
        for s in contents if isinstance(contents, Array) else [contents] if contents is not None else []:
            if isinstance(s, pikepdf.Stream):
                yield s, f"{here} content"
        res = page.obj.get("/Resources")
        if isinstance(res, Dictionary):
            yield from _xobjects(res, here, set())


def _xobjects(res: Dictionary, here: str, seen: set[tuple[int, int]]) -> Iterator[tuple[pikepdf.Stream, str]]:
    xobjects = res.get("/XObject")
    if not isinstance(xobjects, Dictionary):
        return
    for name, x in xobjects.items():
        if not isinstance(x, pikepdf.Stream) or x.objgen in seen:
            continue
        seen.add(x.objgen)
        yield x, f"{here} {'image' if x.get('/Subtype') == Name.Image else 'form'} {name.lstrip('/')}"
        smask = x.get("/SMask")
        if isinstance(smask, pikepdf.Stream):
            yield smask, f"{here} soft mask of {name.lstrip('/')}"
        inner = x.get("/Resources")
        if isinstance(inner, Dictionary):
            yield from _xobjects(inner, here, seen)


def page_labels(parts: Sequence[pg.Part], slots: Sequence[pg.Slot]) -> list[tuple[str, int]]:
    """(prefix, value) of each page's label: ("", n) for page number n (see module doc)."""
    counters: dict[str, int] = {}
    labels = []
    for s in slots:
        if s.number is not None:
            labels.append(("", s.number))
            continue
        part = parts[s.part]
        prefix = FORM_LABELS.get(part.name, BLANK_LABEL) if part.kind == pg.FORM else BLANK_LABEL
        counters[prefix] = counters.get(prefix, 0) + 1
        labels.append((prefix, counters[prefix]))
    return labels


def set_page_labels(pdf: pikepdf.Pdf, labels: Sequence[tuple[str, int]]) -> None:
    """Write /PageLabels: one range wherever the prefix changes or the count jumps."""
    nums = Array()
    prev: tuple[str, int] | None = None
    for i, (prefix, value) in enumerate(labels):
        if prev is None or prefix != prev[0] or value != prev[1] + 1:
            entry = Dictionary(S=Name.D, St=value)
            if prefix:
                entry.P = pikepdf.String(prefix)
            nums.append(i)
            nums.append(entry)
        prev = (prefix, value)
    pdf.Root.PageLabels = Dictionary(Nums=nums)


def set_outline(pdf: pikepdf.Pdf, plan: PlannedVolume, where: Sequence[pg.PartPages]) -> None:
    with pdf.open_outline() as outline:
        outline.root.append(OutlineItem("卷内文件目录", where[1].pdf_first - 1))
        for i, r in enumerate(plan.documents, start=1):
            p = where[1 + i]
            pages = "" if p.first_number is None else (
                f"（第{p.first_number}页）" if p.first_number == p.last_number else f"（第{p.first_number}—{p.last_number}页）")
            outline.root.append(OutlineItem(f"{i}. {r.meta.title}{pages}", p.pdf_first - 1))
        outline.root.append(OutlineItem("卷内备考表", where[-2].pdf_first - 1))


def set_id(pdf: pikepdf.Pdf, inputs: str, reference: str) -> None:
    """The file identifier /ID from what the volume is made of: the same inputs give the
    same identifier, another volume or other inputs another one."""
    first = hashlib.sha256(f"{reference}\n{inputs}".encode()).digest()[:16]
    pdf.trailer.ID = Array([pikepdf.String(first), pikepdf.String(first)])
