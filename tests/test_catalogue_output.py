"""The site's output folder (:mod:`archiver.catalogue.output`) on its own: what is
written, skipped, replaced and removed, and that a replacement is whole or not at all
(:func:`archiver.atomic.replace_unsynced`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archiver.atomic import TEMP_PREFIX, replace_unsynced, write_all
from archiver.catalogue.output import BUILDING, COMPLETE, MANIFEST, SiteOutput
from archiver.store import Archive


def test_pages_written_skipped_replaced_and_stale_ones_removed(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = SiteOutput.open(archive, out)
    assert json.loads((out / MANIFEST).read_text("utf-8"))["state"] == BUILDING
    first.page("index.html", b"<p>1</p>")
    first.page("customers/C1/index.html", b"<p>c1</p>")
    assert first.finish({}) == []
    assert json.loads((out / MANIFEST).read_text("utf-8"))["state"] == COMPLETE

    second = SiteOutput.open(archive, out)
    inode = os.stat(out / "index.html").st_ino
    second.page("index.html", b"<p>1</p>")  # the same bytes: not rewritten
    second.page("new.html", b"new")
    assert second.changed == ["new.html"]
    assert os.stat(out / "index.html").st_ino == inode
    assert second.finish({}) == ["customers/C1/index.html"]  # not written this time: removed, and its folders
    assert not (out / "customers").exists()

    third = SiteOutput.open(archive, out)
    third.page("index.html", b"<p>2</p>")  # other bytes: a new file renamed over the old one
    assert os.stat(out / "index.html").st_ino != inode
    assert third.keep(["new.html"]) and not third.keep(["never-written.html"])
    third.finish({})
    assert (out / "index.html").read_bytes() == b"<p>2</p>" and (out / "new.html").read_bytes() == b"new"
    assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_path_out_of_the_site_is_refused(archive: Archive, tmp_path: Path) -> None:
    site = SiteOutput.open(archive, tmp_path / "site")
    for rel in ("../outside.html", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            site.page(rel, b"x")
    assert not (tmp_path / "outside.html").exists()


def test_a_failed_replacement_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_bytes(b"old")

    def half_then_fail(fd: int) -> None:
        write_all(fd, b"ne")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        replace_unsynced(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["page.html"]
    assert replace_unsynced(target, lambda fd: write_all(fd, b"new") or "done") == "done"
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["page.html"]
