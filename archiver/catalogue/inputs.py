"""Reading the archive for the catalogue, customer by customer, with a cache of parsed
sidecars and manifests.

:func:`scan` lists each customer's material — ``records/<code>/<year>/*.toml``,
``volumes/<code>/<year>/*.toml``, ``customers/<code>/customer.toml`` and
``history.jsonl`` — with each file's size, modification time and inode, without reading
any of it. That listing is the customer's :meth:`Folder.fingerprint`: a rebuild redoes
only the customers whose fingerprint changed (sidecars and manifests are always replaced
by rename, so a file written again gets a new inode).

Parsing 10,000 TOML sidecars takes longer than rendering 10,000 pages, so what was
parsed is kept in ``.archiver/catalogue-inputs/<code>.json``, one file a customer, keyed
by each file's path and stamp: a file written again is parsed again, a file gone is
dropped. Each entry is the record or manifest in the very form the store and the volume
stage write it (:func:`archiver.store.record_to_dict`,
:func:`archiver.volumes.manifest.manifest_to_dict`) and is read back through their own
readers, so the catalogue holds the one record type of the archive. The file is JSON
(:mod:`.cachefile`: it cannot run code); anything unexpected in it (another version, a
broken or foreign file, an entry that does not read) is ignored and parsed again from the
archive. The cache is only ever a copy: delete it at will.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..customers import CUSTOMER_CODE_RE
from ..model import Record
from ..store import Archive, read_record, record_from_dict, record_to_dict
from ..volumes.manifest import VolumeManifest, check_manifest_dict, manifest_from_dict, manifest_to_dict, read_manifest
from . import cachefile

log = logging.getLogger("archiver.catalogue")
CACHE_DIR = "catalogue-inputs"
KIND = "inputs"
VERSION = 4  # 4: JSON, the store's own form of each record (3 and before: pickles, never read)
SUFFIX = ".json"
OLD_CACHES = ("catalogue-inputs.pickle",)  # one file for the whole archive, before version 3
OLD_SUFFIX = ".pickle"
T = TypeVar("T")
Stamp = tuple[int, int, int]
YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Folder:
    """One customer's material on disk, listed with each file's (size, mtime, inode)."""

    code: str
    records: tuple[tuple[str, Stamp], ...] = ()  # sidecars, in the store's order
    manifests: tuple[tuple[str, Stamp], ...] = ()
    profile: Stamp | None = None  # customers/<code>/customer.toml
    history: Stamp | None = None  # customers/<code>/history.jsonl

    @property
    def empty(self) -> bool:
        """Nothing of this customer is on disk (an empty folder is no customer)."""
        return not self.records and not self.manifests and self.profile is None

    def fingerprint(self, base: str) -> str:
        """Changes whenever one of its files is written again, added or removed."""
        text = repr((base, self.code, self.records, self.manifests, self.profile, self.history))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _stamp(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _listing(folder: Path) -> dict[str, list[tuple[str, Stamp]]]:
    """``<folder>/<customer>/<year>/*.toml`` with each file's (size, mtime, inode), by
    customer, in the store's stable order — one directory scan per folder."""
    out: dict[str, list[tuple[str, Stamp]]] = {}
    try:
        customers = sorted((e.name, e.path) for e in os.scandir(folder) if e.is_dir())
    except FileNotFoundError:
        return out
    for code, customer in customers:
        files = out.setdefault(code, [])
        for year in sorted(e.path for e in os.scandir(customer) if e.is_dir() and YEAR.fullmatch(e.name)):
            for entry in sorted(os.scandir(year), key=lambda e: e.name):
                if entry.name.endswith(".toml") and entry.is_file():
                    st = entry.stat()
                    files.append((entry.path, (st.st_size, st.st_mtime_ns, st.st_ino)))
    return out


def scan(archive: Archive) -> dict[str, Folder]:
    """Every customer with material on disk (not the disposal hold: ``hold/`` is never
    read), by code, listed but not read."""
    records = _listing(archive.records)
    manifests = _listing(archive.volumes)
    profiles: dict[str, tuple[Stamp | None, Stamp | None]] = {}
    try:
        entries = list(os.scandir(archive.customers_dir))
    except FileNotFoundError:
        entries = []
    for e in entries:
        if e.is_dir() and CUSTOMER_CODE_RE.match(e.name):
            profile = _stamp(f"{e.path}/customer.toml")
            if profile is not None:
                profiles[e.name] = (profile, _stamp(f"{e.path}/history.jsonl"))
    folders = {}
    for code in sorted(set(records) | set(manifests) | set(profiles)):
        profile, history = profiles.get(code, (None, None))
        folder = Folder(code, tuple(records.get(code, ())), tuple(manifests.get(code, ())), profile, history)
        if not folder.empty:
            folders[code] = folder
    return folders


Entries = dict[str, tuple[Stamp, Any]]  # file path → (its stamp, its parsed form as the store writes it)


def cache_path(archive: Archive, code: str) -> Path:
    return archive.state / CACHE_DIR / f"{code}{SUFFIX}"


def _load(path: Path) -> dict[str, Entries] | None:
    """The cache's entries; None when the file is there but does not fit (it is then
    written again), empty ones when there is no file."""
    if not path.exists():
        return {"records": {}, "manifests": {}}
    data = cachefile.read(path, KIND, VERSION)
    if not isinstance(data, dict):
        return None
    out: dict[str, Entries] = {}
    for part in ("records", "manifests"):
        entries = data.get(part)
        if not isinstance(entries, dict):
            return None
        out[part] = {key: (tuple(hit[0]), hit[1]) for key, hit in entries.items()
                     if isinstance(hit, list) and len(hit) == 2 and isinstance(hit[0], list)}
    return out


def _read_all(listing: Iterable[tuple[str, Stamp]], old: Entries, parse: Callable[[Path], T],
              encode: Callable[[T], Any], decode: Callable[[Any, Path], T], new: Entries) -> list[T]:
    out: list[T] = []
    for key, stamp in listing:
        hit = old.get(key)
        if hit is not None and hit[0] == stamp:
            try:
                value = decode(hit[1], Path(key))
            except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
                log.info("ignoring the catalogue cache's entry for %s: %s", key, exc)
            else:
                new[key] = hit
                out.append(value)
                continue
        value = parse(Path(key))
        new[key] = (stamp, encode(value))
        out.append(value)
    return out


def _decode_record(data: Any, sidecar: Path) -> Record:
    record = record_from_dict(data, sidecar)
    if not isinstance(record.meta.date, dt.date):
        raise TypeError("date is not a date")
    return record


def _decode_manifest(data: Any, path: Path) -> VolumeManifest:
    check_manifest_dict(data)
    return manifest_from_dict(data, path)


def read_folder(archive: Archive, folder: Folder) -> tuple[list[Record], list[VolumeManifest]]:
    """One customer's records and volume manifests, parsed or taken from its cache."""
    path = cache_path(archive, folder.code)
    old = _load(path)
    new: dict[str, Entries] = {"records": {}, "manifests": {}}
    records = _read_all(folder.records, old["records"] if old else {}, read_record, record_to_dict,
                        _decode_record, new["records"])
    manifests = _read_all(folder.manifests, old["manifests"] if old else {}, read_manifest, manifest_to_dict,
                          _decode_manifest, new["manifests"])
    if new != old:
        cachefile.write(path, KIND, VERSION, new)
    return records, manifests


def forget(archive: Archive, codes: Iterable[str]) -> None:
    """Drop the cache of customers no longer on disk, and the pickles of earlier versions
    (never read)."""
    for name in OLD_CACHES:
        (archive.state / name).unlink(missing_ok=True)
    for code in codes:
        cache_path(archive, code).unlink(missing_ok=True)
    folder = archive.state / CACHE_DIR
    if folder.is_dir():
        for name in os.listdir(folder):
            if name.endswith(OLD_SUFFIX):
                (folder / name).unlink(missing_ok=True)


def cached_codes(archive: Archive) -> set[str]:
    try:
        return {name[: -len(SUFFIX)] for name in os.listdir(archive.state / CACHE_DIR)
                if name.endswith(SUFFIX) and not name.startswith(".")}
    except FileNotFoundError:
        return set()


def read_inputs(archive: Archive) -> tuple[list[Record], list[VolumeManifest]]:
    """Every record and volume manifest, parsed or taken from the cache."""
    records: list[Record] = []
    manifests: list[VolumeManifest] = []
    for folder in scan(archive).values():
        recs, mans = read_folder(archive, folder)
        records += recs
        manifests += mans
    return records, manifests
