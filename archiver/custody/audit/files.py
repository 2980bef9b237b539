"""Checking one recorded file (I/O): present, its size, and — in a full audit — its SHA-256
and, for a PDF, that it opens without repair, has the recorded page count and (a volume)
carries no active content. Each file is read once: the bytes read are hashed and handed to
pikepdf from memory."""

from __future__ import annotations

import hashlib
import io

import pikepdf

from ...active import find_active_content
from .findings import Finding
from .inventory import Expected


# Checking the files (I/O) -------------------------------------------------------------------
def check_file(exp: Expected, rel: str, *, fast: bool) -> tuple[list[Finding], int]:
    """Check one recorded file; return the findings and the bytes read (0 when fast)."""
    try:
        size = exp.path.stat().st_size
    except FileNotFoundError:
        return [Finding("missing", rel, expected=exp.sha256[:16] + "…", detail=exp.what)], 0
    findings: list[Finding] = []
    if size != exp.size:
        findings.append(Finding("size-changed", rel, expected=str(exp.size), actual=str(size), detail=exp.what))
    if fast:
        return findings, 0
    data = exp.path.read_bytes()  # the one read: hashed, then parsed from memory
    sha = hashlib.sha256(data).hexdigest()
    if sha != exp.sha256 and not findings:
        findings.append(Finding("altered", rel, expected=exp.sha256, actual=sha, detail=exp.what))
    if exp.page_count is not None or exp.is_pdf:
        findings.extend(pdf_findings(data, rel, exp))
    return findings, len(data)


def pdf_findings(data: bytes, rel: str, exp: Expected) -> list[Finding]:
    """Open the PDF from memory: unreadable, repaired on opening, another page count, or
    active content (JavaScript, Launch actions, embedded files …)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            warnings = pdf.get_warnings()
            # volumes (what is printed, bound and served); a record's scan is checked by
            # filing and by the catalogue, which never serves it with active content
            active = find_active_content(pdf) if exp.role != "record" else []
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        return [Finding("unreadable", rel, detail=f"{exp.what}: {str(exc).split(': ', 1)[-1][:200]}")]
    out = []
    if warnings:
        out.append(Finding("damaged", rel, detail=f"{exp.what}: {warnings[0].split(': ', 1)[-1][:200]}"))
    if exp.page_count is not None and pages != exp.page_count:
        out.append(Finding("page-count", rel, expected=str(exp.page_count), actual=str(pages), detail=exp.what))
    if active:
        out.append(Finding("active-content", rel, actual=", ".join(active), detail=exp.what))
    return out
