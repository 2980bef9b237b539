"""The inputs fingerprint of a volume: a hash of everything it is made from. A volume
whose fingerprint equals its manifest's is up to date and not rebuilt."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from .. import __version__
from ..config import Config
from ..customers import Customer
from ..ocr.store import text_path
from ..store import Archive
from .plan import PlannedVolume


def tool_inputs(archive: Archive) -> dict[str, str]:
    """What else shapes a volume besides records and configuration: the forms' style
    file (``volumes.forms_style``) and the blank detector's version, when present."""
    out = {}
    style = getattr(archive.config.volumes, "forms_style", "")
    if style:
        path = archive.root / style
        out["forms_style"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    try:
        from . import blank

        out["blank_detector"] = str(getattr(blank, "ANALYSER_VERSION", ""))
    except ImportError:
        pass
    return out


def fingerprint(plan: PlannedVolume, config: Config, customer: Customer, sidecars: dict[str, str],
                tools: dict[str, str] | None = None) -> str:
    """A hash of everything the volume is made from: its records (PDF checksum and
    sidecar text), the customer profile, the configuration that shapes volumes, its
    place in its series, the forms' style and blank detector (:func:`tool_inputs`) and
    the archiver's version. Filer and checker are not inputs: to put other names on an
    unchanged volume, use ``--force``."""
    options = {k: v for k, v in dataclasses.asdict(config.volumes).items() if k not in ("filer", "checker")}
    data = {
        "archiver": __version__,
        "fonds": [config.fonds_code, config.fonds_name],
        "volumes": options,
        "retention": {k: dataclasses.asdict(v) for k, v in config.retention.items()},
        "types": {k: [t.name, t.rank] for k, t in config.document_types.items()},
        "classifications": config.classifications,
        "customer": dataclasses.asdict(customer),
        "volume": [plan.reference, plan.number, plan.year, plan.retention, plan.top_secret, plan.oversize,
                   list(plan.followers), plan.sheets],
        "documents": [[r.id, r.file.sha256, sidecars.get(r.id, "")] for r in plan.documents],
        "texts": [_text_stamp(r.path) for r in plan.documents],  # the stored OCR text: a volume's text layer
        "tools": tools or {},
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text_stamp(record_pdf: Path) -> list[int]:
    """The record's stored text file as (size, mtime) — cheap; [] when there is none."""
    try:
        st = text_path(record_pdf).stat()
    except OSError:
        return []
    return [st.st_size, st.st_mtime_ns]
