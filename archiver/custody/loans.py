"""Loan register (借档, Art. 28): request → approve → lend (the borrower signs) → return
(the loan is cancelled, 注销). Register ``registers/loans.jsonl``; state derived by replay.

A request names the items to take out (customer code, volume reference code or record id
— each must exist), the number of copies and the due date (default: today +
``custody.loan_days``). Rules, each refused with a :class:`~archiver.errors.WorkflowError`:

* an item cannot be out twice at once — a record bound in a volume goes out with its
  volume, and a customer's file covers all its volumes and loose records
  (:mod:`archiver.custody.material`);
* material held apart for destruction cannot be lent (Art. 29);
* restricted material (``custody.second_approver_from``) needs a second, different approver;
* with ``custody.allow_self_approval = false`` nobody approves their own request;
* only an approved request is lent, only a lent loan is returned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..clock import today
from ..errors import WorkflowError
from ..store import Archive
from .material import Holdings, highest
from .state import LOANS, held_names, lent_units, loan_cases, loan_state
from .workflow import (
    Case,
    approve_request,
    custody_lock,
    get_case,
    need_text,
    next_id,
    refuse_request,
    request_form,
    required_approvals,
)

REGISTER = LOANS
LIST_CMD = "archiver loan list"


def cases(archive: Archive) -> dict[str, Case]:
    return loan_cases(archive)


state_of = loan_state  # requested → approving → approved → lent → returned; or refused (custody.state)


def due_of(case: Case) -> dt.date:
    return dt.date.fromisoformat(str(case.opened["due"]))


def is_overdue(case: Case, day: dt.date) -> bool:
    return state_of(case) == "lent" and due_of(case) < day


def request(archive: Archive, *, by: str, requester: str, department: str, purpose: str, reason: str,
            items: list[str], copies: int = 1, due: dt.date | None = None, obj: str = "",
            signer: str = "") -> dict[str, Any]:
    form = request_form(requester=requester, department=department, purpose=purpose, reason=reason, signer=signer)
    if not items:
        raise WorkflowError("A loan request names at least one item.", hint="Give --item for each volume, record or customer file.")
    if copies < 1:
        raise WorkflowError(f"Copies must be 1 or more, not {copies}.", hint="Give --copies N.")
    day = today()
    due = due or day + dt.timedelta(days=archive.config.custody.loan_days)
    if due < day:
        raise WorkflowError(f"The due date {due.isoformat()} is before today ({day.isoformat()}).",
                            hint="Give a due date today or later (--due YYYY-MM-DD).")
    holdings = Holdings.read(archive)
    held = held_names(archive)
    materials = [holdings.resolve(need_text(i, "item"), held) for i in dict.fromkeys(items)]
    subject = holdings.resolve(obj, held).as_dict() if obj else None
    classification = highest(m.classification for m in materials)
    with custody_lock(archive, "archiver loan request"):
        case_id = next_id(cases(archive), "LN", day.year)
        return archive.register(REGISTER).append(
            "requested", by=by, id=case_id, **form, object=subject, items=[m.as_dict() for m in materials],
            copies=copies, due=due, classification=classification,
            approvals_needed=required_approvals(archive.config, classification),
        )


def _refuse_held(case: Case, held: dict[str, str]) -> None:
    for item in case.opened.get("items", []):
        if item["ref"] in held:
            raise WorkflowError(f"{item['ref']} is held apart for destruction (list {held[item['ref']]}): "
                                "it cannot be lent (Art. 29).",
                                hint=f"Refuse the request, or cancel list {held[item['ref']]}. Nothing was recorded.")


def approve(archive: Archive, case_id: str, *, by: str, second: str = "") -> list[dict[str, Any]]:
    return approve_request(archive, REGISTER, case_id, by=by, second=second, what="loan request",
                           list_cmd=LIST_CMD, state_of=state_of, command="loan",
                           check=lambda case: _refuse_held(case, held_names(archive)))  # read under the lock


def refuse(archive: Archive, case_id: str, *, by: str, reason: str) -> dict[str, Any]:
    return refuse_request(archive, REGISTER, case_id, by=by, reason=reason, what="loan request",
                          list_cmd=LIST_CMD, state_of=state_of, command="loan")


def lend(archive: Archive, case_id: str, *, by: str, borrower: str) -> dict[str, Any]:
    """Hand the items out; ``borrower`` is the person who signs the loan record (借档人签字)."""
    borrower = need_text(borrower, "borrower (who signs for the items)")
    with custody_lock(archive, "archiver loan lend"):
        all_cases = cases(archive)
        case = get_case(all_cases, case_id, "loan request", LIST_CMD)
        state = state_of(case)
        if state != "approved":
            why = {"requested": "it has not been approved", "lent": "it is out already",
                   "approving": "it still needs its second approval"}
            raise WorkflowError(f"Loan {case_id} cannot be lent: {why.get(state, 'it is ' + state)}.",
                                hint="Order (Art. 28): request → approve → lend → return. Nothing was recorded.")
        held = held_names(archive)
        _refuse_held(case, held)
        holdings = Holdings.read(archive)
        units: set[str] = set()
        for item in case.opened.get("items", []):
            units |= holdings.resolve(item["ref"], held).units
        out = lent_units(archive)
        clash = sorted(u for u in units if u in out)
        if clash:
            other = out[clash[0]]
            raise WorkflowError(f"{clash[0].split(':', 1)[1]} is out already on loan {other}: an item cannot be "
                                "lent twice at once.",
                                hint=f"Wait for `archiver loan return {other}`. Nothing was recorded.")
        return archive.register(REGISTER).append("lent", by=by, id=case_id, borrower=borrower,
                                                 due=case.opened.get("due"), units=sorted(units))


def return_loan(archive: Archive, case_id: str, *, by: str) -> dict[str, Any]:
    """The items are back: the loan is cancelled in the register (归还注销)."""
    with custody_lock(archive, "archiver loan return"):
        case = get_case(cases(archive), case_id, "loan", LIST_CMD)
        state = state_of(case)
        if state != "lent":
            raise WorkflowError(f"Loan {case_id} is not out (it is {state}): nothing to return.",
                                hint="Only a lent loan can be returned. Nothing was recorded.")
        lent = case.last("lent") or {}
        late = (today() - due_of(case)).days
        return archive.register(REGISTER).append("returned", by=by, id=case_id, borrower=lent.get("borrower"),
                                                 days_late=max(late, 0))


def summary(case: Case, day: dt.date) -> dict[str, Any]:
    o = case.opened
    lent = case.last("lent")
    returned = case.last("returned")
    refused = case.last("refused")
    return {
        "id": case.id, "state": state_of(case), "overdue": is_overdue(case, day), "at": o.get("at"),
        "by": o.get("by"), "requester": o.get("requester"), "department": o.get("department"),
        "purpose": o.get("purpose"), "reason": o.get("reason"), "signer": o.get("signer"),
        "object": o.get("object"), "items": o.get("items", []), "copies": o.get("copies"), "due": o.get("due"),
        "classification": o.get("classification"), "approvals_needed": o.get("approvals_needed", 1),
        "approved_by": [e.get("by") for e in case.events("approved")],
        "borrower": lent.get("borrower") if lent else None, "lent_at": lent.get("at") if lent else None,
        "returned_at": returned.get("at") if returned else None,
        "refusal": refused.get("reason") if refused else None,
    }  # fmt: skip


def loan_counts(archive: Archive, day: dt.date | None = None) -> dict[str, int]:
    """Open (out now), overdue (out past the due date), pending and total loans (Art. 25)."""
    day = day or today()
    all_cases = list(cases(archive).values())
    return {
        "total": len(all_cases),
        "pending": sum(state_of(c) in ("requested", "approving", "approved") for c in all_cases),
        "open": sum(state_of(c) == "lent" for c in all_cases),
        "overdue": sum(is_overdue(c, day) for c in all_cases),
        "returned": sum(state_of(c) == "returned" for c in all_cases),
        "refused": sum(state_of(c) == "refused" for c in all_cases),
    }
