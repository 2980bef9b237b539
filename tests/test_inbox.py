"""archiver.filing.inbox: which inbox entries wait to be filed, and a scan's sidecar."""

from __future__ import annotations

import os
from pathlib import Path

from archiver.filing.inbox import inbox_candidates, inbox_sidecar, is_ignored


def test_candidates_skip_sidecars_ignored_names_hidden_folders_and_rejected(archive) -> None:
    inbox = archive.inbox
    for name in ("b.pdf", "a.pdf", "a.toml", ".hidden.pdf", "scan.pdf.part", "~$lock.pdf", "Thumbs.db",
                 "rejected/old.pdf", ".trash/x.pdf", "C0001/contract/c.pdf", "notes.txt"):
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    os.mkfifo(inbox / "pipe.pdf")
    (inbox / "link.pdf").symlink_to("/dev/zero")
    (inbox / "folder-link").symlink_to(inbox / "C0001")
    rel = [p.relative_to(inbox).as_posix() for p in inbox_candidates(archive)]
    assert rel == ["a.pdf", "b.pdf", "folder-link", "link.pdf", "notes.txt", "pipe.pdf", "C0001/contract/c.pdf"]


def test_ignored_names() -> None:
    assert all(is_ignored(Path(n)) for n in (".x.pdf", "~$a.pdf", "a.part", "a.tmp", "a.crdownload", "desktop.ini"))
    assert not is_ignored(Path("scan.pdf"))


def test_the_sidecar_is_beside_the_scan_whatever_it_is(tmp_path) -> None:
    assert inbox_sidecar(tmp_path / "a.pdf") is None
    (tmp_path / "a.toml").symlink_to("/dev/zero")  # found, never followed here
    assert inbox_sidecar(tmp_path / "a.pdf") == tmp_path / "a.toml"
    (tmp_path / "noext.toml").write_text("", "utf-8")
    assert inbox_sidecar(tmp_path / "noext") == tmp_path / "noext.toml"
