"""Custody state, read from one place: what is held apart for destruction, lent, out for
consultation and destroyed (Art. 27–29).

The state is never stored: it is derived by replaying the append-only registers
(``registers/disposal.jsonl``, ``loans.jsonl``, ``consultations.jsonl``) — here, and
nowhere else. Loans, consultations, disposal, ``archiver build`` (a reference code held
or destroyed is never given out again, Art. 20), the statistics and the catalogue all
ask this module, so they cannot disagree about it; the workflow modules
(:mod:`.disposal`, :mod:`.loans`, :mod:`.consult`) record the steps.

* :func:`read` — the whole :class:`CustodyState` at once (one pass over each register).
* :func:`held_names`, :func:`lent_units`, :func:`disposed_references` — the parts the
  steps need under their lock, each reading only its register.
* :func:`list_state`, :func:`loan_state` — the state of one destruction list or loan,
  from its entries alone (pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import Archive
from .workflow import Case, approval_state, group_cases

DISPOSAL = "disposal"  # the register of destruction lists
DESTRUCTION = "destruction"  # the destruction register, kept forever
LOANS = "loans"
CONSULTATIONS = "consultations"

DISPOSAL_ROLES = ("cs-manager", "originating-dept")
OPEN_STATES = ("proposed", "appraising", "appraised", "moving", "held", "restoring", "destroying")
HELD_STATES = ("moving", "held", "restoring", "destroying")  # its files are (being) kept apart
# A list in one of these states took its volumes out of volumes/ (or is about to): their
# reference codes are never given to a new volume (Art. 20, 29).
DISPOSED_STATES = ("moving", "held", "restoring", "destroying", "destroyed")


# Pure: one case's state from its entries -------------------------------------------------
def list_state(case: Case) -> str:
    """The state of a destruction list (Art. 29): proposed → appraising → appraised →
    moving → held → destroying → destroyed; or restoring → cancelled."""
    events = [e.get("event") for e in case.entries]
    for state in ("destroyed", "destroying", "cancelled", "restoring", "held"):
        if state in events:
            return state
    if "approved" in events:
        return "moving"
    roles = {e.get("role") for e in case.events("appraised")}
    if roles >= set(DISPOSAL_ROLES):
        return "appraised"
    return "appraising" if roles else "proposed"


def loan_state(case: Case) -> str:
    """requested → approving → approved → lent → returned; or refused (Art. 28)."""
    if case.events("returned"):
        return "returned"
    if case.events("lent"):
        return "lent"
    return approval_state(case)


def consultation_state(case: Case) -> str:
    """requested → approving → approved, or refused (Art. 27)."""
    return approval_state(case)


def _names(case: Case) -> dict[str, str]:
    """Volume reference codes and record ids of a destruction list → the list id."""
    out: dict[str, str] = {}
    for v in case.opened.get("volumes", []):
        out[v["reference"]] = case.id
        for d in v.get("documents", []):
            out[d["record"]] = case.id
    return out


# The registers --------------------------------------------------------------------------
def disposal_lists(archive: Archive) -> dict[str, Case]:
    return group_cases(archive.register(DISPOSAL))


def loan_cases(archive: Archive) -> dict[str, Case]:
    return group_cases(archive.register(LOANS))


def consultation_cases(archive: Archive) -> dict[str, Case]:
    return group_cases(archive.register(CONSULTATIONS))


def _held(lists: dict[str, Case]) -> dict[str, str]:
    out: dict[str, str] = {}
    for case in lists.values():
        if list_state(case) in HELD_STATES:
            out.update(_names(case))
    return out


def _lent(loans: dict[str, Case]) -> dict[str, str]:
    out: dict[str, str] = {}
    for case in loans.values():
        if loan_state(case) == "lent":
            for unit in (case.last("lent") or {}).get("units", []):
                out[unit] = case.id
    return out


def held_names(archive: Archive) -> dict[str, str]:
    """Volume reference codes and record ids held apart (or moving, being restored or
    destroyed) → their destruction list: not lendable, not consultable, not in the
    catalogue (Art. 29)."""
    return _held(disposal_lists(archive))


def lent_units(archive: Archive) -> dict[str, str]:
    """Every unit out on loan now ("volume:REF", "record:ID", "customer:CODE") → the loan id."""
    return _lent(loan_cases(archive))


def disposed_references(archive: Archive) -> set[str]:
    """Reference codes of volumes approved for destruction — held apart, being restored
    or destroyed (Art. 29): a new volume never takes one of them (Art. 20)."""
    return {v["reference"] for case in disposal_lists(archive).values() if list_state(case) in DISPOSED_STATES
            for v in case.opened.get("volumes", [])}


@dataclass(frozen=True)
class CustodyState:
    """Custody state of the whole archive at one moment (read by :func:`read`)."""

    held: dict[str, str] = field(default_factory=dict)  # volume ref / record id → destruction list (held apart)
    destroyed: dict[str, str] = field(default_factory=dict)  # volume ref / record id → destruction list
    lent: dict[str, str] = field(default_factory=dict)  # unit ("volume:REF", …) → loan id (out now)
    consulting: dict[str, str] = field(default_factory=dict)  # object ref → approved consultation id (latest)
    lists: dict[str, str] = field(default_factory=dict)  # destruction list id → its state
    loans: dict[str, str] = field(default_factory=dict)  # loan id → its state
    consultations: dict[str, str] = field(default_factory=dict)  # consultation id → its state
    disposed: frozenset[str] = frozenset()  # reference codes never to be given out again

    def is_out(self, name: str) -> bool:
        """Held apart or destroyed: a volume or record the archive no longer shows or lends."""
        return name in self.held or name in self.destroyed

    def counts(self) -> dict[str, int]:
        return {"held": sum(s in HELD_STATES for s in self.lists.values()),
                "open_lists": sum(s in OPEN_STATES for s in self.lists.values()),
                "lent_units": len(self.lent), "consulting": len(self.consulting),
                "destroyed_lists": sum(s == "destroyed" for s in self.lists.values())}


def read(archive: Archive) -> CustodyState:
    """The custody state now, from the registers (one pass over each)."""
    lists = disposal_lists(archive)
    loans = loan_cases(archive)
    consultations = consultation_cases(archive)
    destroyed: dict[str, str] = {}
    for case in lists.values():
        if list_state(case) == "destroyed":
            destroyed.update(_names(case))
    consulting: dict[str, str] = {}
    for case in consultations.values():
        if consultation_state(case) == "approved":
            ref = (case.opened.get("object") or {}).get("ref")
            if isinstance(ref, str):
                consulting[ref] = case.id
    return CustodyState(
        held=_held(lists), destroyed=destroyed, lent=_lent(loans), consulting=consulting,
        lists={k: list_state(c) for k, c in lists.items()}, loans={k: loan_state(c) for k, c in loans.items()},
        consultations={k: consultation_state(c) for k, c in consultations.items()},
        disposed=frozenset(v["reference"] for c in lists.values() if list_state(c) in DISPOSED_STATES
                           for v in c.opened.get("volumes", [])),
    )  # fmt: skip
