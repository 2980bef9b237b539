"""Every catalogue folder the archive has written: ``.archiver/sites.json``.

``archiver site`` (with or without ``--out``) adds its folder before it writes anything
there, atomically, so a folder is listed even when its first build was interrupted.
Destruction (Art. 29) and the disposal hold use the list to take the material out of
*every* catalogue, not only the default ``site/`` (:mod:`.purge`). A folder deleted by
hand is skipped (and dropped from the list by the next ``archiver site``).

Format: ``{"format": 1, "sites": ["/abs/path/of/site", …]}``, readable without the program.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_text_atomic
from ..store import Archive
from .output import MANIFEST

NAME = "sites.json"


def output_folder(archive: Archive, out: Path | None) -> Path:
    """The folder a build writes: ``--out``, else ``catalogue.output`` (relative to the
    archive root)."""
    if out is not None:
        return out
    configured = Path(archive.config.catalogue.output).expanduser()
    return configured if configured.is_absolute() else archive.root / configured


def path(archive: Archive) -> Path:
    return archive.state / NAME


def listed(archive: Archive) -> list[Path]:
    """The catalogue folders of the archive, as recorded (whether or not still there);
    the default output folder too, when it holds a site written before the list existed."""
    try:
        data = json.loads(path(archive).read_text("utf-8"))
        folders = [Path(p) for p in _entries(data)]
    except (OSError, ValueError):
        folders = []
    default = output_folder(archive, None).resolve()
    if default not in folders and (default / MANIFEST).is_file():
        folders.append(default)
    return folders


def remember(archive: Archive, folder: Path) -> None:
    """Add ``folder`` (resolved) to the list, dropping folders that no longer hold a site.
    Called under the site lock, before the build writes into the folder."""
    folder = folder.resolve()
    try:
        data = json.loads(path(archive).read_text("utf-8"))
        old = _entries(data)
    except (OSError, ValueError):
        old = []
    keep = [p for p in old if p != str(folder) and (Path(p) / MANIFEST).is_file()]
    new = sorted([*keep, str(folder)])
    if new != old:
        write_text_atomic(path(archive), json.dumps({"format": 1, "sites": new}, ensure_ascii=False, indent=1))


def _entries(data: object) -> list[str]:
    """The absolute folder paths of a read list (anything else in it is left out)."""
    found = data.get("sites") if isinstance(data, dict) else None
    return [p for p in found if isinstance(p, str) and Path(p).is_absolute()] if isinstance(found, list) else []
