"""Reading an inbox file without trusting it (Art. 21): bounded, never blocking, never
following a link.

Only regular files are opened: the entry is looked at with ``lstat`` first, opened with
``O_NOFOLLOW | O_NONBLOCK`` (a FIFO or a device never blocks the run, a symlink is never
followed), and the open descriptor is checked again with ``fstat`` (the entry may have
been swapped in between). At most ``limit`` bytes are read. Whatever is wrong is a
:class:`~archiver.errors.Rejection` saying what the entry is and what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat as st
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Rejection, is_storage_error

if TYPE_CHECKING:
    from concurrent.futures import Future

KINDS = {
    st.S_IFIFO: "a named pipe (FIFO)",
    st.S_IFCHR: "a character device",
    st.S_IFBLK: "a block device",
    st.S_IFSOCK: "a socket",
    st.S_IFDIR: "a folder",
}
SIDECAR_LIMIT = 1 << 20  # a metadata file is a few hundred bytes: 1 MB is more than enough


def kind_of(mode: int) -> str:
    return KINDS.get(st.S_IFMT(mode), "not a regular file")


def not_regular(name: str, mode: int) -> Rejection:
    if st.S_ISLNK(mode):
        return Rejection(
            "symlink",
            f"{name} is a symbolic link, not a scan: the archive never follows links in the inbox "
            "(a link may point at any file, even another archive's secret volume).",
            "Copy the scan itself into the inbox (cp -L, or save it there from the scanner). "
            "The link was moved here; the file it points to was not touched.",
        )
    return Rejection(
        "not-a-file",
        f"{name} is {kind_of(mode)}, not a file: nothing can be read from it as a scan.",
        "Remove it; put only scanned PDF files into the inbox.",
    )


def too_large(name: str, size: int, limit: int, what: str = "file") -> Rejection:
    mb = limit / (1 << 20)
    return Rejection(
        "too-large",
        f"{name} is {size / (1 << 20):.0f} MB, more than the archive takes in one {what} "
        f"(filing.max_file_mb = {mb:g}).",
        "Split the scan into smaller documents and drop them again; or, if files this large are "
        "expected, raise filing.max_file_mb in archive.toml and move the file back into the inbox.",
    )


def unreadable(name: str, exc: OSError) -> Rejection:
    return Rejection(
        "unreadable",
        f"{name} cannot be read by the archiver's user ({exc.strerror or exc}).",
        "Give the archiver's user (or group) read permission on the file, e.g. `chmod g+r`, "
        "then move it back into the inbox.",
    )


def read_regular(path: Path, name: str, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``limit``) and its ``fstat``.

    ``name`` is the escaped name used in messages. Raises a Rejection for a link, a FIFO,
    a device, a socket, a file over ``limit`` or one that cannot be opened; an I/O error
    of the disk itself (ENOSPC, EIO, …) is raised as it is: the run stops there.
    """
    first = os.lstat(path)
    if not st.S_ISREG(first.st_mode):
        raise not_regular(name, first.st_mode)
    if first.st_size > limit:
        raise too_large(name, first.st_size, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a link after the lstat
            raise not_regular(name, st.S_IFLNK) from None
        if is_storage_error(exc) or exc.errno == errno.ENOENT:
            raise
        raise unreadable(name, exc) from None
    try:
        info = os.fstat(fd)
        if not st.S_ISREG(info.st_mode):
            raise not_regular(name, info.st_mode)
        if info.st_size > limit:
            raise too_large(name, info.st_size, limit)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # grew while being read
            raise too_large(name, len(data), limit)
        return data, info
    finally:
        os.close(fd)


def read_once(path: Path, name: str, info: os.stat_result, limit: int,
              read: tuple[bytes, os.stat_result, str] | None = None) -> tuple[bytes, os.stat_result, str]:
    """The bytes of the inbox entry ``path`` (``lstat`` gave ``info``), their ``fstat``
    and SHA-256: what a :class:`Prefetcher` ``read`` ahead, if the entry is still that
    very file (same inode, size, modification and change times), else read now."""
    if read is not None and st.S_ISREG(info.st_mode) and _same_file(read[1], info):
        return read
    data, info = read_regular(path, name, limit)
    return data, info, hashlib.sha256(data).hexdigest()


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == \
        (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


PREFETCH_LIMIT = 64 << 20  # larger files are read when their turn comes


class Prefetcher:
    """Reads and hashes the next inbox file in a background thread while the current one
    is being written and fsynced (reading and hashing release the GIL): ``ingest`` waits
    on the disk once, not twice. One worker thread serves the whole pass (a thread
    started per file waits to be scheduled on a busy machine). Only regular files are
    read (:func:`read_regular`); whatever goes wrong here is ignored — the file is then
    read again in its turn, where a problem is set aside as usual."""

    def __init__(self, limit: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.limit = min(limit, PREFETCH_LIMIT)
        self._path: Path | None = None
        self._future: Future[tuple[bytes, os.stat_result, str] | None] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archiver-read")

    def start(self, path: Path) -> None:
        self._path = path
        self._future = self._worker.submit(self._read, path)

    def _read(self, path: Path) -> tuple[bytes, os.stat_result, str] | None:
        try:
            data, info = read_regular(path, "", self.limit)
            return data, info, hashlib.sha256(data).hexdigest()
        except (Rejection, OSError, MemoryError):
            return None

    def take(self, path: Path) -> tuple[bytes, os.stat_result, str] | None:
        """What was read for ``path`` (bytes, their fstat, SHA-256), or None."""
        if self._path != path or self._future is None:
            return None
        future, self._path, self._future = self._future, None, None
        return future.result()

    def close(self) -> None:
        """Stop the worker (after the read in hand, if any)."""
        self._worker.shutdown(wait=True)
