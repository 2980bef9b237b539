"""Assembling one volume PDF and its manifest (Art. 16–20).

Order (Art. 20): cover → volume index → documents → remarks sheet → back cover, each
part starting on a front (:mod:`.pages`). The scans' pages are copied byte for byte (qpdf's
page merge, no stream decoded, recompressed or re-encoded — the one exception is LZW,
which PDF/A forbids: re-encoded as Flate, losslessly, and listed in the manifest's
``reencoded``), form fields flattened into their pages, active content stripped
(:func:`archiver.active.strip_active_content`), the numbered pages stamped
(:mod:`.stamp`), and the volume made PDF/A-2b and validated (:mod:`.pdfa`; the verdict is
the manifest's ``[pdfa]``). Memory stays flat whatever the volume's size: see
:func:`write_volume`.

The forms and the blank-page detector come in as parameters — a ``renderer`` with
``cover/index/remarks/back_cover(sheet) -> bytes`` (one standalone A4 PDF each) and
``detect(pdf_path, sha256, cache_dir) -> list[bool]`` — so this module does not depend on
how either works (production: :mod:`.forms` and :mod:`.blank`).

In the manifest a document's ``pdf_first``–``pdf_last`` are its own pages and the blank
backs inserted for it; a pad page (the blank back of a part's last sheet) belongs to no
range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from ..atomic import (
    READ_ONLY_MODE,
    TEMP_PREFIX,
    FollowingHash,
    StagedFile,
    create,
    ensure_dir,
    in_background,
    storage_errors,
)
from ..config import Config
from ..customers import Customer
from ..errors import IntegrityError
from ..model import Record
from . import pages as pg
from . import pdfa
from .analysis import Analysis
from .finish import Written, finish
from .formscache import FORM_PARTS, Forms, Renderer, render_forms
from .lookcache import LookCache
from .manifest import VolumeDocument, VolumeManifest, write_manifest
from .placement import StampStyle, small_pages
from .plan import PlannedVolume
from .remarks import volume_remarks
from .rules import ROLE_LABELS
from .verdicts import cached_verdict, remember, verdict_key

log = logging.getLogger(__name__)


BlankDetector = Callable[[Path, str, Path], list[bool]]


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
    box: int = 0  # the volume's box (盒号) in the box register, 0: not boxed yet (Art. 20)
    analysis: Analysis | None = None  # the build's worker processes for the records (.analysis), None: none


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


def check_blanks(plan: PlannedVolume, found: Sequence[Sequence[bool]]) -> dict[str, tuple[bool, ...]]:
    """Each document's blank-page flags, one per page its sidecar records."""
    out = {}
    for r, flags in zip(plan.documents, found, strict=True):
        if len(flags) != r.file.page_count:
            raise IntegrityError(
                f"{r.path} has {len(flags)} pages, its sidecar records {r.file.page_count}.",
                hint="The PDF was changed after filing: restore it from backup and build again.",
            )
        out[r.id] = tuple(flags)
    return out


def document_parts(plan: PlannedVolume, blanks: dict[str, tuple[bool, ...]]) -> list[pg.Part]:
    return [pg.Part(r.id, pg.DOCUMENT, blanks[r.id], simplex=r.meta.sides == "simplex") for r in plan.documents]


@dataclass(frozen=True)
class Layout:
    """Where every page of a volume goes (:mod:`.pages`), and its forms."""

    docs: list[pg.Part]  # the documents' parts, in order
    parts: list[pg.Part]  # cover, index, the documents, remarks sheet, back cover
    slots: list[pg.Slot]  # one per PDF page
    where: list[pg.PartPages]  # one per part
    forms: Forms
    sheet: Any  # what the forms say (forms.VolumeSheet)
    remarks: tuple[str, ...]
    style: StampStyle


def assemble(plan: PlannedVolume, ctx: Context, target: Path, inputs: str) -> VolumeManifest:
    """Build ``plan`` into the PDF ``target`` and write its manifest beside it:
    :func:`stage`, then :meth:`Assembled.place`."""
    assembled = stage(plan, ctx, target, inputs)
    assembled.place()
    return assembled.manifest


Verdict = Callable[[], pdfa.PdfaResult]  # waits for a volume's PDF/A verdict (and its file's fsync)
Validator = Callable[[Path, dt.datetime], Verdict]  # starts validating a saved file elsewhere


