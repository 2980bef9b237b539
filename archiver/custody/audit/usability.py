"""可用性 Usability (DA/T 70-2018): each volume is PDF/A-2b, as ``archiver build`` recorded
it and, in a full audit, as validated again now. (A file that does not open is found by
:mod:`.files`.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ...clock import now
from ...volumes.manifest import VolumeManifest
from .findings import Finding, rel_to


# 可用性: PDF/A-2b ---------------------------------------------------------------------------------
def revalidate_pdfa(path: Path) -> tuple[bool, str] | None:
    """Validate a volume as PDF/A-2b again, now, with the validator ``build`` uses
    (:func:`archiver.volumes.pdfa.check`): (passed, detail)."""
    from ...volumes import pdfa  # the volumes stage's validator (pikepdf.pdfa)

    result = pdfa.check(path, now=now())
    return result.valid, result.summary()


def recorded_pdfa(manifest_path: Path) -> tuple[bool, str] | None:
    """The PDF/A-2b result ``archiver build`` recorded in the manifest's ``pdfa`` field:
    (passed, detail), or None when it records none. Accepts a boolean, a word ("pass",
    "fail", …) or a table (``valid``/``passed``/``ok``/``compliant``, ``errors``, ``profile``)."""
    try:
        data = tomllib.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("pdfa")
    if value is None:
        return None
    if isinstance(value, bool):
        return value, ""
    if isinstance(value, str):
        word = value.strip().lower()
        return word in ("pass", "passed", "ok", "valid", "compliant", "yes", "true", "pdf/a-2b", "2b"), value
    if isinstance(value, dict):
        for key in ("valid", "passed", "ok", "compliant", "pass"):
            if isinstance(value.get(key), bool):
                errors = value.get("findings") or value.get("errors") or value.get("problems") or []
                detail = "; ".join(str(e) for e in errors[:3]) if isinstance(errors, list) else str(errors)
                return bool(value[key]), detail
        result = value.get("result") or value.get("status")
        if isinstance(result, str):
            return result.strip().lower() in ("pass", "passed", "ok", "valid", "compliant"), result
    return None


def pdfa_findings(manifests: list[VolumeManifest], root: Path, *, fast: bool = False) -> list[Finding]:
    """可用性: each volume is PDF/A-2b, as ``archiver build`` recorded in its manifest. A
    full audit validates every volume recorded as passing again (the record says what
    the file was, not what it is now); ``fast`` trusts the record."""
    out = []
    for m in manifests:
        where = rel_to(m.pdf_path, root)
        result = recorded_pdfa(m.path)
        how = "recorded by archiver build"
        if not fast and result is not None and result[0] and m.pdf_path.is_file():
            result, how = revalidate_pdfa(m.pdf_path), "validated again by this audit"
        if result is None:
            out.append(Finding("pdfa-unchecked", where, detail=f"volume {m.reference}: no PDF/A-2b result in its "
                               "manifest (built before validation was recorded?): run `archiver audit` without "
                               "--fast, or `archiver build --force`"))
        elif not result[0]:
            out.append(Finding("not-pdfa", where, actual=result[1][:200],
                               detail=f"volume {m.reference}: PDF/A-2b validation failed ({how})"))
    return out
