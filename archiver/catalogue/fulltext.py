"""Full-text search of the catalogue: the rules, as pure functions (no file is read or
written here; :mod:`.fulltext_index` does the I/O, ``assets/fulltext.js`` the same
rules in the browser, ``archiver search`` the same rules on the command line).

Text. A page's text (the stored text of its record, :mod:`archiver.ocr`) is kept in
one *normal form* (:func:`normalize`): NFKC (full-width letters and digits become
ASCII), lower case, runs of white space one space, and no space at all between two
Chinese characters (Chinese is written without spaces; a line break or a space the
recogniser put between two characters is not part of the text).

Keys. A page is indexed under (:func:`text_keys`):

* every pair of adjacent Chinese characters (a *bigram*: 减速器 → 减速, 速器);
* every single Chinese character (for one-character queries);
* every word of Latin letters and digits (``iso9001``, ``2025``), whole.

A query term gives the keys it must have (:func:`term_keys`): its bigrams — or its one
character, when it is one character long — and its words. The documents under all of
them are *candidates*; a candidate is a hit only where the term itself stands in a
page's text (:func:`find_term`), so 减速器 never matches a page holding 减速 and 速器
apart, and a two-character name finds exactly the pages where it stands. Words match
whole: ``9001`` does not find ``iso9001``.

Filters are keys too: ``#c:<customer>``, ``#y:<year>``, ``#t:<type code>``
(:func:`facet_keys`) — a filter is one more list of documents to intersect.

Index files (site paths under ``fulltext/``; scripts, not JSON, so a page opened from
``file://`` may load them with ``<script src>``):

* ``fulltext/meta.js`` — version, shard count, document and page counts, the
  document types and years (for the filters);
* ``fulltext/keys/<k>.js`` — shard *k*: every key whose :func:`shard_of` is *k*, with
  the documents it is found in (:func:`encode_postings`). A query loads the shards of
  its own keys only;
* ``fulltext/docs/<n // 1000>/<n>.js`` — document *n*: customer, title, reference code
  (档号), its page and PDF in the site, and for each page with text: the page of the
  record, the page of the linked PDF, the stamped page number (页号) and the text. A
  query loads the documents it shows, to confirm a hit and make its snippet.

Documents are numbered once and keep their number (:mod:`.fulltext_index`), so a new
document changes only the shards of its own keys. Art. 24: only documents the
catalogue shows with a page of their own are described here at all; a restricted
document contributes nothing to any file.
"""

from __future__ import annotations

import functools
import json
import operator
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ..model import Record
from ..volumes.manifest import VolumeDocument, VolumeManifest
from .views import CustomerPart

VERSION = 1
GLOBAL = "ARCHIVER_FT"
FOLDER = "fulltext"
DOCS_PER_FOLDER = 1000
MIN_SHARDS = 1
MAX_SHARDS = 4096
DOCS_PER_SHARD = 24  # shards grow (by powers of two) with the number of documents
MAX_WORD = 40  # longer runs of letters and digits are not indexed (hashes, garbage)


# Text ------------------------------------------------------------------------------------
def is_cjk(ch: str) -> bool:
    """A character written without spaces around it: Han (CJK ideographs, extensions A–G,
    compatibility ideographs), kana and hangul."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x3040 <= o <= 0x30FF
            or 0xAC00 <= o <= 0xD7AF or 0x20000 <= o <= 0x323AF or o == 0x3007)


def is_word(ch: str) -> bool:
    """A character of a Latin (or other spaced script) word: a letter or digit, not CJK."""
    return ch.isalnum() and not is_cjk(ch)


SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The normal form pages are stored in and queries are matched in (see the module)."""
    text = SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()
    if " " not in text:
        return text
    parts = text.split(" ")
    out = [parts[0]]
    for part in parts[1:]:
        if out[-1] and part and is_cjk(out[-1][-1]) and is_cjk(part[0]):
            out[-1] += part
        else:
            out.append(part)
    return " ".join(out)


def page_text(lines: Iterable[str]) -> str:
    """One page's text in normal form, from its lines in reading order."""
    return normalize("\n".join(lines))


