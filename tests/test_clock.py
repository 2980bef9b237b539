"""One clock, one actor (Art. 9, 29): no environment variable moves the archive's time or
changes who is recorded; tests set both through the ``clock`` fixture only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Clock, run_cli
from custody_helpers import bind, doc, file_docs

from archiver import clock as archive_clock
from archiver.errors import EXIT_WORKFLOW
from archiver.register import Register
from archiver.store import Archive

REPO = Path(__file__).resolve().parents[1]
FUTURE = {"ARCHIVER_NOW": "2099-01-01T00:00:00+08:00", "ARCHIVER_TODAY": "2099-01-01", "FAKETIME": "+100y",
          "ARCHIVER_USER": "客户总监陈", "LOGNAME": "客户总监陈", "USER": "客户总监陈", "USERNAME": "客户总监陈"}


def held_list(root: Path, drop) -> str:  # type: ignore[no-untyped-def]
    """A destruction list approved on the clock's day (2026-11-20): held until 2027-05-20."""
    records = file_docs(root, drop, [doc("C0001", "sales-statistics", "2014-03-09", title="2014年3月销售统计")])
    volume = bind(Archive.open(root), records)
    r = run_cli(root, "disposal", "propose", volume.reference, "--by", "档案员李明", "--json")
    lid = json.loads(r.output)["id"]
    for role, who in (("cs-manager", "客服经理张"), ("originating-dept", "销售部刘")):
        assert run_cli(root, "disposal", "appraise", lid, "--role", role, "--by", who).exit_code == 0
    r = run_cli(root, "disposal", "approve", lid, "--by", "客户总监陈", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["hold_until"] == "2027-05-20", r.output
    return lid


def test_a_future_clock_in_the_environment_changes_nothing(archive_root: Path, drop, clock: Clock,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    lid = held_list(archive_root, drop)
    for name, value in FUTURE.items():
        monkeypatch.setenv(name, value)
    clock.set("2027-05-19T23:59:00+08:00")  # the last minute of the hold
    r = run_cli(archive_root, "disposal", "destroy", lid, "--supervisor", "监销人吴", "--place", "碎纸室")
    assert r.exit_code == EXIT_WORKFLOW and "held until 2027-05-20" in r.output
    assert (archive_root / "hold" / lid).is_dir()
    assert Register(archive_root / "registers" / "destruction.jsonl").entries() == []
    # what the archive records as "when" and "who" is the clock's, not the environment's
    r = run_cli(archive_root, "customer", "update", "C0001", "--set", "phone=021-1", "--reason", "变更", "--json")
    entry = json.loads(r.output)[0]
    assert (entry["at"], entry["by"]) == (clock.iso, clock.login)
    clock.set("2027-05-20T09:00:00+08:00")  # only the clock ends the hold
    r = run_cli(archive_root, "disposal", "destroy", lid, "--supervisor", "监销人吴", "--place", "碎纸室")
    assert r.exit_code == 0, r.output


def test_the_production_clock_and_actor_ignore_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                clock: Clock) -> None:  # (system_* ignore it too)
    for name, value in FUTURE.items():
        monkeypatch.setenv(name, value)
    assert archive_clock.system_now().year != 2099
    assert archive_clock.system_now().tzinfo is not None
    assert archive_clock.system_login() != "客户总监陈"
    if hasattr(os, "geteuid"):
        import pwd

        assert archive_clock.system_login() == pwd.getpwuid(os.geteuid()).pw_name


def test_the_cli_in_a_subprocess_ignores_the_environment(archive_root: Path, drop, clock: Clock,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    """The real entry point, with a future ARCHIVER_NOW and a faked user in its
    environment, at a set time (tests/clocked_main.py): the hold still holds, and the
    login name recorded is the account's, not $USER."""
    lid = held_list(archive_root, drop)
    env = {**os.environ, **FUTURE, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    cmd = [sys.executable, str(REPO / "tests" / "clocked_main.py"), "2027-05-19T12:00:00+08:00",
           "--root", str(archive_root)]
    p = subprocess.run([*cmd, "disposal", "destroy", lid, "--supervisor", "吴", "--place", "碎纸室"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == EXIT_WORKFLOW and "held until 2027-05-20" in p.stderr + p.stdout
    p = subprocess.run([*cmd, "customer", "update", "C0002", "--set", "phone=1", "--reason", "r", "--json"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    entry = json.loads(p.stdout)[0]
    assert entry["at"] == "2027-05-19T12:00:00+08:00" and entry["by"] == archive_clock.system_login()


def test_no_production_code_reads_the_time_or_the_actor_from_the_environment() -> None:
    """Only the archive root may come from the environment ($ARCHIVER_ROOT)."""
    allowed = {("store.py", "ROOT_ENV")}
    found = []
    for path in sorted((REPO / "archiver").rglob("*.py")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if re.search(r"os\.environ|getenv|getpass|ARCHIVER_NOW|ARCHIVER_USER", line) and not any(
                    path.name == f and key in line for f, key in allowed):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert found == []


def test_a_line_appended_to_the_register_cannot_shorten_the_hold(archive_root: Path, drop, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """Art. 29: six months from the approval, whatever a later register line claims."""
    lid = held_list(archive_root, drop)
    approved = next(e for e in Register(archive_root / "registers" / "disposal.jsonl") if e["event"] == "approved")
    forged = {**approved, "at": "2026-01-01T09:00:00+08:00", "hold_until": "2026-01-02", "hold_months": 0}
    with (archive_root / "registers" / "disposal.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(forged, ensure_ascii=False) + "\n")
    clock.set("2026-12-01T09:00:00+08:00")
    r = run_cli(archive_root, "disposal", "destroy", lid, "--supervisor", "监销人吴", "--place", "碎纸室")
    assert r.exit_code == EXIT_WORKFLOW and "held until 2027-05-20" in r.output
    shown = json.loads(run_cli(archive_root, "disposal", "list", "--json").output)
    assert shown[0]["hold_until"] == "2027-05-20"


def test_a_test_setting_archiver_now_without_the_clock_fixture_fails(pytester: pytest.Pytester) -> None:
    """Other branches' tests converted at merge: one left on ARCHIVER_NOW fails, saying why."""
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text("utf-8"))
    pytester.makepyfile(test_old="""
def test_old(monkeypatch):
    monkeypatch.setenv("ARCHIVER_NOW", "2027-05-20T09:00:00+08:00")
""")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "take the `clock` fixture" in result.stdout.str()