@dataclass
class Assembled:
    """A volume written under a temporary name beside its target
    (:class:`archiver.atomic.StagedFile`), and its manifest — nothing in place yet. Its
    fsync and PDF/A validation may still be under way (``pending``): :meth:`settle`
    waits for them, and the manifest gets the verdict."""

    manifest: VolumeManifest
    staged: StagedFile
    pending: Verdict | None = None

    def settle(self) -> None:
        """Wait for the staged file's fsync and its PDF/A verdict (into the manifest)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.manifest = dataclasses.replace(self.manifest, pdfa=pending().to_manifest())

    def place(self) -> None:
        """The PDF (settled) renamed over its target, then its manifest written."""
        self.settle()
        self.staged.place()
        write_manifest(self.manifest)

    def discard(self) -> None:
        self.staged.discard()


def stage(plan: PlannedVolume, ctx: Context, target: Path, inputs: str, later: Validator | None = None) -> Assembled:
    """Lay ``plan`` out and write it (:func:`write_volume`) under a temporary name beside
    ``target``; nothing in ``volumes/`` changes until :meth:`Assembled.place`. With
    ``later``, a validation the cache does not answer is started there (a worker process,
    while the build goes on with the next volume) and :meth:`Assembled.settle` waits for it."""
    looks = LookCache(ctx.cache_dir)
    layout = lay_out(plan, ctx, looks)
    written, staged, pending = write_volume(target, plan, layout.forms, layout.parts, layout.slots, layout.where,
                                            layout.style, volume_info(plan, layout, ctx), inputs, ctx.cache_dir,
                                            looks, later)
    try:
        return Assembled(manifest_of(plan, ctx, layout, written, target, inputs), staged, pending)
    except BaseException:
        staged.discard()
        raise


def lay_out(plan: PlannedVolume, ctx: Context, looks: LookCache | None = None) -> Layout:
    """The blank pages found, the page numbers, the remarks sheet and the forms, and
    where every page goes. With ``ctx.analysis``, the records are analysed in worker
    processes (:mod:`.analysis`) while the forms' fonts are read: their blank pages, and
    the corners their numbers go in (placed into ``looks``)."""
    analysis = ctx.analysis if ctx.analysis is not None else Analysis(0)
    style = StampStyle.from_config(ctx.config.volumes)
    blanks_found, busy = analysis.blanks(ctx.detect, plan.documents, ctx.cache_dir, style)
    prepare = getattr(ctx.renderer, "prepare", None)
    if busy and callable(prepare):
        prepare()  # the forms' fonts, read meanwhile (a first build renders its forms)
    blanks = check_blanks(plan, blanks_found())
    docs = document_parts(plan, blanks)
    # Page numbers do not depend on the forms (they are unnumbered): place the documents
    # once with one-page forms to know each document's numbers for the index.
    draft = [pg.Part(n, pg.FORM, (False,)) for n in FORM_PARTS[:2]] + docs + \
            [pg.Part(n, pg.FORM, (False,)) for n in FORM_PARTS[2:]]
    draft_slots = pg.layout(draft)
    draft_pages = pg.part_pages(draft_slots, len(draft))
    doc_pages = {r.id: draft_pages[2 + i] for i, r in enumerate(plan.documents)}
    if looks is not None:
        analysis.corners(plan.documents, _numbered_pages(plan, draft_slots), style, looks)
    remarks = volume_remarks(plan, doc_pages, ctx.config, small_numbers(plan, draft_slots, style))
    sheet = make_sheet(plan, ctx, doc_pages, remarks)
    forms = render_forms(ctx.renderer, sheet, ctx.cache_dir)
    parts = [pg.Part("cover", pg.FORM, (False,) * forms.count("cover")),
             pg.Part("index", pg.FORM, (False,) * forms.count("index")),
             *docs,
             pg.Part("remarks", pg.FORM, (False,) * forms.count("remarks")),
             pg.Part("back_cover", pg.FORM, (False,) * forms.count("back_cover"))]
    slots = pg.layout(parts)
    where = pg.part_pages(slots, len(parts))
    for i, r in enumerate(plan.documents):
        if (where[2 + i].first_number, where[2 + i].last_number) != (doc_pages[r.id].first_number,
                                                                    doc_pages[r.id].last_number):
            raise AssertionError("page numbers moved with the forms")  # a bug, never a user error
    return Layout(docs, parts, list(slots), list(where), forms, sheet, remarks, style)


def _numbered_pages(plan: PlannedVolume, slots: Sequence[pg.Slot]) -> dict[int, list[tuple[int, int, str]]]:
    """The numbered pages of each document (by its index): (page in its record, number, side)."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    for s in slots:
        if s.number is not None and s.source is not None and 2 <= s.part < 2 + len(plan.documents):
            out.setdefault(s.part - 2, []).append((s.source, s.number, s.side))
    return out


