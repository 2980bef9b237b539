"""The site's own copies of the archive's PDFs (:mod:`archiver.catalogue.copies`): the
same bytes in a new inode, by whatever way the file system offers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archiver.catalogue import copies

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@pytest.mark.parametrize("name", ["congress.pdf", "fourpages.pdf"])
def test_copy_has_the_same_bytes_and_its_own_inode(name: str, tmp_path: Path) -> None:
    source = CORPUS / name
    target = tmp_path / name
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        how = copies.copy_into(str(source), fd)
    finally:
        os.close(fd)
    assert how in ("reflink", "copy_file_range", "copy")
    assert target.read_bytes() == source.read_bytes()
    assert os.stat(target).st_ino != os.stat(source).st_ino


def test_plain_copy_when_the_kernel_offers_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def unsupported(*_a: object) -> int:
        raise OSError(errno.EXDEV, "not here")

    monkeypatch.setattr(copies.fcntl, "ioctl", unsupported)
    monkeypatch.setattr(copies.os, "copy_file_range", unsupported)
    monkeypatch.setattr(copies, "_reflink_ok", {})
    source = CORPUS / "congress.pdf"
    target = tmp_path / "c.pdf"
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        assert copies.copy_into(str(source), fd) == "copy"
    finally:
        os.close(fd)
    assert target.read_bytes() == source.read_bytes()


def test_a_missing_source_raises_file_not_found(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "t", os.O_WRONLY | os.O_CREAT, 0o640)
    try:
        with pytest.raises(FileNotFoundError):
            copies.copy_into(str(tmp_path / "gone.pdf"), fd)
    finally:
        os.close(fd)
