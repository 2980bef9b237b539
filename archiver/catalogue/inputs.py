"""Reading the archive for the catalogue, with a cache of parsed sidecars and manifests.

Parsing 10,000 TOML sidecars takes longer than rendering 10,000 pages, so a rebuild
keeps what it parsed in ``.archiver/catalogue-inputs.pickle``, keyed by each file's
path, size, modification time and inode: a file written again (sidecars and manifests
are always replaced by rename, so they get a new inode) is parsed again, a file gone is
dropped. The cache is only ever a copy: delete it at will.

It is a pickle because it is read on every build and must be fast. It lives in the
archive's own state folder, written atomically by the archiver with the archive's
restrictive permissions; whoever could write it could already rewrite the records
themselves. Anything unexpected in it (another version, a broken file) and it is
ignored and rebuilt.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..atomic import write_bytes_atomic
from ..model import FileInfo, FilingInfo, Metadata, Record
from ..store import Archive, read_record
from ..volumes.manifest import VolumeManifest, read_manifest

log = logging.getLogger("archiver.catalogue")
CACHE_NAME = "catalogue-inputs.pickle"
VERSION = 2
T = TypeVar("T")
Stamp = tuple[int, int, int]
YEAR = re.compile(r"[0-9]{4}")


def _listing(folder: Path) -> list[tuple[str, Stamp]]:
    """``<folder>/<customer>/<year>/*.toml`` with each file's (size, mtime, inode), in
    the store's stable order — one directory scan per folder, no Path objects."""
    out: list[tuple[str, Stamp]] = []
    try:
        customers = sorted(e.path for e in os.scandir(folder) if e.is_dir())
    except FileNotFoundError:
        return out
    for customer in customers:
        for year in sorted(e.path for e in os.scandir(customer) if e.is_dir() and YEAR.fullmatch(e.name)):
            for entry in sorted(os.scandir(year), key=lambda e: e.name):
                if entry.name.endswith(".toml") and entry.is_file():
                    st = entry.stat()
                    out.append((entry.path, (st.st_size, st.st_mtime_ns, st.st_ino)))
    return out


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


def _read_all(listing: list[tuple[str, Stamp]], old: dict[str, tuple[Stamp, Any]],
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


def read_inputs(archive: Archive) -> tuple[list[Record], list[VolumeManifest]]:
    """Every record and volume manifest (not what is in the disposal hold: ``hold/`` is
    never read), parsed or taken from the cache."""
    cache_path = archive.state / CACHE_NAME
    old = _load(cache_path)
    new: dict[str, dict[str, tuple[Stamp, Any]]] = {"records": {}, "manifests": {}}
    records = _read_all(_listing(archive.records), old["records"], read_record, _encode_record, _decode_record,
                        new["records"])
    manifests = _read_all(_listing(archive.volumes), old["manifests"], read_manifest, lambda m: m,
                          lambda m, _key: m, new["manifests"])
    if new != old:
        data = {"version": VERSION, **new}
        write_bytes_atomic(cache_path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return records, manifests
