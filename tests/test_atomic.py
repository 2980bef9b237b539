"""atomic.py: durable writes with restrictive permissions (Art. 21, 24)."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from archiver.atomic import DIR_MODE, ensure_dir, write_bytes_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_created_gets_the_restrictive_mode(tmp_path: Path) -> None:
    """Art. 24: not only the last folder — records/<customer>/ as well as <year>/."""
    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "records" / "C0001" / "2026" / "x.pdf", b"%PDF-")
        ensure_dir(tmp_path / "volumes" / "C0001" / "2026")
    finally:
        os.umask(old)
    for rel in ("records", "records/C0001", "records/C0001/2026", "volumes", "volumes/C0001", "volumes/C0001/2026"):
        assert _mode(tmp_path / rel) == DIR_MODE, rel


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    os.chmod(tmp_path / "shared", 0o755)
    ensure_dir(tmp_path / "shared" / "inner")
    assert _mode(tmp_path / "shared") == 0o755
    assert _mode(tmp_path / "shared" / "inner") == DIR_MODE


def test_a_temporary_name_for_any_file_name(tmp_path: Path) -> None:
    """A name that is not UTF-8 (bytes kept by surrogateescape), or near NAME_MAX, still
    gets a hidden temporary sibling the file system accepts — write_bytes_atomic works."""
    from archiver.atomic import TEMP_PREFIX, temp_path, write_bytes_atomic

    for name in (os.fsdecode(b"scan-\xff\xfe.pdf"), "扫描" * 40 + ".pdf"):
        target = tmp_path / name
        tmp = temp_path(target)
        assert tmp.parent == tmp_path and tmp.name.startswith(TEMP_PREFIX)
        assert len(os.fsencode(tmp.name)) <= 250
        write_bytes_atomic(target, b"%PDF-1.7 data")
        assert target.read_bytes() == b"%PDF-1.7 data"


# The API other modules write through ---------------------------------------------------
def _temps(folder: Path) -> list[str]:
    from archiver.atomic import TEMP_PREFIX

    return sorted(p.name for p in folder.rglob(f"{TEMP_PREFIX}*"))


def test_write_bytes_and_text_replace_the_whole_file(tmp_path: Path) -> None:
    from archiver.atomic import FILE_MODE, READ_ONLY_MODE, write_text_atomic

    target = tmp_path / "a" / "page.html"
    write_text_atomic(target, "第一版")
    write_text_atomic(target, "第二版", durable=False)
    assert target.read_text("utf-8") == "第二版" and _mode(target) == FILE_MODE
    write_bytes_atomic(tmp_path / "scan.pdf", b"%PDF-", mode=READ_ONLY_MODE)
    assert _mode(tmp_path / "scan.pdf") == READ_ONLY_MODE
    assert _temps(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    import errno

    from archiver.errors import StorageError

    target = tmp_path / "register.json"
    write_bytes_atomic(target, b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    try:
        write_bytes_atomic(target, b"new")
    except StorageError as exc:
        assert str(target) in str(exc)
    else:
        raise AssertionError("a full disk must raise StorageError")
    assert target.read_bytes() == b"old" and _temps(tmp_path) == []
    write_bytes_atomic(target, b"derived", durable=False)  # durable=False: no fsync at all
    assert target.read_bytes() == b"derived"


def test_replacing_renames_what_the_block_made(tmp_path: Path) -> None:
    from archiver.atomic import READ_ONLY_MODE, create, replacing

    target = tmp_path / "volumes" / "Q001-C0001-2026-C-001.pdf"
    with replacing(target, mode=READ_ONLY_MODE) as tmp:
        assert tmp.parent == target.parent and not target.exists()
        with create(tmp) as fh:
            fh.write(b"%PDF-1.7 volume")
    assert target.read_bytes() == b"%PDF-1.7 volume" and _mode(target) == READ_ONLY_MODE
    assert _temps(tmp_path) == []


def test_replacing_leaves_the_target_alone_when_the_block_fails(tmp_path: Path) -> None:
    import pytest

    from archiver.atomic import create, replacing

    target = tmp_path / "index.html"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="check failed"), replacing(target, durable=False) as tmp:
        with create(tmp) as fh:
            fh.write(b"half")
        raise ValueError("check failed")
    assert target.read_bytes() == b"old" and _temps(tmp_path) == []


def test_replacing_with_a_hard_link_keeps_the_linked_file_mode(tmp_path: Path) -> None:
    """mode=None: a hard link shares its inode; nothing chmods the stored file."""
    from archiver.atomic import READ_ONLY_MODE, replacing

    stored = tmp_path / "record.pdf"
    write_bytes_atomic(stored, b"%PDF-", mode=READ_ONLY_MODE)
    site = tmp_path / "site" / "record.pdf"
    site.parent.mkdir()
    site.write_bytes(b"old")
    with replacing(site, durable=False) as tmp:
        os.link(stored, tmp)
    assert site.stat().st_ino == stored.stat().st_ino and _mode(stored) == READ_ONLY_MODE


def test_copy_atomic_returns_the_checksum_of_what_it_copied(tmp_path: Path) -> None:
    import hashlib

    from archiver.atomic import READ_ONLY_MODE, copy_atomic

    source = tmp_path / "in.pdf"
    source.write_bytes(b"x" * 3_000_000)
    target = tmp_path / "out" / "copy.pdf"
    assert copy_atomic(source, target, mode=READ_ONLY_MODE) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert target.read_bytes() == source.read_bytes() and _mode(target) == READ_ONLY_MODE
    assert _temps(tmp_path) == []


def test_write_files_atomic_renames_in_order_and_verifies(tmp_path: Path, monkeypatch) -> None:
    from archiver.atomic import FILE_MODE, write_files_atomic

    order: list[str] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append(Path(b).name), real(a, b)))
    write_files_atomic([(tmp_path / "r.pdf", b"%PDF-", FILE_MODE), (tmp_path / "r.toml", b"id = 1\n", FILE_MODE)],
                       verify=True)
    assert order == ["r.pdf", "r.toml"] and (tmp_path / "r.toml").read_bytes() == b"id = 1\n"
    assert _temps(tmp_path) == []


def _moving(tmp_path: Path) -> tuple[Path, Path, str]:
    import hashlib

    source = tmp_path / "records" / "C0001" / "2026" / "r.pdf"
    write_bytes_atomic(source, b"%PDF- record")
    return source, tmp_path / "hold" / "L1" / "r.pdf", hashlib.sha256(b"%PDF- record").hexdigest()


def test_move_verified_moves_and_is_idempotent(tmp_path: Path) -> None:
    from archiver.atomic import move_verified

    source, target, sha = _moving(tmp_path)
    move_verified(source, target, sha)
    assert not source.exists() and target.read_bytes() == b"%PDF- record"
    move_verified(source, target, sha)  # a re-run after a crash: done already
    source.write_bytes(b"%PDF- record")  # a copy left behind by a cut-off cross-device move
    move_verified(source, target, sha)
    assert not source.exists() and target.read_bytes() == b"%PDF- record"


def test_move_verified_across_file_systems_copies_then_removes(tmp_path: Path, monkeypatch) -> None:
    import errno

    from archiver.atomic import move_verified

    def cross(a: object, b: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    source, target, sha = _moving(tmp_path)
    monkeypatch.setattr(os, "rename", cross)
    move_verified(source, target, sha)
    assert not source.exists() and target.read_bytes() == b"%PDF- record"


def test_move_verified_refuses_a_changed_or_missing_file(tmp_path: Path) -> None:
    import pytest

    from archiver.atomic import move_verified
    from archiver.errors import IntegrityError

    source, target, sha = _moving(tmp_path)
    with pytest.raises(IntegrityError, match="has changed"):
        move_verified(source, target, "0" * 64)
    assert source.exists() and not target.exists()
    write_bytes_atomic(target, b"other")
    with pytest.raises(IntegrityError, match="other content"):
        move_verified(source, target, sha)
    assert source.exists() and target.read_bytes() == b"other"
    with pytest.raises(IntegrityError, match="missing"):
        move_verified(tmp_path / "gone.pdf", tmp_path / "hold" / "gone.pdf", sha)


def test_append_line_ends_a_torn_tail_first(tmp_path: Path) -> None:
    from archiver.atomic import append_line

    register = tmp_path / "registers" / "loans.jsonl"
    append_line(register, '{"a": 1}')
    with register.open("a") as fh:
        fh.write('{"torn')
    append_line(register, '{"b": 2}')
    assert register.read_text().splitlines() == ['{"a": 1}', '{"torn', '{"b": 2}']


def test_remove_stale_temps_removes_only_temporaries(tmp_path: Path) -> None:
    from archiver.atomic import remove_stale_temps, temp_path

    keep = tmp_path / "volumes" / "v.pdf"
    write_bytes_atomic(keep, b"%PDF-")
    left = temp_path(keep)
    left.write_bytes(b"half")
    assert list(remove_stale_temps(tmp_path)) == [left]
    assert keep.exists() and not left.exists()


def test_following_hash_hashes_what_a_slow_writer_wrote_in_a_child_that_ends(tmp_path: Path) -> None:
    import hashlib

    from archiver import atomic

    target = tmp_path / "volume.pdf"
    data = os.urandom(3 << 20)
    with atomic.create(target) as fh:
        following = atomic.FollowingHash(target)
        child = following._pid
        for i in range(0, len(data), 300_000):  # in pieces, with pauses: the child catches up and waits
            fh.write(data[i:i + 300_000])
            fh.flush()
            time.sleep(0.003)
        digest, size = following.finish(fh)
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert child and not os.path.exists(f"/proc/{child}")  # the child did it, and is gone


def test_following_in_the_child_reads_to_the_end_and_flushes_as_it_goes(tmp_path: Path, monkeypatch) -> None:
    import hashlib
    import threading

    from archiver import atomic

    monkeypatch.setattr(atomic, "SYNC_EVERY", 1 << 20)
    flushed: list[int] = []
    real = os.fdatasync
    monkeypatch.setattr(atomic.os, "fdatasync", lambda fd: (flushed.append(fd), real(fd))[1])
    target = tmp_path / "volume.pdf"
    data = os.urandom(5 << 20)
    tell_r, tell_w = os.pipe()
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    answer: list[str] = []
    follower = threading.Thread(target=lambda: answer.append(atomic._follow(os.open(target, os.O_RDONLY), tell_r)))
    follower.start()
    for i in range(0, len(data), 400_000):
        os.write(fd, data[i:i + 400_000])
        time.sleep(0.002)
    os.write(tell_w, b"done")
    follower.join()
    os.close(fd)
    for end in (tell_r, tell_w):
        os.close(end)
    assert answer == [f"{hashlib.sha256(data).hexdigest()} {len(data)}\n"]
    assert flushed  # the data was flushed to disk while it was written


def test_following_hash_refuses_a_file_that_ends_another_size_than_it_read(tmp_path: Path, monkeypatch) -> None:
    import pytest

    from archiver import atomic

    monkeypatch.setattr(atomic, "_follow", lambda fd, tell: (os.read(tell, 16), "0" * 64 + " 10\n")[1])
    target = tmp_path / "volume.pdf"
    with atomic.create(target) as fh:
        following = atomic.FollowingHash(target)
        fh.write(b"x" * 100_000)
        fh.flush()
        with pytest.raises(OSError, match="100000 bytes, 10 were read"):
            following.finish(fh)


def test_following_hash_without_fork_hashes_the_file_at_the_end(tmp_path: Path, monkeypatch) -> None:
    import hashlib

    from archiver import atomic

    monkeypatch.delattr(atomic.os, "fork")
    target = tmp_path / "volume.pdf"
    with atomic.create(target) as fh:
        following = atomic.FollowingHash(target)
        fh.write(b"%PDF-1.7 a volume")
        fh.flush()
        assert following.finish(fh) == (hashlib.sha256(b"%PDF-1.7 a volume").hexdigest(), 17)


def test_following_hash_abandoned_stops_its_child_and_closes_its_pipes(tmp_path: Path) -> None:
    from archiver import atomic

    target = tmp_path / "volume.pdf"
    before = len(os.listdir("/proc/self/fd"))
    with atomic.create(target) as fh:
        following = atomic.FollowingHash(target)
        child = following._pid
        fh.write(b"partial")
        following.abandon()
        following.abandon()  # (twice: harmless)
    assert len(os.listdir("/proc/self/fd")) == before
    assert child and not os.path.exists(f"/proc/{child}")
