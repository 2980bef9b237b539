"""Containment (issue 9): whatever goes wrong with one inbox entry sets it aside with a
reason a clerk can act on — the traceback goes to ``.archiver/log/filing.log`` — and
the run goes on with the rest."""

from __future__ import annotations

import datetime as dt
import logging
import os
import traceback
from pathlib import Path

from ..errors import Rejection, is_storage_error
from ..store import Archive
from .context import FilingContext
from .inbox import inbox_sidecar
from .names import escape_name, escape_path
from .outcome import Outcome

log = logging.getLogger("archiver.filing")


def failure_log(archive: Archive) -> Path:
    return archive.state / "log" / "filing.log"


def log_failure(archive: Archive, at: dt.datetime, rel: str, exc: BaseException) -> str:
    """Write the traceback to .archiver/log/filing.log; return that path (relative to the root)."""
    path = failure_log(archive)
    try:
        path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        text = "".join(traceback.format_exception(exc))
        lines = [escape_name(line) for line in text.splitlines()]
        with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"{at.isoformat(timespec='seconds')} {rel}\n")
            fh.writelines(f"    {line}\n" for line in lines)
    except OSError:
        pass  # the log is a help, not a record
    return path.relative_to(archive.root).as_posix()


def could_not_file(name: str, exc: BaseException, where: str) -> Rejection:
    return Rejection(
        "could-not-file",
        f"The archiver could not file {name}: an unexpected problem "
        f"({type(exc).__name__}) stopped it. The technical details are in {where}.",
        "Tell the archive's administrator (the log names the problem). Once it is solved, move the "
        "file (and its .toml, if any) back into the inbox.",
    )


def could_not_file_part(exc: BaseException, where: str, details: dict[str, str]) -> Rejection:
    return Rejection(
        "could-not-file",
        f"The archiver could not file this document of a batch: an unexpected problem "
        f"({type(exc).__name__}) stopped it. The technical details are in {where}.",
        "Tell the archive's administrator; once it is solved, move this file into the inbox.",
        dict(details),
    )


def contain(ctx: FilingContext, path: Path, exc: Exception, given_up: set[tuple[str, int, int]]) -> Outcome | None:
    """Set the inbox entry ``path`` aside after ``exc``. If even that fails, it stays in
    the inbox, said once (``given_up``); a disk that refuses to write is raised."""
    rel = escape_path(path.relative_to(ctx.archive.inbox).as_posix())
    where = log_failure(ctx.archive, ctx.now(), rel, exc)
    key = (rel, 0, 0)
    try:
        info = os.lstat(path)
        key = (rel, info.st_ino, info.st_mtime_ns)
        if key in given_up:
            return None
        return ctx.setaside.move(path, rel, info, could_not_file(escape_name(path.name), exc, where),
                                 sidecar=inbox_sidecar(path))
    except Exception as again:
        if is_storage_error(again):
            raise
        log_failure(ctx.archive, ctx.now(), rel, again)
        given_up.add(key)
        log.error("could not file or set aside %s (%s); it stays in the inbox — details in %s",
                  rel, type(again).__name__, where)
        return Outcome(source=rel, status="rejected", code="could-not-file",
                       reason=f"could not be filed or set aside; details in {where}")
