"""What consultations, loans and destruction lists share: numbered cases in an append-only
register, whose state is *derived* by replaying their entries (never stored twice), and
the approval rules of Art. 27–28.

A case is the entries of one register with the same ``id``, in order. Numbers are given
out under the archive's ``custody`` lock, so two clerks never get the same number.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..atomic import append_line
from ..clock import now
from ..config import Config
from ..customers import clean_text
from ..errors import LockedError, NotFoundError, WorkflowError
from ..register import Register
from ..store import Archive


@dataclass
class Case:
    """The entries of one case, in the order they were recorded."""

    id: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def opened(self) -> dict[str, Any]:
        return self.entries[0]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e.get("event") == name]

    def last(self, name: str) -> dict[str, Any] | None:
        found = self.events(name)
        return found[-1] if found else None


def group_cases(entries: Iterable[dict[str, Any]]) -> dict[str, Case]:
    """Cases by id, in the order they were opened."""
    cases: dict[str, Case] = {}
    for entry in entries:
        case_id = entry.get("id")
        if not isinstance(case_id, str):
            continue
        cases.setdefault(case_id, Case(case_id)).entries.append(entry)
    return cases


def next_id(existing: Iterable[str], prefix: str, year: int, width: int = 4) -> str:
    """``PREFIX-YEAR-NNNN``: one more than the highest number given out this year."""
    pattern = re.compile(rf"^{re.escape(prefix)}-{year}-(\d+)$")
    numbers = [int(m.group(1)) for m in map(pattern.match, existing) if m]
    return f"{prefix}-{year}-{max(numbers, default=0) + 1:0{width}d}"


def get_case(cases: dict[str, Case], case_id: str, what: str, list_cmd: str) -> Case:
    try:
        return cases[case_id]
    except KeyError:
        raise NotFoundError(f"There is no {what} {case_id}.", hint=f"List them with `{list_cmd}`.") from None


def required_approvals(config: Config, classification: str) -> int:
    """Art. 27–28 with Art. 24: restricted material needs a second, different approver."""
    return 2 if config.needs_second_approver(classification) else 1


def approval_refusal(config: Config, *, approver: str, requester: str, requested_by: str,
                     approvals: list[str]) -> str:
    """Why ``approver`` may not approve this request now ('' when they may)."""
    if not config.custody.allow_self_approval and approver in {requester, requested_by}:
        return (f"{approver} made this request and cannot approve it: custody.allow_self_approval "
                "is false in archive.toml (the archive approves, Art. 27–28)")
    if approver in approvals:
        return (f"{approver} has approved it already; the second approval of restricted material "
                "must come from a different person")
    return ""


def need_text(value: str, what: str) -> str:
    """A required free-text field, NFC-normalised; refuse it empty."""
    cleaned = clean_text(value or "")
    if not cleaned:
        raise WorkflowError(f"The {what} is missing.", hint=f"Give the {what}: the form of Art. 27–28 requires it.")
    return cleaned


def refuse(message: str, hint: str = "") -> WorkflowError:
    return WorkflowError(message, hint=hint or "Nothing was recorded.")


def approvals_to_record(config: Config, case: Case, *, by: str, second: str = "") -> list[str]:
    """Who is approving now (``by``, then ``second`` if given), checked against the rules:
    the request is complete — stamped and signed by the requesting department's responsible
    person (Art. 27.2–3: 手续齐全则给予批准); no self-approval unless configured; each
    approver a different person (Art. 27–28)."""
    if not case.opened.get("signer"):
        raise refuse(f"{case.id} cannot be approved: the request carries no signature of the requesting "
                     "department's responsible person (Art. 27: stamped and signed by the department).",
                     hint="Refuse it (`refuse ID --reason …`) and record the request again with --signer NAME.")
    requester = str(case.opened.get("requester", ""))
    requested_by = str(case.opened.get("by", ""))
    done = [str(e.get("by")) for e in case.events("approved")]
    out: list[str] = []
    for person in [by, second] if second else [by]:
        why = approval_refusal(config, approver=person, requester=requester, requested_by=requested_by,
                               approvals=done + out)
        if why:
            raise refuse(f"{case.id} cannot be approved: {why}.")
        out.append(person)
    return out


def record_approvals(register: Register, case_id: str, people: list[str], *, recorded_by: str) -> list[dict[str, Any]]:
    """Append one ``approved`` entry per approver in a single write: both approvals of
    restricted material are recorded together or not at all (Art. 21)."""
    at = now().isoformat()
    entries = [{"at": at, "by": p, "event": "approved", "id": case_id, "recorded_by": recorded_by} for p in people]
    append_line(register.path, "\n".join(json.dumps(e, ensure_ascii=False) for e in entries))
    return entries


def approval_state(case: Case) -> str:
    """requested → approving (one of two approvals) → approved, or refused."""
    if case.events("refused"):
        return "refused"
    have = len(case.events("approved"))
    if have >= int(case.opened.get("approvals_needed", 1)):
        return "approved"
    return "approving" if have else "requested"


def request_form(*, requester: str, department: str, purpose: str, reason: str, signer: str) -> dict[str, str]:
    """The written request of Art. 27 (and Art. 28, "similar to the consultation request"):
    purpose, reason, who asks, for which department, and the department's responsible
    person who stamps and signs it (盖章, 负责人签字)."""
    return {
        "requester": need_text(requester, "requester"),
        "department": need_text(department, "requesting department"),
        "purpose": need_text(purpose, "purpose"),
        "reason": need_text(reason, "reason"),
        "signer": clean_text(signer or ""),
    }


@contextmanager
def custody_lock(archive: Archive, purpose: str, wait_seconds: float = 15.0) -> Iterator[None]:
    """Hold the archive's ``custody`` lock while a number is given out or a step is checked
    and recorded, so two clerks never act on the same state at once. Custody steps are
    short: wait for the other one (up to ``wait_seconds``) instead of failing at once."""
    deadline = time.monotonic() + wait_seconds
    stack = ExitStack()
    while True:
        try:
            stack.enter_context(archive.lock("custody", purpose=purpose))
            break
        except LockedError:
            if time.monotonic() >= deadline:
                raise LockedError(
                    f"Another custody command has held the archive {archive.root} for more than "
                    f"{wait_seconds:g} s.",
                    hint="Wait for it to finish (a disposal moving many files can take a while), then run the "
                    "command again.",
                ) from None
            time.sleep(0.05)
    with stack:
        yield


UNDECIDED = ("requested", "approving")  # a request that may still be approved or refused


@contextmanager
def undecided_case(archive: Archive, register: str, case_id: str, *, what: str, list_cmd: str,
                   state_of: Callable[[Case], str], command: str, action: str) -> Iterator[Case]:
    """Under the custody lock: the case ``case_id``, which must still be undecided."""
    with custody_lock(archive, f"archiver {command} {action}"):
        case = get_case(group_cases(archive.register(register)), case_id, what, list_cmd)
        state = state_of(case)
        if state not in UNDECIDED:
            raise WorkflowError(f"The {what} {case_id} is {state} already: it cannot be {action}d.",
                                hint="Nothing was recorded.")
        yield case


def approve_request(archive: Archive, register: str, case_id: str, *, by: str, second: str, what: str,
                    list_cmd: str, state_of: Callable[[Case], str], command: str,
                    check: Callable[[Case], None]) -> list[dict[str, Any]]:
    """Record the approval(s) of an undecided request (Art. 27–28); ``check`` refuses
    what may not be approved now (material held for destruction)."""
    with undecided_case(archive, register, case_id, what=what, list_cmd=list_cmd, state_of=state_of,
                        command=command, action="approve") as case:
        check(case)
        people = approvals_to_record(archive.config, case, by=by, second=second)
        return record_approvals(archive.register(register), case_id, people, recorded_by=by)


def refuse_request(archive: Archive, register: str, case_id: str, *, by: str, reason: str, what: str,
                   list_cmd: str, state_of: Callable[[Case], str], command: str) -> dict[str, Any]:
    """Record the refusal of an undecided request (Art. 27–28)."""
    reason = need_text(reason, "reason for the refusal")
    with undecided_case(archive, register, case_id, what=what, list_cmd=list_cmd, state_of=state_of,
                        command=command, action="refuse"):
        return archive.register(register).append("refused", by=by, id=case_id, reason=reason)
