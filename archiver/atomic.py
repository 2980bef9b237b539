"""Durable file writes (Art. 21: nothing lost, nothing half-written): the one module
that writes, copies, replaces and moves the archive's files.

Every file is written as a temporary file in the same folder, flushed and fsynced,
renamed over the target, then the folder fsynced. A crash leaves either the old file or
the new one, plus at worst a ``.tmp-archiver-*`` file that :func:`remove_stale_temps`
cleans. The API, by what the caller has in hand:

* bytes or text → :func:`write_bytes_atomic`, :func:`write_text_atomic`; many files
  committed together, in order → :func:`write_files_atomic` (or :func:`stage_files` now,
  :func:`commit_staged` later);
* a file to copy → :func:`copy_atomic` (returns the SHA-256 of what it copied);
* a writer of its own (pikepdf's save, a reflink, a hard link) → :func:`replacing`,
  which gives it a temporary path and renames the result over the target (or
  :class:`StagedFile`, to put it in place later); one that fills
  a file descriptor, for a derived file → :func:`replace_unsynced` (with :func:`write_all`);
* a stored file to move whose checksum is known → :func:`move_verified`;
* a line for an append-only register → :func:`append_line`.

``durable=False`` (derived copies such as the catalogue: a reader must never see half a
file, but a crash may lose the new one) skips the fsyncs and keeps the rename.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import select
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TypeVar

from .children import end_child, fork_child
from .errors import IntegrityError, is_storage_error, storage_error

TEMP_PREFIX = ".tmp-archiver-"
FILE_MODE = 0o640  # Art. 24: readable by the archive's group only
READ_ONLY_MODE = 0o440  # stored scans and volumes: replaced whole, never written in place
DIR_MODE = 0o750
CHUNK = 1 << 20
T = TypeVar("T")


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


def write_bytes_atomic(target: Path, data: bytes, *, mode: int = FILE_MODE, sync_dir: bool = True,
                       durable: bool = True) -> None:
    """Write ``data`` to ``target`` so that a crash never leaves it half-written.

    ``sync_dir=False`` leaves the folder's fsync to the caller (who fsyncs it once for
    many files, before anything depends on the new name being durable); ``durable=False``
    fsyncs nothing (a derived file: replaced whole, but a crash may lose it)."""
    with storage_errors(target):
        _write_bytes_atomic(target, data, mode=mode, sync_dir=sync_dir and durable, durable=durable)


def _write_bytes_atomic(target: Path, data: bytes, *, mode: int, sync_dir: bool = True, durable: bool = True) -> None:
    ensure_dir(target.parent)
    tmp = temp_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(target.parent)


@contextmanager
def replacing(target: Path, *, mode: int | None = None, durable: bool = True, sync_dir: bool = True) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer of the caller's own; when the block
    ends, the file made there replaces ``target`` in one rename::

        with replacing(volume, mode=READ_ONLY_MODE) as tmp:
            pdf.save(tmp)
            check(tmp)          # an exception here leaves target as it was

    The caller creates the file (:func:`create` gives one with the archive's mode, a
    hard link or pikepdf's save will do). On leaving the block it is fsynced
    (``durable``), given ``mode`` (when not None), renamed over ``target`` and the folder
    fsynced (``sync_dir``); on an exception it is removed and ``target`` left alone.
    """
    with storage_errors(target):
        ensure_dir(target.parent)
        with _replaced(target, mode=mode, durable=durable, sync_dir=sync_dir) as tmp:
            yield tmp


