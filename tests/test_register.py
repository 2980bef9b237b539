"""Append-only registers (archiver.register): every entry dated and attributed by the
archive's one clock, values recorded as JSON, a line torn by a crash skipped and never glued
to the next (Art. 9, 21)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import Clock

from archiver import register
from archiver.register import Register


def test_an_entry_is_dated_and_attributed_by_the_clock(tmp_path: Path, clock: Clock) -> None:
    clock.set("2027-03-04T09:30:00+08:00")
    clock.login = "王芳"
    reg = Register(tmp_path / "registers" / "loans.jsonl")
    entry = reg.append("requested", id="LN-2027-0001")
    assert entry == {"at": "2027-03-04T09:30:00+08:00", "by": "王芳", "event": "requested", "id": "LN-2027-0001"}
    assert reg.append("lent", by="李明")["by"] == "李明"  # --by wins over the login name
    lines = (tmp_path / "registers" / "loans.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["requested", "lent"]
    assert "王芳" in lines[0]  # UTF-8 as written, not \\u escapes


def test_dates_paths_and_sets_are_recorded_as_json(tmp_path: Path, clock: Clock) -> None:
    reg = Register(tmp_path / "r.jsonl")
    reg.append("x", due=dt.date(2027, 1, 2), where=Path("a/b"), units={"volume:V1"}, pair=(1, 2))
    e = reg.entries()[0]
    assert (e["due"], e["where"], e["units"], e["pair"]) == ("2027-01-02", "a/b", ["volume:V1"], [1, 2])
    with pytest.raises(TypeError, match="cannot record object"):
        reg.append("bad", thing=object())
    assert len(reg.entries()) == 1  # nothing half-written


def test_a_torn_line_is_skipped_and_never_glued_to_the_next(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "audit.jsonl"
    reg = Register(path)
    reg.append("audit", n=1)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"at": "2026-11-20T10:00:00+08:00", "event": "aud')  # a writer killed mid-line
    reg.append("audit", n=2)
    assert [e["n"] for e in reg] == [1, 2]
    assert path.read_text("utf-8").count("\n") == 3  # the torn line was ended, then the new one written
    path.write_text(path.read_text("utf-8") + "[1, 2]\n\n", "utf-8")  # a foreign line and a blank one
    assert [e["n"] for e in reg.entries()] == [1, 2]


def test_last_reads_from_the_end_across_blocks(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = Register(tmp_path / "audit.jsonl")
    assert reg.last("audit") is None and reg.entries() == []  # no file yet
    for n in range(50):
        reg.append("audit" if n % 10 == 3 else "other", n=n, pad="填" * 30)
    monkeypatch.setattr(register, "BLOCK", 97)  # lines cut by every block boundary
    found = reg.last("audit")
    assert found is not None and found["n"] == 43
    assert reg.last("missing") is None
    with (tmp_path / "audit.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"event": "audit", "n": 99')  # torn: never recorded
    found = reg.last("audit")
    assert found is not None and found["n"] == 43
