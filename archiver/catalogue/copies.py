"""Copies of the archive's PDFs for the site that share nothing writable with the archive.

A catalogue folder is handed to other people (a web server, a share, ``chown -R``): a file
of it that shares an inode with a stored record or volume would let a change of owner,
mode or content of the site reach the archive itself (Art. 21, 24). So the site gets its
own files:

1. a **reflink** (``FICLONE``): a new inode whose data blocks are shared copy-on-write
   with the source — no extra space, and a write to either side leaves the other as it
   was (Btrfs, XFS with reflink, bcachefs, OCFS2, …);
2. else ``os.copy_file_range``: the kernel copies (NFS 4.2 and CIFS servers copy on their
   side, some file systems reflink here too);
3. else a plain read/write copy.

Hard links (the same inode) are used only when ``catalogue.pdf_files = "hardlink"`` is
set in ``archive.toml`` — an explicit choice, documented as letting the site's owner
change the stored files.
"""

from __future__ import annotations

import errno
import fcntl
import os

FICLONE = 0x40049409  # _IOW(0x94, 9, int), linux/fs.h
CHUNK = 1 << 20

# errnos that mean "this way does not work here", not "the copy failed"
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EBADF,
                errno.EPERM, errno.ETXTBSY}

_reflink_ok: dict[int, bool] = {}  # st_dev of the target → whether FICLONE worked there


def copy_into(source: str, fd: int) -> str:
    """Copy the file ``source`` into the empty, open file ``fd``; return how it was done
    (``"reflink"``, ``"copy_file_range"`` or ``"copy"``). Raises FileNotFoundError when
    the source is gone and OSError when the copy fails (a full disk)."""
    src = os.open(source, os.O_RDONLY)
    try:
        dev = os.fstat(fd).st_dev
        if _reflink_ok.get(dev, True):
            try:
                fcntl.ioctl(fd, FICLONE, src)
                _reflink_ok[dev] = True
                return "reflink"
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED:
                    raise
                _reflink_ok[dev] = False
        size = os.fstat(src).st_size
        if hasattr(os, "copy_file_range"):
            try:
                done = 0
                while done < size:
                    n = os.copy_file_range(src, fd, size - done, done, done)
                    if n == 0:
                        break
                    done += n
                if done == size:
                    return "copy_file_range"
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED:
                    raise
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(src, CHUNK):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        return "copy"
    finally:
        os.close(src)