CJK = "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U000323af"
RUNS = re.compile(f"([{CJK}]+)|((?:(?![{CJK}])[^\\W_])+)")  # a run of Chinese, or of letters and digits


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is_cjk, run) for each run of Chinese characters or of word characters."""
    for m in RUNS.finditer(text):
        cjk = m.group(1)
        yield (True, cjk) if cjk else (False, m.group(2))


def text_keys(text: str) -> set[str]:
    """Every key a page of this (normal form) text is found under."""
    keys: set[str] = set()
    for m in RUNS.finditer(text):
        run = m.group(1)
        if run:
            keys.update(run)
            keys.update(map(operator.add, run, run[1:]))
        elif len(word := m.group(2)) <= MAX_WORD:
            keys.add(word)
    return keys


def query_terms(query: str) -> list[str]:
    """The terms of a query (separated by spaces; a document is a hit when its text holds
    every one), in normal form, each once."""
    terms: list[str] = []
    for raw in SPACES.split(query.strip()):
        term = normalize(raw)
        if term and term not in terms and term_keys(term):
            terms.append(term)
    return terms


def term_keys(term: str) -> list[str]:
    """The keys a page must have to hold ``term``: its bigrams (its character, when a run
    of Chinese is one character long) and its words."""
    keys: list[str] = []
    for cjk, run in _runs(term):
        if not cjk:
            found = [run] if len(run) <= MAX_WORD else []
        elif len(run) == 1:
            found = [run]
        else:
            found = [run[i:i + 2] for i in range(len(run) - 1)]
        keys += [k for k in found if k not in keys]
    return keys


def facet_keys(customer: str, year: int | str, type_code: str) -> list[str]:
    """The filter keys of a document: its customer, filing year and document type."""
    return [f"#c:{customer}", f"#y:{year}", f"#t:{type_code}"]


def _bounded(text: str, at: int, term: str) -> bool:
    """A term starting or ending with a word character stands there as a whole word."""
    end = at + len(term)
    if is_word(term[0]) and at > 0 and is_word(text[at - 1]):
        return False
    return not (is_word(term[-1]) and end < len(text) and is_word(text[end]))


def find_term(text: str, term: str, start: int = 0) -> int:
    """Where ``term`` stands in ``text`` (both in normal form) from ``start``, or -1."""
    at = text.find(term, start)
    while at >= 0 and not _bounded(text, at, term):
        at = text.find(term, at + 1)
    return at


def marks(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """The (start, end) spans of every term in ``text``, merged, in order."""
    spans = []
    for term in terms:
        at = find_term(text, term)
        while at >= 0:
            spans.append((at, at + len(term)))
            at = find_term(text, term, at + len(term))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


BEFORE, AFTER = 24, 48  # characters of context around the first mark


def snippet(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """A short piece of ``text`` around its first hit, as (text, marked) parts; "…"
    where it was cut."""
    spans = marks(text, terms)
    if not spans:
        return []
    start = max(0, spans[0][0] - BEFORE)
    end = min(len(text), spans[0][1] + AFTER)
    parts: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for s, e in spans:
        if s >= end:
            break
        if s > at:
            parts.append((text[at:s], False))
        parts.append((text[s:min(e, end)], True))
        at = min(e, end)
    if at < end:
        parts.append((text[at:end], False))
    if end < len(text):
        parts.append(("…", False))
    return parts


# Shards ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1 << 20)
def key_hash(key: str) -> int:
    """FNV-1a over the key's code points, then MurmurHash3's finaliser (fulltext.js
    computes the same)."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def shard_of(key: str, shards: int) -> int:
    return key_hash(key) & (shards - 1)


def shard_count(documents: int) -> int:
    """Shards for this many documents: a power of two, so a shard holds the keys of about
    :data:`DOCS_PER_SHARD` documents' worth of text (it changes only when the number of
    documents doubles — then every shard is written again)."""
    n = MIN_SHARDS
    while n < MAX_SHARDS and n * DOCS_PER_SHARD < documents:
        n *= 2
    return n


def shard_path(k: int) -> str:
    return f"{FOLDER}/keys/{k}.js"


def doc_path(n: int) -> str:
    return f"{FOLDER}/docs/{n // DOCS_PER_FOLDER}/{n}.js"


META_PATH = f"{FOLDER}/meta.js"

# Postings: ascending document numbers, as the first number and then each gap less one,
# each a little-endian varint of base64url digits (5 bits a digit; a digit of 32 or
# more says another follows). A list where that is longer than a bitmap of its range is
# written as "~" and the bitmap (6 documents a digit, lowest bit first).
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DIGIT = {ch: i for i, ch in enumerate(ALPHABET)}


