"""archiver.filing.place (Art. 6 step 4): a record's PDF and sidecar staged beside their
targets, renamed only by the group commit; a record met again restored and verified."""

from __future__ import annotations

import json

from conftest import make_scan
from filing_helpers import context, document, found

from archiver.filing.classify import classify
from archiver.filing.place import place, restore
from archiver.filing.registration import register
from archiver.filing.validate import PdfFacts


def placed(archive):  # type: ignore[no-untyped-def]
    ctx = context(archive)
    doc = document(make_scan(1, seed=500))
    record = classify(ctx, doc, found(), PdfFacts(page_count=1))
    place(ctx, record, doc.data, register(ctx, record, doc.source))
    return ctx, doc, record


def test_nothing_is_in_place_before_the_commit(archive) -> None:
    ctx, doc, record = placed(archive)
    assert not record.path.exists() and not record.sidecar_path.exists()
    assert [target for _, target in ctx.group.staged] == [record.path, record.sidecar_path]
    assert all(tmp.parent == record.path.parent and tmp.name.startswith(".tmp-") for tmp, _ in ctx.group.staged)
    assert ctx.index.get(doc.sha256) == record and record.id in ctx.index.journaled
    [line] = archive.journal.path.read_text("utf-8").splitlines()
    assert json.loads(line)["record"] == record.id and ctx.group.journal == archive.journal.path
    ctx.group.commit()
    assert record.path.read_bytes() == doc.data and record.sidecar_path.exists()


def test_a_record_whose_pdf_was_lost_is_restored(archive) -> None:
    ctx, doc, record = placed(archive)
    ctx.group.commit()
    record.path.unlink()  # a power cut before the PDF's data reached the disk
    restore(ctx, record, doc.data, None)
    assert record.path.read_bytes() == doc.data and record.path.parent in ctx.group.folders
    assert len(archive.journal.path.read_text("utf-8").splitlines()) == 1  # journaled once
