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
@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def typed(tp: Any, value: Any) -> Any:
    """``value`` (as :func:`loads` gives it) as an instance of ``tp``: a dataclass, a
    tuple, list, frozenset or dict of them, an optional, or a plain JSON type. CacheError
    when it does not fit — a cache written by other code is rebuilt, never half-trusted."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            raise CacheError(f"{value!r} is not null")
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is not type(None):
                try:
                    return typed(arg, value)
                except CacheError:
                    continue
        raise CacheError(f"{value!r} fits none of {tp}")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise CacheError(f"{tp.__name__}: not an object")
        hints = _hints(tp)
        try:
            return tp(**{f.name: typed(hints[f.name], value[f.name]) for f in dataclasses.fields(tp)
                         if f.init and f.name in value})
        except TypeError as exc:  # a required field missing
            raise CacheError(f"{tp.__name__}: {exc}") from None
    if origin in (tuple, list, frozenset, set):
        if not isinstance(value, list):
            raise CacheError(f"{tp}: not an array")
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(typed(args[0], v) for v in value)
            if len(args) != len(value):
                raise CacheError(f"{tp}: {len(value)} items")
            return tuple(typed(a, v) for a, v in zip(args, value, strict=True))
        items = [typed(args[0], v) for v in value] if args else list(value)
        return origin(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise CacheError(f"{tp}: not an object")
        return {typed(args[0], k): typed(args[1], v) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(tp, type) and isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
        if tp is dt.date and isinstance(value, dt.datetime):
            raise CacheError("a time where a date belongs")
        return value
    if tp is bool and isinstance(value, bool):
        return value
    raise CacheError(f"{value!r} is not {getattr(tp, '__name__', tp)}")
