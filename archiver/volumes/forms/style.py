"""The volume forms' style: the shipped ``forms.toml``, the archive's override
(``volumes.forms_style``), and the checks of what the layouts rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...forms.style import load_style as load_paper_style

STYLE_KEY = "volumes.forms_style"
SHIPPED = "forms.toml"
INDEX_KEYS = {"number", "doc_no", "responsible", "title", "date", "pages", "remark"}


def load_style(path: str | Path = "") -> dict[str, Any]:
    """The forms' layout: the shipped forms.toml, with ``path`` (if given) merged over it."""
    style = load_paper_style(SHIPPED, path, key=STYLE_KEY)
    _check_style(style, path or "the shipped forms.toml")
    return style


def _check_style(style: dict[str, Any], where: object) -> None:
    for i, col in enumerate(style["index"]["columns"]):
        if not isinstance(col, dict) or col.get("key") not in INDEX_KEYS or not isinstance(col.get("width"), (int, float)):
            raise ConfigError(
                f"Forms style ({where}): index.columns[{i}] must have key (one of {sorted(INDEX_KEYS)}), "
                "label and width.",
                hint="See archiver/templates/forms/forms.toml.",
            )
    for i, field in enumerate(style["cover"]["fields"]):
        if not (isinstance(field, list) and len(field) == 3 and isinstance(field[2], int) and field[2] >= 1):
            raise ConfigError(
                f"Forms style ({where}): cover.fields[{i}] must be [label, text, lines ≥ 1].",
                hint="See archiver/templates/forms/forms.toml.",
            )
