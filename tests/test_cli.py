"""The command line as a user sees it on a terminal (cli/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]


def test_build_prints_only_archivers_own_lines(archive_root, drop):
    """The forms' font subsetting (fontTools) logs hundreds of INFO lines per volume;
    a clerk running `archiver build` must see what was built, not that."""
    drop("C0001_contract_20260105.pdf", pages=1)
    assert run_cli(archive_root, "ingest").exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "archiver", "--root", str(archive_root), "build", "--checker", "陈建国"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "built" in p.stdout
    assert "glyph" not in p.stderr.lower() and "pruned" not in p.stderr, p.stderr[:500]
    assert len(p.stderr.splitlines()) <= 2, p.stderr[:500]


# Errors and exit codes: one hierarchy, mapped in one place --------------------------------
def _error_classes():
    import inspect

    from archiver import errors

    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.ArchiverError)]


def test_one_error_hierarchy_without_multiple_inheritance():
    from archiver.errors import EXIT_CODES, ArchiverError

    classes = _error_classes()
    assert len(classes) >= 8
    for cls in classes:
        assert len(cls.__bases__) == 1, f"{cls.__name__} inherits from {cls.__bases__}"
        assert cls is ArchiverError or issubclass(cls.__bases__[0], ArchiverError)
        assert cls.exit_code in EXIT_CODES and cls.exit_code not in (0, 1)


def test_the_readme_lists_every_error_class_with_its_exit_code():
    import re

    from archiver.errors import EXIT_CODES

    text = (REPO / "README.md").read_text("utf-8")
    table = text[text.index("### Exit codes"):]
    rows = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.*)$", table, re.M)}
    assert sorted(rows) == sorted(EXIT_CODES)
    for cls in _error_classes():
        assert f"`{cls.__name__}`" in rows[cls.exit_code], f"{cls.__name__} is not in the row of {cls.exit_code}"


def test_help_shows_every_exit_code(archive_root):
    from archiver.errors import EXIT_CODES

    out = run_cli(archive_root, "--help").output
    for code, meaning in EXIT_CODES.items():
        assert f"\n    {code}  {meaning}\n" in out


def _raising(exc: BaseException):  # type: ignore[no-untyped-def]
    import click

    @click.command("boom")
    def boom() -> None:
        raise exc

    return boom


def test_every_error_becomes_its_exit_code_and_one_message(archive_root, monkeypatch):
    import errno

    import pytest

    from archiver.cli import main

    for cls in _error_classes():
        monkeypatch.setitem(main.commands, "boom", _raising(cls("Something went wrong with x.pdf.", hint="Do y.")))
        r = run_cli(archive_root, "boom")
        assert r.exit_code == cls.exit_code, cls.__name__
        assert r.output == "error: Something went wrong with x.pdf.\n  → Do y.\n", cls.__name__
    monkeypatch.setitem(main.commands, "boom", _raising(OSError(errno.ENOSPC, "No space left", "/srv/a/x.pdf")))
    r = run_cli(archive_root, "boom")
    assert r.exit_code == 9 and r.output.startswith("error: Could not write /srv/a/x.pdf: no space is left")
    monkeypatch.setitem(main.commands, "boom", _raising(KeyError("a bug")))
    with pytest.raises(KeyError):  # a bug is not dressed up as a user error: traceback, exit 1
        run_cli(archive_root, "boom")


def test_a_bad_option_value_is_a_usage_error_naming_the_option(archive_root):
    r = run_cli(archive_root, "customer", "update", "C0001", "--set", "colour=red", "--reason", "x")
    assert r.exit_code == 2 and "Invalid value for '--set'" in r.output and "Cannot set 'colour=red'" in r.output
    r = run_cli(archive_root, "customer", "update", "C0001", "--set", "fax=1", "--reason", " ")
    assert r.exit_code == 2 and r.output.startswith("error: A reason is required")


def test_the_progress_bar_shows_on_a_terminal_for_more_than_one_step(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from archiver.cli import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    bar = ProgressBar("Building volumes", show=True)
    bar.planned(3)
    for _ in range(3):
        bar.step("a volume")
    bar.close()
    assert "Building volumes" in term.getvalue() and "100%" in term.getvalue()

    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    for show, steps in ((False, 3), (True, 1)):  # --json, or a single step: no bar
        bar = ProgressBar("Building volumes", show=show)
        bar.planned(steps)
        bar.step()
        bar.close()
    assert quiet.getvalue() == ""
