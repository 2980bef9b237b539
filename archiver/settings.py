"""Settings declared once: a key's type, default, bounds or choices and comment, kept
with the dataclass field that holds it; read from a TOML table with errors that name the
key, the value and what is allowed; written as commented TOML.

This is the machinery only; :mod:`archiver.config` declares archive.toml's keys with it.
"""

from __future__ import annotations

import re
import textwrap
import typing
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import tomli_w

from .errors import ConfigError

FLOAT_MAX = 1e9  # the upper bound of a number declared without one
NO_EXAMPLE = object()  # a key whose template value is its default


@dataclass(frozen=True)
class Setting:
    """What a settings file may hold under one key (kept in a dataclass field's metadata)."""

    comment: str  # what the key means, written above it in the template ("": its section's comment says)
    lo: float | None = None  # bounds of a number (inclusive)
    hi: float | None = None
    choices: tuple[str, ...] = ()  # the values a text may take
    check: Callable[[Any], str] | None = None  # "" when the value is good, else what is allowed
    key: str = ""  # the TOML key, when it is not the field's name
    example: Any = NO_EXAMPLE  # written in the template instead of the default
    legacy: bool = False  # still read when present, never written in the template


def setting(default: Any = MISSING, comment: str = "", *, lo: float | None = None, hi: float | None = None,
            choices: tuple[str, ...] = (), check: Callable[[Any], str] | None = None, key: str = "",
            example: Any = NO_EXAMPLE, legacy: bool = False) -> Any:
    """A settings field: ``default`` (none: the key is required) and its :class:`Setting`."""
    meta = {"setting": Setting(comment, lo, hi, choices, check, key, example, legacy)}
    return field(metadata=meta) if default is MISSING else field(default=default, metadata=meta)


