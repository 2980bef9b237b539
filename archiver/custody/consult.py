"""Consultation register (查阅, Art. 27): a written request — purpose, object, reason,
requester, stamped and signed by the requesting department's responsible person — that the
archive approves or refuses. Register ``registers/consultations.jsonl``; the state of a
request is derived from its entries (:func:`~archiver.custody.workflow.approval_state`).

The object is a customer (code), a volume (reference code) or a record (id) and must
exist; material held apart for destruction cannot be consulted (Art. 29). Material
classified at ``custody.second_approver_from`` or above needs a second, different approver.
"""

from __future__ import annotations

from typing import Any

from ..clock import today
from ..errors import WorkflowError
from ..store import Archive
from .material import Holdings
from .state import CONSULTATIONS, consultation_cases, held_names
from .workflow import (
    Case,
    approval_state,
    approve_request,
    custody_lock,
    need_text,
    next_id,
    refuse_request,
    request_form,
    required_approvals,
)

REGISTER = CONSULTATIONS
LIST_CMD = "archiver consult list"


def cases(archive: Archive) -> dict[str, Case]:
    return consultation_cases(archive)


def request(archive: Archive, *, by: str, requester: str, department: str, purpose: str, obj: str,
            reason: str, signer: str = "") -> dict[str, Any]:
    form = request_form(requester=requester, department=department, purpose=purpose, reason=reason, signer=signer)
    material = Holdings.read(archive).resolve(need_text(obj, "object"), held_names(archive))
    with custody_lock(archive, "archiver consult request"):
        case_id = next_id(cases(archive), "CQ", today().year)
        return archive.register(REGISTER).append(
            "requested", by=by, id=case_id, **form, object=material.as_dict(),
            approvals_needed=required_approvals(archive.config, material.classification),
        )


def approve(archive: Archive, case_id: str, *, by: str, second: str = "") -> list[dict[str, Any]]:
    def not_held(case: Case) -> None:  # called under the custody lock
        held = held_names(archive)
        ref = case.opened["object"]["ref"]
        if ref in held:
            raise WorkflowError(f"{ref} is held apart for destruction (list {held[ref]}): it cannot be consulted.",
                                hint=f"Refuse the request, or cancel the list ({held[ref]}). Nothing was recorded.")

    return approve_request(archive, REGISTER, case_id, by=by, second=second, what="consultation request",
                           list_cmd=LIST_CMD, state_of=approval_state, command="consult", check=not_held)


def refuse(archive: Archive, case_id: str, *, by: str, reason: str) -> dict[str, Any]:
    return refuse_request(archive, REGISTER, case_id, by=by, reason=reason, what="consultation request",
                          list_cmd=LIST_CMD, state_of=approval_state, command="consult")


def summary(case: Case) -> dict[str, Any]:
    o = case.opened
    refused = case.last("refused")
    return {
        "id": case.id, "state": approval_state(case), "at": o.get("at"), "by": o.get("by"),
        "requester": o.get("requester"), "department": o.get("department"), "purpose": o.get("purpose"),
        "reason": o.get("reason"), "signer": o.get("signer"), "object": o.get("object"),
        "approvals_needed": o.get("approvals_needed", 1),
        "approved_by": [e.get("by") for e in case.events("approved")],
        "refused_by": refused.get("by") if refused else None,
        "refusal": refused.get("reason") if refused else None,
    }  # fmt: skip
