"""真实性 Authenticity (DA/T 70-2018): metadata agree — a record's id, place and sidecar, a
volume's manifest with the sidecars of its records — and reference codes (档号) are those
the register gave out (Art. 20). Checksums and sizes are checked by :mod:`.files`."""

from __future__ import annotations

from pathlib import Path

from ...model import Record
from ...store import Archive
from ...volumes.manifest import VolumeManifest
from .findings import Finding, rel_to


# 真实性: metadata agree ------------------------------------------------------------------------
def metadata_findings(records: list[Record], manifests: list[VolumeManifest], root: Path) -> list[Finding]:
    """A record's id, place and sidecar agree (the id is ``<date>-<type>-<first 8 hex of its
    SHA-256>``, in ``records/<customer>/<year>/``); a volume's manifest lists each record
    with the metadata its sidecar has, and lies in ``volumes/<customer>/<year>/``. (Pure.)"""
    out = []
    by_id = {r.id: r for r in records}
    for r in records:
        where = rel_to(r.sidecar_path, root)
        stem = f"{r.meta.date:%Y%m%d}-{r.meta.type}-"
        if not r.id.startswith(stem):
            out.append(Finding("metadata-mismatch", where, expected=stem + "…", actual=r.id,
                               detail="the record id does not match the date and type in its sidecar"))
        elif r.id[len(stem):] != r.file.sha256[:8]:
            out.append(Finding("id-checksum", where, expected=r.id[len(stem):], actual=r.file.sha256[:8],
                               detail="the sidecar's checksum was changed after filing (the id keeps the first)"))
        folder = r.sidecar_path.parent
        if (folder.parent.name, folder.name) != (r.customer, f"{r.meta.year:04d}"):
            out.append(Finding("metadata-mismatch", where, expected=f"{r.customer}/{r.meta.year:04d}",
                               actual=f"{folder.parent.name}/{folder.name}",
                               detail="the record lies in another customer's or year's folder"))
    for m in manifests:
        where = rel_to(m.path, root)
        folder = m.path.parent
        if (folder.parent.name, folder.name) != (m.customer, f"{m.year:04d}"):
            out.append(Finding("metadata-mismatch", where, expected=f"{m.customer}/{m.year:04d}",
                               actual=f"{folder.parent.name}/{folder.name}",
                               detail=f"volume {m.reference} lies in another customer's or year's folder"))
        for d in m.documents:
            rec = by_id.get(d.record)
            if rec is None or rec.file.sha256 != d.sha256:
                continue  # reported as volume-record-missing / -changed
            differ = [name for name, a, b in (("type", d.type, rec.meta.type), ("title", d.title, rec.meta.title),
                                              ("date", d.date, rec.meta.date),
                                              ("classification", d.classification, rec.meta.classification))
                      if a != b]
            if differ:
                out.append(Finding("metadata-mismatch", where, expected=d.record,
                                   detail=f"volume {m.reference} lists record {d.record} with another "
                                   + ", ".join(differ) + " than its sidecar"))
    return out


# 完整性: hold/ ---------------------------------------------------------------------------------
def code_findings(archive: Archive, manifests: list[VolumeManifest]) -> list[Finding]:
    """Reference codes (档号) against the register ``build`` keeps of them (Art. 20): a
    volume renumbered, a code no volume bears, a build cut off mid-write."""
    from ...volumes.codes import reference_findings  # the volumes stage's register of codes

    return [Finding(f.kind, f.path, expected=f.expected, actual=f.actual, detail=f.detail)
            for f in reference_findings(archive, manifests)]
