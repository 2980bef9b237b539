"""Custody, as the build sees it: the volumes and records on a destruction list (Art. 29),
which a build leaves alone, and the notes it reports about them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import Archive
from .ondisk import Volumes, record_pdfs
from .outcome import Outcome, Scope


@dataclass(frozen=True)
class DisposalHolds:
    """Volumes and records on a destruction list in any state but cancelled (Art. 29):
    proposed, appraised, approved and moving to the hold, held, being restored, destroyed.
    A build never binds their records, never rebuilds, moves or renumbers their volumes,
    and never gives their codes to another volume. Values: the list and its state."""

    references: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)
    lists: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # list id → (state, references)


def disposal_holds(archive: Archive) -> DisposalHolds:
    """The one place the build reads custody state (the destruction lists)."""
    from ..custody.state import disposal_lists, list_state  # the one view of custody state

    holds = DisposalHolds()
    for case in disposal_lists(archive).values():
        state = list_state(case)
        if state == "cancelled":
            continue
        label = f"destruction list {case.id} ({state})"
        refs = []
        for v in case.opened.get("volumes", []):
            refs.append(v["reference"])
            holds.references[v["reference"]] = label
            for d in v.get("documents", []):
                holds.records[d["record"]] = label
        holds.lists[case.id] = (state, refs)
    return holds


def held_notes(archive: Archive, scope: Scope, holds: DisposalHolds, volumes: Volumes) -> list[Outcome]:
    """One note per destruction list touching the customers and years built."""
    out = []
    present: dict[str, int] = {}  # list label → its records still in records/
    for pdf in record_pdfs(archive, scope.customer) if holds.records else []:
        if pdf.stem in holds.records and scope.has(pdf.parent.parent.name, int(pdf.parent.name)):
            present[holds.records[pdf.stem]] = present.get(holds.records[pdf.stem], 0) + 1
    for list_id, (state, refs) in sorted(holds.lists.items()):
        if state == "destroyed":
            continue
        mine = [r for r in refs if r in volumes.manifests and scope.has(volumes.manifests[r].customer,
                                                                         volumes.manifests[r].year)]
        records = present.get(f"destruction list {list_id} ({state})", 0)
        if not mine and not records:
            continue
        out.append(Outcome(list_id, "held", "", detail=(
            f"destruction list {list_id} is {state}: its volume(s) {', '.join(refs)} are left as they are "
            f"and its {records} record(s) in records/ are not bound again")))
    return out
