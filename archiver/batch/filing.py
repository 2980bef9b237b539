"""Filing a batch scan: each document behind a cover sheet is filed on its own (Art. 6).

:meth:`archiver.filing.pipeline.Filer.file` hands a scan here when it holds cover
sheets. Each part is filed as if it had arrived with a metadata file (its
``metadata_source`` is ``coversheet``), through the filer's own classify → place →
commit steps. A part that cannot be filed — pages before the first sheet, a sheet whose
QR code cannot be read, metadata that fails the checks — is set aside on its own as
``inbox/rejected/<batch>.part-NN.pdf`` with its reason (and, when the sheet was read, a
``.toml`` metadata file with its fields, so that fixing the problem and moving both
files into the inbox files it). The batch file is removed only after every part has
been filed or set aside.

Nothing lost, nothing twice (Art. 21): parts are byte-identical on every run, so a run
killed anywhere is finished by the next one — a part already filed is recognised by its
hash and its source ``<batch>#N`` with the batch's size and modification time; a part
already set aside by its hash and the batch named in its reason file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import tomli_w

from ..atomic import fsync_dir, sha256_file, write_bytes_atomic, write_text_atomic
from ..errors import Rejection
from ..filing.metadata import Found
from ..filing.pipeline import (
    CustomerSet,
    Filer,
    Outcome,
    check_page_count,
    free_rejected_name,
    reason_path,
    same_source,
    taken_rejected_names,
)
from ..register import today
from .coversheet import check_fields, decode_payload
from .split import Part, part_pdf, split_batch

log = logging.getLogger("archiver.filing")


@dataclass
class Batch:
    """An open batch PDF and its planned parts."""

    pdf: pikepdf.Pdf
    parts: list[Part]


def split_parts(data: bytes) -> Batch | None:
    """The batch in ``data`` (already checked to be a readable PDF), or None when it has
    no cover sheet: then it is one document and the other metadata sources apply."""
    pdf = pikepdf.open(io.BytesIO(data))
    parts = split_batch(pdf, data)
    if not parts:
        pdf.close()
        return None
    return Batch(pdf, parts)


def file_batch(filer: Filer, path: Path, rel: str, stat: os.stat_result, batch: Batch) -> Outcome:
    """File or set aside every part of a batch, then remove the batch from the inbox."""

    with batch.pdf:
        page_count = len(batch.pdf.pages)
        outcomes = [_file_part(filer, path, rel, stat, batch.pdf, part) for part in batch.parts]
    filer.archive.journal.append(  # after a crash just here, the next run records it again
        "split", by=filer.by, source=rel, source_size=stat.st_size, source_mtime_ns=stat.st_mtime_ns,
        pages=page_count,
        records=[o.record_id for o in outcomes if o.record_id],
        rejected_to=[o.rejected_to for o in outcomes if o.rejected_to],
    )
    path.unlink(missing_ok=True)  # every part is filed or set aside: the batch may go
    fsync_dir(path.parent)
    outcome = Outcome(source=rel, status="split", parts=outcomes)
    log.info(outcome.line())
    return outcome


def _file_part(filer: Filer, path: Path, rel: str, stat: os.stat_result, pdf: pikepdf.Pdf, part: Part) -> Outcome:

    source = f"{rel}#{part.number}"
    pages = part.pages or part.dropped  # an empty part keeps its sheet: nothing vanishes unseen
    data = part_pdf(pdf, pages)
    sha = hashlib.sha256(data).hexdigest()
    name = f"{path.stem}.part-{part.number:02d}.pdf"
    batch_note = f"{rel}, part {part.number} ({stat.st_size} bytes, mtime_ns {stat.st_mtime_ns})"
    fields = _sheet_fields(part)
    earlier = _set_aside_before(filer, name, sha, batch_note, source, fields)
    if earlier is not None:
        return earlier
    try:
        existing = filer.by_hash.get(sha)
        if existing is not None:
            if same_source(existing, source, stat):  # a killed run filed it: finish it
                return _logged(filer.commit(existing, source, resumed=True))
            raise filer.duplicate(existing, sha)
        found = _check_part(filer, rel, part, CustomerSet(filer.archive))
        check_page_count(found, len(pages))
        record = filer.classify(found, sha, len(data), len(pages), source, stat)
        filer.place(record, data)
        return _logged(filer.commit(record, source, resumed=False))
    except Rejection as rejection:
        rejection.details["batch"] = batch_note
        rejection.details["pages in the batch"] = _span(pages)
        return _set_aside(filer, data, name, source, rejection, fields)


def _logged(outcome: Outcome) -> Outcome:
    log.info(outcome.line())
    return outcome


def _sheet_fields(part: Part) -> dict[str, Any] | None:
    if part.sheet is None or not part.sheet.readable:
        return None
    try:
        return decode_payload(part.sheet.text)
    except Rejection:
        return None


def _check_part(filer: Filer, rel: str, part: Part, customers: Any) -> Found:
    """The part's metadata from its cover sheet, checked as a sidecar's is."""
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
        return check_fields(fields, filer.archive.config, customers, today())
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


# Setting a part aside ------------------------------------------------------------------
def _set_aside(filer: Filer, data: bytes, name: str, source: str, rejection: Rejection,
               fields: dict[str, Any] | None) -> Outcome:
    """Write the part to inbox/rejected/: reason first, then the PDF (the mark that it
    is set aside), then the sheet's fields as a metadata file, then the journal entry."""

    target = free_rejected_name(filer.archive.rejected, name)
    write_text_atomic(reason_path(target), rejection.as_text(target))
    write_bytes_atomic(target, data)
    return _complete_set_aside(filer, target, source, rejection.code, rejection.reason, data, fields)


