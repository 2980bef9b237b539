"""Loan register (Art. 28) end to end through the CLI, every refused step included; and the
durability of registers: a writer killed part-way leaves every register readable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_cli
from custody_conftest import Lending

from archiver.errors import EXIT_NOT_FOUND, EXIT_WORKFLOW
from archiver.register import Register

FORM = ["--requester", "孙丽", "--department", "财务部", "--purpose", "审计", "--reason", "年度审计取证",
        "--signer", "周经理"]


def loan(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli(root, "loan", *args)


def request(root: Path, *items: str, extra: tuple[str, ...] = ()) -> str:
    args = [a for i in items for a in ("--item", i)]
    r = loan(root, "request", *FORM, *args, *extra, "--by", "孙丽", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["id"]


def rows(root: Path, *flags: str) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads(loan(root, "list", "--json", *flags).output)}


def test_request_approve_lend_return(lending: Lending) -> None:
    root, volume = lending.root, lending.volume
    lid = request(root, volume.reference, lending.loose.id, extra=("--copies", "2"))
    assert lid == "LN-2026-0001"
    row = rows(root)[lid]
    assert row["due"] == "2026-12-20"  # today + custody.loan_days (30)
    assert row["copies"] == 2 and [i["kind"] for i in row["items"]] == ["volume", "record"]
    assert row["state"] == "requested"
    # out of order: lend or return before approval
    r = loan(root, "lend", lid, "--borrower", "孙丽")
    assert r.exit_code == EXIT_WORKFLOW and "not been approved" in r.output
    assert loan(root, "return", lid).exit_code == EXIT_WORKFLOW
    assert loan(root, "approve", lid, "--by", "孙丽").exit_code == EXIT_WORKFLOW  # own request
    assert loan(root, "approve", lid, "--by", "档案员李明").exit_code == 0
    assert loan(root, "approve", lid, "--by", "王芳").exit_code == EXIT_WORKFLOW  # approved already
    r = loan(root, "lend", lid, "--borrower", "孙丽", "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    lent = json.loads(r.output)
    assert lent["borrower"] == "孙丽" and lent["units"] == sorted([f"volume:{volume.reference}",
                                                                   f"record:{lending.loose.id}"])
    assert set(rows(root, "--open")) == {lid}
    assert loan(root, "lend", lid, "--borrower", "孙丽").exit_code == EXIT_WORKFLOW  # out already
    assert loan(root, "refuse", lid, "--reason", "x").exit_code == EXIT_WORKFLOW
    r = loan(root, "return", lid, "--by", "档案员李明")
    assert r.exit_code == 0 and "cancelled" in r.output
    assert rows(root)[lid]["state"] == "returned" and rows(root, "--open") == {}
    r = loan(root, "return", lid)
    assert r.exit_code == EXIT_WORKFLOW and "not out" in r.output
    events = [e["event"] for e in Register(root / "registers" / "loans.jsonl")]
    assert events == ["requested", "approved", "lent", "returned"]


def test_an_item_cannot_be_lent_twice_at_once(lending: Lending) -> None:
    root, volume = lending.root, lending.volume
    first = request(root, volume.reference)
    second = request(root, lending.bound[0].id)  # bound in that volume: it goes out with it
    third = request(root, "C0001")  # the customer's whole file covers the volume
    other = request(root, lending.loose.id)  # a loose record: no conflict
    for lid in (first, second, third, other):
        assert loan(root, "approve", lid, "--by", "李明").exit_code == 0
    assert loan(root, "lend", first, "--borrower", "孙丽").exit_code == 0
    for lid in (second, third):
        r = loan(root, "lend", lid, "--borrower", "钱七")
        assert r.exit_code == EXIT_WORKFLOW and first in r.output and volume.reference in r.output
    assert loan(root, "lend", other, "--borrower", "钱七").exit_code == 0
    assert loan(root, "return", first).exit_code == 0
    assert loan(root, "lend", second, "--borrower", "钱七").exit_code == 0
    r = loan(root, "lend", third, "--borrower", "钱七")  # the customer file overlaps the loose record too
    assert r.exit_code == EXIT_WORKFLOW


def test_overdue_loans(lending: Lending, clock) -> None:  # type: ignore[no-untyped-def]
    root, volume = lending.root, lending.volume
    lid = request(root, volume.reference, extra=("--due", "2026-11-30"))
    loan(root, "approve", lid, "--by", "李明")
    loan(root, "lend", lid, "--borrower", "孙丽")
    assert rows(root, "--overdue") == {}
    clock.set("2026-12-03T09:00:00+08:00")
    assert set(rows(root, "--overdue")) == {lid}
    assert "OVERDUE" in loan(root, "list", "--open").output
    r = loan(root, "return", lid, "--json")
    assert json.loads(r.output)["days_late"] == 3
    assert rows(root, "--overdue") == {}


def test_restricted_items_need_two_approvers(lending: Lending) -> None:
    root = lending.root
    lid = request(root, lending.secret.id)
    assert rows(root)[lid]["approvals_needed"] == 2
    assert loan(root, "approve", lid, "--by", "李明").exit_code == 0
    r = loan(root, "lend", lid, "--borrower", "孙丽")
    assert r.exit_code == EXIT_WORKFLOW and "second approval" in r.output
    assert loan(root, "approve", lid, "--by", "李明").exit_code == EXIT_WORKFLOW
    assert loan(root, "approve", lid, "--by", "王芳").exit_code == 0
    assert loan(root, "lend", lid, "--borrower", "孙丽").exit_code == 0


def test_bad_requests_are_refused_and_leave_no_trace(lending: Lending) -> None:
    root = lending.root
    assert loan(root, "request", *FORM, "--item", "nothing-like-this").exit_code == EXIT_NOT_FOUND
    r = loan(root, "request", *FORM, "--item", lending.loose.id, "--due", "2026-11-01")
    assert r.exit_code == EXIT_WORKFLOW and "before today" in r.output
    assert loan(root, "request", *FORM, "--item", lending.loose.id, "--copies", "0").exit_code == EXIT_WORKFLOW
    assert loan(root, "request", *FORM).exit_code == 2  # --item is required
    assert loan(root, "lend", "LN-2026-0404", "--borrower", "x").exit_code == EXIT_NOT_FOUND
    assert not (root / "registers" / "loans.jsonl").exists()
    for sub in ("request", "approve", "refuse", "lend", "return", "list"):
        assert loan(root, sub, "--help").exit_code == 0


# Register durability (Art. 21) -----------------------------------------------------------------
WRITER = """
import sys
from pathlib import Path
from archiver.register import Register
reg = Register(Path(sys.argv[1]))
i = 0
while True:
    reg.append("lent", by="writer", id=f"LN-{i}", n=i, padding="借" * 20000)
    i += 1
