"""PDF/A verdicts kept by what decides a volume's bytes but its dates
(``<cache>/pdfa-cache/``): a rebuild of unchanged inputs validates nothing twice."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from pathlib import Path

import pikepdf

from .. import __version__
from ..atomic import write_text_atomic
from . import pdfa
from .formscache import Forms
from .plan import PlannedVolume

PDFA_CACHE = "pdfa-cache"  # verdicts by what decides a volume's bytes (see cached_check)


log = logging.getLogger(__name__)


@functools.cache
def _code_id() -> str:
    """The code that writes volumes (this package and active.py), and the libraries'."""
    digest = hashlib.sha256(f"{__version__} pikepdf {pikepdf.__version__} qpdf {pikepdf.__libqpdf_version__}".encode())
    here = Path(__file__).parent
    for source in sorted([*here.glob("*.py"), here.parent / "active.py"]):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def verdict_key(inputs: str, plan: PlannedVolume, forms: Forms) -> str:
    """What decides a volume's bytes but its timestamps: its inputs fingerprint (records,
    configuration, plan) and its records' checksums, its forms (which print the date), the
    code and libraries.
    Two volumes with the same key differ at most in the values of their creation dates
    (same format, same length), which no PDF/A rule depends on."""
    text = json.dumps([inputs, plan.reference, [r.file.sha256 for r in plan.documents],
                       hashlib.sha256(forms.data).hexdigest(), _code_id()])
    return hashlib.sha256(text.encode()).hexdigest()


def cached_verdict(key: str, cache_dir: Path | None) -> pdfa.PdfaResult | None:
    """The verdict kept for :func:`verdict_key` ``key`` by the same validator, or None:
    a ``--force`` rebuild of an unchanged volume writes the same file but for its dates,
    and gets the earlier verdict (with the time it was reached); ``audit`` checks the bytes
    themselves."""
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / PDFA_CACHE / f"{key}.json").read_text("utf-8"))
        if data.get("validator") == pdfa.validator_name():
            data["checked"] = dt.datetime.fromisoformat(data["checked"])
            return pdfa.PdfaResult.from_manifest(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    return None


def remember(key: str, cache_dir: Path | None, result: pdfa.PdfaResult) -> pdfa.PdfaResult:
    """Keep ``result`` (a verdict reached: pass, fail or not_checked) for ``key``; returns it."""
    if cache_dir is not None and result.verdict in ("pass", "fail", "not_checked"):
        cached = cache_dir / PDFA_CACHE / f"{key}.json"
        try:
            write_text_atomic(cached, json.dumps(result.to_manifest(), default=str, ensure_ascii=False))
        except OSError as exc:
            log.info("cache %s not written: %s", cached.parent, exc)
    return result


def cached_check(path: Path, key: str, cache_dir: Path | None, now: dt.datetime) -> pdfa.PdfaResult:
    """:func:`.pdfa.check`, remembered by :func:`verdict_key` and the validator's version
    (:func:`cached_verdict`, :func:`remember`)."""
    cached = cached_verdict(key, cache_dir)
    return cached if cached is not None else remember(key, cache_dir, pdfa.check(path, now=now))
