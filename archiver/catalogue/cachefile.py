"""The catalogue's cache files (parsed inputs, what the last build knew): JSON, never
code — reading one can only ever give data, never run anything (issue 13; they were
pickles).

Each file is one JSON object ``{"format": "archiver-catalogue-cache", "kind": KIND,
"version": N, "data": …}``. :func:`read` gives ``data`` back, or None for a file that is
missing, cut short, not JSON, of another kind or another version: the caller then simply
parses or builds again (a cache is only ever a copy of what the archive holds).

Values: dates and times are written as ``{"$date": "2026-11-20"}`` and ``{"$datetime":
"…"}`` (JSON has neither); dataclasses as objects of their fields; tuples, lists, sets as
arrays (sets sorted, so the same data gives the same bytes). :func:`typed` turns what was
read back into the dataclass named, from its field annotations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..atomic import write_bytes_atomic

log = logging.getLogger("archiver.catalogue")
FORMAT = "archiver-catalogue-cache"
DATE, DATETIME = "$date", "$datetime"


class CacheError(ValueError):
    """A cache file's content does not fit the type it should hold (it is then rebuilt)."""


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data (see the module's docstring)."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return value
    if isinstance(value, dt.datetime):
        return {DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {DATE: value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"not cacheable: {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if DATE in obj:
            return dt.date.fromisoformat(obj[DATE])
        if DATETIME in obj:
            return dt.datetime.fromisoformat(obj[DATETIME])
    return obj


def dumps(kind: str, version: int, data: Any) -> bytes:
    doc = {"format": FORMAT, "kind": kind, "version": version, "data": _plain(data)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(path: Path, kind: str, version: int, data: Any) -> None:
    """Write the cache file atomically (a reader sees the old one or the new one)."""
    write_bytes_atomic(path, dumps(kind, version, data))


def loads(raw: bytes, kind: str, version: int) -> Any:
    """The ``data`` of a cache file's bytes; CacheError when they are not such a file."""
    try:
        doc = json.loads(raw, object_hook=_hook)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, a bad date
        raise CacheError(f"not a cache file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("kind") != kind:
        raise CacheError("not a catalogue cache file of this kind")
    if doc.get("version") != version:
        raise CacheError(f"version {doc.get('version')!r}, not {version}")
    return doc.get("data")


def read(path: Path, kind: str, version: int) -> Any | None:
    """The ``data`` of the cache file at ``path``, or None when there is none that fits
    (missing, unreadable, foreign, another version): the caller builds it again."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("ignoring the catalogue cache %s: %s", path, exc)
        return None
    try:
        return loads(raw, kind, version)
    except CacheError as exc:
        log.info("ignoring the catalogue cache %s: %s", path, exc)
        return None


# Typed reading ----------------------------------------------------------------------------
Decoder = Callable[[Any], Any]


def typed(tp: Any, value: Any) -> Any:
    """``value`` (as :func:`loads` gives it) as an instance of ``tp``: a dataclass, a
    tuple, list, frozenset or dict of them, an optional, or a plain JSON type. CacheError
    when it does not fit — a cache written by other code is rebuilt, never half-trusted."""
    return decoder(tp)(value)


@functools.cache
def decoder(tp: Any) -> Decoder:
    """A function turning read data into ``tp`` (made once per type, from its annotations)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return lambda value: value
    if tp is None or tp is type(None):
        return _null
    if origin in (typing.Union, types.UnionType):
        return _union([decoder(a) for a in args if a is not type(None)], type(None) in args, tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(decoder(args[0]), tuple, tp)
    if origin is tuple:
        return _fixed(tuple(decoder(a) for a in args), tp)
    if origin in (list, frozenset, set):
        return _sequence(decoder(args[0]) if args else (lambda v: v), origin, tp)
    if origin is dict:
        return _mapping(decoder(args[0]), decoder(args[1]), tp)
    if tp is float:
        return _float
    if tp is int:
        return _int
    if tp is dt.date:
        return _date
    if isinstance(tp, type):
        return _plain_type(tp)
    raise TypeError(f"no cache decoder for {tp}")


def _fail(value: Any, what: Any) -> CacheError:
    return CacheError(f"{value!r} is not {getattr(what, '__name__', what)}")


def _null(value: Any) -> None:
    if value is not None:
        raise _fail(value, "null")
    return None


def _union(options: list[Decoder], nullable: bool, tp: Any) -> Decoder:
    def decode(value: Any) -> Any:
        if value is None and nullable:
            return None
        for option in options:
            try:
                return option(value)
            except CacheError:
                continue
        raise _fail(value, tp)
    return decode


PLAIN = (str, bool)  # taken as they are when of their type (checked in one isinstance call)


def _dataclass(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    plain = [(n, hints[n]) for n in names if hints[n] in PLAIN]
    other = [(n, decoder(hints[n])) for n in names if hints[n] not in PLAIN]

    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _fail(value, cls)
        for name, tp in plain:
            if name in value and not isinstance(value[name], tp):
                raise _fail(value[name], tp)
        fields = {name: value[name] for name, _tp in plain if name in value}
        fields.update((name, dec(value[name])) for name, dec in other if name in value)
        try:
            return cls(**fields)
        except TypeError as exc:  # a required field missing
            raise CacheError(f"{cls.__name__}: {exc}") from None
    return decode


def _sequence(item: Decoder, kind: type, tp: Any) -> Decoder:
    plain = typing.get_args(tp)[0] if typing.get_args(tp) and typing.get_args(tp)[0] in PLAIN else None

    def decode(value: Any) -> Any:
        if not isinstance(value, list):
            raise _fail(value, tp)
        if plain is not None:
            if not all(isinstance(v, plain) for v in value):
                raise _fail(value, tp)
            return kind(value)
        return kind([item(v) for v in value])
    return decode


def _fixed(items: tuple[Decoder, ...], tp: Any) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, list) or len(value) != len(items):
            raise _fail(value, tp)
        return tuple(dec(v) for dec, v in zip(items, value, strict=True))
    return decode


def _mapping(key: Decoder, item: Decoder, tp: Any) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise _fail(value, tp)
        return {key(k): item(v) for k, v in value.items()}
    return decode


def _float(value: Any) -> float:
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        return float(value)
    raise _fail(value, float)


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _fail(value, int)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise _fail(value, dt.date)


def _plain_type(tp: type) -> Decoder:
    def decode(value: Any) -> Any:
        if isinstance(value, tp):
            return value
        raise _fail(value, tp)
    return decode
