"""Assembling one volume PDF and its manifest (Art. 16–20).

Order (Art. 20): cover → volume index → documents → remarks sheet → back cover, each
part starting on a front (:mod:`.pages`). The scans' pages are copied as they are
(pikepdf, no stream decoded or re-encoded) and the numbered ones stamped (:mod:`.stamp`).

The forms and the blank-page detector come in as parameters — a ``renderer`` with
``cover/index/remarks/back_cover(sheet) -> bytes`` (one standalone A4 PDF each) and
``detect(pdf_path, sha256, cache_dir) -> list[bool]`` — so this module does not depend on
how either works (production: :mod:`.forms` and :mod:`.blank`).

Page labels (/PageLabels), so a viewer's page box shows what the paper shows:

* numbered pages: their page number (``1``, ``2``, …);
* form pages: ``封面-1``, ``目录-1``, ``目录-2``, ``备考-1``, ``封底-1`` … (the blank back
  that pads a form part counts as one of its pages);
* every other unnumbered page (blank scanned pages, blank backs inserted for simplex
  scans, pads after a document): ``空白-1``, ``空白-2`` … counted through the volume.

Every label is unique. The outline has one entry for the index, one per document and
one for the remarks sheet.

In the manifest a document's ``pdf_first``–``pdf_last`` are its own pages and the blank
backs inserted for it; a pad page (the blank back of a part's last sheet) belongs to no
range.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from .. import __version__
from ..atomic import READ_ONLY_MODE, TEMP_PREFIX, ensure_dir, fsync_dir, sha256_file
from ..config import Config
from ..customers import Customer
from ..errors import IntegrityError
from ..model import Record
from . import pages as pg
from .manifest import VolumeDocument, VolumeManifest, write_manifest
from .plan import PlannedVolume
from .remarks import volume_remarks
from .rules import ROLE_LABELS
from .stamp import Stamper, StampStyle, page_box, page_rotation, small_pages, visual_size

FORM_PARTS = ("cover", "index", "remarks", "back_cover")
FORM_LABELS = {"cover": "封面-", "index": "目录-", "remarks": "备考-", "back_cover": "封底-"}
BLANK_LABEL = "空白-"

BlankDetector = Callable[[Path, str, Path], list[bool]]


class Renderer(Protocol):
    def cover(self, sheet: Any) -> bytes: ...
    def index(self, sheet: Any) -> bytes: ...
    def remarks(self, sheet: Any) -> bytes: ...
    def back_cover(self, sheet: Any) -> bytes: ...


@dataclass(frozen=True)
class Context:
    """What assembling a volume needs besides its plan."""

    config: Config
    customer: Customer
    renderer: Renderer
    detect: BlankDetector
    cache_dir: Path  # for the blank detector's cached decisions
    filer: str
    checker: str
    today: dt.date  # 立卷时间 on the remarks sheet
    built_at: dt.datetime


def volume_title(plan: PlannedVolume, customer: Customer, config: Config) -> str:
    """"<customer name> <year>年客户档案" with the retention class and volume number (Art. 17, 20)."""
    retention = config.retention[plan.retention].name
    return f"{customer.name} {plan.year}年客户档案（{retention}·第{plan.number}卷）"


def make_sheet(plan: PlannedVolume, ctx: Context, doc_pages: dict[str, pg.PartPages],
               remarks: tuple[str, ...]) -> Any:
    """The data of the volume's forms (cover, index, remarks sheet, back cover)."""
    from .forms import IndexRow, VolumeSheet  # the forms stage (volumes-forms)

    rows = tuple(
        IndexRow(number=i, doc_no=r.meta.doc_no, responsible=r.meta.responsible, title=r.meta.title,
                 date=r.meta.date, first_page=doc_pages[r.id].first_number, last_page=doc_pages[r.id].last_number,
                 remark=ROLE_LABELS.get(r.meta.role, ""))
        for i, r in enumerate(plan.documents, start=1)
    )
    cfg = ctx.config
    return VolumeSheet(
        fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name, reference_code=plan.reference,
        title=volume_title(plan, ctx.customer, cfg), customer_code=plan.customer, customer_name=ctx.customer.name,
        year=plan.year, retention_name=cfg.retention[plan.retention].name, volume_number=plan.number,
        classification_label="" if plan.classification == "ordinary" else cfg.classifications[plan.classification],
        start_date=plan.start_date, end_date=plan.end_date, document_count=len(plan.documents),
        page_count=sum(_count(doc_pages[r.id]) for r in plan.documents),
        rows=rows, remarks=remarks, filer=ctx.filer, checker=ctx.checker, date=ctx.today,
    )  # fmt: skip


def _count(p: pg.PartPages) -> int:
    return 0 if p.first_number is None or p.last_number is None else p.last_number - p.first_number + 1


