"""Reading the archive for the catalogue, customer by customer, with a cache of parsed
sidecars and manifests.

:func:`scan` lists each customer's material — ``records/<code>/<year>/*.toml``,
``volumes/<code>/<year>/*.toml``, ``customers/<code>/customer.toml`` and
``history.jsonl`` — with each file's size, modification time and inode, without reading
any of it. That listing is the customer's :meth:`Folder.fingerprint`: a rebuild redoes
only the customers whose fingerprint changed (sidecars and manifests are always replaced
by rename, so a file written again gets a new inode).

Parsing 10,000 TOML sidecars takes longer than rendering 10,000 pages, so what was
parsed is kept in ``.archiver/catalogue-inputs/<code>.pickle``, one file a customer,
keyed by each file's path and stamp: a file written again is parsed again, a file gone
is dropped. The cache is only ever a copy: delete it at will.

It is a pickle because it must be fast. It lives in the archive's own state folder,
written atomically by the archiver with the archive's restrictive permissions; whoever
could write it could already rewrite the records themselves. Anything unexpected in it
(another version, a broken file) and it is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..atomic import write_bytes_atomic
from ..customers import CUSTOMER_CODE_RE
from ..model import FileInfo, FilingInfo, Metadata, Record
from ..store import Archive, read_record
from ..volumes.manifest import VolumeManifest, read_manifest

log = logging.getLogger("archiver.catalogue")
CACHE_DIR = "catalogue-inputs"
OLD_CACHE = "catalogue-inputs.pickle"  # one file for the whole archive, before version 3
VERSION = 3
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


def _load(path: Path) -> dict[str, dict[str, tuple[Stamp, Any]]]:
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)
        if isinstance(data, dict) and data.get("version") == VERSION:
            return {"records": dict(data["records"]), "manifests": dict(data["manifests"])}
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 — a broken cache is only rebuilt
        log.info("ignoring the catalogue cache %s: %s", path, exc)
    return {"records": {}, "manifests": {}}


def _read_all(listing: Iterable[tuple[str, Stamp]], old: dict[str, tuple[Stamp, Any]],
              parse: Callable[[Path], T], encode: Callable[[T], Any], decode: Callable[[Any, str], T],
              new: dict[str, tuple[Stamp, Any]]) -> list[T]:
    out: list[T] = []
    for key, stamp in listing:
        hit = old.get(key)
        if hit is not None and hit[0] == stamp:
            new[key] = hit
            out.append(decode(hit[1], key))
        else:
            value = parse(Path(key))
            new[key] = (stamp, encode(value))
            out.append(value)
    return out


def _encode_record(r: Record) -> tuple[Any, ...]:
    m, f, g = r.meta, r.file, r.filing
    return (r.id, m.customer, m.type, m.date, m.title, m.doc_no, m.responsible, m.classification, m.retention,
            m.sides, m.pages, m.copies, m.group, m.role, m.kind, m.period, m.notes, r.retention,
            f.name, f.sha256, f.size, f.page_count,
            g.source, g.source_size, g.source_mtime_ns, g.metadata_source, g.filed_at, g.filed_by)


def _decode_record(t: tuple[Any, ...], sidecar: str) -> Record:
    meta = Metadata(customer=t[1], type=t[2], date=t[3], title=t[4], doc_no=t[5], responsible=t[6],
                    classification=t[7], retention=t[8], sides=t[9], pages=t[10], copies=t[11], group=t[12],
                    role=t[13], kind=t[14], period=t[15], notes=t[16])
    folder = sidecar.rpartition("/")[0]
    return Record(id=t[0], meta=meta, retention=t[17], file=FileInfo(t[18], t[19], t[20], t[21]),
                  filing=FilingInfo(t[22], t[23], t[24], t[25], t[26], t[27]), path=Path(f"{folder}/{t[18]}"))


def read_folder(archive: Archive, folder: Folder) -> tuple[list[Record], list[VolumeManifest]]:
    """One customer's records and volume manifests, parsed or taken from its cache."""
    cache_path = archive.state / CACHE_DIR / f"{folder.code}.pickle"
    old = _load(cache_path)
    new: dict[str, dict[str, tuple[Stamp, Any]]] = {"records": {}, "manifests": {}}
    records = _read_all(folder.records, old["records"], read_record, _encode_record, _decode_record,
                        new["records"])
    manifests = _read_all(folder.manifests, old["manifests"], read_manifest, lambda m: m,
                          lambda m, _key: m, new["manifests"])
    if new != old:
        data = {"version": VERSION, **new}
        write_bytes_atomic(cache_path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return records, manifests


def forget(archive: Archive, codes: Iterable[str]) -> None:
    """Drop the cache of customers no longer on disk (and the pre-version-3 cache)."""
    (archive.state / OLD_CACHE).unlink(missing_ok=True)
    for code in codes:
        (archive.state / CACHE_DIR / f"{code}.pickle").unlink(missing_ok=True)


def cached_codes(archive: Archive) -> set[str]:
    try:
        return {name[:-7] for name in os.listdir(archive.state / CACHE_DIR) if name.endswith(".pickle")}
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