def encode_postings(numbers: Sequence[int]) -> str:
    """``numbers``: ascending, distinct, ≥ 0."""
    out: list[str] = []
    add = out.append
    last = -1
    for n in numbers:
        gap = n - last - 1
        last = n
        while gap >= 32:
            add(ALPHABET[32 | (gap & 31)])
            gap >>= 5
        add(ALPHABET[gap])
    varints = "".join(out)
    if not numbers or len(varints) <= numbers[-1] // 6 + 2:
        return varints
    bits = [0] * (numbers[-1] // 6 + 1)
    for n in numbers:
        bits[n // 6] |= 1 << (n % 6)
    return "~" + "".join(ALPHABET[b] for b in bits)


def decode_postings(text: str) -> list[int]:
    if text.startswith("~"):
        return [i * 6 + b for i, ch in enumerate(text[1:]) for b in range(6) if DIGIT[ch] >> b & 1]
    out = []
    last, value, shift = -1, 0, 0
    for ch in text:
        d = DIGIT[ch]
        value |= (d & 31) << shift
        if d & 32:
            shift += 5
            continue
        last += value + 1
        out.append(last)
        value, shift = 0, 0
    return out


def intersect(lists: Iterable[Sequence[int]]) -> list[int]:
    """The numbers in every list (ascending)."""
    ordered = sorted(lists, key=len)
    if not ordered:
        return []
    out = list(ordered[0])
    for other in ordered[1:]:
        have = set(other)
        out = [n for n in out if n in have]
    return out


# Documents -------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndexPage:
    page: int  # page of the record, from 1
    pdf_page: int  # page of the linked PDF (the volume's, when it is bound and served)
    stamped: int | None  # the page number stamped on it in its volume (页号), None if unbound or unnumbered
    text: str  # normal form


@dataclass(frozen=True)
class IndexDoc:
    """A document as the index shows it: only what the catalogue shows anyway."""

    number: int
    record: str  # record id
    customer: str
    customer_name: str
    year: int
    type: str  # document type code
    title: str
    reference: str  # 档号 of its volume ("" when not bound)
    page: str  # site path of its page
    pdf: str  # site path of the PDF its hits open ("" when none is served)
    in_volume: bool  # ``pdf`` is its volume's
    pages: tuple[IndexPage, ...]

    def index_keys(self) -> set[str]:
        keys = set(facet_keys(self.customer, self.year, self.type))
        for p in self.pages:
            keys |= text_keys(p.text)
        return keys


def record_pages_in_volume(document: VolumeDocument, pages: int) -> list[tuple[int, int | None]]:
    """For each page of a bound record (1…``pages``): its page in the volume PDF and the
    page number stamped on it (页号; None for a blank page, which is left unnumbered,
    Art. 16). The record's pages lie in order from ``pdf_first``, with a blank back
    inserted after each page of a simplex scan (``inserted_backs``)."""
    inserted = set(document.inserted_backs)
    blank = set(document.blank_pages)
    out: list[tuple[int, int | None]] = []
    position = document.pdf_first
    number = document.first_page
    while len(out) < pages and position <= document.pdf_last:
        if position not in inserted:
            if position in blank or number is None:
                out.append((position, None))
            else:
                out.append((position, number))
                number += 1
        position += 1
    return out


@dataclass(frozen=True)
class Source:
    """What the catalogue shows of one document, for the index (kept between builds as JSON)."""

    record: str
    customer: str
    customer_name: str
    year: int
    type: str
    title: str
    reference: str  # 档号 of its volume, "" when not bound
    page: str  # site path of its page
    pdf: str  # site path of the PDF its hits open, "" when none is served
    in_volume: bool  # ``pdf`` is the volume's
    record_pdf: str  # the record's PDF in the archive (its stored text lies beside it)
    record_sha256: str
    pages: tuple[tuple[int, int | None], ...]  # per page of the record: (page in ``pdf``, stamped 页号 or None)

    def as_json(self) -> list[Any]:
        return [getattr(self, f.name) for f in fields(self)]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> Source:
        values = dict(zip([f.name for f in fields(cls)], row, strict=True))
        values["pages"] = tuple((int(a), None if b is None else int(b)) for a, b in values["pages"])
        return cls(**values)

    def document(self, number: int, texts: Iterable[tuple[int, str]]) -> IndexDoc:
        """The indexed document, with its pages' texts ((page of the record, normal-form
        text); pages without text left out)."""
        pages = []
        for page, text in texts:
            if text and 1 <= page <= len(self.pages):
                pdf_page, stamped = self.pages[page - 1]
                pages.append(IndexPage(page, pdf_page, stamped, text))
        return IndexDoc(number=number, record=self.record, customer=self.customer,
                        customer_name=self.customer_name, year=self.year, type=self.type, title=self.title,
                        reference=self.reference, page=self.page, pdf=self.pdf, in_volume=self.in_volume,
                        pages=tuple(pages))


def describe(part: CustomerPart, records: Iterable[Record], manifests: Iterable[VolumeManifest]) -> list[Source]:
    """The documents of one customer's part of the site that the index may hold: those
    the catalogue shows with a page of their own — never a restricted one (Art. 24) —
    and where their hits lead: the volume PDF at the page where the record's page is
    bound, when the volume is shown and its PDF served; else the record's own PDF."""
    by_id = {r.id: r for r in records}
    volumes = {v.reference: v for v in part.volumes}
    bound = {(m.reference, d.record): d for m in manifests for d in m.documents}
    out = []
    for d in part.documents:
        r = by_id.get(d.id)
        if d.restricted or d.page is None or r is None:
            continue
        n = r.file.page_count
        pages: list[tuple[int, int | None]] = [(i, None) for i in range(1, n + 1)]
        pdf, in_volume, reference = d.pdf or "", False, ""
        if d.binding is not None:
            reference = d.binding.volume
            v = volumes.get(reference)
            placed = bound.get((reference, d.id))
            if placed is not None:
                in_pdf = record_pages_in_volume(placed, n)
                stamped = [s for _p, s in in_pdf] + [None] * (n - len(in_pdf))
                if v is not None and not v.restricted and v.pdf and len(in_pdf) == n:
                    pdf, in_volume = v.pdf, True
                    pages = list(in_pdf)
                else:
                    pages = [(i, stamped[i - 1]) for i in range(1, n + 1)]
        out.append(Source(record=d.id, customer=d.customer, customer_name=part.entry.name, year=d.year,
                          type=d.type_code, title=d.title, reference=reference, page=d.page, pdf=pdf,
                          in_volume=in_volume, record_pdf=str(r.path), record_sha256=r.file.sha256,
                          pages=tuple(pages)))
    return out


def doc_data(doc: IndexDoc) -> dict[str, Any]:
    return {"id": doc.record, "c": doc.customer, "cn": doc.customer_name, "y": doc.year, "ty": doc.type, "t": doc.title,
            "r": doc.reference,
            "h": doc.page, "p": doc.pdf, "v": 1 if doc.in_volume else 0,
            "pg": [[p.page, p.pdf_page, p.stamped, p.text] for p in doc.pages]}


def index_doc(number: int, data: Mapping[str, Any]) -> IndexDoc:
    """The document of a ``fulltext/docs`` file (for ``archiver search``)."""
    return IndexDoc(number=number, record=str(data["id"]), customer=str(data["c"]), customer_name=str(data["cn"]),
                    year=int(data["y"]), type=str(data["ty"]), title=str(data["t"]), reference=str(data["r"]),
                    page=str(data["h"]), pdf=str(data["p"]), in_volume=bool(data["v"]),
                    pages=tuple(IndexPage(int(p[0]), int(p[1]), None if p[2] is None else int(p[2]), str(p[3]))
                                for p in data["pg"]))


def script(call: str, *args: Any) -> bytes:
    """``window.ARCHIVER_FT.<call>(args…);`` — JSON arguments, with ``<``, ``>``, ``&``
    and the two JavaScript line separators escaped, so no text can end the script."""
    payload = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for a in args)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        if ch in payload:
            payload = payload.replace(ch, esc)
    return f"{GLOBAL}.{call}({payload});\n".encode()


SCRIPT = re.compile(rb"\A" + GLOBAL.encode() + rb"\.(\w+)\((.*)\);\n\Z", re.S)


def parse_script(data: bytes) -> tuple[str, list[Any]]:
    """(call, arguments) of an index file written by :func:`script`; ValueError if not one."""
    m = SCRIPT.match(data)
    if m is None:
        raise ValueError("not a full-text index file")
    return m.group(1).decode(), json.loads(b"[" + m.group(2) + b"]")


def doc_script(doc: IndexDoc) -> bytes:
    return script("doc", doc.number, doc_data(doc))


def shard_script(k: int, table: Mapping[str, str]) -> bytes:
    """Shard *k*: its keys and their encoded postings as one string, a line each —
    ``\\n<key>\\t<postings>\\n…`` (keys hold no white space, postings only base64url
    digits) — so the browser finds a key with one ``indexOf`` and parses nothing else."""
    return script("shard", k, "\n" + "".join(f"{key}\t{table[key]}\n" for key in sorted(table)))


def parse_shard(text: str) -> dict[str, str]:
    """The keys and encoded postings of a shard's string (:func:`shard_script`)."""
    return dict(line.split("\t", 1) for line in text.split("\n") if line)


def meta_data(shards: int, docs: Iterable[tuple[str, int, int]], types: Mapping[str, str]) -> dict[str, Any]:
    """The index's summary, from each document's (type code, year, pages with text);
    ``types``: every document type's name by code, in the configuration's order."""
    docs = list(docs)
    present = {t for t, _y, _p in docs}
    return {"version": VERSION, "shards": shards, "documents": len(docs), "pages": sum(p for _t, _y, p in docs),
            "types": [[code, name] for code, name in types.items() if code in present],
            "years": sorted({y for _t, y, _p in docs}, reverse=True)}


def meta_script(meta: Mapping[str, Any]) -> bytes:
    return script("meta", dict(meta))


def index_files(docs: Iterable[IndexDoc], count: int, types: Mapping[str, str]) -> Iterator[tuple[str, bytes]]:
    """Every index file for these ``count`` documents (given in ascending number), as
    (site path, bytes): each document's file as it comes, then the shards and the summary
    (a build from nothing; the postings are kept compactly, 4 bytes each)."""
    shards = shard_count(count)
    postings: dict[str, array[int]] = {}
    summary: list[tuple[str, int, int]] = []
    for doc in docs:
        yield doc_path(doc.number), doc_script(doc)
        summary.append((doc.type, doc.year, len(doc.pages)))
        n = doc.number
        for key in doc.index_keys():
            numbers = postings.get(key)
            if numbers is None:
                numbers = postings[key] = array("I")
            numbers.append(n)
    by_shard: list[list[str]] = [[] for _ in range(shards)]
    for key in postings:
        by_shard[shard_of(key, shards)].append(key)
    for k, keys in enumerate(by_shard):
        yield shard_path(k), shard_script(k, {key: encode_postings(postings.pop(key)) for key in keys})
    yield META_PATH, meta_script(meta_data(shards, summary, types))


# Searching (the command line; fulltext.js does the same in the browser) ----------------
@dataclass(frozen=True)
class Filters:
    customer: str = ""
    year: str = ""
    type: str = ""

    def keys(self) -> list[str]:
        return [k for k, v in zip(facet_keys(self.customer, self.year, self.type),
                                  (self.customer, self.year, self.type), strict=True) if v]


@dataclass(frozen=True)
class Hit:
    doc: IndexDoc
    page: IndexPage
    snippet: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Result:
    terms: tuple[str, ...]
    candidates: int  # documents holding every key of the query (an upper bound of the documents hit)
    hits: tuple[Hit, ...]
    complete: bool  # every candidate was looked at


def search(query: str, filters: Filters, shard: Callable[[int], Mapping[str, str]], doc: Callable[[int], IndexDoc],
           shards: int, limit: int = 20) -> Result:
    """The hits of ``query``: the documents whose text holds every term (newest first),
    each with its pages that hold one (in order), at most ``limit`` pages. ``shard(k)``
    gives shard *k*'s keys and encoded postings, ``doc(n)`` document *n*: the caller loads
    them (only the shards of the query's keys, only the documents looked at)."""
    terms = query_terms(query)
    if not terms:
        return Result((), 0, (), True)
    keys = [k for t in terms for k in term_keys(t)] + filters.keys()
    lists = []
    for key in dict.fromkeys(keys):
        encoded = shard(shard_of(key, shards)).get(key)
        if encoded is None:
            return Result(tuple(terms), 0, (), True)
        lists.append(decode_postings(encoded))
    candidates = intersect(lists)
    hits: list[Hit] = []
    looked = 0
    for n in reversed(candidates):
        if len(hits) >= limit:
            break
        looked += 1
        d = doc(n)
        pages = [p for p in d.pages if any(find_term(p.text, t) >= 0 for t in terms)]
        if all(any(find_term(p.text, t) >= 0 for p in pages) for t in terms):
            hits += [Hit(d, p, tuple(snippet(p.text, terms))) for p in pages]
    return Result(tuple(terms), len(candidates), tuple(hits[:limit]), looked == len(candidates))
