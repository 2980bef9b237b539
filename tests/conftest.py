"""Shared fixtures: a fresh archive on disk, the CLI, and scan-like PDFs to drop in it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner, Result

from archiver import clock as archive_clock
from archiver.cli import main
from archiver.store import Archive
from archiver.synth import PageSpec, scan, text_page

pytest_plugins = ("pytester", "custody_conftest")  # test_clock runs a small test session of its own; custody fixtures

# The tests' times: the one place they are written. NOW is when every test starts (the
# `clock` fixture); NEXT_WEEK is six days on, after every document date of the sample
# archive and of the tests' scans. ISO text (clock.set, tests/clocked_main.py) and .date().
NOW = "2026-11-20T10:00:00+08:00"
NEXT_WEEK = "2026-11-26T10:00:00+08:00"
TODAY = dt.date.fromisoformat(NEXT_WEEK[:10])  # the day of NEXT_WEEK, for rules that take "today"

CUSTOMERS = {
    "C0001": "上海明远贸易有限公司",
    "C0002": "北京华信科技股份有限公司",
    "C0003": "广州南方物流有限公司",
}


def run_cli(root: Path, *args: str, input: str | None = None) -> Result:
    """Run ``archiver --root ROOT ARGS…`` in-process and return click's Result."""
    return CliRunner().invoke(main, ["--root", str(root), *args], input=input, catch_exceptions=False)


def set_config(root: Path, pattern: str, replacement: str) -> None:
    """Edit archive.toml with a regex substitution (the first match must exist)."""
    path = root / "archive.toml"
    text = path.read_text("utf-8")
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, f"{pattern!r} not found in archive.toml"
    path.write_text(new, "utf-8")


class Clock:
    """The archive's clock and actor in a test: a fixed time that moves only when told.

    ``clock.set("2027-05-20T09:00:00+08:00")`` (or a datetime), ``clock.advance(days=1)``,
    ``clock.now()``, ``clock.iso`` (the time as a register records it), ``clock.today()``;
    ``clock.login = "王芳"`` is who acts when a command gets no ``--by``.
    """

    START = NOW  # the default time of every test that takes the fixture
    LOGIN = "tester"

    def __init__(self) -> None:
        self.value = dt.datetime.fromisoformat(self.START)
        self.login = self.LOGIN

    def set(self, when: str | dt.datetime) -> Clock:
        value = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
        assert value.tzinfo is not None, "give the test clock a UTC offset"
        self.value = value
        return self

    def advance(self, **delta: float) -> Clock:
        self.value += dt.timedelta(**delta)
        return self

    def now(self) -> dt.datetime:
        return self.value

    def today(self) -> dt.date:
        return self.value.date()

    @property
    def iso(self) -> str:
        return self.value.isoformat()


@contextlib.contextmanager
def use_clock(fake: Clock) -> Iterator[Clock]:
    """Install ``fake`` as :mod:`archiver.clock`'s time and actor while the block runs."""
    previous = archive_clock.install(fake.now, lambda: fake.login)
    try:
        yield fake
    finally:
        archive_clock.restore(previous)


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The one way tests set what time it is (and who acts): a :class:`Clock` installed
    as :mod:`archiver.clock`'s source for the test, in this process — CLI tests run
    in-process with click's CliRunner (``run_cli``). A module-scoped fixture uses
    :func:`use_clock` itself; a subprocess sets its clock with ``tests/clocked_main.py``.
    Never an environment variable: production has none."""
    with use_clock(Clock()) as fake:
        yield fake


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that sets ARCHIVER_NOW (as tests did before the clock was injected) without
    the ``clock`` fixture would silently run on the system clock: fail it, saying why."""
    yield
    if "ARCHIVER_NOW" in os.environ and "clock" not in getattr(item, "fixturenames", ()):
        pytest.fail("ARCHIVER_NOW no longer sets the archive's time (nothing in the environment does): take the "
                    "`clock` fixture and call clock.set(...) instead (tests/conftest.py).", pytrace=False)


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    """A new archive (archiver init) with three customers and stable_seconds = 0."""
    root = tmp_path / "archive"
    result = CliRunner().invoke(main, ["init", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    set_config(root, r"^stable_seconds = .*$", "stable_seconds = 0.0")
    for code, name in CUSTOMERS.items():
        r = run_cli(root, "customer", "add", code, "--name", name, "--legal-representative", "张伟",
                    "--address", "上海市浦东新区世纪大道100号", "--postcode", "200120")
        assert r.exit_code == 0, r.output
    return root


@pytest.fixture
def archive(archive_root: Path) -> Archive:
    return Archive.open(archive_root)


def make_scan(pages: int | list[PageSpec] = 2, *, seed: int = 0, dpi: int = 100, bilevel: bool = False) -> bytes:
    """A scan-like PDF (raster pages); ``pages`` is a count of printed pages or the specs."""
    specs = [text_page(f"第{i + 1}页", n_lines=4, seed=seed * 100 + i) for i in range(pages)] if isinstance(pages, int) else pages
    return scan(specs, dpi=dpi, bilevel=bilevel, seed=seed)


@pytest.fixture
def drop(archive_root: Path) -> Callable[..., Path]:
    """drop(name, pages=2, meta=None, subdir="", seed=0) → the inbox path written.

    ``meta`` (a dict) is written as the NAME.toml sidecar next to the PDF.
    """

    def _drop(name: str, pages: int | list[PageSpec] = 2, meta: dict[str, Any] | None = None,
              subdir: str = "", seed: int = 0, data: bytes | None = None) -> Path:
        folder = archive_root / "inbox" / subdir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if meta is not None:
            path.with_suffix(".toml").write_text(tomli_w.dumps(meta), "utf-8")
        path.write_bytes(data if data is not None else make_scan(pages, seed=seed))
        return path

    return _drop