@dataclass(frozen=True)
class Key:
    """One declared key: its field, TOML name, type, default and :class:`Setting`."""

    name: str  # the field's name
    key: str  # the TOML key
    kind: type  # str, int, float or bool
    default: Any  # MISSING: required
    setting: Setting

    def allowed(self) -> str:
        """What the key accepts, in words (for messages and the template)."""
        s = self.setting
        if s.choices:
            return "one of " + ", ".join(s.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is int:
            return f"a whole number from {number(s.lo)} to {number(s.hi)}"
        if self.kind is float:
            return f"a number from {number(s.lo)} to {number(FLOAT_MAX if s.hi is None else s.hi)}"
        return "a text in quotes"

    def problem(self, value: Any) -> str:
        """"" when ``value`` is good for this key, else what is allowed."""
        s = self.setting
        if self.kind is bool:
            good = isinstance(value, bool)
        elif self.kind is int:
            good = isinstance(value, int) and not isinstance(value, bool) and s.lo is not None and s.hi is not None \
                and s.lo <= value <= s.hi
        elif self.kind is float:
            hi = FLOAT_MAX if s.hi is None else s.hi
            good = isinstance(value, (int, float)) and not isinstance(value, bool) and s.lo is not None \
                and s.lo <= value <= hi
        else:
            good = isinstance(value, str) and (not s.choices or value in s.choices)
        if not good:
            return self.allowed()
        return s.check(value) if s.check else ""

    @property
    def template_value(self) -> Any:
        return self.default if self.setting.example is NO_EXAMPLE else self.setting.example


def number(value: float | None) -> str:
    return "?" if value is None else str(int(value)) if float(value).is_integer() else f"{value:g}"


def keys(cls: type) -> list[Key]:
    """The declared keys of a settings dataclass, in declaration order."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        s = f.metadata.get("setting")
        if s is not None:
            out.append(Key(f.name, s.key or f.name, hints[f.name], f.default, s))
    return out


@dataclass(frozen=True)
class Section:
    """A part of a TOML file: ``[name]`` (``form="table"``), top-level keys (``"top"``),
    one ``[name.CODE]`` table per entry (``"tables"``) or ``[[name]]`` (``"array"``), each
    holding the keys declared by ``cls``; the entries' examples are what the template
    writes."""

    name: str
    cls: type
    form: str = "table"
    comment: str = ""
    examples: tuple[tuple[str, dict[str, Any]], ...] = ()


# Writing: commented TOML --------------------------------------------------------------------
WIDTH = 88


def comment_lines(text: str, indent: str = "") -> list[str]:
    """``text`` as comment lines, never broken inside "Art. 5" or a hyphenated word."""
    lines = textwrap.wrap(re.sub(r"Art\. (?=\d)", "Art.\u00a0", text), WIDTH - 2 - len(indent),
                          initial_indent=f"# {indent}", subsequent_indent=f"# {indent}  " if indent else "# ",
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace("\u00a0", " ") for line in lines]


def toml_value(value: Any) -> str:
    """A TOML value as a person would write it (a pattern in 'literal quotes')."""
    if isinstance(value, str) and "\\" in value and "'" not in value and "\n" not in value:
        return f"'{value}'"
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def _explained(k: Key) -> str:
    """The key's comment, with what it allows when that is not said by the value."""
    if k.kind is bool or (k.kind is str and not k.setting.choices):
        return k.setting.comment
    return f"{k.setting.comment.rstrip('.')}. Allowed: {k.allowed()}."


def section_lines(section: Section) -> Iterator[str]:
    """The section as commented TOML: its comment, then each key (but legacy ones) with
    its own comment and what it allows, at its default or example value."""
    declared = [k for k in keys(section.cls) if not k.setting.legacy]
    if section.form in ("tables", "array"):
        yield ""
        yield from comment_lines(section.comment + " Each has:")
        for k in declared:
            yield from comment_lines(f"{k.key}: {_explained(k)}", indent="  ")
        by_name = {k.name: k for k in declared}
        for code, example in section.examples:
            yield ""
            yield f"[{section.name}.{code}]" if section.form == "tables" else f"[[{section.name}]]"
            for name, value in example.items():
                yield f"{by_name[name].key} = {toml_value(value)}"
        return
    yield ""
    if section.form == "table":
        yield f"[{section.name}]"
    if section.comment:
        yield from comment_lines(section.comment)
    for k in declared:
        if k.setting.comment:
            yield from comment_lines(_explained(k))
        yield f"{k.key} = {toml_value(k.template_value)}"


# Reading ------------------------------------------------------------------------------------
_ABSENT = object()


class Reader:
    """Reads declared keys; every error names the key, the value and what is allowed."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where  # the file's name, in messages
        # every table read, by identity: (its name, the table, the keys read from it)
        self.seen: dict[int, tuple[str, dict[str, Any], set[str]]] = {}

    def used(self, tbl: dict[str, Any], section: str, *keys: str) -> None:
        """Note that ``keys`` of ``tbl`` (named ``section``) are known settings."""
        self.seen.setdefault(id(tbl), (section, tbl, set()))[2].update(keys)

    def refuse_unknown(self) -> None:
        """A key nobody reads is a typo: refuse it rather than silently use the default."""
        for section, tbl, known in self.seen.values():
            for key in tbl:
                if key not in known:
                    allowed = ", ".join(sorted(known))
                    raise ConfigError(
                        f"{self.where}: unknown key '{self._key(section, key)}'; allowed here: {allowed}.",
                        hint=f"Correct the spelling in {self.where} (or remove the key) and run the command again.",
                    )

    def error(self, key: str, value: object, allowed: str) -> ConfigError:
        return ConfigError(
            f"{self.where}: key '{key}' has the value {value!r}; allowed: {allowed}.",
            hint=f"Edit {self.where} and run the command again.",
        )

    @staticmethod
    def _key(section: str, key: str) -> str:
        return f"{section}.{key}" if section else key

    def table(self, key: str, optional: bool = False) -> dict[str, Any]:
        self.used(self.raw, "", key)
        value = self.raw.get(key, {} if optional else _ABSENT)
        if value is _ABSENT:
            raise self.error(key, None, f"a [{key}] table (see `archiver init` for an example)")
        if not isinstance(value, dict):
            raise self.error(key, value, "a table")
        return value

    def tables(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        """The ``[key.CODE]`` tables (at least one)."""
        found = list(self.table(key).items())
        if not found:
            raise self.error(key, "{}", f"at least one [{key}.CODE] table")
        return found

    def read(self, cls: type[Any], tbl: Any, section: str, **given: Any) -> Any:
        """``cls`` with each declared key read from ``tbl`` (named ``section``)."""
        if not isinstance(tbl, dict):
            raise self.error(section, tbl, "a table")
        values = dict(given)
        for k in keys(cls):
            self.used(tbl, section, k.key)
            value = tbl.get(k.key, _ABSENT)
            if value is _ABSENT:
                if k.default is MISSING:
                    raise self.error(self._key(section, k.key), None, k.allowed())
                value = k.default
            problem = k.problem(value)
            if problem:
                raise self.error(self._key(section, k.key), value, problem)
            values[k.name] = float(value) if k.kind is float else value
        return cls(**values)
