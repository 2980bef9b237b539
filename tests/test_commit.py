"""archiver.filing.commit: the group commit — every PDF renamed before any sidecar, the
inbox copies removed only once the records are durable, a changed inbox file kept, and
a commit in the background whose failure is raised to the filer."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading

import pytest
from conftest import make_scan, run_cli

from archiver.atomic import stage_files
from archiver.errors import StorageError
from archiver.filing import commit, ingest
from archiver.filing.commit import Committer, Group
from archiver.filing.outcome import Outcome


def staged_group(tmp_path, names=("a", "b")) -> tuple[Group, list]:
    inbox = tmp_path / "inbox"
    records = tmp_path / "records"
    inbox.mkdir(parents=True)
    group = Group(inbox)
    for name in names:
        group.staged += stage_files([(records / f"{name}.pdf", b"%PDF " + name.encode(), 0o440),
                                     (records / f"{name}.toml", b"id = 1\n", 0o640)])
        (inbox / f"{name}.pdf").write_bytes(b"scan")
        (inbox / f"{name}.toml").write_text("customer = 'C0001'\n", "utf-8")
        group.removals.append((inbox / f"{name}.pdf", os.lstat(inbox / f"{name}.pdf")))
    group.folders.add(records)
    return group, [records / f"{n}.pdf" for n in names]


def test_every_pdf_is_renamed_before_any_sidecar_and_the_inbox_copies_go_last(tmp_path, monkeypatch) -> None:
    group, pdfs = staged_group(tmp_path)
    steps: list[str] = []
    real_replace, real_unlink = os.replace, os.unlink
    monkeypatch.setattr(os, "replace", lambda a, b: (steps.append(f"rename {os.path.basename(b)}"), real_replace(a, b))[1])
    monkeypatch.setattr(os, "unlink", lambda p, **kw: (steps.append(f"remove {os.path.basename(p)}"), real_unlink(p, **kw))[1])
    group.commit()
    assert steps == ["rename a.pdf", "rename b.pdf", "rename a.toml", "rename b.toml",
                     "remove a.toml", "remove a.pdf", "remove b.toml", "remove b.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == []


def test_an_inbox_file_changed_meanwhile_stays(tmp_path, caplog) -> None:
    group, _ = staged_group(tmp_path, names=("a",))
    (tmp_path / "inbox" / "a.pdf").write_bytes(b"a new scan, longer")
    with caplog.at_level(logging.WARNING, "archiver.filing"):
        group.commit()
    assert (tmp_path / "inbox" / "a.pdf").read_bytes() == b"a new scan, longer"
    assert "changed while it was being filed" in caplog.text


def test_outcomes_are_logged_once_the_group_is_durable(tmp_path, caplog, monkeypatch) -> None:
    group, _ = staged_group(tmp_path, names=("a",))
    group.announced.append(Outcome(source="a.pdf", status="filed", record_id="r", record_path="records/a.pdf"))
    fsynced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append("fsync"), real(fd))[1])
    with caplog.at_level(logging.INFO, "archiver.filing"):
        group.commit()
    assert fsynced and "filed a.pdf as r" in caplog.text


def test_a_failed_background_commit_is_raised_by_wait_and_nothing_is_removed(tmp_path, monkeypatch) -> None:
    group, pdfs = staged_group(tmp_path)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    committer = Committer()
    committer.start(group)
    with pytest.raises(StorageError):
        committer.wait()
    committer.wait()  # raised once
    assert not any(p.exists() for p in pdfs), "nothing renamed"
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["a.pdf", "a.toml", "b.pdf", "b.toml"]


def test_one_group_is_committed_at_a_time(tmp_path, monkeypatch) -> None:
    first, _ = staged_group(tmp_path / "1")
    second, _ = staged_group(tmp_path / "2")
    running: list[int] = []
    overlap: list[bool] = []
    real = commit.commit_staged

    def slow(staged, **kw):  # type: ignore[no-untyped-def]
        running.append(1)
        overlap.append(len(running) > 1)
        threading.Event().wait(0.05)
        real(staged, **kw)
        running.pop()

    monkeypatch.setattr(commit, "commit_staged", slow)
    committer = Committer()
    committer.start(first)
    committer.start(second)  # waits for the first
    committer.wait()
    assert overlap == [False, False]


def test_ingest_commits_in_groups_in_the_background_and_files_everything_once(archive_root, monkeypatch) -> None:
    monkeypatch.setattr(ingest, "GROUP", 2)
    started: list[int] = []
    real = Committer.start
    monkeypatch.setattr(Committer, "start", lambda self, group: (started.append(len(group.removals)), real(self, group))[1])
    for n in range(5):
        (archive_root / "inbox" / f"C0001_contract_20260105_{n}.pdf").write_bytes(make_scan(1, seed=300 + n))
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 0, r.output
    assert started == [2, 2, 1]
    assert len(list((archive_root / "records").rglob("*.toml"))) == 5
    assert [p.name for p in (archive_root / "inbox").iterdir()] == ["rejected"]
    journal = [json.loads(line) for line in (archive_root / "registers" / "journal.jsonl").read_text("utf-8").splitlines()]
    assert len([e for e in journal if e["event"] == "filed"]) == 5
