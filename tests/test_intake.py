"""Reading an inbox entry without trusting it (Art. 21): regular files only, no link ever
followed (not even one swapped in after the first look), never more than the size budget."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.errors import Rejection
from archiver.filing.intake import Prefetcher, read_once, read_regular

LIMIT = 1000


def rejection(path: Path, limit: int = LIMIT) -> Rejection:
    with pytest.raises(Rejection) as caught:
        read_regular(path, path.name, limit)
    return caught.value


def test_a_regular_file_is_read_whole_with_its_fstat(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7 " + b"x" * 100)
    data, info = read_regular(path, "scan.pdf", LIMIT)
    assert data == path.read_bytes()
    assert (info.st_ino, info.st_size) == (path.stat().st_ino, len(data))


def test_a_symlink_is_rejected_and_its_target_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF target-42")
    link = tmp_path / "inbox-scan.pdf"
    link.symlink_to(secret)
    r = rejection(link)
    assert r.code == "symlink" and "inbox-scan.pdf is a symbolic link" in r.reason
    assert "target-42" not in str(r)
    assert secret.read_bytes() == b"%PDF target-42" and link.is_symlink()


def test_a_link_swapped_in_after_the_first_look_is_still_not_followed(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret volume")
    link = tmp_path / "scan.pdf"
    link.symlink_to(secret)
    monkeypatch.setattr(os, "lstat", os.stat)  # the first look saw a regular file (it was swapped after)
    assert rejection(link).code == "symlink"


@pytest.mark.parametrize("make, kind", [
    (lambda p: os.mkfifo(p), "a named pipe (FIFO)"),
    (lambda p: p.mkdir(), "a folder"),
])  # fmt: skip
def test_a_fifo_or_a_folder_is_not_a_file_and_never_blocks(tmp_path: Path, make: Callable[[Path], object],
                                                          kind: str) -> None:
    path = tmp_path / "scan.pdf"
    make(path)
    r = rejection(path)
    assert r.code == "not-a-file" and f"scan.pdf is {kind}, not a file" in r.reason


def test_a_socket_is_not_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.pdf"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        r = rejection(path)
    finally:
        sock.close()
    assert r.code == "not-a-file" and "a socket" in r.reason


def test_the_size_budget_is_inclusive_and_named_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"x" * LIMIT)
    assert len(read_regular(path, "big.pdf", LIMIT)[0]) == LIMIT
    r = rejection(path, LIMIT - 1)
    assert r.code == "too-large" and "filing.max_file_mb" in r.reason and "big.pdf" in r.reason


def test_read_once_takes_what_was_read_ahead_only_for_the_very_same_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF first")
    ahead = read_once(path, "scan.pdf", os.lstat(path), LIMIT)
    assert ahead == (b"%PDF first", ahead[1], hashlib.sha256(b"%PDF first").hexdigest())
    assert read_once(path, "scan.pdf", os.lstat(path), LIMIT, ahead) is ahead

    path.write_bytes(b"%PDF changed since")  # another size and modification time
    again = read_once(path, "scan.pdf", os.lstat(path), LIMIT, ahead)
    assert again[0] == b"%PDF changed since" and again[2] == hashlib.sha256(again[0]).hexdigest()


def test_the_prefetcher_reads_regular_files_only_and_hands_over_one_path(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan")
    link = tmp_path / "link.pdf"
    link.symlink_to(scan)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * (LIMIT + 1))
    fetch = Prefetcher(LIMIT)
    try:
        fetch.start(scan)
        assert fetch.take(link) is None  # asked for another path: nothing
        fetch.start(scan)
        got = fetch.take(scan)
        assert got is not None and got[0] == b"%PDF scan" and got[2] == hashlib.sha256(b"%PDF scan").hexdigest()
        assert fetch.take(scan) is None  # handed over once
        for bad in (link, big):
            fetch.start(bad)
            assert fetch.take(bad) is None  # set aside when its turn comes, not here
    finally:
        fetch.close()
