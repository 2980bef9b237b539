"""atomic.py: durable writes with restrictive permissions (Art. 21, 24)."""

from __future__ import annotations

import os
import stat
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


def test_replacing_a_file_from_a_streaming_writer(tmp_path: Path) -> None:
    """replacing(): what the block writes (hashed on the way) takes the target's place,
    read-only, after the block — checkable before; a block that raises leaves the old
    file and no temporary file."""
    import hashlib

    import pytest

    from archiver.atomic import READ_ONLY_MODE, replacing

    target = tmp_path / "volumes" / "V.pdf"
    with replacing(target, mode=READ_ONLY_MODE) as out:
        out.write(b"%PDF-1.7 ")
        out.write(b"volume")
        out.finish()
        assert out.path.read_bytes() == b"%PDF-1.7 volume" and not target.exists()
    assert target.read_bytes() == b"%PDF-1.7 volume"
    assert out.hexdigest() == hashlib.sha256(b"%PDF-1.7 volume").hexdigest()
    assert _mode(target) == READ_ONLY_MODE
    with pytest.raises(RuntimeError), replacing(target) as out:
        out.write(b"half")
        raise RuntimeError("cut off")
    assert target.read_bytes() == b"%PDF-1.7 volume"
    assert sorted(p.name for p in target.parent.iterdir()) == ["V.pdf"]
