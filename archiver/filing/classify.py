"""Art. 6 step 2, classify: where a document belongs, decided from what it is.

The rules are pure (:func:`check_page_count`, :func:`record_id`, :func:`new_record`);
:func:`free_id` looks at the records folder, and :func:`classify` puts them together
into the document's :class:`~archiver.model.Record`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from pathlib import Path

from ..atomic import sha256_file
from ..errors import Rejection
from ..model import FileInfo, FilingInfo, Metadata, Record
from .context import Document, FilingContext
from .metadata import Found
from .validate import PdfFacts

ID_HASH = 8  # hex digits of the content hash in a record's id (lengthened by 4 on a clash)


def check_page_count(found: Found, page_count: int) -> None:
    """Art. 11: a document declaring more pages than the scan has is not complete."""
    if found.meta.pages is not None and page_count < found.meta.pages:
        raise Rejection(
            "missing-pages",
            f"The metadata declares {found.meta.pages} pages with writing, but the PDF has "
            f"only {page_count} page(s) (Art. 11: every page must be complete).",
            "Scan the missing pages (or correct 'pages') and drop the file again.",
        )


def record_id(meta: Metadata, sha256: str, digits: int = ID_HASH) -> str:
    """A record's id: its date, type and content hash — the same on every run."""
    return f"{meta.date:%Y%m%d}-{meta.type}-{sha256[:digits]}"


def free_id(folder: Path, meta: Metadata, sha256: str, taken: Collection[Path], root: Path) -> str:
    """The record id for this content in ``folder``: the shortest whose place is free —
    not another record's (committed, or placed and ``taken`` by one not yet committed),
    not another document's PDF a killed run left without its sidecar. A PDF of this
    very content there whose sidecar cannot be read is a duplicate."""
    digits = ID_HASH
    while True:
        rid = record_id(meta, sha256, digits)
        pdf = folder / f"{rid}.pdf"
        committed = (folder / f"{rid}.toml").exists()
        content = sha256_file(pdf) if pdf.exists() else None
        if not committed and pdf not in taken and content in (None, sha256):
            return rid  # free, or this very PDF placed by a killed run (placed again)
        if committed and content == sha256:  # filed already; its sidecar is unreadable
            raise Rejection(
                "duplicate",
                f"This scan is identical to the filed record {rid} "
                f"({pdf.relative_to(root).as_posix()}), whose sidecar cannot be read.",
                "Nothing to do for this copy. Restore or correct that sidecar (`archiver audit` lists it).",
                {"existing record": rid},
            )
        digits += 4  # another document's id (a hash prefix clash): lengthen it


def new_record(found: Found, doc: Document, facts: PdfFacts, *, rid: str, folder: Path, retention: str,
               filed_at: dt.datetime, filed_by: str) -> Record:
    """The record of ``doc``, filed as ``rid`` in ``folder``."""
    info: os.stat_result = doc.stat
    return Record(
        id=rid,
        meta=found.meta,
        retention=retention,
        file=FileInfo(name=f"{rid}.pdf", sha256=doc.sha256, size=len(doc.data), page_count=facts.page_count,
                      active_content=tuple(facts.active)),
        filing=FilingInfo(
            source=doc.source,
            source_size=info.st_size,
            source_mtime_ns=info.st_mtime_ns,
            metadata_source=found.source,
            filed_at=filed_at,
            filed_by=filed_by,
        ),
        path=folder / f"{rid}.pdf",
    )


def classify(ctx: FilingContext, doc: Document, found: Found, facts: PdfFacts) -> Record:
    """Art. 6 step 2: the record of ``doc`` — complete (Art. 11), its retention class,
    its customer's year folder and its id."""
    check_page_count(found, facts.page_count)
    meta = found.meta
    archive = ctx.archive
    folder = archive.record_dir(meta.customer, meta.year)
    rid = free_id(folder, meta, doc.sha256, ctx.index.paths, archive.root)
    return new_record(found, doc, facts, rid=rid, folder=folder,
                      retention=meta.retention or archive.config.type(meta.type).retention,
                      filed_at=ctx.now(), filed_by=ctx.by)