"""


def test_a_writer_killed_mid_write_leaves_the_register_valid(tmp_path: Path) -> None:
    path = tmp_path / "registers" / "loans.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _round in range(3):
        start = path.stat().st_size if path.exists() else 0
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < start + 300_000):
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    intact, torn = 0, 0
    for line in complete:  # every line is intact JSON, or a torn one a kill left (ended by the next writer) …
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:  # JSONDecodeError, or UnicodeDecodeError when the kill cut a character in two
            torn += 1
            assert line.startswith(b'{"at": '), line[:40]
            continue
        assert entry["padding"] == "借" * 20000
        intact += 1
    assert torn <= 3, "at most one torn line per kill"
    entries = Register(path).entries()
    assert len(entries) == intact  # … torn lines are never read …
    runs: list[list[int]] = [[]]
    for e in entries:  # … and each writer's entries are consecutive: none half-recorded
        if e["n"] == 0 and runs[-1]:
            runs.append([])
        runs[-1].append(e["n"])
    assert len(runs) == 3 and all(run == list(range(len(run))) for run in runs)
    # a torn tail (if the kill landed mid-line) is never glued to the next entry
    Register(path).append("returned", by="clerk", id="LN-0")
    assert Register(path).entries()[-1]["event"] == "returned"
    assert tail == b"" or json.loads(path.read_bytes().split(b"\n")[-2])["event"] == "returned"


def test_a_torn_last_line_is_skipped_and_never_glued(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    reg = Register(path)
    reg.append("requested", by="a", id="X-1")
    with path.open("ab") as fh:
        fh.write(b'{"at": "2026-11-20", "event": "appr')  # what a crash mid-write leaves
    assert [e["event"] for e in reg] == ["requested"]
    reg.append("approved", by="b", id="X-1")
    assert [e["event"] for e in reg] == ["requested", "approved"]
