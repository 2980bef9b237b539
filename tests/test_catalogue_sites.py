"""Every catalogue folder the archive has written (:mod:`archiver.catalogue.sites`), so
destruction reaches all of them; and where a build writes (``output_folder``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.catalogue import sites
from archiver.catalogue.output import MANIFEST
from archiver.store import Archive


def a_site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text("{}", "utf-8")
    return folder


def test_output_folder(archive: Archive, tmp_path: Path) -> None:
    assert sites.output_folder(archive, None) == archive.root / "site"
    assert sites.output_folder(archive, tmp_path / "x") == tmp_path / "x"


def test_remember_lists_each_folder_once_and_drops_those_gone(archive: Archive, tmp_path: Path) -> None:
    one, two = a_site(tmp_path / "one"), tmp_path / "two"
    sites.remember(archive, one)
    sites.remember(archive, two)  # listed before anything is written there
    sites.remember(archive, one)
    assert sites.listed(archive) == [one.resolve()]  # two holds no site (yet): dropped by the next remember
    data = json.loads(sites.path(archive).read_text("utf-8"))
    assert data == {"format": 1, "sites": [str(one.resolve())]}
    a_site(two)
    sites.remember(archive, two)
    assert sites.listed(archive) == sorted([one.resolve(), two.resolve()])


def test_the_default_site_is_listed_when_it_holds_one(archive: Archive) -> None:
    assert sites.listed(archive) == []
    a_site(archive.root / "site")
    assert sites.listed(archive) == [(archive.root / "site").resolve()]


@pytest.mark.parametrize("content", ["not json", "[]", '{"sites": "nope"}', '{"sites": [1, null]}'])
def test_a_broken_list_is_read_as_empty(archive: Archive, tmp_path: Path, content: str) -> None:
    sites.path(archive).write_text(content, "utf-8")
    assert sites.listed(archive) == []
    sites.remember(archive, a_site(tmp_path / "s"))
    assert sites.listed(archive) == [(tmp_path / "s").resolve()]
