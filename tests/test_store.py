"""store.py: the archive's locks say who holds them and what to do."""

from __future__ import annotations

import pytest

from archiver.errors import LockedError
from archiver.store import Archive


def test_a_busy_build_lock_names_the_build_not_the_watcher(archive_root):
    archive = Archive.open(archive_root)
    with archive.lock("build", purpose="archiver build"), pytest.raises(LockedError) as info, \
            Archive.open(archive_root).lock("build", purpose="archiver build"):
        pass
    text = f"{info.value}"
    assert "archiver build" in text and "build lock" in text
    assert "watcher" not in text and "filing" not in text


def test_a_busy_filing_lock_says_one_watcher_or_ingest(archive_root):
    archive = Archive.open(archive_root)
    with archive.lock("filing", purpose="archiver watch"), pytest.raises(LockedError) as info, \
            Archive.open(archive_root).lock("filing", purpose="archiver ingest"):
        pass
    assert "archiver watch" in f"{info.value}" and "watcher or ingest" in f"{info.value}"


def test_an_unreadable_sidecar_is_an_integrity_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Exit 6 (stored data), not 3 (settings); still skippable as unreadable TOML."""
    from archiver.errors import EXIT_INTEGRITY, ConfigError, UnreadableFileError
    from archiver.store import read_record

    broken = tmp_path / "x.toml"
    broken.write_text('id = "x"\ncustomer = ', "utf-8")
    with pytest.raises(UnreadableFileError) as info:
        read_record(broken)
    assert info.value.exit_code == EXIT_INTEGRITY and isinstance(info.value, ConfigError)
    assert str(broken) in str(info.value)