@contextmanager
def _replaced(target: Path, *, mode: int | None, durable: bool, sync_dir: bool) -> Iterator[Path]:
    tmp = temp_path(target)
    try:
        yield tmp
        if durable:
            fsync_file(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable and sync_dir:
        fsync_dir(target.parent)


def in_background(step: Callable[[], None]) -> Callable[[], None]:
    """Run ``step`` (an fsync: the kernel does the waiting) in a thread; returns the call
    that waits for it and raises what it raised."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 — handed to the waiter
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failed:
            raise failed[0]

    return wait


SYNC_EVERY = 32 << 20  # FollowingHash: bytes read between two background flushes to disk


class FollowingHash:
    """The SHA-256 and size of a file while another writer writes it — pikepdf's save,
    which holds the interpreter's lock the whole time, so the hashing is done by a forked
    child process (on another core) that reads what has been written so far, from the
    page cache. Every :data:`SYNC_EVERY` bytes it also has the data flushed to disk
    (``fdatasync``) in the background, so the final fsync has only the tail to write. The
    writer writes straight on, never seeks back (a file that ends another size than was
    read is refused). Where there is no ``fork`` the file is read and hashed at the end::

        with create(path) as fh:
            following = FollowingHash(path)
            pdf.save(fh); fh.flush()
            sha256, size = following.finish(fh)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid = 0
        self._tell: int | None = None  # parent → child: the writer is done
        self._answer: int | None = None  # child → parent: "<sha256> <size>"
        if hasattr(os, "fork"):
            with suppress(OSError):
                self._start()

    def _start(self) -> None:
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        tell_r, tell_w = os.pipe()
        answer_r, answer_w = os.pipe()

        def child() -> None:
            os.close(tell_w)
            os.close(answer_r)
            answer = _follow(fd, tell_r)
            if answer:
                os.write(answer_w, answer.encode("ascii"))

        try:
            pid = fork_child(child)
        except OSError:
            for end in (fd, tell_r, tell_w, answer_r, answer_w):
                os.close(end)
            raise
        for end in (fd, tell_r, answer_w):
            os.close(end)
        self._pid, self._tell, self._answer = pid, tell_w, answer_r

    def finish(self, written: BinaryIO) -> tuple[str, int]:
        """(hex SHA-256, size) of everything written to ``written`` (flushed already)."""
        size = os.fstat(written.fileno()).st_size
        answer = b""
        if self._tell is not None and self._answer is not None:
            with suppress(OSError):
                os.write(self._tell, b"done")
            os.close(self._tell)
            self._tell = None
            with os.fdopen(self._answer, "rb") as got:
                self._answer = None
                answer = got.read()
            self._reap()
        parts = answer.split()
        if len(parts) != 2:  # no child, or it failed: read it here
            return sha256_file(self.path), size
        digest, read = parts[0].decode("ascii"), int(parts[1])
        if read != size:
            raise OSError(f"the file is {size} bytes, {read} were read as it was written")
        return digest, size

    def abandon(self) -> None:
        """Stop following (the writer failed)."""
        for end in (self._tell, self._answer):
            if end is not None:
                os.close(end)
        self._tell = self._answer = None
        self._reap(kill=True)

    def _reap(self, *, kill: bool = False) -> None:
        if self._pid:
            end_child(self._pid, kill=kill)
            self._pid = 0


def _follow(fd: int, tell: int) -> str:
    """In :class:`FollowingHash`'s child: hash ``fd`` as it grows until the parent says
    the writer is done (then to its end); "" when the parent went away instead."""
    digest = hashlib.sha256()
    size = unsynced = 0
    done = False
    flusher: threading.Thread | None = None
    while True:
        chunk = os.read(fd, CHUNK)
        if chunk:
            digest.update(chunk)
            size += len(chunk)
            unsynced += len(chunk)
            if unsynced >= SYNC_EVERY and (flusher is None or not flusher.is_alive()):
                unsynced = 0
                flusher = threading.Thread(target=_datasync, args=(fd,), daemon=True)
                flusher.start()
            continue
        if done:
            break
        ready, _, _ = select.select([tell], [], [], 0.002)
        if ready:
            if not os.read(tell, 16):
                return ""  # the writer failed, or the parent died
            done = True  # (read on: everything was flushed before the parent said so)
    if flusher is not None:
        flusher.join()
    return f"{digest.hexdigest()} {size}\n"


def _datasync(fd: int) -> None:
    with suppress(OSError):  # the final fsync reports it, if it persists
        os.fdatasync(fd)


class StagedFile:
    """A file written under a temporary name beside ``target`` and put in place later —
    for a writer that must wait for something (a check of its inputs) before the file
    may replace its target::

        staged = StagedFile(volume, mode=READ_ONLY_MODE)
        pdf.save(staged.path); staged.sync()
        ...                          # staged.discard() if the inputs turn out altered
        staged.place()               # renamed over the target, the folder fsynced

    A crash leaves at worst the temporary file (:func:`remove_stale_temps`)."""

    def __init__(self, target: Path, *, mode: int | None = None) -> None:
        self.target = target
        self.path = temp_path(target)
        self.mode = mode

    def sync(self) -> None:
        """Make the temporary file's data durable (before :meth:`place`)."""
        fsync_file(self.path)

    def place(self, *, sync_dir: bool = True) -> None:
        """Give it its mode and rename it over the target (the data fsynced already)."""
        with storage_errors(self.target):
            if self.mode is not None:
                os.chmod(self.path, self.mode)
            os.replace(self.path, self.target)
            if sync_dir:
                fsync_dir(self.target.parent)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def create(path: Path, mode: int = FILE_MODE) -> BinaryIO:
    """A new file at ``path`` (refused if one exists), open for writing, made with ``mode``."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), "wb")


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


def write_text_atomic(target: Path, text: str, *, mode: int = FILE_MODE, sync_dir: bool = True,
                      durable: bool = True) -> None:
    """:func:`write_bytes_atomic` of ``text`` in UTF-8."""
    write_bytes_atomic(target, text.encode("utf-8"), mode=mode, sync_dir=sync_dir, durable=durable)


def copy_atomic(source: Path, target: Path, *, mode: int = FILE_MODE) -> str:
    """Copy ``source`` to ``target`` atomically; return the SHA-256 of what was written.

    The hash is of the bytes as read from the source while copying; callers compare it
    with the hash they validated, so a file changed in between is caught.
    """
    with storage_errors(target):
        return _copy_atomic(source, target, mode=mode)


def _copy_atomic(source: Path, target: Path, *, mode: int) -> str:
    digest = hashlib.sha256()
    with replacing(target) as tmp, create(tmp, mode) as out, source.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def move_verified(source: Path, target: Path, sha256: str) -> None:
    """Move one stored file whose content must be ``sha256``; idempotent and crash-safe.

    Already at ``target`` with that hash: done (a leftover source copy is removed). Else
    the source is verified, renamed (or, across file systems, copied, verified and only
    then removed), and both folders are fsynced. A file of other content at either end
    raises :class:`~archiver.errors.IntegrityError` (exit 6) and nothing is moved.
    """
    if target.exists():
        if sha256_file(target) != sha256:
            raise IntegrityError(f"{target} exists with other content than recorded; it was not overwritten.",
                                 hint="Compare it with the file in the hold by hand; run `archiver audit`.")
        if source.exists():
            source.unlink()
            fsync_dir(source.parent)
        return
    if not source.exists():
        raise IntegrityError(f"{source} is missing: it was neither there nor at {target}.",
                             hint="Restore it from backup, then run the command again.")
    if sha256_file(source) != sha256:
        raise IntegrityError(f"{source} has changed since the list was approved (SHA-256 differs).",
                             hint="Run `archiver audit`; restore the file from backup, then run the command again.")
    ensure_dir(target.parent)
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        if copy_atomic(source, target) != sha256 or sha256_file(target) != sha256:
            target.unlink(missing_ok=True)
            raise IntegrityError(f"Copying {source} to {target} did not verify.", hint="Run the command again.") from None
        source.unlink()
    fsync_dir(target.parent)
    fsync_dir(source.parent)


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


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the open file ``fd`` (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def replace_unsynced(target: Path, fill: Callable[[int], T], *, mode: int = FILE_MODE) -> T:
    """Fill a new temporary file beside ``target`` with ``fill(fd)``, then rename it over
    ``target``: a reader sees the old file or the new one, never part of one, and the
    temporary file never outlives a failure. Not fsynced — for derived files rebuilt at
    will (the catalogue's pages and copies), whose writer flushes once at the end. (The
    rename step of :func:`replacing`, for a writer that fills a file descriptor; an
    OSError is the caller's to report.)"""
    with _replaced(target, mode=None, durable=False, sync_dir=False) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        try:
            return fill(fd)
        finally:
            os.close(fd)
