"""``archiver consult`` (Art. 27) and ``archiver loan`` (Art. 28): two registers of written
requests with one definition of their common commands — ``request`` (the form of Art. 27,
which Art. 28 follows), ``approve``, ``refuse`` and ``list`` — made by
:func:`request_commands` from a :class:`RequestRegister`, which says what differs. The loan
register adds ``lend`` and ``return``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from ...clock import today
from ...custody import consult as consult_mod
from ...custody import loans as loans_mod
from ...custody.state import consultation_state, loan_state
from ...custody.workflow import Case
from ...store import Archive
from .. import AppContext, by_option, echo_json, json_option, main
from .common import echo_step, parse_date, who

Decorator = Callable[[Any], Any]


@dataclass(frozen=True)
class ListFilter:
    """A flag of ``list`` that keeps only some rows (``loan list --open``)."""

    flag: str
    name: str
    help: str
    keep: Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class RequestRegister:
    """What differs between the consultation and the loan register."""

    group: click.Group
    noun: str  # "consultation request"
    metavar: str  # how a command's help names the request's id
    article: str
    options: tuple[Decorator, ...]  # the request's own options, beside the form of Art. 27
    record: Callable[..., dict[str, Any]]  # (archive, by=, form=, **own options) → the entry
    recorded: Callable[[dict[str, Any]], str]  # one line saying what was recorded
    approve: Callable[..., list[dict[str, Any]]]
    refuse: Callable[..., dict[str, Any]]
    cases: Callable[[Archive], dict[str, Case]]
    state: Callable[[Case], str]
    summary: Callable[[Case], dict[str, Any]]
    row: Callable[[dict[str, Any]], str]  # one line of `list`
    empty: str  # what `list` says when there is none
    filters: tuple[ListFilter, ...] = field(default=())


def form_options(f: Any) -> Any:
    """The written request of Art. 27 (and Art. 28, "similar to the consultation request")."""
    f = click.option("--signer", default="", help="The requesting department's responsible person who stamped and "
                     "signed the request (required before it can be approved, Art. 27).")(f)
    f = click.option("--reason", required=True, help="Why it is needed (理由).")(f)
    f = click.option("--purpose", required=True, help="What it is for (目的).")(f)
    f = click.option("--department", required=True, help="The requesting department.")(f)
    f = click.option("--requester", required=True, help="Who asks (查阅人/借档人).")(f)
    return f


def request_commands(reg: RequestRegister) -> None:
    """Define ``request``, ``approve``, ``refuse`` and ``list`` on ``reg.group``."""

    def request(app: AppContext, requester: str, department: str, purpose: str, reason: str, signer: str,
                by: str, as_json: bool, **own: Any) -> None:
        form = {"requester": requester, "department": department, "purpose": purpose, "reason": reason,
                "signer": signer}
        e = reg.record(app.archive, by=who(by), form=form, **own)
        echo_step(as_json, e, reg.recorded(e))

    command: Any = request
    for decorate in (click.pass_obj, json_option, by_option, *reversed(reg.options), form_options):
        command = decorate(command)  # as if written top-down: form, own options, --by, --json
    reg.group.command("request", help=f"Record a written {reg.noun} ({reg.article}).")(command)

    @reg.group.command("approve", help=f"Approve {reg.noun} {reg.metavar} (the archive approves, {reg.article}).")
    @click.argument("case_id", metavar=reg.metavar)
    @click.option("--second-approver", default="",
                  help="Also record the second approval by this person (restricted material).")
    @by_option
    @json_option
    @click.pass_obj
    def approve(app: AppContext, case_id: str, second_approver: str, by: str, as_json: bool) -> None:
        entries = reg.approve(app.archive, case_id, by=who(by), second=second_approver)
        state = reg.state(reg.cases(app.archive)[case_id])
        echo_step(as_json, entries, f"{case_id} approved by {', '.join(e['by'] for e in entries)}: {state}.")

    @reg.group.command("refuse", help=f"Refuse {reg.noun} {reg.metavar}.")
    @click.argument("case_id", metavar=reg.metavar)
    @click.option("--reason", required=True, help="Why it is refused.")
    @by_option
    @json_option
    @click.pass_obj
    def refuse(app: AppContext, case_id: str, reason: str, by: str, as_json: bool) -> None:
        e = reg.refuse(app.archive, case_id, by=who(by), reason=reason)
        echo_step(as_json, e, f"{case_id} refused by {e['by']}: {reason}")

    def list_cmd(app: AppContext, as_json: bool, **flags: bool) -> None:
        rows = [reg.summary(c) for c in reg.cases(app.archive).values()]
        for f in reg.filters:
            if flags.get(f.name):
                rows = [r for r in rows if f.keep(r)]
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            click.echo(reg.row(r))
        if not rows:
            click.echo(reg.empty)

    listing: Any = json_option(click.pass_obj(list_cmd))
    for f in reversed(reg.filters):
        listing = click.option(f.flag, f.name, is_flag=True, help=f.help)(listing)
    reg.group.command("list", help=f"List the {reg.noun}s and their state.")(listing)


# Consultation (Art. 27) ---------------------------------------------------------------------------
@main.group(short_help="Consultation register: request, approve, refuse (Art. 27).")
def consult() -> None:
    """Consultation register (Art. 27): request → approve / refuse."""


def _consult_row(r: dict[str, Any]) -> str:
    return (f"{r['id']}  {r['state']:<9} {str(r['at'])[:10]}  {r['requester']} ({r['department']})  "
            f"{r['object']['kind']} {r['object']['ref']}  approved by: {', '.join(r['approved_by']) or '—'}")


request_commands(RequestRegister(
    group=consult, noun="consultation request", metavar="REQUEST_ID", article="Art. 27",
    options=(click.option("--object", "obj", required=True,
                          help="What to consult: a customer code, volume reference code or record id."),),
    record=lambda archive, *, by, form, obj: consult_mod.request(archive, by=by, obj=obj, **form),
    recorded=lambda e: (f"Consultation request {e['id']}: {e['object']['kind']} {e['object']['ref']} for "
                        f"{e['requester']} ({e['department']}); needs {e['approvals_needed']} approval(s)."),
    approve=consult_mod.approve, refuse=consult_mod.refuse, cases=consult_mod.cases, state=consultation_state,
    summary=consult_mod.summary, row=_consult_row, empty="No consultation requests.",
))


# Loans (Art. 28) ------------------------------------------------------------------------------------
@main.group(short_help="Loan register: request, approve, lend, return (Art. 28).")
def loan() -> None:
    """Loan register (Art. 28): request → approve → lend → return."""


def _record_loan(archive: Archive, *, by: str, form: dict[str, str], items: tuple[str, ...], obj: str,
                 copies: int, due: str) -> dict[str, Any]:
    return loans_mod.request(archive, by=by, items=list(items), obj=obj, copies=copies,
                             due=parse_date(due), **form)


def _loan_recorded(e: dict[str, Any]) -> str:
    copies = "copy" if e["copies"] == 1 else "copies"
    return (f"Loan request {e['id']}: {len(e['items'])} item(s), {e['copies']} {copies}, due {e['due']}; "
            f"needs {e['approvals_needed']} approval(s).")


def _loan_row(r: dict[str, Any]) -> str:
    items = ", ".join(i["ref"] for i in r["items"])
    flag = "  OVERDUE" if r["overdue"] else ""
    return (f"{r['id']}  {r['state']:<9} due {r['due']}  {r['requester']} ({r['department']})  "
            f"borrower {r['borrower'] or '—'}  {items}{flag}")


request_commands(RequestRegister(
    group=loan, noun="loan request", metavar="LOAN_ID", article="Art. 28",
    options=(
        click.option("--item", "items", multiple=True, required=True,
                     help="A volume reference code, record id or customer code to take out (repeatable)."),
        click.option("--object", "obj", default="",
                     help="The customer (or other material) the loan concerns, if not the items."),
        click.option("--copies", type=int, default=1, show_default=True, help="Copies (份数)."),
        click.option("--due", "due", default="", help="Due back on YYYY-MM-DD (default: today + custody.loan_days)."),
    ),
    record=_record_loan, recorded=_loan_recorded,
    approve=loans_mod.approve, refuse=loans_mod.refuse, cases=loans_mod.cases, state=loan_state,
    summary=lambda case: loans_mod.summary(case, today()), row=_loan_row, empty="No loans.",
    filters=(ListFilter("--open", "only_open", "Only loans out now.", lambda r: r["state"] == "lent"),
             ListFilter("--overdue", "overdue", "Only loans out past their due date.", lambda r: bool(r["overdue"]))),
))


@loan.command("lend")
@click.argument("loan_id")
@click.option("--borrower", required=True, help="The person taking the items, who signs the loan record.")
@by_option
@json_option
@click.pass_obj
def loan_lend(app: AppContext, loan_id: str, borrower: str, by: str, as_json: bool) -> None:
    """Hand out the items of approved loan LOAN_ID; the borrower signs for them."""
    e = loans_mod.lend(app.archive, loan_id, by=who(by), borrower=borrower)
    echo_step(as_json, e, f"{loan_id} lent to {e['borrower']}, due back {e['due']}.")


@loan.command("return")
@click.argument("loan_id")
@by_option
@json_option
@click.pass_obj
def loan_return(app: AppContext, loan_id: str, by: str, as_json: bool) -> None:
    """Record the return of LOAN_ID; the loan is cancelled (注销)."""
    e = loans_mod.return_loan(app.archive, loan_id, by=who(by))
    late = f" ({e['days_late']} days late)" if e["days_late"] else ""
    echo_step(as_json, e, f"{loan_id} returned by {e['borrower']}{late}; the loan is cancelled.")
