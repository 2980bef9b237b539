"""The catalogue's caches (:mod:`archiver.catalogue.cachefile`, the parsed inputs of
:mod:`.inputs`, the memory of :mod:`.known`): JSON that cannot run code, versioned, and a
corrupt, foreign or hostile file in their place does nothing but a rebuild."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from catalogue_helpers import Populated, populate
from conftest import Clock

from archiver.catalogue import cachefile, inputs, known
from archiver.catalogue.build import build_site
from archiver.catalogue.output import MANIFEST
from archiver.store import Archive, read_record
from archiver.volumes.manifest import read_manifest


@pytest.fixture
def pop(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Populated:
    clock.set("2026-11-26T10:00:00+08:00")
    return populate(archive_root, drop)


class Bomb:
    """A pickle that, when loaded, creates the file ``marker`` (any code could run)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def site_bytes(site: Path) -> dict[str, bytes]:
    """Every file of a site but its manifest (which records when it was built)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


# The file format ------------------------------------------------------------------------------
def test_values_round_trip_with_dates_and_types(tmp_path: Path) -> None:
    when = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    data = {"day": dt.date(2026, 3, 1), "at": when, "set": frozenset({"b", "a"}), "row": (1, "x", None)}
    path = tmp_path / "c.json"
    cachefile.write(path, "test", 1, data)
    text = path.read_text("utf-8")
    assert '{"$date":"2026-03-01"}' in text and '["a","b"]' in text  # readable, sets sorted
    back = cachefile.read(path, "test", 1)
    assert back == {"day": dt.date(2026, 3, 1), "at": when, "set": ["a", "b"], "row": [1, "x", None]}
    assert cachefile.typed(tuple[int, str, None], back["row"]) == (1, "x", None)
    assert cachefile.typed(frozenset[str], back["set"]) == frozenset({"a", "b"})


@pytest.mark.parametrize("content", [
    b"", b"\x80\x04garbage", b"{", b"[]", b'"text"', b"null", b"[" * 100_000,
    b'{"format": "archiver-catalogue-cache", "kind": "test", "version": 2, "data": 1}',  # another version
    b'{"format": "archiver-catalogue-cache", "kind": "other", "version": 1, "data": 1}',  # another kind
    b'{"format": "something-else", "kind": "test", "version": 1, "data": 1}',
    b'{"format": "archiver-catalogue-cache", "kind": "test", "version": 1, "data": {"$date": "never"}}',
])
def test_a_file_that_does_not_fit_reads_as_none(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(content)
    assert cachefile.read(path, "test", 1) is None


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "exploded"
    path = tmp_path / "c.json"
    path.write_bytes(pickle.dumps(Bomb(marker)))
    assert cachefile.read(path, "test", 1) is None
    assert not marker.exists()
    assert cachefile.read(tmp_path / "missing.json", "test", 1) is None


def test_typed_refuses_what_does_not_fit() -> None:
    with pytest.raises(cachefile.CacheError):
        cachefile.typed(known.Known, {"fingerprint": "x"})  # fields missing
    with pytest.raises(cachefile.CacheError):
        cachefile.typed(tuple[int, int], [1, "2"])
    with pytest.raises(cachefile.CacheError):
        cachefile.typed(int, True)
    with pytest.raises(cachefile.CacheError):
        cachefile.typed(dt.date, dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        cachefile.dumps("test", 1, object())  # only data is ever written


# The caches of a build -----------------------------------------------------------------------
def test_inputs_cache_holds_the_stores_own_record_and_manifest(pop: Populated) -> None:
    archive = Archive.open(pop.root)
    folder = inputs.scan(archive)["C0001"]
    parsed = inputs.read_folder(archive, folder)  # parses, writes the cache
    path = inputs.cache_path(archive, "C0001")
    data = json.loads(path.read_text("utf-8"))
    assert (data["format"], data["kind"], data["version"]) == (cachefile.FORMAT, inputs.KIND, inputs.VERSION)
    sidecar = str(pop.records["credit"].sidecar_path)
    assert data["data"]["records"][sidecar][1]["title"] == pop.records["credit"].meta.title
    cached = inputs.read_folder(archive, folder)  # from the cache
    assert cached == parsed
    assert cached[0] == [read_record(Path(p)) for p, _stamp in folder.records]  # as the store reads them
    assert [r.path for r in cached[0]] == [r.path for r in parsed[0]]
    assert cached[1] == [read_manifest(Path(p)) for p, _stamp in folder.manifests]
    assert [m.path for m in cached[1]] == [m.path for m in parsed[1]]


def test_known_cache_round_trips(pop: Populated) -> None:
    build_site(Archive.open(pop.root))
    state = pop.root / ".archiver"
    first = known.load(state)
    assert set(first) == {"C0001", "C0002", "C0003", "X0001"}
    assert all(known.path(state, code).is_file() for code in first)
    assert not list((state / known.DIR).glob("*.pickle"))
    build_site(Archive.open(pop.root))  # nothing changed: nothing rewritten, the same read back
    assert known.load(state) == first


def test_a_pickle_bomb_or_garbage_in_the_caches_only_means_a_rebuild(pop: Populated, tmp_path: Path) -> None:
    """Hostile files where the caches live (the JSON names and the pickle names of
    earlier versions) run nothing: the build reads the archive again and gives the site
    a clean build gives; the hostile files are replaced or removed."""
    build_site(Archive.open(pop.root))
    site = pop.root / "site"
    clean = site_bytes(site)
    state = pop.root / ".archiver"
    marker = tmp_path / "exploded"
    bomb = pickle.dumps(Bomb(marker))
    planted = []
    for folder in (state / inputs.CACHE_DIR, state / known.DIR):
        for i, code in enumerate(("C0001", "C0002", "C0003", "X0001")):
            planted.append(folder / f"{code}.json")
            planted[-1].write_bytes(bomb if i % 2 else b"\x00garbage{")
            planted.append(folder / f"{code}.pickle")
            planted[-1].write_bytes(bomb)
    (state / "catalogue-inputs.pickle").write_bytes(bomb)
    compiled = state / "catalogue-templates"  # compiled templates (code) of earlier versions
    compiled.mkdir(exist_ok=True)
    (compiled / "__jinja2_0000.cache").write_bytes(bomb)
    result = build_site(Archive.open(pop.root))
    assert not compiled.exists()
    assert not marker.exists()
    assert site_bytes(site) == clean
    assert result.documents == 8
    for path in planted:
        if path.suffix == ".pickle":
            assert not path.exists()
        else:
            assert cachefile.read(path, inputs.KIND if path.parent.name == inputs.CACHE_DIR else known.KIND,
                                  inputs.VERSION if path.parent.name == inputs.CACHE_DIR else known.VERSION)
    assert not (state / "catalogue-inputs.pickle").exists()
    assert set(known.load(state)) == {"C0001", "C0002", "C0003", "X0001"}


def test_a_cache_entry_that_does_not_read_is_parsed_again(pop: Populated) -> None:
    archive = Archive.open(pop.root)
    folder = inputs.scan(archive)["C0001"]
    parsed = inputs.read_folder(archive, folder)
    path = inputs.cache_path(archive, "C0001")
    doc = json.loads(path.read_text("utf-8"))
    for entry in doc["data"]["records"].values():
        del entry[1]["file"]  # right stamp, broken entry
    for entry in doc["data"]["manifests"].values():
        entry[1]["year"] = "2025"
    path.write_text(json.dumps(doc), "utf-8")
    assert inputs.read_folder(archive, folder) == parsed
    assert cachefile.read(path, inputs.KIND, inputs.VERSION) is not None  # rewritten whole
    assert inputs.read_folder(archive, folder) == parsed


def test_templates_are_compiled_in_memory_only() -> None:
    """A compiled template is code: none is ever loaded from (or kept on) disk."""
    from archiver.catalogue.render import Renderer

    assert Renderer().env.bytecode_cache is None
