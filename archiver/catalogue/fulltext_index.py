"""The full-text index of a catalogue folder: reading the stored texts, keeping what was
indexed, and writing only the index files that change (the rules: :mod:`.fulltext`).

Called by the catalogue build (:func:`update`) after the pages are written, with the
documents of the customers it made again (:func:`.fulltext.describe` of each customer's
part); the customers it kept are taken from what this module remembers of the folder.

Kept in ``.archiver/catalogue-fulltext/`` (JSON; only copies — delete at will, the next
build then writes the whole index again):

* ``numbers.json`` — the number of every document ever indexed. A number is never
  given to another document, so a build into an empty folder gives the same files, byte
  for byte, as a build brought up to date one document at a time;
* ``texts/<sha256[:2]>/<sha256>.json`` — each stored text file read, by the checksum of
  its bytes: its pages' texts in normal form (a text file read once is never parsed
  again);
* ``site-<folder hash>.json`` — for one catalogue folder: its shard count, what each
  indexed document was made from (number, text checksum, the text file's stamp, a
  signature of its index entry, the checksum of its file), each customer's documents
  (:class:`.fulltext.Source`) and the checksum of each shard.

A build then re-reads only text files whose stamp changed, writes the file of each
document that changed and the shards of the keys those documents gained or lost, and
keeps every other index file as it is (bytes and modification time). Anything that does
not match (the folder was built from another state, a shard was changed by hand, the
shard count grows) and the whole index is written again (files with the same bytes are
still not rewritten).

Stored texts are read through :func:`archiver.ocr.store.read_text` (the format:
``docs/text-format.md``); a text file whose ``record_sha256`` is not its record's is
stale and ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import IntegrityError, NotFoundError
from ..ocr.store import read_text, text_path
from .fulltext import (
    META_PATH,
    Filters,
    IndexDoc,
    Result,
    Source,
    decode_postings,
    doc_path,
    doc_script,
    encode_postings,
    index_doc,
    index_files,
    meta_data,
    meta_script,
    page_text,
    parse_script,
    parse_shard,
    search,
    shard_count,
    shard_of,
    shard_path,
    shard_script,
)
from .output import SiteOutput

log = logging.getLogger("archiver.catalogue")
DIR = "catalogue-fulltext"
VERSION = 1
Stamp = tuple[int, int, int]


def read_pages(record_pdf: Path, record_sha256: str) -> list[tuple[int, str]] | None:
    """The pages' texts (page, normal form) of a record's stored text, or None when it
    has none, it cannot be read, or it is stale (made from other bytes than the record's):
    :func:`archiver.ocr.store.read_text`."""
    text = read_text(record_pdf, record_sha256)
    if text is None:
        return None
    out = []
    for page in text.pages:
        if page.status == "ok":
            normal = page_text(line.text for line in page.lines)
            if normal:
                out.append((page.page, normal))
    return out


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _digest(value: object) -> str:
    return hashlib.blake2b(json.dumps(value, ensure_ascii=False).encode(), digest_size=16).hexdigest()


@dataclass
class Indexed:
    """What one indexed document was made from."""

    number: int
    text: str  # sha256 of its text file
    stamp: Stamp | None  # of its text file
    record_sha256: str
    signature: str  # of everything its index entry shows (number, text, source)
    pages: int  # pages with text
    file: str = ""  # sha256 of its document file

    def as_json(self) -> list[Any]:
        return [self.number, self.text, list(self.stamp) if self.stamp else None, self.record_sha256,
                self.signature, self.pages, self.file]

    @classmethod
    def from_json(cls, row: list[Any]) -> Indexed:
        return cls(int(row[0]), str(row[1]), tuple(row[2]) if row[2] else None, str(row[3]),
                   str(row[4]), int(row[5]), str(row[6]))


@dataclass
class Index:
    """What the index of one catalogue folder holds (see the module)."""

    state: Path  # the archive's state folder
    folder: Path  # the catalogue folder
    shards: int = 0
    docs: dict[str, Indexed] = field(default_factory=dict)
    sources: dict[str, list[Source]] = field(default_factory=dict)  # by customer
    shard_files: dict[int, str] = field(default_factory=dict)  # sha256 of each shard file

    @property
    def path(self) -> Path:
        return self.state / DIR / f"site-{hashlib.blake2b(str(self.folder).encode(), digest_size=8).hexdigest()}.json"

    @classmethod
    def load(cls, state: Path, folder: Path) -> Index:
        index = cls(state, folder.resolve())
        try:
            data = json.loads(index.path.read_text("utf-8"))
            if data.get("version") != VERSION or data.get("folder") != str(index.folder):
                return index
            index.shards = int(data["shards"])
            index.docs = {str(k): Indexed.from_json(v) for k, v in data["docs"].items()}
            index.sources = {str(c): [Source.from_json(r) for r in rows] for c, rows in data["sources"].items()}
            index.shard_files = {int(k): str(v) for k, v in data["shard_files"].items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.info("ignoring the full-text state %s: %s", index.path, exc)
            return cls(state, folder.resolve())
        return index

    def knows(self, code: str) -> bool:
        """Whether the documents of this customer are remembered (else it must be made again)."""
        return code in self.sources

    def save(self) -> None:
        """Write the state, unless it is what is on disk already."""
        data = {"version": VERSION, "folder": str(self.folder), "shards": self.shards,
                "docs": {rid: d.as_json() for rid, d in sorted(self.docs.items())},
                "sources": {c: [s.as_json() for s in rows] for c, rows in sorted(self.sources.items())},
                "shard_files": {str(k): v for k, v in sorted(self.shard_files.items())}}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        try:
            if self.path.read_text("utf-8") == text:
                return
        except (OSError, ValueError):
            pass
        write_text_atomic(self.path, text)


class Numbers:
    """Every document's number, given once (``numbers.json``)."""

    def __init__(self, state: Path) -> None:
        self.path = state / DIR / "numbers.json"
        self.numbers: dict[str, int] = {}
        self.next = 0
        self.changed = False
        try:
            data = json.loads(self.path.read_text("utf-8"))
            if data.get("version") == VERSION:
                self.numbers = {str(k): int(v) for k, v in data["numbers"].items()}
                self.next = max(int(data["next"]), max(self.numbers.values(), default=-1) + 1)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.info("ignoring the full-text numbers %s: %s", self.path, exc)

    def of(self, record: str) -> int:
        n = self.numbers.get(record)
        if n is None:
            n = self.numbers[record] = self.next
            self.next += 1
            self.changed = True
        return n

    def save(self) -> None:
        if self.changed:
            write_text_atomic(self.path, json.dumps({"version": VERSION, "next": self.next,
                                                     "numbers": dict(sorted(self.numbers.items()))},
                                                    ensure_ascii=False, separators=(",", ":")))


class Texts:
    """The pages' texts of stored text files, by the checksum of the file's bytes."""

    def __init__(self, state: Path) -> None:
        self.folder = state / DIR / "texts"
        self.loaded: dict[str, list[tuple[int, str]]] = {}

    def path(self, sha: str) -> Path:
        return self.folder / sha[:2] / f"{sha}.json"

    def read(self, record_pdf: Path, record_sha256: str) -> str:
        """Read a record's text file: the checksum of its bytes ("" when there is no
        usable text), its pages kept for :meth:`pages`."""
        path = text_path(record_pdf)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            log.warning("full-text index: %s cannot be read (%s)", path, exc)
            return ""
        sha = hashlib.sha256(data).hexdigest()
        cached = self._cached(sha)
        if cached is not None and cached[0] == record_sha256:
            self.loaded[sha] = cached[1]
            return sha if cached[1] else ""
        pages = read_pages(record_pdf, record_sha256)
        if not pages:
            return ""
        self.loaded[sha] = pages
        write_text_atomic(self.path(sha), json.dumps({"version": VERSION, "record_sha256": record_sha256,
                                                       "pages": pages}, ensure_ascii=False))
        return sha

    def _cached(self, sha: str) -> tuple[str, list[tuple[int, str]]] | None:
        try:
            data = json.loads(self.path(sha).read_text("utf-8"))
            if data.get("version") == VERSION:
                return str(data["record_sha256"]), [(int(p), str(t)) for p, t in data["pages"]]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.info("ignoring the full-text cache %s: %s", self.path(sha), exc)
        return None

    def pages(self, sha: str) -> list[tuple[int, str]] | None:
        if sha not in self.loaded:
            cached = self._cached(sha)
            if cached is None:
                return None
            self.loaded[sha] = cached[1]
        return self.loaded[sha]


@dataclass
class Update:
    documents: int  # documents in the index
    pages: int  # pages with text
    written: int  # index files written this build
    full: bool  # the whole index was made again
    bytes: int  # size of every index file


class _Missing(Exception):
    """A text the incremental update needs is no longer cached: the index is made again."""


def update(output: SiteOutput, index: Index, fresh: Mapping[str, list[Source]], codes: Iterable[str],
           types: Mapping[str, str]) -> Update:
    """Bring the full-text index of ``output``'s folder up to date: ``fresh`` are the
    documents of the customers made again (by customer), ``codes`` every customer of the
    site (the others' documents are those ``index`` remembers); ``types`` the document
    type names by code (the filters' labels)."""
    state = index.state
    numbers = Numbers(state)
    texts = Texts(state)
    sources = {c: list(fresh[c]) if c in fresh else index.sources.get(c, []) for c in sorted(set(codes))}
    before = len(output.changed)

    now: dict[str, Indexed] = {}
    source_of: dict[str, Source] = {}
    for code, rows in sources.items():
        for s in rows:
            stamp = _stamp(text_path(Path(s.record_pdf)))
            prior = index.docs.get(s.record)
            if (prior is not None and stamp is not None and prior.stamp == stamp
                    and prior.record_sha256 == s.record_sha256):
                sha = prior.text
            else:
                sha = texts.read(Path(s.record_pdf), s.record_sha256) if stamp is not None else ""
            if not sha:
                continue
            n = numbers.of(s.record)
            if prior is not None and code not in fresh and prior.text == sha:
                signature, n_pages = prior.signature, prior.pages
            else:
                signature = _digest([n, sha, s.as_json()])
                got = texts.pages(sha)
                n_pages = len(got) if got else 0
            now[s.record] = Indexed(n, sha, stamp, s.record_sha256, signature, n_pages)
            source_of[s.record] = s
    shards = shard_count(len(now))
    old_sources = {s.record: s for rows in index.sources.values() for s in rows}

    def document(rid: str, entry: Indexed, source: Source) -> IndexDoc:
        pages = texts.pages(entry.text)
        if pages is None:
            raise _Missing(rid)
        return source.document(entry.number, pages)

    full = index.shards != shards or not _shards_in_place(output, index)
    if not full:
        try:
            _incremental(output, index, now, source_of, old_sources, document)
        except _Missing as exc:
            log.info("full-text index: the text of %s is no longer cached; writing the whole index", exc)
            full = True
    if full:
        ordered = sorted(now.items(), key=lambda item: item[1].number)
        docs = (document(rid, e, source_of[rid]) for rid, e in ordered)
        for rel, data in index_files(docs, len(ordered), types):
            if rel != META_PATH:
                output.page(rel, data)
        for e in now.values():
            e.file = output.written[doc_path(e.number)].sha256
    meta = meta_data(shards, [(source_of[rid].type, source_of[rid].year, e.pages) for rid, e in now.items()], types)
    output.page(META_PATH, meta_script(meta))

    index.shards = shards
    index.docs = now
    index.sources = sources
    index.shard_files = {k: output.written[shard_path(k)].sha256 for k in range(shards)}
    numbers.save()
    index.save()
    size = sum(_size(output, rel) for rel in [META_PATH, *(shard_path(k) for k in range(shards)),
                                              *(doc_path(e.number) for e in now.values())])
    return Update(documents=len(now), pages=meta["pages"], written=len(output.changed) - before, full=full,
                  bytes=size)


def _size(output: SiteOutput, rel: str) -> int:
    try:
        return os.stat(output.folder / rel).st_size
    except FileNotFoundError:
        return 0


def _shards_in_place(output: SiteOutput, index: Index) -> bool:
    """The folder holds the shards the state describes, as they were written."""
    for k in range(index.shards):
        rel = shard_path(k)
        entry = output.previous.get(rel)
        if entry is None or rel not in output.existing or not entry.sha256 or entry.sha256 != index.shard_files.get(k):
            return False
    return True


def _incremental(output: SiteOutput, index: Index, now: dict[str, Indexed], source_of: Mapping[str, Source],
                 old_sources: Mapping[str, Source], document: Callable[[str, Indexed, Source], IndexDoc]) -> None:
    """Write the files of the documents that changed and the shards of the keys they
    gained or lost; keep every other index file."""
    gained: dict[str, list[int]] = {}
    lost: dict[str, list[int]] = {}
    changed_files: list[tuple[str, bytes, Indexed]] = []
    for rid, e in now.items():
        old = index.docs.get(rid)
        if old is not None and old.signature == e.signature:
            rel = doc_path(e.number)
            prev = output.previous.get(rel)
            if prev is not None and rel in output.existing and prev.sha256 == old.file:
                e.file = old.file
                continue
        doc = document(rid, e, source_of[rid])
        changed_files.append((doc_path(e.number), doc_script(doc), e))
        new_keys = doc.index_keys()
        old_keys: set[str] = set()
        if old is not None and rid in old_sources:
            old_keys = document(rid, old, old_sources[rid]).index_keys()
        for key in new_keys - old_keys:
            gained.setdefault(key, []).append(e.number)
        for key in old_keys - new_keys:
            lost.setdefault(key, []).append(old.number if old is not None else e.number)
    for rid, old in index.docs.items():
        if rid not in now:
            if rid not in old_sources:
                raise _Missing(rid)
            for key in document(rid, old, old_sources[rid]).index_keys():
                lost.setdefault(key, []).append(old.number)

    for rel, data, e in changed_files:
        output.page(rel, data)
        e.file = output.written[rel].sha256
    for e in now.values():
        rel = doc_path(e.number)
        if rel not in output.written:
            output.keep([rel])
    touched: dict[int, list[str]] = {}
    for key in set(gained) | set(lost):
        touched.setdefault(shard_of(key, index.shards), []).append(key)
    for k in range(index.shards):
        rel = shard_path(k)
        if k not in touched:
            output.keep([rel])
            continue
        _call, args = parse_script((output.folder / rel).read_bytes())
        table = parse_shard(str(args[1]))
        for key in touched[k]:
            numbers = set(decode_postings(table.get(key, ""))) - set(lost.get(key, ())) | set(gained.get(key, ()))
            if numbers:
                table[key] = encode_postings(sorted(numbers))
            else:
                table.pop(key, None)
        output.page(rel, shard_script(k, table))


class SiteIndex:
    """The full-text index of a catalogue folder, read the way the browser reads it
    (meta, the shards asked for, the documents looked at): for ``archiver search``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        meta = self._read(META_PATH, missing=True)
        if not isinstance(meta, dict) or meta.get("version") != 1:
            raise IntegrityError(f"The full-text index {folder / META_PATH} is of another version.",
                                 hint=f"Run `archiver site --out {folder}` to write it again.")
        self.meta: dict[str, Any] = meta
        self.shards = int(meta["shards"])
        self._shards: dict[int, dict[str, str]] = {}

    def _read(self, rel: str, *, missing: bool = False) -> Any:
        path = self.folder / rel
        try:
            _call, args = parse_script(path.read_bytes())
            return args[-1]
        except FileNotFoundError:
            if missing:
                raise NotFoundError(f"There is no full-text index in {self.folder} yet.",
                                    hint="Run `archiver site` (with --out, for another folder) to write the "
                                         "catalogue and its index; stored texts come from `archiver ocr`.") from None
            raise IntegrityError(f"The full-text index file {path} is missing.",
                                 hint=f"Run `archiver site --out {self.folder}` to write the index again.") from None
        except (OSError, ValueError, IndexError) as exc:
            raise IntegrityError(f"The full-text index file {path} cannot be read ({exc}).",
                                 hint=f"Run `archiver site --out {self.folder}` to write the index again.") from None

    def shard(self, k: int) -> dict[str, str]:
        if k not in self._shards:
            table = self._read(shard_path(k))
            self._shards[k] = parse_shard(table) if isinstance(table, str) else {}
        return self._shards[k]

    def doc(self, n: int) -> IndexDoc:
        try:
            return index_doc(n, self._read(doc_path(n)))
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"The full-text index file {self.folder / doc_path(n)} is damaged ({exc}).",
                                 hint=f"Run `archiver site --out {self.folder}` to write the index again.") from None

    def search(self, query: str, filters: Filters, limit: int = 20) -> Result:
        return search(query, filters, self.shard, self.doc, self.shards, limit)


def forget(state: Path, records: Iterable[str]) -> list[Path]:
    """Destroyed means destroyed (Art. 29): remove every copy the index made of these
    records' texts — their cached texts, their document files in every catalogue folder
    indexed — and what each folder's state says of them (the next build of a folder then
    writes its whole index again, without them). Returns the files removed."""
    gone = set(records)
    folder = state / DIR
    removed: list[Path] = []
    if not gone or not folder.is_dir():
        return removed
    texts = Texts(state)
    doomed: set[str] = set()
    for path in sorted(folder.glob("site-*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
            site = Path(str(data["folder"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("removing the unreadable full-text state %s: %s", path, exc)
            path.unlink(missing_ok=True)
            continue
        index = Index.load(state, site)
        hit = gone & set(index.docs)
        if not hit and not any(s.record in gone for rows in index.sources.values() for s in rows):
            continue
        for rid in hit:
            entry = index.docs.pop(rid)
            doomed.add(entry.text)
            target = site / doc_path(entry.number)
            if target.is_file():
                target.unlink()
                removed.append(target)
        index.sources = {c: [s for s in rows if s.record not in gone] for c, rows in index.sources.items()}
        index.shards = 0  # its shards still name the numbers: written again in full
        index.save()
    keep = {e.text for path in folder.glob("site-*.json") for e in _entries(path)}
    for sha in sorted(doomed - keep):
        target = texts.path(sha)
        if target.is_file():
            target.unlink()
            removed.append(target)
    return removed


def _entries(path: Path) -> list[Indexed]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return [Indexed.from_json(v) for v in data["docs"].values()]
    except (OSError, ValueError, KeyError, TypeError):
        return []