def detect_blanks(plan: PlannedVolume, ctx: Context) -> dict[str, tuple[bool, ...]]:
    out = {}
    for r in plan.documents:
        flags = tuple(ctx.detect(r.path, r.file.sha256, ctx.cache_dir))
        if len(flags) != r.file.page_count:
            raise IntegrityError(
                f"{r.path} has {len(flags)} pages, its sidecar records {r.file.page_count}.",
                hint="The PDF was changed after filing: restore it from backup and build again.",
            )
        out[r.id] = flags
    return out


def document_parts(plan: PlannedVolume, blanks: dict[str, tuple[bool, ...]]) -> list[pg.Part]:
    return [pg.Part(r.id, pg.DOCUMENT, blanks[r.id], simplex=r.meta.sides == "simplex") for r in plan.documents]


def assemble(plan: PlannedVolume, ctx: Context, target: Path, inputs: str) -> VolumeManifest:
    """Build ``plan`` into the PDF ``target`` and write its manifest beside it."""
    blanks = detect_blanks(plan, ctx)
    docs = document_parts(plan, blanks)
    # Page numbers do not depend on the forms (they are unnumbered): place the documents
    # once with one-page forms to know each document's numbers for the index.
    draft = [pg.Part(n, pg.FORM, (False,)) for n in FORM_PARTS[:2]] + docs + \
            [pg.Part(n, pg.FORM, (False,)) for n in FORM_PARTS[2:]]
    draft_slots = pg.layout(draft)
    draft_pages = pg.part_pages(draft_slots, len(draft))
    doc_pages = {r.id: draft_pages[2 + i] for i, r in enumerate(plan.documents)}
    style = StampStyle.from_config(ctx.config.volumes)
    remarks = volume_remarks(plan, doc_pages, ctx.config, small_numbers(plan, draft_slots, style))
    sheet = make_sheet(plan, ctx, doc_pages, remarks)

    with ExitStack() as stack:
        forms = {name: stack.enter_context(pikepdf.open(io.BytesIO(getattr(ctx.renderer, name)(sheet))))
                 for name in FORM_PARTS}
        sources: list[pikepdf.Pdf] = [forms["cover"], forms["index"]]
        sources += [stack.enter_context(pikepdf.open(r.path)) for r in plan.documents]
        sources += [forms["remarks"], forms["back_cover"]]
        parts = [pg.Part("cover", pg.FORM, (False,) * len(forms["cover"].pages)),
                 pg.Part("index", pg.FORM, (False,) * len(forms["index"].pages)),
                 *docs,
                 pg.Part("remarks", pg.FORM, (False,) * len(forms["remarks"].pages)),
                 pg.Part("back_cover", pg.FORM, (False,) * len(forms["back_cover"].pages))]
        slots = pg.layout(parts)
        where = pg.part_pages(slots, len(parts))
        for i, r in enumerate(plan.documents):
            if (where[2 + i].first_number, where[2 + i].last_number) != (doc_pages[r.id].first_number,
                                                                        doc_pages[r.id].last_number):
                raise AssertionError("page numbers moved with the forms")  # a bug, never a user error
        out = stack.enter_context(pikepdf.new())
        write_pages(out, sources, slots, style)
        set_page_labels(out, page_labels(parts, slots))
        set_outline(out, plan, where)
        set_info(out, plan, ctx)
        set_id(out, inputs, plan.reference)
        save_atomic(out, target)

    m = VolumeManifest(
        reference=plan.reference, customer=plan.customer, year=plan.year, retention=plan.retention,
        classification=plan.classification, volume=plan.number, title=sheet.title,
        start_date=plan.start_date, end_date=plan.end_date, page_count=pg.numbered_count(slots),
        sheet_count=pg.sheet_count(slots), built_at=ctx.built_at, filer=ctx.filer, checker=ctx.checker,
        inputs=inputs, file_name=target.name, file_sha256=sha256_file(target), file_size=target.stat().st_size,
        pdf_page_count=len(slots),
        parts={"cover": _range(where[0]), "index": _range(where[1]),
               "documents": (_range(where[2])[0], _range(where[1 + len(docs)])[1]),
               "remarks": _range(where[-2]), "back_cover": _range(where[-1])},
        documents=tuple(_document(r, where[2 + i]) for i, r in enumerate(plan.documents)),
        remarks=remarks, path=target.with_suffix(".toml"),
    )  # fmt: skip
    write_manifest(m)
    return m


