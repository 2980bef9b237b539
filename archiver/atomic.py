"""Durable file writes (Art. 21: nothing lost, nothing half-written).

Every file the archiver writes goes through :func:`write_bytes_atomic` (or the copy and
append helpers beside it): a temporary file in the same folder, flushed and fsynced,
renamed over the target, then the folder fsynced. A crash leaves either the old file or
the new one, plus at worst a ``.tmp-*`` file that :func:`remove_stale_temps` cleans.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import is_storage_error, storage_error

TEMP_PREFIX = ".tmp-archiver-"
FILE_MODE = 0o640  # Art. 24: readable by the archive's group only
READ_ONLY_MODE = 0o440  # stored scans and volumes: replaced whole, never written in place
DIR_MODE = 0o750
CHUNK = 1 << 20


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Make a file's data durable (a register appended to without its own fsync)."""
    with storage_errors(path):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with restrictive permissions; return it.

    Each missing folder is made with :data:`DIR_MODE` — ``mkdir(parents=True)`` would
    give the parents the default mode (0755 under the usual umask), Art. 24.
    """
    if not path.is_dir():
        missing = [p for p in (path, *path.parents) if not p.is_dir()]
        for folder in reversed(missing):
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def temp_path(target: Path) -> Path:
    """A hidden sibling of ``target``; its name stays within NAME_MAX (255 bytes), for
    any name the file system holds (a non-UTF-8 one too: bytes kept as they are)."""
    name = os.fsencode(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{target.name}")[:250]
    return target.with_name(os.fsdecode(name))


@contextmanager
def storage_errors(target: Path) -> Iterator[None]:
    """A disk that refuses a write (ENOSPC, EDQUOT, EIO, EROFS) becomes one clear
    :class:`~archiver.errors.StorageError` (exit 9) naming ``target``."""
    try:
        yield
    except OSError as exc:
        if is_storage_error(exc):
            raise storage_error(exc, target) from exc
        raise


def write_bytes_atomic(target: Path, data: bytes, *, mode: int = FILE_MODE, sync_dir: bool = True) -> None:
    """Write ``data`` to ``target`` so that a crash never leaves it half-written.

    ``sync_dir=False`` leaves the folder's fsync to the caller (who fsyncs it once for
    many files, before anything depends on the new name being durable)."""
    with storage_errors(target):
        _write_bytes_atomic(target, data, mode=mode, sync_dir=sync_dir)


def _write_bytes_atomic(target: Path, data: bytes, *, mode: int, sync_dir: bool = True) -> None:
    ensure_dir(target.parent)
    tmp = temp_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(target.parent)


def write_files_atomic(files: list[tuple[Path, bytes, int]], *, verify: bool = False, sync_dir: bool = True) -> None:
    """Write several files (target, data, mode) as :func:`write_bytes_atomic` does, but
    fsync their temporary files at once (the file system commits them together), then
    rename them into place in the order given: a later file (a sidecar, the commit mark)
    never exists without the earlier ones. ``verify`` reads each back before renaming."""
    commit_staged(stage_files(files, verify=verify), sync_dir=sync_dir)


def stage_files(files: list[tuple[Path, bytes, int]], *, verify: bool = False) -> list[tuple[Path, Path]]:
    """Write each (target, data, mode) to a temporary file beside its target, not yet
    fsynced; return the (temporary, target) pairs for :func:`commit_staged`. A crash
    leaves only temporary files (:func:`remove_stale_temps`)."""
    staged: list[tuple[Path, Path]] = []
    with storage_errors(files[0][0]):
        try:
            for target, data, mode in files:
                ensure_dir(target.parent)
                tmp = temp_path(target)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
                staged.append((tmp, target))
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                if verify and tmp.read_bytes() != data:  # read back: the very bytes given
                    raise OSError(f"verification failed after writing {target}")
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
    return staged


def commit_staged(staged: list[tuple[Path, Path]], *, sync_dir: bool = True) -> None:
    """fsync every staged temporary file (at once, in a few threads: the file system
    commits them together), then rename each into place in order, then (``sync_dir``)
    fsync their folders."""
    import threading

    if not staged:
        return
    with storage_errors(staged[0][1]):
        errors: list[BaseException] = []
        queue = [tmp for tmp, _ in staged]

        def work() -> None:
            while queue:
                try:
                    path = queue.pop()
                except IndexError:
                    return
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                except BaseException as exc:  # handed to the caller's thread
                    errors.append(exc)

        try:
            threads = [threading.Thread(target=work) for _ in range(min(8, len(queue)) - 1)]
            for thread in threads:
                thread.start()
            work()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]
            for tmp, target in staged:
                os.replace(tmp, target)
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        if sync_dir:
            for folder in dict.fromkeys(target.parent for _, target in staged):
                fsync_dir(folder)


def write_text_atomic(target: Path, text: str, *, sync_dir: bool = True) -> None:
    write_bytes_atomic(target, text.encode("utf-8"), sync_dir=sync_dir)


def copy_atomic(source: Path, target: Path, *, mode: int = FILE_MODE) -> str:
    """Copy ``source`` to ``target`` atomically; return the SHA-256 of what was written.

    The hash is of the bytes as read from the source while copying; callers compare it
    with the hash they validated, so a file changed in between is caught.
    """
    with storage_errors(target):
        return _copy_atomic(source, target, mode=mode)


def _copy_atomic(source: Path, target: Path, *, mode: int) -> str:
    ensure_dir(target.parent)
    tmp = temp_path(target)
    digest = hashlib.sha256()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def append_line(path: Path, line: str, *, sync: bool = True) -> None:
    """Append one line to an append-only register, durably (``sync=False``: the caller
    fsyncs the file later, before anything depends on the line).

    If a previous writer was cut off mid-line, the torn tail is ended with a newline
    first, so the new line is never glued to it (readers skip the torn line).
    """
    with storage_errors(path):
        ensure_dir(path.parent)
        data = line.rstrip("\n").encode("utf-8") + b"\n"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            size = os.fstat(fd).st_size
            if size:
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) != b"\n":
                    data = b"\n" + data
            written = os.write(fd, data)
            if written != len(data):  # a short write: the disk is full
                import errno

                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: Path) -> Iterator[Path]:
    """Remove temporary files a killed writer left below ``folder``; yield each one."""
    if not folder.is_dir():
        return
    for tmp in folder.rglob(f"{TEMP_PREFIX}*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            yield tmp


class AtomicFile(io.RawIOBase):
    """The temporary file (:attr:`path`) a :func:`replacing` block writes in place of its
    target; what is written is hashed (SHA-256) on the way, so the checksum needs no
    reading back."""

    def __init__(self, path: Path, fh: Any) -> None:
        super().__init__()
        self.path = path
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
        if not self.fh.closed:
            self.fh.flush()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()

    def finish(self) -> None:
        """Flush, fsync and close the temporary file (before it is checked, and renamed)."""
        if not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()


@contextmanager
def replacing(target: Path, *, mode: int = FILE_MODE) -> Iterator[AtomicFile]:
    """Write ``target`` whole or not at all, from a writer that streams (a PDF saved by
    pikepdf): the block writes to the :class:`AtomicFile` given — a temporary file beside
    ``target`` — and may call its :meth:`~AtomicFile.finish` to check the file before it
    takes its place. After the block the file is fsynced, given ``mode``, renamed over
    ``target`` and the folder fsynced; if the block raises, the temporary file is removed
    and ``target`` is left as it was."""
    ensure_dir(target.parent)
    tmp = temp_path(target)
    handle = AtomicFile(tmp, os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"))
    try:
        yield handle
        handle.finish()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        handle.fh.close()
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