def volume_info(plan: PlannedVolume, layout: Layout, ctx: Context) -> pdfa.VolumeInfo:
    """What the volume's metadata says (PDF/A)."""
    return pdfa.VolumeInfo(title=layout.sheet.title, identifier=plan.reference, created=ctx.built_at,
                           subject=f"{plan.reference} {layout.sheet.title}")


def manifest_of(plan: PlannedVolume, ctx: Context, layout: Layout, written: Written, target: Path,
                inputs: str) -> VolumeManifest:
    """The manifest of the volume written to ``target``."""
    where, slots = layout.where, layout.slots
    return VolumeManifest(
        reference=plan.reference, customer=plan.customer, year=plan.year, retention=plan.retention,
        classification=plan.classification, volume=plan.number, title=layout.sheet.title,
        start_date=plan.start_date, end_date=plan.end_date, page_count=pg.numbered_count(slots),
        sheet_count=pg.sheet_count(slots), built_at=ctx.built_at, filer=ctx.filer, checker=ctx.checker,
        inputs=inputs, file_name=target.name, file_sha256=written.sha256, file_size=written.size,
        pdf_page_count=len(slots),
        parts={"cover": _range(where[0]), "index": _range(where[1]),
               "documents": (_range(where[2])[0], _range(where[1 + len(layout.docs)])[1]),
               "remarks": _range(where[-2]), "back_cover": _range(where[-1])},
        documents=tuple(_document(r, where[2 + i]) for i, r in enumerate(plan.documents)),
        remarks=layout.remarks, path=target.with_suffix(".toml"), pdfa=written.pdfa.to_manifest(),
        reencoded=tuple(written.reencoded), box=ctx.box,
    )  # fmt: skip


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


SAVE_OPTIONS: dict[str, Any] = {
    # The scans' streams are written as they were read: no stream decoded, none
    # (re)compressed — a Flate image whose /Filter is an array, or an RLE image, keeps its
    # bytes. Object streams are new (and compressed, as qpdf writes them).
    "stream_decode_level": pikepdf.StreamDecodeLevel.none,
    "compress_streams": False,
    "object_stream_mode": pikepdf.ObjectStreamMode.generate,
    "static_id": True,
}