def small_numbers(plan: PlannedVolume, slots: Sequence[pg.Slot], style: StampStyle) -> list[int]:
    """The numbers stamped smaller because their page is too small (for the remarks sheet)."""
    by_part: dict[int, list[pg.Slot]] = {}
    for s in slots:
        if s.number is not None and s.source is not None:
            by_part.setdefault(s.part, []).append(s)
    out: list[int] = []
    for i, r in enumerate(plan.documents):
        if by_part.get(2 + i):
            with pikepdf.open(r.path) as pdf:
                out += small_pages([(pdf.pages[s.source], s.number, s.side) for s in by_part[2 + i]], style)  # type: ignore[index, misc]
    return out


def _range(p: pg.PartPages) -> tuple[int, int]:
    """A part's own PDF pages: the pad after it excluded."""
    last = p.pdf_last - len(p.pads)
    return (p.pdf_first, last)


def _document(r: Record, p: pg.PartPages) -> VolumeDocument:
    first, last = _range(p)
    return VolumeDocument(
        record=r.id, sha256=r.file.sha256, type=r.meta.type, title=r.meta.title, date=r.meta.date,
        doc_no=r.meta.doc_no, responsible=r.meta.responsible, classification=r.meta.classification,
        group=r.meta.group, role=r.meta.role, first_page=p.first_number, last_page=p.last_number,
        pdf_first=first, pdf_last=last, blank_pages=p.blank_pages, inserted_backs=p.inserted_backs,
    )  # fmt: skip


# PDF work -----------------------------------------------------------------------------------
def write_pages(out: pikepdf.Pdf, sources: Sequence[pikepdf.Pdf], slots: Sequence[pg.Slot],
                style: StampStyle) -> None:
    """Copy every slot's page into ``out`` (blank ones made to the size of the page they
    back) and stamp the numbered ones.

    Runs of consecutive pages of one source are copied with one ``extend`` (qpdf copies
    them in one go); the scans' streams are copied as they are.
    """
    i = 0
    while i < len(slots):
        slot = slots[i]
        if slot.source is None:
            prev = out.pages[-1]  # the page it backs: the blank takes its visible size
            w, h = visual_size(page_box(prev), page_rotation(prev))
            out.add_blank_page(page_size=(w, h))
            i += 1
            continue
        j = i + 1
        while (j < len(slots) and slots[j].part == slot.part and slots[j].source is not None
               and slots[j].source == slots[j - 1].source + 1):  # type: ignore[operator]
            j += 1
        out.pages.extend(sources[slot.part].pages[slot.source:slot.source + (j - i)])
        i = j
    stamper = Stamper(out, style)
    for page, slot in zip(list(out.pages), slots, strict=True):  # (indexing out.pages is slow)
        if slot.number is not None:
            stamper.stamp(page, slot.number, slot.side)


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


def set_info(pdf: pikepdf.Pdf, plan: PlannedVolume, ctx: Context) -> None:
    stamp = _pdf_date(ctx.built_at)
    pdf.docinfo = pdf.make_indirect(Dictionary(
        Title=pikepdf.String(f"{plan.reference} {volume_title(plan, ctx.customer, ctx.config)}"),
        Subject=pikepdf.String(plan.reference),
        Creator=pikepdf.String(f"archiver {__version__} (archiver build)"),
        Producer=pikepdf.String(f"archiver {__version__} / pikepdf {pikepdf.__version__}"),
        CreationDate=pikepdf.String(stamp), ModDate=pikepdf.String(stamp),
    ))  # fmt: skip


def _pdf_date(when: dt.datetime) -> str:
    off = when.utcoffset() or dt.timedelta(0)
    sign = "-" if off < dt.timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def set_id(pdf: pikepdf.Pdf, inputs: str, reference: str) -> None:
    """The file identifier /ID from what the volume is made of: the same inputs give the
    same identifier, another volume or other inputs another one."""
    first = hashlib.sha256(f"{reference}\n{inputs}".encode()).digest()[:16]
    pdf.trailer.ID = Array([pikepdf.String(first), pikepdf.String(first)])


def save_atomic(pdf: pikepdf.Pdf, target: Path) -> None:
    """Save ``pdf`` to ``target`` the way :mod:`archiver.atomic` writes files (temporary
    file in the same folder, fsync, rename, fsync the folder), streaming — a volume may
    be too big to hold in memory twice.

    Saved with no stream decoded (the scans' images are copied byte for byte) and object
    streams generated. The /ID's first word is the one :func:`set_id` put there; qpdf's
    ``static_id`` keeps it and makes the second word fixed (qpdf's other choices are a
    time-based word, or hashing the whole file a second time), so the same inputs give
    the same file.
    """
    ensure_dir(target.parent)
    tmp = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{target.name}")
    try:
        with open(tmp, "wb") as fh:
            pdf.save(fh, static_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, READ_ONLY_MODE)  # replaced whole by a rebuild, never written in place
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
