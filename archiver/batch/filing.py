"""The step before filing: a batch scan becomes one candidate per document (Art. 6).

:func:`split_candidates` is the filer's ``splitter`` (:mod:`archiver.filing.candidate`):
the command line hands it to the filer, which calls it only for a scan that nothing
else describes (no sidecar, folder or file name). When the scan holds cover sheets,
each document behind a sheet becomes a :class:`~archiver.filing.candidate.Candidate`
carrying its pages (copied, never re-encoded) and the metadata of its sheet, checked
as a sidecar's is (``metadata_source = "coversheet"``). A document that cannot be
filed — pages before the first sheet, a sheet whose QR code cannot be read, metadata
that fails the checks — is a candidate with its ``problem``; the filer sets it aside
as ``inbox/rejected/<batch>.part-NN.pdf`` with the sheet's fields as a ``.toml``
beside it (:mod:`archiver.filing.setaside`).

Parts are byte-identical on every run, so the filer's crash recovery recognises a part
already filed or set aside by its hash and its source ``<batch>#N``.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf

from ..errors import Rejection
from ..filing.candidate import Candidate, SplitRequest
from ..filing.metadata import Found
from .coversheet import check_fields, decode_payload
from .split import Part, part_pdf, split_batch


def split_candidates(request: SplitRequest) -> list[Candidate] | None:
    """The documents of the batch in ``request``, or None when it has no cover sheet:
    then it is one document and the filer goes on with it."""
    with pikepdf.open(io.BytesIO(request.data)) as pdf:
        parts = split_batch(pdf, request.data)
        if not parts:
            return None
        return [_candidate(request, pdf, part) for part in parts]


def _candidate(request: SplitRequest, pdf: pikepdf.Pdf, part: Part) -> Candidate:
    pages = part.pages or part.dropped  # an empty part keeps its sheet: nothing vanishes unseen
    stat = request.stat
    candidate = Candidate(
        data=part_pdf(pdf, pages),
        source=f"{request.source}#{part.number}",
        name=f"{request.stem}.part-{part.number:02d}.pdf",
        pages=len(pages),
        fields=_sheet_fields(part),
        details={
            "batch": f"{request.source}, part {part.number} ({stat.st_size} bytes, mtime_ns {stat.st_mtime_ns})",
            "pages in the batch": _span(pages),
        },
    )
    try:
        candidate.found = _check_part(request, part)
    except Rejection as problem:
        candidate.problem = problem
    return candidate


def _sheet_fields(part: Part) -> dict[str, Any] | None:
    if part.sheet is None or not part.sheet.readable:
        return None
    try:
        return decode_payload(part.sheet.text)
    except Rejection:
        return None


def _check_part(request: SplitRequest, part: Part) -> Found:
    """The part's metadata from its cover sheet, checked as a sidecar's is."""
    rel = request.source
    if part.sheet is None:
        raise Rejection(
            "no-coversheet",
            (f"Pages {_span(part.pages)} of the batch {rel} come before its first cover sheet, so nothing "
             "says whose document they are or of which type." if len(part.pages) > 1 else
             f"Page {_span(part.pages)} of the batch {rel} comes before its first cover sheet, so nothing "
             "says whose document it is or of which type."),
            "Put a metadata file NAME.toml (see the README) next to this PDF and move both into the inbox; "
            "or print a cover sheet with `archiver coversheet`, put it on top of these pages and scan them again.",
        )
    where = f"The cover sheet on page {part.sheet.page + 1} of the batch {rel}"
    if not part.pages:
        raise Rejection(
            "empty-document",
            f"{where} is followed directly by another cover sheet or by the end of the batch: no document "
            "was scanned behind it. This file holds the cover sheet itself.",
            "Check the paper stack, then scan the document with its cover sheet again.",
        )
    if not part.sheet.readable:
        raise Rejection(
            "unreadable-coversheet",
            f"{where} cannot be read: its QR code is damaged, covered or badly printed.",
            "Print a new cover sheet with `archiver coversheet` and scan it with these pages again; "
            "or put a metadata file NAME.toml next to this PDF and move both into the inbox.",
        )
    try:
        fields = decode_payload(part.sheet.text)
    except Rejection as exc:
        raise Rejection(exc.code, f"{where}: {exc.reason}", exc.fix) from None
    try:
        return check_fields(fields, request.config, request.customers, request.today)
    except Rejection as exc:
        raise Rejection(
            exc.code,
            f"{where}: {exc.reason}",
            f"{exc.fix.removesuffix(' and drop the file again.').removesuffix('.')}. The sheet's fields are in "
            "the .toml file beside this PDF: correct them there if needed, then move both files into the inbox.",
            exc.details,
        ) from None


def _span(pages: tuple[int, ...]) -> str:
    if not pages:
        return "none"
    return f"{pages[0] + 1}" if len(pages) == 1 else f"{pages[0] + 1}–{pages[-1] + 1}"