def write_volume(target: Path, plan: PlannedVolume, forms: Forms, parts: Sequence[pg.Part],
                 slots: Sequence[pg.Slot], where: Sequence[pg.PartPages], style: StampStyle,
                 info: pdfa.VolumeInfo, inputs: str, cache_dir: Path | None = None,
                 looks: LookCache | None = None, later: Validator | None = None) -> tuple[Written, StagedFile, Verdict | None]:
    """Write the volume PDF for ``target`` under a temporary name beside it, fsynced and
    validated, in two passes, with memory that does not grow with the volume:

    1. qpdf's page merge (``pikepdf.Job``, qpdf's ``--empty --pages …``, in process) copies
       the forms' and the records' pages, in volume order, into a temporary file — stream
       data is read from the inputs as it is written, never held;
    2. that file is opened (lazily, again) and finished: the blank pages inserted, forms
       flattened, active content stripped, LZW re-encoded, pages stamped, labels,
       outline, PDF/A metadata, identifier; saved (hashed as it is written, its data
       flushed to disk as it goes: :class:`~archiver.atomic.FollowingHash`), fsynced —
       meanwhile validated as PDF/A-2b — and made read-only. The caller puts it in place
       (:meth:`StagedFile.place`) or discards it.

    With ``later`` (and no verdict kept for these inputs) the validation and the fsync
    are only started: the third value returned waits for them (else it is None, and
    ``Written.pdfa`` holds the verdict).

    Library warnings are logged (``archiver.volumes.assemble``), never printed.
    """
    tag = f"{TEMP_PREFIX}{os.getpid()}-"
    forms_file = target.with_name(f"{tag}forms-{target.name}")
    merged = target.with_name(f"{tag}merged-{target.name}")
    sources = [forms_file] * 2 + [r.path for r in plan.documents] + [forms_file] * 2
    offsets = [forms.spans[n][0] - 1 for n in FORM_PARTS[:2]] + [0] * len(plan.documents) + \
              [forms.spans[n][0] - 1 for n in FORM_PARTS[2:]]
    staged = StagedFile(target, mode=READ_ONLY_MODE)  # (read-only: replaced whole by a rebuild, never written in place)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ensure_dir(target.parent)
            forms_file.write_bytes(forms.data)
            merge_pages(merged, sources, offsets, slots, plan.reference)
            with pikepdf.open(merged, access_mode=pikepdf.AccessMode.stream) as out:  # (read, not mapped: flat memory)
                if looks is None and cache_dir is not None:
                    looks = LookCache(cache_dir)
                written = finish(out, plan, parts, slots, where, style, info, inputs, looks)
                if looks is not None:
                    looks.save()
                for problem in out.get_warnings():  # qpdf's, kept by pikepdf: logged, never printed
                    log.info("%s: %s", plan.reference, problem)
                with storage_errors(target), create(staged.path) as fh:
                    following = FollowingHash(staged.path)  # the checksum as it is written
                    try:
                        out.save(fh, **SAVE_OPTIONS)
                        fh.flush()
                    except BaseException:
                        following.abandon()
                        raise
                    written.sha256, written.size = following.finish(fh)
            merged.unlink(missing_ok=True)
            syncing = in_background(staged.sync)  # the disk writes the tail while the file is validated
            key = verdict_key(inputs, plan, forms)
            kept = cached_verdict(key, cache_dir)
            pending: Verdict | None = None
            if kept is None and later is not None:
                validating = later(staged.path, info.created)

                def settle() -> pdfa.PdfaResult:
                    try:
                        return remember(key, cache_dir, validating())
                    finally:
                        syncing()

                pending = settle
            else:
                try:
                    written.pdfa = kept if kept is not None else remember(key, cache_dir,
                                                                         pdfa.check(staged.path, now=info.created))
                finally:
                    syncing()
            for w in caught:
                log.info("%s: %s: %s", plan.reference, w.category.__name__, w.message)
    except BaseException:
        staged.discard()
        raise
    finally:
        forms_file.unlink(missing_ok=True)
        merged.unlink(missing_ok=True)
    return written, staged, pending


def page_runs(slots: Sequence[pg.Slot], offsets: Sequence[int]) -> list[tuple[int, int, int]]:
    """The non-blank slots as runs (part, first, last) of consecutive source pages
    (1-based, in the part's source file)."""
    runs: list[tuple[int, int, int]] = []
    for s in slots:
        if s.source is None:
            continue
        page = offsets[s.part] + s.source + 1
        if runs and runs[-1][0] == s.part and runs[-1][2] == page - 1:
            runs[-1] = (s.part, runs[-1][1], page)
        else:
            runs.append((s.part, page, page))
    return runs


def merge_pages(out: Path, sources: Sequence[Path], offsets: Sequence[int], slots: Sequence[pg.Slot],
                reference: str) -> None:
    """Pass 1: qpdf copies the non-blank slots' pages, in order, into ``out``."""
    spec: list[str] = []
    for part, first, last in page_runs(slots, offsets):
        spec += [os.fspath(sources[part]), f"{first}-{last}"]
    args = ["qpdf", "--empty", "--no-warn", "--warning-exit-0", "--decode-level=none", "--compress-streams=n",
            "--object-streams=disable", "--pages", *spec, "--", os.fspath(out)]
    try:
        pikepdf.Job(args).run()
    except pikepdf.PdfError as exc:
        raise IntegrityError(
            f"Volume {reference}: the pages of its records cannot be copied ({exc}).",
            hint="The record named is damaged: check it with `archiver audit`, restore it from backup, "
                 "and build again.",
        ) from None
