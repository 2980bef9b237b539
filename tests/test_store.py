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
