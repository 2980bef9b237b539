"""Art. 6 step 4, place: a record's PDF and sidecar into ``records/<customer>/<year>/``.

Both are written to temporary files beside their targets and read back (the PDF: the
very bytes that were hashed); the group commit (:mod:`archiver.filing.commit`) fsyncs
and renames them — the PDF first, the sidecar (the commit mark) last — and only then
removes the inbox copy. A write through a link is refused: the temporary file replaces
the name. The record's journal line is appended now and fsynced by the same commit.
"""

from __future__ import annotations

import json
from typing import Any

from ..atomic import FILE_MODE, READ_ONLY_MODE, append_line, sha256_file, stage_files, write_bytes_atomic
from ..model import Record
from .context import FilingContext
from .registration import Registration


def place(ctx: FilingContext, record: Record, data: bytes, registration: Registration) -> None:
    files = [(record.sidecar_path, registration.sidecar, FILE_MODE)]
    if not _in_place(record):
        files.insert(0, (record.path, data, READ_ONLY_MODE))  # (else a killed run placed it already)
    ctx.group.staged.extend(stage_files(files, verify=True))
    ctx.group.folders.add(record.path.parent)
    ctx.index.add(record)
    journal(ctx, record, registration.entry)


def restore(ctx: FilingContext, record: Record, data: bytes, entry: dict[str, Any] | None) -> None:
    """A filed record met again from its own source (a killed run): its PDF written again
    if it is missing or damaged (after a power cut), verified, and its journal line."""
    if not _in_place(record):
        # a write through a link is refused; the folder is fsynced by the commit
        write_bytes_atomic(record.path, data, mode=READ_ONLY_MODE, sync_dir=False)
        ctx.group.folders.add(record.path.parent)
        if record.path.read_bytes() != data:  # read back and verify: the very bytes that were hashed
            record.path.unlink(missing_ok=True)
            raise OSError(f"verification failed after writing {record.path}; the inbox copy is kept")
    journal(ctx, record, entry)


def journal(ctx: FilingContext, record: Record, entry: dict[str, Any] | None) -> None:
    """Append the record's journal line (if it needs one). The line is fsynced by the
    commit, before the inbox copy is removed: should it be lost in a power cut, the scan
    is still in the inbox and its record is journaled when the next run finishes it."""
    if entry is None:
        return
    path = ctx.archive.journal.path
    append_line(path, json.dumps(entry, ensure_ascii=False), sync=False)
    ctx.group.journal = path
    ctx.index.journaled.add(record.id)


def _in_place(record: Record) -> bool:
    return record.path.exists() and sha256_file(record.path) == record.file.sha256
