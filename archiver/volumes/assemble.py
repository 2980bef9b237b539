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
import functools
import hashlib
import io
import json
import logging
import os
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from .. import __version__
from ..active import strip_active_content
from ..atomic import (
    READ_ONLY_MODE,
    TEMP_PREFIX,
    ensure_dir,
    fsync_dir,
    write_bytes_atomic,
    write_text_atomic,
)
from ..config import Config
from ..customers import Customer
from ..errors import IntegrityError
from ..model import Record
from . import pages as pg
from . import pdfa
from .manifest import VolumeDocument, VolumeManifest, write_manifest
from .plan import PlannedVolume
from .remarks import volume_remarks
from .rules import ROLE_LABELS
from .stamp import Stamper, StampStyle, page_box, page_rotation, small_pages, visual_size
from .textlayer import add_text_layers, page_texts

FORM_PARTS = ("cover", "index", "remarks", "back_cover")
FORM_LABELS = {"cover": "封面-", "index": "目录-", "remarks": "备考-", "back_cover": "封底-"}
BLANK_LABEL = "空白-"

log = logging.getLogger(__name__)

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
    info = pdfa.VolumeInfo(title=sheet.title, identifier=plan.reference, created=ctx.built_at,
                           subject=f"{plan.reference} {sheet.title}")
    written = write_volume(target, plan, forms, parts, slots, where, style, info, inputs,
                           ctx.cache_dir)

    m = VolumeManifest(
        reference=plan.reference, customer=plan.customer, year=plan.year, retention=plan.retention,
        classification=plan.classification, volume=plan.number, title=sheet.title,
        start_date=plan.start_date, end_date=plan.end_date, page_count=pg.numbered_count(slots),
        sheet_count=pg.sheet_count(slots), built_at=ctx.built_at, filer=ctx.filer, checker=ctx.checker,
        inputs=inputs, file_name=target.name, file_sha256=written.sha256, file_size=target.stat().st_size,
        pdf_page_count=len(slots),
        parts={"cover": _range(where[0]), "index": _range(where[1]),
               "documents": (_range(where[2])[0], _range(where[1 + len(docs)])[1]),
               "remarks": _range(where[-2]), "back_cover": _range(where[-1])},
        documents=tuple(_document(r, where[2 + i]) for i, r in enumerate(plan.documents)),
        remarks=remarks, path=target.with_suffix(".toml"), pdfa=written.pdfa.to_manifest(),
        reencoded=tuple(written.reencoded),
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
@dataclass(frozen=True)
class Forms:
    """The volume's forms as one PDF (so their font is embedded once) and the pages of each."""

    data: bytes
    spans: dict[str, tuple[int, int]]  # part → (first, last) page, 1-based

    def count(self, part: str) -> int:
        first, last = self.spans[part]
        return last - first + 1


FORMS_CACHE = "forms-cache"  # in the cache folder: each volume's rendered forms (see render_forms)
PDFA_CACHE = "pdfa-cache"  # verdicts by what decides a volume's bytes (see cached_check)


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


@functools.cache
def _code_id() -> str:
    """The code that writes volumes (this package and active.py), and the libraries'."""
    digest = hashlib.sha256(f"{__version__} pikepdf {pikepdf.__version__} qpdf {pikepdf.__libqpdf_version__}".encode())
    here = Path(__file__).parent
    for source in sorted([*here.glob("*.py"), here.parent / "active.py"]):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def verdict_key(inputs: str, plan: PlannedVolume, forms: Forms) -> str:
    """What decides a volume's bytes but its timestamps: its inputs fingerprint (records,
    configuration, plan) and its records' checksums, its forms (which print the date), the
    code and libraries.
    Two volumes with the same key differ at most in the values of their creation dates
    (same format, same length), which no PDF/A rule depends on."""
    text = json.dumps([inputs, plan.reference, [r.file.sha256 for r in plan.documents],
                       hashlib.sha256(forms.data).hexdigest(), _code_id()])
    return hashlib.sha256(text.encode()).hexdigest()


def cached_check(path: Path, key: str, cache_dir: Path | None, now: dt.datetime) -> pdfa.PdfaResult:
    """:func:`.pdfa.check`, remembered by :func:`verdict_key` and the validator's version:
    a ``--force`` rebuild of an unchanged volume writes the same file but for its dates,
    and gets the earlier verdict (with the time it was reached); ``audit`` checks the bytes
    themselves."""
    cached = cache_dir / PDFA_CACHE / f"{key}.json" if cache_dir is not None else None
    if cached is not None:
        try:
            data = json.loads(cached.read_text("utf-8"))
            if data.get("validator") == pdfa.validator_name():
                data["checked"] = dt.datetime.fromisoformat(data["checked"])
                return pdfa.PdfaResult.from_manifest(data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass
    result = pdfa.check(path, now=now)
    if cached is not None and result.verdict in ("pass", "fail", "not_checked"):
        try:
            write_text_atomic(cached, json.dumps(result.to_manifest(), default=str, ensure_ascii=False))
        except OSError as exc:
            log.info("cache %s not written: %s", cached.parent, exc)
    return result


@dataclass
class Written:
    """What :func:`write_volume` did besides writing the file."""

    pdfa: pdfa.PdfaResult
    sha256: str = ""
    reencoded: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # active content stripped
    flattened: bool = False


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
                 info: pdfa.VolumeInfo, inputs: str, cache_dir: Path | None = None) -> Written:
    """Write the volume PDF ``target`` (atomically) in two passes, with memory that does
    not grow with the volume:

    1. qpdf's page merge (``pikepdf.Job``, qpdf's ``--empty --pages …``, in process) copies
       the forms' and the records' pages, in volume order, into a temporary file — stream
       data is read from the inputs as it is written, never held;
    2. that file is opened (lazily, again) and finished: the blank pages inserted, forms
       flattened, active content stripped, LZW re-encoded, pages stamped, labels,
       outline, PDF/A metadata, identifier; saved to a temporary file, validated as
       PDF/A-2b, made read-only and renamed into place.

    Library warnings are logged (``archiver.volumes.assemble``), never printed.
    """
    ensure_dir(target.parent)
    tag = f"{TEMP_PREFIX}{os.getpid()}-"
    forms_file = target.with_name(f"{tag}forms-{target.name}")
    merged = target.with_name(f"{tag}merged-{target.name}")
    tmp = target.with_name(f"{tag}{target.name}")
    sources = [forms_file] * 2 + [r.path for r in plan.documents] + [forms_file] * 2
    offsets = [forms.spans[n][0] - 1 for n in FORM_PARTS[:2]] + [0] * len(plan.documents) + \
              [forms.spans[n][0] - 1 for n in FORM_PARTS[2:]]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            forms_file.write_bytes(forms.data)
            merge_pages(merged, sources, offsets, slots, plan.reference)
            with pikepdf.open(merged) as out:
                written = finish(out, plan, parts, slots, where, style, info, inputs)
                for problem in out.get_warnings():  # qpdf's, kept by pikepdf: logged, never printed
                    log.info("%s: %s", plan.reference, problem)
                with open(tmp, "wb") as fh:
                    hashing = HashingWriter(fh)  # the checksum as it is written (not read back)
                    out.save(cast(BinaryIO, hashing), **SAVE_OPTIONS)
                    fh.flush()
                    os.fsync(fh.fileno())
            written.sha256 = hashing.hexdigest()
            written.pdfa = cached_check(tmp, verdict_key(inputs, plan, forms), cache_dir, info.created)
        for w in caught:
            log.info("%s: %s: %s", plan.reference, w.category.__name__, w.message)
        os.chmod(tmp, READ_ONLY_MODE)  # replaced whole by a rebuild, never written in place
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        forms_file.unlink(missing_ok=True)
        merged.unlink(missing_ok=True)
    fsync_dir(target.parent)
    return written


class HashingWriter(io.RawIOBase):
    """A write-only stream that passes everything to ``fh`` and hashes it (SHA-256)."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        self.size += len(data)
        return int(self.fh.write(data))

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.fh.flush()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


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


def finish(out: pikepdf.Pdf, plan: PlannedVolume, parts: Sequence[pg.Part], slots: Sequence[pg.Slot],
           where: Sequence[pg.PartPages], style: StampStyle, info: pdfa.VolumeInfo, inputs: str) -> Written:
    """Pass 2 on the merged pages (see :func:`write_volume`)."""
    for key in ("/Outlines", "/PageLabels", "/Metadata", "/OutputIntents", "/StructTreeRoot", "/MarkInfo"):
        if key in out.Root:
            del out.Root[key]
    copied = {o.objgen for o in out.objects if isinstance(o, pikepdf.Stream)}  # the forms' and records' streams
    pages = insert_blanks(out, slots)
    written = Written(pdfa=pdfa.PdfaResult(False, "not run", pdfa.validator_name(), info.created))
    written.flattened = flatten_forms(out)
    written.removed = strip_active_content(out)
    written.reencoded = pdfa.convert_forbidden_filters(_streams(pages, parts, slots, plan))
    stamper = Stamper(out, style)
    for page, slot in zip(pages, slots, strict=True):
        if slot.number is not None:
            stamper.stamp(page, slot.number, slot.side)
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


