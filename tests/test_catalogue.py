"""The catalogue without a browser: the site model, Art. 24, escaping, output-folder
safety and incremental rebuilds (``archiver site``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from catalogue_helpers import Populated, populate


@pytest.fixture
def pop(archive_root: Path, drop: Callable[..., Path]) -> Populated:
    return populate(archive_root, drop)


def test_smoke(pop: Populated) -> None:
    from conftest import run_cli
    r = run_cli(pop.root, "site")
    print(r.output)
    assert r.exit_code == 0