def _complete_set_aside(filer: Filer, target: Path, source: str, code: str, reason: str, data: bytes | None,
                        fields: dict[str, Any] | None, *, journal: bool = True) -> Outcome:

    side = target.with_suffix(".toml")
    if fields is not None and not side.exists():
        write_text_atomic(side, "# Metadata read from the cover sheet of this part (archiver).\n"
                          "# Correct it if needed, then move this file and the PDF into the inbox.\n"
                          + tomli_w.dumps(fields))
    rejected_to = target.relative_to(filer.archive.root).as_posix()
    if journal:
        sha = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(target)
        filer.archive.journal.append("rejected", by=filer.by, source=source, code=code, reason=reason,
                                     rejected_to=rejected_to, sha256=sha)
    outcome = Outcome(source=source, status="rejected", code=code, reason=reason, rejected_to=rejected_to)
    log.warning(outcome.line())
    return outcome


def _set_aside_before(filer: Filer, name: str, sha: str, batch_note: str, source: str,
                      fields: dict[str, Any] | None) -> Outcome | None:
    """The outcome of this part if a run (maybe killed) already set it aside."""

    for candidate in taken_rejected_names(filer.archive.rejected, name):
        reason = reason_path(candidate)
        if not (candidate.is_file() and reason.is_file()):
            continue
        text = reason.read_text("utf-8", errors="replace")
        if f"batch: {batch_note}" not in text or sha256_file(candidate) != sha:
            continue
        rejected_to = candidate.relative_to(filer.archive.root).as_posix()
        journaled = any(e.get("event") == "rejected" and e.get("rejected_to") == rejected_to
                        for e in filer.archive.journal)
        code, reason_text = _problem(text)
        return _complete_set_aside(filer, candidate, source, code, reason_text, None, fields,
                                   journal=not journaled)
    return None


def _problem(text: str) -> tuple[str, str]:
    """(code, reason) from the "Problem (code): reason" line of a reason file."""
    for line in text.splitlines():
        if line.startswith("Problem (") and "): " in line:
            code, reason = line[len("Problem ("):].split("): ", 1)
            return code, reason
    return "", ""
