"""The archive on disk: its folders, its records and their sidecars, its lock.

Layout of an archive root (readable without this program)::

    archive.toml                         configuration
    customers/<code>/customer.toml       customer profiles (Art. 8)
    inbox/                               scans are dropped here
    inbox/rejected/                      what could not be filed, with NAME.reason.txt
    records/<customer>/<year>/<id>.pdf   filed documents …
    records/<customer>/<year>/<id>.toml  … and their human-readable sidecars
    volumes/<customer>/<year>/…          assembled volumes (archiver build)
    registers/journal.jsonl              append-only filing journal (and other registers)
    .archiver/                           locks and caches (safe to delete when idle), log/filing.log

A record exists when its sidecar exists: the sidecar is written last, after the PDF is
in place and verified, so it is the commit mark of a filing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import stat
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from .atomic import ensure_dir, write_text_atomic
from .config import CONFIG_NAME, Config, load_config
from .customers import Customer, list_customers, read_customer
from .errors import IntegrityError, LockedError, NotFoundError, UnreadableFileError
from .model import FileInfo, FilingInfo, Metadata, Record, metadata_to_dict
from .register import Register

ROOT_ENV = "ARCHIVER_ROOT"
# The archive's own folders, relative to the root: each must be a real folder inside the
# root (or not exist yet) — never a symbolic link, never a file (checked by Archive.open).
OWN_FOLDERS = ("inbox", "inbox/rejected", "records", "volumes", "volumes/.superseded", "registers", "hold",
               "customers", ".archiver", ".archiver/log")


def find_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """The archive root: ``--root``, else ``$ARCHIVER_ROOT``, else the nearest parent
    folder holding archive.toml (as git finds .git)."""
    if explicit is not None:
        root = explicit
    elif os.environ.get(ROOT_ENV):
        root = Path(os.environ[ROOT_ENV])
    else:
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                return folder
        raise NotFoundError(
            f"No archive here: neither {here} nor any folder above it holds {CONFIG_NAME}.",
            hint="Pass --root DIR, set ARCHIVER_ROOT, or create one with `archiver init DIR`.",
        )
    if not (root / CONFIG_NAME).is_file():
        raise NotFoundError(
            f"{root} is not an archive root: it has no {CONFIG_NAME}.",
            hint=f"Create one with `archiver init {root}`, or point --root at an existing archive.",
        )
    return root.resolve()


@dataclass
class Archive:
    root: Path
    config: Config

    @classmethod
    def open(cls, root: Path) -> Archive:
        """The archive at ``root``; refuses (exit 6) before anything is written when one
        of its own folders is a link or not a folder (:func:`check_folders`)."""
        check_folders(root)
        return cls(root=root, config=load_config(root / CONFIG_NAME))

    # Folders -------------------------------------------------------------------------
    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def rejected(self) -> Path:
        return self.inbox / "rejected"

    @property
    def records(self) -> Path:
        return self.root / "records"

    @property
    def customers_dir(self) -> Path:
        return self.root / "customers"

    @property
    def volumes(self) -> Path:
        return self.root / "volumes"

    @property
    def registers(self) -> Path:
        return self.root / "registers"

    @property
    def state(self) -> Path:
        """Locks and caches: nothing there is the only copy of anything."""
        return ensure_dir(self.root / ".archiver")

    def register(self, name: str) -> Register:
        return Register(self.registers / f"{name}.jsonl")

    @property
    def journal(self) -> Register:
        return self.register("journal")

    # Customers -----------------------------------------------------------------------
    def customer(self, code: str) -> Customer:
        return read_customer(self.customers_dir, code)

    def customers(self) -> list[Customer]:
        return list_customers(self.customers_dir)

    # Records -------------------------------------------------------------------------
    def record_dir(self, customer: str, year: int) -> Path:
        return self.records / customer / f"{year:04d}"

    def sidecar_paths(self) -> Iterator[Path]:
        """Every record sidecar, in a stable order (customer, year, id)."""
        if not self.records.is_dir():
            return
        # never a writer's hidden temporary file (``.tmp-archiver-…-NAME.toml``, not yet committed)
        yield from sorted(p for p in self.records.glob("*/[0-9][0-9][0-9][0-9]/*.toml") if not p.name.startswith("."))

    def iter_records(self) -> Iterator[Record]:
        """Every filed record. A sidecar that no longer parses raises UnreadableFileError (exit 6) naming it."""
        for path in self.sidecar_paths():
            yield read_record(path)

    def find_record(self, record_id: str) -> Record:
        for path in self.records.glob(f"*/[0-9][0-9][0-9][0-9]/{record_id}.toml"):
            return read_record(path)
        raise NotFoundError(f"No record with id {record_id}.", hint="List records with `archiver log`.")

    # Locking -------------------------------------------------------------------------
    @contextmanager
    def lock(self, name: str = "filing", purpose: str = "") -> Iterator[None]:
        """Hold an exclusive lock for this archive; refuse at once when another process has it."""
        path = self.state / f"{name}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        _HELD_LOCKS.add(fd)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                hint = (
                    "Only one watcher or ingest runs per archive. Stop the other one, or leave the filing to it."
                    if name == "filing" else f"Wait until {holder} has finished, then run the command again."
                )
                raise LockedError(f"The archive {self.root} is busy: {holder} holds its {name} lock.", hint=hint) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{purpose or 'archiver'} (pid {os.getpid()})".encode(), 0)
            yield
        finally:
            _HELD_LOCKS.discard(fd)
            os.close(fd)


# The lock files this process has open. A child it forks (a build's analysis workers,
# its hashing child) closes its copies at once: a lock is held by its process alone, and
# ends with it even while such a child lives on a moment.
_HELD_LOCKS: set[int] = set()


def _close_locks_in_child() -> None:
    for fd in _HELD_LOCKS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_locks_in_child)


def check_folders(root: Path) -> None:
    """Every folder of :data:`OWN_FOLDERS` that exists is a real folder inside ``root``.

    A symbolic link there would make the archive write outside itself (a rejected scan
    into another folder, a record into someone else's tree): every command refuses.
    """
    for rel in OWN_FOLDERS:
        path = root / rel
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue  # its parent is not a folder: reported for the parent
        if stat.S_ISLNK(info.st_mode):
            what = f"a symbolic link (to {os.readlink(path)!r})"
        elif not stat.S_ISDIR(info.st_mode):
            what = "not a folder"
        else:
            continue
        raise IntegrityError(
            f"The archive folder {path} is {what}: the archive's own folders must be real folders inside "
            f"{root}. Nothing was done.",
            hint=f"Replace {rel} by a real folder (move its contents into it), then run the command again.",
        )


# Sidecars ------------------------------------------------------------------------------
SIDECAR_HEADER = (
    "# 归档文件元数据 · record sidecar, written by archiver when the document was filed.\n"
    "# The PDF beside this file is the scan; sha256 below is its checksum (Art. 22–23).\n"
    "# retention: the retention class that applies (Art. 17); retention_declared: the one the\n"
    "# scan's metadata named (empty: none, the document type's class applies).\n"
)
# The record's retention class is kept twice over in a sidecar: what applies (``retention``)
# and what the scan's metadata declared (``retention_declared``, "" when nothing was). A
# sidecar written before the split has only ``retention``: it is read as declaring what
# applies, as those versions read it.
DECLARED = "retention_declared"


def record_to_dict(record: Record) -> dict[str, Any]:
    """The record as its sidecar's TOML table (dates as TOML dates)."""
    data: dict[str, Any] = {"id": record.id}
    for key, value in metadata_to_dict(record.meta).items():
        if key != "retention":
            data[key] = value
        if key == "classification":  # the retention class beside the classification, as before
            data["retention"] = record.retention
            data[DECLARED] = record.meta.retention
    data.setdefault("retention", record.retention)
    data.setdefault(DECLARED, record.meta.retention)
    data["file"] = {
        "name": record.file.name,
        "sha256": record.file.sha256,
        "size": record.file.size,
        "page_count": record.file.page_count,
    }
    if record.file.active_content:
        data["file"]["active_content"] = list(record.file.active_content)
    data["filing"] = {
        "source": record.filing.source,
        "source_size": record.filing.source_size,
        "source_mtime_ns": record.filing.source_mtime_ns,
        "metadata_source": record.filing.metadata_source,
        "filed_at": record.filing.filed_at,
        "filed_by": record.filing.filed_by,
    }
    return data


def record_from_dict(data: dict[str, Any], path: Path) -> Record:
    """The record of a sidecar's TOML table (either form: with or without
    ``retention_declared``); ``path`` is the sidecar's (or the PDF's) path."""
    period = data.get("period")
    applies = data["retention"]
    meta = Metadata(
        customer=data["customer"],
        type=data["type"],
        date=data["date"],
        title=data["title"],
        doc_no=data.get("doc_no", ""),
        responsible=data.get("responsible", ""),
        classification=data.get("classification", "ordinary"),
        retention=data.get(DECLARED, applies),
        sides=data.get("sides", "duplex"),
        pages=data.get("pages"),
        copies=data.get("copies"),
        group=data.get("group", ""),
        role=data.get("role", ""),
        kind=data.get("kind", ""),
        period=(period[0], period[1]) if period else None,
        notes=data.get("notes", ""),
    )
    f, g = data["file"], data["filing"]
    return Record(
        id=data["id"],
        meta=meta,
        retention=applies,
        file=FileInfo(name=f["name"], sha256=f["sha256"], size=f["size"], page_count=f["page_count"],
                      active_content=tuple(f.get("active_content", ()))),
        filing=FilingInfo(
            source=g["source"],
            source_size=g["source_size"],
            source_mtime_ns=g["source_mtime_ns"],
            metadata_source=g["metadata_source"],
            filed_at=g["filed_at"],
            filed_by=g["filed_by"],
        ),
        path=path.with_name(f["name"]),
    )


def read_record(sidecar: Path) -> Record:
    try:
        data = tomllib.loads(sidecar.read_text("utf-8"))
        record = record_from_dict(data, sidecar)
        if not isinstance(record.meta.date, dt.date):
            raise TypeError("date is not a date")
        return record
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError, IndexError) as exc:
        raise UnreadableFileError(
            f"The sidecar {sidecar} cannot be read ({type(exc).__name__}: {exc}).",
            hint="Restore it from backup or correct it by hand; `archiver audit` lists such files.",
        ) from None


def sidecar_text(record: Record) -> str:
    return SIDECAR_HEADER + tomli_w.dumps(record_to_dict(record))


def write_record(record: Record, *, sync_dir: bool = True) -> None:
    """Write the record's sidecar atomically (``sync_dir=False``: the caller fsyncs its folder)."""
    write_text_atomic(record.sidecar_path, sidecar_text(record), sync_dir=sync_dir)
