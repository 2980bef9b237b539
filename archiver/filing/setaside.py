"""Setting files aside in ``inbox/rejected/``: the one module that does it (Art. 6, 21).

Whatever cannot be filed — an inbox file, or one document of a batch — goes to
``inbox/rejected/NAME`` with ``NAME.reason.txt`` saying what is wrong and what to do,
and, when it had metadata, ``NAME.toml`` beside it (``x.pdf`` → ``x.toml``).

Nothing there is ever overwritten: a name is free only when neither the file, nor its
reason file, nor its metadata file exists and no journal entry names it (``x.pdf``,
``x (2).pdf``, …); every file is created with a no-replace rename.

Kill-safe, journaled exactly once. The journal entry comes first: it records the
intent (source, where it goes, why, and the source's identity: size, mtime, ctime,
inode — or, for a batch's document, the batch's identity and the document's SHA-256).
Then, each step skipped when already done: the metadata file (an inbox sidecar is moved
before its scan, so a scan never leaves its sidecar behind), the reason file, and last
the file itself (moved, or written for a batch's document). A run killed anywhere after
the journal entry is completed by the next run, which finds the entry by the source's
identity; a run killed before it left nothing.

An entry that is not a regular file (a symlink, a FIFO, a device) is moved as an entry —
its target or data never touched. If even that fails (no permission on the inbox), it is
left where it is: the journal says so once, and the run goes on.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ..atomic import FILE_MODE, ensure_dir, fsync_dir, storage_errors, temp_path
from ..errors import Rejection, is_storage_error
from ..store import Archive
from .inbox import inbox_sidecar
from .names import escape_name, escape_path
from .outcome import Outcome

log = logging.getLogger("archiver.filing")

NAME_MAX = 255
REASON_SUFFIX = ".reason.txt"
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


# No-replace file operations ------------------------------------------------------------
@functools.cache
def _renameat2() -> Any:
    """glibc's renameat2 (Linux ≥ 3.15), loaded on first use; None where there is none."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists (never replaced)."""
    renameat2 = _renameat2()
    if renameat2 is not None:
        import ctypes

        if renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), os.fsdecode(dst))
    if os.path.lexists(dst):  # a file system without renameat2: we hold the archive lock
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(dst))
    os.rename(src, dst)


def write_new(target: Path, data: bytes) -> None:
    """Create ``target`` with ``data`` durably (temporary file, fsync, no-replace rename)."""
    with storage_errors(target):
        tmp = temp_path(target)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        try:
            rename_noreplace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


# Names in rejected/ --------------------------------------------------------------------
def reason_path(target: Path) -> Path:
    return target.with_name(target.name + REASON_SUFFIX)


def sidecar_path(target: Path) -> Path:
    """The metadata file beside a set-aside file: ``x.pdf`` → ``x.toml``."""
    if target.suffix.lower() == ".pdf":
        return target.with_suffix(".toml")
    return target.with_name(target.name + ".toml")


def rejected_names(folder: Path, name: str) -> Iterator[Path]:
    """The names ``name`` may take in rejected/, in order: ``x.pdf``, ``x (2).pdf``, …

    Over-long names are shortened (by characters, counting bytes as the file system
    does) so that the reason file's name still fits.
    """
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    ext = f".{suffix}" if suffix else ""
    if len(os.fsencode(ext)) > 40:
        stem, ext = name, ""
    for n in range(1, 100_000):
        label = stem if n == 1 else f"{stem} ({n})"
        while label and len(os.fsencode(label + ext + REASON_SUFFIX)) > NAME_MAX:
            label = label[:-1]
        yield folder / f"{label}{ext}"


@dataclass(frozen=True)
class Identity:
    """What makes an inbox entry the same one a killed run was setting aside."""

    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int

    @classmethod
    def of(cls, info: os.stat_result) -> Identity:
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)

    def fields(self) -> dict[str, int]:
        return {"source_size": self.size, "source_mtime_ns": self.mtime_ns,
                "source_ctime_ns": self.ctime_ns, "source_ino": self.ino}

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Identity | None:
        try:
            return cls(int(entry["source_size"]), int(entry["source_mtime_ns"]),
                       int(entry["source_ctime_ns"]), int(entry["source_ino"]))
        except (KeyError, TypeError, ValueError):
            return None


