"""Pure rules shared by the custody registers: case replay, numbering, approvals (Art.
27–28), and what material covers (Art. 28: an item is not out twice at once)."""

from __future__ import annotations

from custody_helpers import bind, doc, file_docs

from archiver.config import parse_config, template_text
from archiver.custody.material import Holdings, highest
from archiver.custody.workflow import (
    Case,
    approval_refusal,
    approval_state,
    group_cases,
    next_id,
    required_approvals,
)
from archiver.store import Archive


def config(**custody: object):  # type: ignore[no-untyped-def]
    import tomllib

    raw = tomllib.loads(template_text())
    raw["custody"].update(custody)
    return parse_config(raw)


def test_numbers_restart_each_year_and_never_repeat() -> None:
    assert next_id([], "LN", 2026) == "LN-2026-0001"
    assert next_id(["LN-2026-0001", "LN-2026-0007", "LN-2025-0042", "CQ-2026-0099"], "LN", 2026) == "LN-2026-0008"
    assert next_id(["DL-2026-009"], "DL", 2026, width=3) == "DL-2026-010"


def test_cases_are_replayed_from_their_entries() -> None:
    entries = [
        {"id": "A", "event": "requested", "by": "x", "approvals_needed": 2},
        {"id": "B", "event": "requested", "by": "y"},
        {"id": "A", "event": "approved", "by": "p"},
        {"event": "noise"},
    ]
    cases = group_cases(entries)
    assert list(cases) == ["A", "B"]
    assert approval_state(cases["A"]) == "approving" and approval_state(cases["B"]) == "requested"
    cases["A"].entries.append({"id": "A", "event": "approved", "by": "q"})
    assert approval_state(cases["A"]) == "approved"
    assert approval_state(Case("C", [{"event": "requested"}, {"event": "refused"}])) == "refused"


def test_approval_rules() -> None:
    strict, lenient = config(), config(allow_self_approval=True)
    assert "allow_self_approval" in approval_refusal(strict, approver="a", requester="a", requested_by="c", approvals=[])
    assert "allow_self_approval" in approval_refusal(strict, approver="c", requester="a", requested_by="c", approvals=[])
    assert approval_refusal(lenient, approver="a", requester="a", requested_by="a", approvals=[]) == ""
    assert "different person" in approval_refusal(lenient, approver="b", requester="a", requested_by="a",
                                                  approvals=["b"])
    assert [required_approvals(strict, lvl) for lvl in ("ordinary", "confidential", "secret", "top-secret")] == [1, 1, 2, 2]
    assert required_approvals(config(second_approver_from="confidential"), "confidential") == 2
    assert highest(["ordinary", "secret", "confidential"]) == "secret" and highest([]) == "ordinary"


def test_what_material_covers(archive_root, drop) -> None:  # type: ignore[no-untyped-def]
    records = file_docs(archive_root, drop, [
        doc("C0001", "contract", "2026-03-09"),
        doc("C0001", "credit-report", "2026-04-09", classification="secret"),
        doc("C0001", "sales-statistics", "2026-05-09"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    v = bind(archive, records[:2])
    h = Holdings.read(archive)
    assert h.resolve(v.reference).units == {f"volume:{v.reference}"}
    assert h.resolve(records[0].id).units == {f"volume:{v.reference}"}  # bound: lent with its volume
    assert h.resolve(records[2].id).units == {f"record:{records[2].id}"}  # loose
    whole = h.resolve("C0001")
    assert whole.units == {"customer:C0001", f"volume:{v.reference}", f"record:{records[2].id}"}
    assert whole.classification == "secret" and whole.label == "上海明远贸易有限公司"
