"""What a consultation, loan or destruction list is about (archiver.custody.material): a
volume, a record (bound: its volume; loose: itself) or a customer's whole file, found by
the name a person gives, with the units it covers and its highest classification."""

from __future__ import annotations

import pytest
from custody_conftest import Lending

from archiver.custody.material import Holdings, highest
from archiver.errors import NotFoundError, WorkflowError
from archiver.store import Archive


def test_highest_classification() -> None:
    assert highest([]) == "ordinary"
    assert highest(["ordinary", "secret", "confidential"]) == "secret"
    assert highest(["top-secret", "secret"]) == "top-secret"
    assert highest(["unknown-level"]) == "ordinary"  # not a level: ranks with none


def test_volumes_records_and_customers_resolve_to_their_units(lending: Lending) -> None:
    h = Holdings.read(Archive.open(lending.root))
    ref = lending.volume.reference
    assert h.bound_in[lending.bound[0].id] == [ref]
    volume = h.resolve(ref)
    assert (volume.kind, volume.label, volume.customer, volume.units) == (
        "volume", lending.volume.title, "C0001", frozenset({f"volume:{ref}"}))
    bound = h.resolve(lending.bound[1].id)  # a record in a volume goes out with its volume
    assert bound.kind == "record" and bound.label == "信用评估" and bound.units == frozenset({f"volume:{ref}"})
    loose = h.resolve(lending.loose.id)
    assert loose.units == frozenset({f"record:{lending.loose.id}"})
    whole = h.resolve("C0001")
    assert whole.kind == "customer" and whole.label == "上海明远贸易有限公司"
    assert whole.units == {"customer:C0001", f"volume:{ref}", f"record:{lending.loose.id}"}
    assert whole.classification == "ordinary"
    assert h.resolve("C0002").classification == "secret"  # the highest of its material
    assert h.resolve("C0003").units == {"customer:C0003"}  # a customer with nothing filed yet
    assert loose.as_dict() == {"kind": "record", "ref": lending.loose.id, "label": "销售统计", "customer": "C0001",
                               "classification": "ordinary"}


def test_unknown_names_and_material_held_for_destruction_are_refused(lending: Lending) -> None:
    h = Holdings.read(Archive.open(lending.root))
    with pytest.raises(NotFoundError, match="'C9999'"):
        h.resolve("C9999")
    ref = lending.volume.reference
    with pytest.raises(WorkflowError, match="DL-2026-001") as held:
        h.resolve(ref, {ref: "DL-2026-001"})
    assert "archiver disposal cancel DL-2026-001" in held.value.hint
    assert h.resolve(ref, {"other": "DL-2026-001"}).kind == "volume"