class SetAside:
    """Sets files aside in one archive's ``inbox/rejected/``."""

    def __init__(self, archive: Archive, by: str) -> None:
        self.archive = archive
        self.by = by
        self.folder = archive.rejected
        self.taken: set[str] = set()  # rejected_to of every journaled rejection
        self.pending: dict[tuple[str, Identity], dict[str, Any]] = {}  # (source, identity) → entry
        self.stuck: set[tuple[str, Identity]] = set()  # could not be moved in this process

    def note(self, entry: dict[str, Any]) -> None:
        """Learn one journal entry (the filer reads the journal once for both of us)."""
        if entry.get("event") != "rejected":
            return
        if entry.get("rejected_to"):
            self.taken.add(str(entry["rejected_to"]))
        ident = Identity.from_entry(entry)
        if ident is not None and isinstance(entry.get("source"), str):
            self.pending[(entry["source"], ident)] = entry

    def rel(self, path: Path) -> str:
        return escape_path(path.relative_to(self.archive.root).as_posix())

    def _target(self, entry: dict[str, Any]) -> Path:
        """The path a journal entry sets its file aside to (its raw bytes, if the name had to be escaped)."""
        raw = entry.get("rejected_name_bytes")
        if isinstance(raw, str):
            return self.folder / os.path.basename(os.fsdecode(bytes.fromhex(raw)))
        return self.folder / os.path.basename(str(entry["rejected_to"]))  # always inside rejected/

    def free_name(self, name: str) -> Path:
        ensure_dir(self.folder)
        for candidate in rejected_names(self.folder, name):
            if self.rel(candidate) in self.taken:
                continue
            if any(os.path.lexists(p) for p in (candidate, reason_path(candidate), sidecar_path(candidate))):
                continue
            return candidate
        raise OSError(errno.ENOSPC, f"no free name in {self.folder} for {escape_name(name)}")

    # An inbox entry ------------------------------------------------------------------
    def earlier(self, source: str, info: os.stat_result) -> dict[str, Any] | None:
        """The journal entry of a run that began setting this very entry aside."""
        return self.pending.get((source, Identity.of(info)))

    def move(self, path: Path, source: str, info: os.stat_result, rejection: Rejection,
             *, sha256: str = "", sidecar: Path | None = None) -> Outcome:
        """Set the inbox entry ``path`` (and its inbox ``sidecar``) aside."""
        target = self.free_name(path.name)
        entry = self._journal(source, target, rejection, Identity.of(info).fields(), sha256=sha256,
                              sidecar_to=self.rel(sidecar_path(target)) if sidecar is not None else "")
        return self.complete_move(path, entry, sidecar=sidecar)

    def complete_move(self, path: Path, entry: dict[str, Any], *, sidecar: Path | None = None) -> Outcome:
        """Do what is left of the set-aside the journal ``entry`` records (idempotent)."""
        target = self._target(entry)
        key = (str(entry["source"]), Identity.from_entry(entry) or Identity(0, 0, 0, 0))
        try:
            if entry.get("sidecar_to"):
                side = sidecar if sidecar is not None else inbox_sidecar(path)
                if side is not None and not os.path.lexists(sidecar_path(target)):
                    rename_noreplace(side, sidecar_path(target))  # the sidecar first: never left behind
            self._reason(target, entry, escape_name(path.name))
            if os.path.lexists(path) and not _same_entry(path, target):
                rename_noreplace(path, target)
            fsync_dir(target.parent)
            fsync_dir(path.parent)
        except OSError as exc:
            if is_storage_error(exc):
                raise
            note = (f"It could not be moved to {entry['rejected_to']} ({exc.strerror or exc}) and stays in "
                    "the inbox: give the archiver's user write permission on the inbox folder.")
            if key not in self.stuck:
                self.stuck.add(key)
                log.warning("rejected %s: %s %s", entry["source"], entry.get("reason", ""), note)
            return Outcome(source=str(entry["source"]), status="rejected", code=str(entry.get("code", "")),
                           reason=f"{entry.get('reason', '')} {note}")
        self.pending.pop(key, None)
        return self._outcome(entry)

    # A document of a batch -----------------------------------------------------------
    def earlier_part(self, source: str, batch: os.stat_result, sha256: str) -> dict[str, Any] | None:
        entry = self.pending.get((source, Identity.of(batch)))
        return entry if entry is not None and entry.get("sha256") == sha256 else None

    def write(self, data: bytes, name: str, source: str, batch: os.stat_result, rejection: Rejection,
              fields: dict[str, Any] | None, *, sha256: str = "") -> Outcome:
        """Set aside a document that exists only as bytes (a part of a batch)."""
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        target = self.free_name(name)
        entry = self._journal(source, target, rejection, Identity.of(batch).fields(), sha256=sha256,
                              sidecar_to=self.rel(sidecar_path(target)) if fields is not None else "")
        return self.complete_write(data, entry, fields)

    def complete_write(self, data: bytes, entry: dict[str, Any], fields: dict[str, Any] | None) -> Outcome:
        target = self._target(entry)
        side = sidecar_path(target)
        if fields is not None and entry.get("sidecar_to") and not os.path.lexists(side):
            write_new(side, ("# Metadata read from the cover sheet of this part (archiver).\n"
                             "# Correct it if needed, then move this file and the PDF into the inbox.\n"
                             + tomli_w.dumps(fields)).encode("utf-8"))
        self._reason(target, entry, escape_name(target.name))
        if not os.path.lexists(target):
            write_new(target, data)
        fsync_dir(target.parent)
        key = (str(entry["source"]), Identity.from_entry(entry) or Identity(0, 0, 0, 0))
        self.pending.pop(key, None)
        return self._outcome(entry)

    # Shared steps --------------------------------------------------------------------
    def _journal(self, source: str, target: Path, rejection: Rejection, identity: dict[str, int], *,
                 sha256: str, sidecar_to: str) -> dict[str, Any]:
        rejected_to = self.rel(target)
        fields: dict[str, Any] = {"source": source, "code": rejection.code, "reason": rejection.reason,
                                  "fix": rejection.fix, "rejected_to": rejected_to, **identity}
        if escape_name(target.name) != target.name:
            fields["rejected_name_bytes"] = os.fsencode(target.name).hex()
        if rejection.details:
            fields["details"] = dict(rejection.details)
        if sha256:
            fields["sha256"] = sha256
        if sidecar_to:
            fields["sidecar_to"] = sidecar_to
        entry = self.archive.journal.append("rejected", by=self.by, **fields)
        self.note(entry)
        return entry

    def _reason(self, target: Path, entry: dict[str, Any], shown: str) -> None:
        reason = reason_path(target)
        if os.path.lexists(reason):
            return  # written by the killed run: never overwritten
        details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
        rejection = Rejection(str(entry.get("code", "")), str(entry.get("reason", "")), str(entry.get("fix", "")),
                              {str(k): str(v) for k, v in (details or {}).items()})
        write_new(reason, rejection.as_text(shown).encode("utf-8"))

    def _outcome(self, entry: dict[str, Any]) -> Outcome:
        outcome = Outcome(source=str(entry["source"]), status="rejected", code=str(entry.get("code", "")),
                          reason=str(entry.get("reason", "")), rejected_to=str(entry["rejected_to"]))
        log.warning(outcome.line())
        return outcome


def _same_entry(a: Path, b: Path) -> bool:
    try:
        x, y = os.lstat(a), os.lstat(b)
    except FileNotFoundError:
        return False
    return (x.st_dev, x.st_ino) == (y.st_dev, y.st_ino)
