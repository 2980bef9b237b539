"""A printed paper's style: a shipped TOML file, an archive's override merged over it.

The style holds everything a user may want to restyle without Python — sizes, margins,
column widths, labels, texts with ``{field}``\\ s. An override may only change keys the
shipped file has, with values of the same kind (a typo is refused, not ignored).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..config import read_toml
from ..errors import ConfigError


def shipped_style_text(name: str) -> str:
    """The text of the shipped style ``archiver/templates/forms/<name>``."""
    return resources.files("archiver").joinpath(f"templates/forms/{name}").read_text("utf-8")


def load_style(name: str, path: str | Path = "", *, key: str) -> dict[str, Any]:
    """The shipped style ``name`` with ``path`` (if given; the setting ``key``) merged over it."""
    style = tomllib.loads(shipped_style_text(name))
    if path:
        file = Path(path).expanduser()
        override = read_toml(file, what=f"The forms style {file} (key {key})", missing=ConfigError(
            f"The forms style {file} (key {key}) does not exist.",
            hint=f"Copy archiver/templates/forms/{name} there, or set {key} = \"\".",
        ))
        style = _merge(style, override, file, name)
    return style


def _merge(base: dict[str, Any], over: Mapping[str, Any], file: Path, name: str, where: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        dotted = f"{where}{key}"
        if key not in base:
            raise ConfigError(
                f"The forms style {file} has an unknown key '{dotted}'.",
                hint=f"Compare with archiver/templates/forms/{name} (the keys it lists are the only ones used).",
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"The forms style {file}: '{dotted}' must be a table.", hint=f"See {name}.")
            out[key] = _merge(base[key], value, file, name, dotted + ".")
        else:
            if isinstance(base[key], (int, float)) and not isinstance(base[key], bool):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, type(base[key]))
            if not ok:
                raise ConfigError(
                    f"The forms style {file}: '{dotted}' has the value {value!r}; allowed: "
                    f"a value like {base[key]!r}.",
                    hint="Fix the value and run again.",
                )
            out[key] = value
    return out


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with {field}s replaced; an unknown field is a style error."""
    try:
        return string.Formatter().vformat(template, (), dict(values))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"Forms style text {template!r} uses an unknown or malformed field ({exc}).",
            hint=f"Allowed fields: {', '.join(sorted(values))}.",
        ) from None


def strings(style: Any) -> Iterator[str]:
    """Every text of a style (to know the characters a font subset needs)."""
    if isinstance(style, str):
        yield style
    elif isinstance(style, dict):
        for v in style.values():
            yield from strings(v)
    elif isinstance(style, list):
        for v in style:
            yield from strings(v)
