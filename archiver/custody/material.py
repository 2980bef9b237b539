"""What a consultation, a loan or a destruction list is about: a customer's file, a volume
or one record (Art. 27–29), found by the name a person gives (customer code, volume
reference code 档号, record id).

A piece of material covers physical units: a volume is one bound unit, a record bound in a
volume is lent with its volume, a record not yet bound is a loose document, and a
customer's file is all its volumes and loose documents. Two loans conflict when the units
they cover overlap (Art. 28: an item cannot be out twice at once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..config import CLASSIFICATION_LEVELS
from ..errors import NotFoundError, WorkflowError
from ..model import Record
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests


@dataclass(frozen=True)
class Material:
    kind: str  # customer / volume / record
    ref: str  # customer code, volume reference code or record id
    label: str  # what a person reads: name or title
    customer: str
    classification: str
    units: frozenset[str]  # "volume:REF" / "record:ID" / "customer:CODE"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "label": self.label, "customer": self.customer,
                "classification": self.classification}


def highest(levels: Iterable[str]) -> str:
    """The highest classification among ``levels`` ("ordinary" when there are none)."""
    ranks = [CLASSIFICATION_LEVELS.index(lvl) for lvl in levels if lvl in CLASSIFICATION_LEVELS]
    return CLASSIFICATION_LEVELS[max(ranks, default=0)]


@dataclass
class Holdings:
    """Everything in the archive that can be consulted or lent, read once."""

    records: dict[str, Record] = field(default_factory=dict)
    volumes: dict[str, VolumeManifest] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)  # code → name
    bound_in: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, archive: Archive) -> Holdings:
        h = cls()
        h.customers = {c.code: c.name for c in archive.customers()}
        h.records = {r.id: r for r in archive.iter_records()}
        for m in iter_manifests(archive.volumes):
            h.volumes[m.reference] = m
            for d in m.documents:
                h.bound_in[d.record].append(m.reference)
        return h

    def record_units(self, record_id: str) -> set[str]:
        bound = self.bound_in.get(record_id)
        return {f"volume:{v}" for v in bound} if bound else {f"record:{record_id}"}

    def resolve(self, name: str, held: Mapping[str, str] | None = None) -> Material:
        """The material named ``name``; NotFoundError if none, WorkflowError if held apart."""
        if held and name in held:
            raise WorkflowError(
                f"{name} is held apart for destruction (destruction list {held[name]}, Art. 29); "
                "it cannot be consulted or lent.",
                hint=f"If it must stay, cancel the list with `archiver disposal cancel {held[name]}`.",
            )
        if name in self.volumes:
            m = self.volumes[name]
            return Material("volume", name, m.title, m.customer, m.classification, frozenset({f"volume:{name}"}))
        if name in self.records:
            r = self.records[name]
            return Material("record", name, r.meta.title, r.customer, r.meta.classification,
                            frozenset(self.record_units(name)))
        if name in self.customers:
            units = {f"customer:{name}"}
            levels = []
            for m in self.volumes.values():
                if m.customer == name:
                    units.add(f"volume:{m.reference}")
                    levels.append(m.classification)
            for r in self.records.values():
                if r.customer == name:
                    units |= self.record_units(r.id)
                    levels.append(r.meta.classification)
            return Material("customer", name, self.customers[name], name, highest(levels), frozenset(units))
        raise NotFoundError(
            f"Nothing in the archive is called {name!r}: it is no customer code, volume reference "
            "code or record id.",
            hint="Check the spelling: `archiver customer list`, `archiver log` (record ids) and the "
            "catalogue list what exists.",
        )
