"""Commands of custody and use (Art. 21–30): audit, stats, due, consult, loan, disposal,
and ``customer update`` / ``customer history``.

Every command records who (``--by``, else the login name) and when, takes ``--json`` for
scripts, and refuses an impossible step with exit code 7 and the reason.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import click

from ..clock import login_name, today
from ..custody import audit as audit_mod
from ..custody import consult as consult_mod
from ..custody import due as due_mod
from ..custody import history as history_mod
from ..custody import loans as loans_mod
from ..custody import stats as stats_mod
from ..custody.disposal import lists as destruction_lists
from ..custody.disposal import rules as disposal_rules
from ..custody.disposal import steps as disposal_steps
from ..custody.state import list_state
from ..customers import PROFILE_FIELDS, PROFILE_LABELS
from ..errors import EXIT_INTEGRITY, ArchiverError
from ..store import Archive
from . import AppContext, by_option, echo_json, json_option, main
from .filing import customer


def _pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns; CJK characters take two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def _who(by: str) -> str:
    return by or login_name()


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD.") from None


# Audit ---------------------------------------------------------------------------------------
@main.command("audit")
@click.option("--fast", is_flag=True, help="Check presence and sizes only (no re-hashing).")
@by_option
@json_option
@click.pass_obj
def audit_cmd(app: AppContext, fast: bool, by: str, as_json: bool) -> None:
    """Check the archive under the four properties of DA/T 70-2018 (Art. 21–23).

    \b
    真实性 Authenticity: checksums, sizes, page counts and metadata agree with the records.
    完整性 Integrity: every record and volume present, page sequences without gaps,
                     nothing unregistered, hold/ in every state of a destruction list.
    可用性 Usability: every file opens; volumes pass PDF/A-2b.
    安全性 Security: no active content in volumes or the catalogue, permissions as the
                    archive sets them, no link out of the archive.

    Runs under the archive's custody and build locks (and filing's when no watcher holds
    it), and says so. By default every file is re-hashed and opened (each read once);
    --fast checks presence, sizes, permissions and links only. Recorded in
    registers/audit.jsonl. Exit code 6 when anything is wrong; warnings (records not yet
    bound, volumes without a PDF/A result) do not change it.
    """
    archive = app.archive
    bar: Any = None

    def progress(size: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Auditing", file=sys.stderr)
            bar.__enter__()
        bar.update(size)

    use_bar = sys.stderr.isatty() and not as_json
    try:
        report = audit_mod.audit_archive(archive, fast=fast, progress=progress if use_bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    entry = audit_mod.record_audit(archive, report, by=by)
    if as_json:
        echo_json({"at": entry["at"], "by": entry["by"], **report.as_dict()})
    else:
        for line in audit_mod.report_lines(report):
            click.echo(line)
    if report.errors:
        sys.exit(EXIT_INTEGRITY)


# Statistics -----------------------------------------------------------------------------------
@main.command("stats", short_help="Statistics of the archive (Art. 25).")
@json_option
@click.pass_obj
def stats_cmd(app: AppContext, as_json: bool) -> None:
    """Statistics of the archive (Art. 25): holdings, collection, use, audit, destruction."""
    archive = app.archive
    data = stats_mod.collect(archive)
    if as_json:
        echo_json(data)
        return
    cfg = archive.config
    d, v = data["documents"], data["volumes"]
    click.echo(f"Statistics of {cfg.fonds_code} {cfg.fonds_name} on {data['as_of']}")
    click.echo(f"Customers: {data['customers']['total']} ({data['customers']['active']} active)")
    click.echo(f"Documents: {d['documents']} ({d['pages']} pages); filed this month {d['filed_this_month']}, "
               f"this year {d['filed_this_year']}")
    labels: dict[str, Callable[[str], str]] = {
        "year": lambda k: k,
        "type": lambda k: cfg.document_types[k].name if k in cfg.document_types else k,
        "retention": lambda k: cfg.retention[k].name if k in cfg.retention else k,
        "classification": lambda k: cfg.classifications.get(k, k),
        "department": lambda k: cfg.departments[k].name if k in cfg.departments else k,
    }
    order = {"type": list(cfg.document_types), "retention": list(cfg.retention),
             "classification": list(cfg.classifications), "department": list(cfg.departments)}

    def ordered(dim: str, table: dict[str, Any]) -> list[tuple[str, Any]]:
        keys = order.get(dim, [])
        return sorted(table.items(), key=lambda kv: (keys.index(kv[0]) if kv[0] in keys else len(keys), kv[0]))

    for dim, table in d["by"].items():
        if not table:
            continue
        click.echo(f"  by {dim}:")
        for key, row in ordered(dim, table):
            click.echo(f"    {_pad(labels[dim](key), 24)} {row['documents']:>6} documents {row['pages']:>7} pages "
                       f"{row['customers']:>5} customers")
    k = data["collection"]
    click.echo(f"Collection of {k['month']} (Art. 5): {k['expected']} monthly documents expected — {k['arrived']} "
               f"arrived, {k['late']} late, {k['missing']} missing, {k['not-yet-due']} not yet due")
    click.echo(f"Volumes: {v['volumes']} ({v['pages']} numbered pages, {v['documents_bound']} documents bound)")
    for dim, table in v["by"].items():
        if table:
            click.echo(f"  by {dim}: " + ", ".join(f"{labels[dim](k)} {r['volumes']}" for k, r in ordered(dim, table)))
    c, ln = data["consultations"], data["loans"]
    click.echo(f"Consultations: {c['total']} ({c['approved']} approved, {c['refused']} refused, "
               f"{c['requested'] + c['approving']} waiting)")
    click.echo(f"Loans: {ln['total']} ({ln['open']} out, {ln['overdue']} overdue, {ln['pending']} waiting, "
               f"{ln['returned']} returned)")
    a = data["last_audit"]
    click.echo("Last audit: never" if a is None else
               f"Last audit: {a['at']} by {a['by']} ({a['scope']}): {a['result']}, {a['findings']} problem(s)")
    dd = data["disposal"]
    click.echo(f"Destroyed: {dd['destroyed']['volumes']} volumes, {dd['destroyed']['records']} records in "
               f"{dd['destroyed']['lists']} list(s); {dd['held_lists']} list(s) held apart now")


# Completeness ---------------------------------------------------------------------------------
@main.command("due")
@click.option("--month", default="", help="The month YYYY-MM whose documents are due (default: last month).")
@json_option
@click.pass_obj
def due_cmd(app: AppContext, month: str, as_json: bool) -> None:
    """Which monthly documents arrived, arrived late or are missing (Art. 5), by department;
    and documents whose pages differ from the declared count (Art. 11)."""
    archive = app.archive
    day = today()
    year, mon = due_mod.parse_month(month) if month else due_mod.previous_month(day)
    records = [r for r in archive.iter_records() if (r.meta.date.year, r.meta.date.month) == (year, mon)]
    expectations = due_mod.completeness(year, mon, archive.customers(), records, archive.config, day)
    from ..volumes.manifest import iter_manifests

    pages = due_mod.page_mismatches(records, iter_manifests(archive.volumes))
    found = due_mod.by_department(expectations)
    groups = {d: found[d] for d in archive.config.departments if d in found}  # in configured order
    if as_json:
        echo_json({
            "month": f"{year:04d}-{mon:02d}", "as_of": day,
            "counts": {s: sum(e.status == s for e in expectations) for s in due_mod.STATUSES},
            "departments": {k: [e.as_dict() for e in v] for k, v in groups.items()},
            "page_mismatches": [p.as_dict() for p in pages],
        })
        return
    cfg = archive.config
    click.echo(f"Documents of {year:04d}-{mon:02d} (as of {day}):")
    marks = {"arrived": "✓", "late": "late", "missing": "MISSING", "not-yet-due": "not yet due"}
    for dept, rows in groups.items():
        click.echo(f"{cfg.departments[dept].name} ({dept}), due by {rows[0].due}:")
        for e in rows:
            when = f" filed {e.filed}" if e.filed else ""
            click.echo(f"  {marks[e.status]:<11} {e.customer} {e.customer_name} · {e.type_name}{when}")
    if not groups:
        click.echo("  No monthly documents are expected (no active customers or monthly types).")
    counts = {s: sum(e.status == s for e in expectations) for s in due_mod.STATUSES}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    if pages:
        click.echo("Pages differing from the declared count (Art. 11):")
        for p in pages:
            click.echo(f"  {p.record} {p.title}: declared {p.declared}, {p.counted} in {p.counted_in}")


# Consultation -------------------------------------------------------------------------------
def _request_options(f: Any) -> Any:
    f = click.option("--signer", default="", help="The requesting department's responsible person who stamped and signed the request "
                     "(required before it can be approved, Art. 27).")(f)
    f = click.option("--reason", required=True, help="Why it is needed (理由).")(f)
    f = click.option("--purpose", required=True, help="What it is for (目的).")(f)
    f = click.option("--department", required=True, help="The requesting department.")(f)
    f = click.option("--requester", required=True, help="Who asks (查阅人/借档人).")(f)
    return f


@main.group(short_help="Consultation register: request, approve, refuse (Art. 27).")
def consult() -> None:
    """Consultation register (Art. 27): request → approve / refuse."""


@consult.command("request")
@_request_options
@click.option("--object", "obj", required=True, help="What to consult: a customer code, volume reference code or record id.")
@by_option
@json_option
@click.pass_obj
def consult_request(app: AppContext, requester: str, department: str, purpose: str, reason: str, signer: str,
                    obj: str, by: str, as_json: bool) -> None:
    """Record a written consultation request."""
    e = consult_mod.request(app.archive, by=_who(by), requester=requester, department=department,
                            purpose=purpose, obj=obj, reason=reason, signer=signer)
    if as_json:
        echo_json(e)
        return
    click.echo(f"Consultation request {e['id']}: {e['object']['kind']} {e['object']['ref']} for {e['requester']} "
               f"({e['department']}); needs {e['approvals_needed']} approval(s).")


def _approve_options(f: Any) -> Any:
    f = click.option("--second-approver", default="",
                     help="Also record the second approval by this person (restricted material).")(f)
    return f


@consult.command("approve")
@click.argument("request_id")
@_approve_options
@by_option
@json_option
@click.pass_obj
def consult_approve(app: AppContext, request_id: str, second_approver: str, by: str, as_json: bool) -> None:
    """Approve consultation request REQUEST_ID (the archive approves, Art. 27)."""
    entries = consult_mod.approve(app.archive, request_id, by=_who(by), second=second_approver)
    case = consult_mod.cases(app.archive)[request_id]
    _echo_step(as_json, entries, f"{request_id} approved by {', '.join(e['by'] for e in entries)}: "
               f"{consult_mod.summary(case)['state']}.")


@consult.command("refuse")
@click.argument("request_id")
@click.option("--reason", required=True, help="Why it is refused.")
@by_option
@json_option
@click.pass_obj
def consult_refuse(app: AppContext, request_id: str, reason: str, by: str, as_json: bool) -> None:
    """Refuse consultation request REQUEST_ID."""
    e = consult_mod.refuse(app.archive, request_id, by=_who(by), reason=reason)
    _echo_step(as_json, e, f"{request_id} refused by {e['by']}: {reason}")


@consult.command("list")
@json_option
@click.pass_obj
def consult_list(app: AppContext, as_json: bool) -> None:
    """List consultation requests and their state."""
    rows = [consult_mod.summary(c) for c in consult_mod.cases(app.archive).values()]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}  {r['state']:<9} {str(r['at'])[:10]}  {r['requester']} ({r['department']})  "
                   f"{r['object']['kind']} {r['object']['ref']}  approved by: {', '.join(r['approved_by']) or '—'}")


def _echo_step(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        echo_json(data)
    else:
        click.echo(text)


# Loans ---------------------------------------------------------------------------------------
@main.group(short_help="Loan register: request, approve, lend, return (Art. 28).")
def loan() -> None:
    """Loan register (Art. 28): request → approve → lend → return."""


@loan.command("request")
@_request_options
@click.option("--item", "items", multiple=True, required=True,
              help="A volume reference code, record id or customer code to take out (repeatable).")
@click.option("--object", "obj", default="", help="The customer (or other material) the loan concerns, if not the items.")
@click.option("--copies", type=int, default=1, show_default=True, help="Copies (份数).")
@click.option("--due", "due", default="", help="Due back on YYYY-MM-DD (default: today + custody.loan_days).")
@by_option
@json_option
@click.pass_obj
def loan_request(app: AppContext, requester: str, department: str, purpose: str, reason: str, signer: str,
                 items: tuple[str, ...], obj: str, copies: int, due: str, by: str, as_json: bool) -> None:
    """Record a written loan request."""
    e = loans_mod.request(app.archive, by=_who(by), requester=requester, department=department, purpose=purpose,
                          reason=reason, items=list(items), copies=copies, due=_date(due), obj=obj, signer=signer)
    _echo_step(as_json, e, f"Loan request {e['id']}: {len(e['items'])} item(s), {e['copies']} {'copy' if e['copies'] == 1 else 'copies'}, due "
               f"{e['due']}; needs {e['approvals_needed']} approval(s).")


@loan.command("approve")
@click.argument("loan_id")
@_approve_options
@by_option
@json_option
@click.pass_obj
def loan_approve(app: AppContext, loan_id: str, second_approver: str, by: str, as_json: bool) -> None:
    """Approve loan request LOAN_ID."""
    entries = loans_mod.approve(app.archive, loan_id, by=_who(by), second=second_approver)
    state = loans_mod.state_of(loans_mod.cases(app.archive)[loan_id])
    _echo_step(as_json, entries, f"{loan_id} approved by {', '.join(e['by'] for e in entries)}: {state}.")


@loan.command("refuse")
@click.argument("loan_id")
@click.option("--reason", required=True, help="Why it is refused.")
@by_option
@json_option
@click.pass_obj
def loan_refuse(app: AppContext, loan_id: str, reason: str, by: str, as_json: bool) -> None:
    """Refuse loan request LOAN_ID."""
    e = loans_mod.refuse(app.archive, loan_id, by=_who(by), reason=reason)
    _echo_step(as_json, e, f"{loan_id} refused by {e['by']}: {reason}")


@loan.command("lend")
@click.argument("loan_id")
@click.option("--borrower", required=True, help="The person taking the items, who signs the loan record.")
@by_option
@json_option
@click.pass_obj
def loan_lend(app: AppContext, loan_id: str, borrower: str, by: str, as_json: bool) -> None:
    """Hand out the items of approved loan LOAN_ID; the borrower signs for them."""
    e = loans_mod.lend(app.archive, loan_id, by=_who(by), borrower=borrower)
    _echo_step(as_json, e, f"{loan_id} lent to {e['borrower']}, due back {e['due']}.")


@loan.command("return")
@click.argument("loan_id")
@by_option
@json_option
@click.pass_obj
def loan_return(app: AppContext, loan_id: str, by: str, as_json: bool) -> None:
    """Record the return of LOAN_ID; the loan is cancelled (注销)."""
    e = loans_mod.return_loan(app.archive, loan_id, by=_who(by))
    late = f" ({e['days_late']} days late)" if e["days_late"] else ""
    _echo_step(as_json, e, f"{loan_id} returned by {e['borrower']}{late}; the loan is cancelled.")


@loan.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only loans out now.")
@click.option("--overdue", is_flag=True, help="Only loans out past their due date.")
@json_option
@click.pass_obj
def loan_list(app: AppContext, only_open: bool, overdue: bool, as_json: bool) -> None:
    """List loans (all, --open or --overdue)."""
    day = today()
    rows = [loans_mod.summary(c, day) for c in loans_mod.cases(app.archive).values()]
    if only_open:
        rows = [r for r in rows if r["state"] == "lent"]
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        items = ", ".join(i["ref"] for i in r["items"])
        flag = "  OVERDUE" if r["overdue"] else ""
        click.echo(f"{r['id']}  {r['state']:<9} due {r['due']}  {r['requester']} ({r['department']})  "
                   f"borrower {r['borrower'] or '—'}  {items}{flag}")
    if not rows:
        click.echo("No loans.")


# Disposal -----------------------------------------------------------------------------------
@main.group(short_help="Disposal of expired volumes: lists, hold, destruction (Art. 29).")
def disposal() -> None:
    """Disposal (Art. 29): due → propose → appraise ×2 → approve → hold → destroy (or cancel)."""


@disposal.command("due")
@json_option
@click.pass_obj
def disposal_due(app: AppContext, as_json: bool) -> None:
    """List volumes whose retention has expired and that are on no destruction list."""
    archive = app.archive
    rows = [d.as_dict(archive.root) for d in destruction_lists.due_volumes(archive)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['reference']}  {r['retention']:<10} expired after {r['expired_after']}  {r['title']}")
    click.echo(f"{len(rows)} volume(s) due for appraisal." if rows else "No volume has expired.")


@disposal.command("propose")
@click.argument("volumes", nargs=-1, required=True)
@by_option
@json_option
@click.pass_obj
def disposal_propose(app: AppContext, volumes: tuple[str, ...], by: str, as_json: bool) -> None:
    """Make a numbered destruction list of the expired VOLUMES (reference codes)."""
    e = disposal_steps.propose(app.archive, list(volumes), by=_who(by))
    _echo_step(as_json, e, f"Destruction list {e['id']}: {len(e['volumes'])} volume(s). Next: "
               f"`archiver disposal appraise {e['id']} --role cs-manager` and `--role originating-dept`.")


@disposal.command("appraise")
@click.argument("list_id")
@click.option("--role", required=True, type=click.Choice(list(disposal_rules.ROLES)),
              help="cs-manager (客户服务部经理) or originating-dept (档案形成部门领导).")
@click.option("--opinion", default="", help="The appraisal's opinion (default: 同意销毁).")
@by_option
@json_option
@click.pass_obj
def disposal_appraise(app: AppContext, list_id: str, role: str, opinion: str, by: str, as_json: bool) -> None:
    """Record one of the two appraisals of LIST_ID."""
    e = disposal_steps.appraise(app.archive, list_id, role=role, by=_who(by), opinion=opinion)
    _echo_step(as_json, e, f"{list_id}: {role} appraisal by {e['by']} recorded.")


@disposal.command("approve")
@click.argument("list_id")
@by_option
@json_option
@click.pass_obj
def disposal_approve(app: AppContext, list_id: str, by: str, as_json: bool) -> None:
    """Approve LIST_ID (the customer director); its files move into the hold.

    Run it again after an interruption to complete the move.
    """
    e = disposal_steps.approve(app.archive, list_id, by=_who(by))
    _echo_step(as_json, e, f"{list_id} approved: {e['files']} file(s) held apart in hold/{list_id}/ until "
               f"{e['hold_until']}.{_refresh_catalogue(app.archive)}")


@disposal.command("cancel")
@click.argument("list_id")
@click.option("--reason", default="", help="Why the list is withdrawn.")
@by_option
@json_option
@click.pass_obj
def disposal_cancel(app: AppContext, list_id: str, reason: str, by: str, as_json: bool) -> None:
    """Withdraw LIST_ID; during the hold every file goes back exactly where it was."""
    e = disposal_steps.cancel(app.archive, list_id, by=_who(by), reason=reason)
    _echo_step(as_json, e, f"{list_id} cancelled; {e['restored']} file(s) restored.{_refresh_catalogue(app.archive)}")


@disposal.command("destroy")
@click.argument("list_id")
@click.option("--supervisor", required=True, help="The destruction supervisor (监销人), who signs the register.")
@click.option("--place", required=True, help="Where the destruction takes place.")
@by_option
@json_option
@click.pass_obj
def disposal_destroy(app: AppContext, list_id: str, supervisor: str, place: str, by: str, as_json: bool) -> None:
    """Destroy the held files of LIST_ID after the hold; record it in the destruction register."""
    e = disposal_steps.destroy(app.archive, list_id, by=_who(by), supervisor=supervisor, place=place)
    copies = e.get("derived_copies") or {}
    sites = copies.get("sites", [])
    text = (f"{list_id} destroyed ({e['files']} files) at {e['place']} under {e['supervisor']}; "
            f"recorded in registers/destruction.jsonl. Copies removed: {len(copies.get('superseded', []))} "
            f"superseded volume file(s), {len(copies.get('caches', []))} cached file(s), "
            f"{sum(len(x['removed']) for x in sites)} file(s) in {len(sites)} catalogue folder(s).")
    for problem in copies.get("problems", []):
        text += f"\nWarning: {problem}"
    _echo_step(as_json, e, text)


def _refresh_catalogue(archive: Archive) -> str:
    """Material held apart or destroyed leaves the catalogue at once (Art. 24, 29): every
    catalogue folder the archive has written is brought up to date (its copies and links go)."""
    from ..catalogue.purge import refresh_sites

    done = refresh_sites(archive)
    updated = [s.folder for s in done if s.rebuilt]
    behind = [s for s in done if not s.rebuilt and not s.note.startswith("gone")]
    text = f" Catalogue(s) updated: {', '.join(updated)}." if updated else ""
    for s in behind:
        text += f" Catalogue {s.folder} {s.note}."
    return text


@disposal.command("list")
@json_option
@click.pass_obj
def disposal_list(app: AppContext, as_json: bool) -> None:
    """List destruction lists and their state."""
    rows = list(destruction_lists.summaries(app.archive))
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        hold = f" hold until {r['hold_until']}" if r["hold_until"] else ""
        click.echo(f"{r['id']}  {r['state']:<10} {len(r['volumes'])} volume(s), {r['records']} record(s){hold}")
    if not rows:
        click.echo("No destruction lists.")


@disposal.command("show")
@click.argument("list_id")
@json_option
@click.pass_obj
def disposal_show(app: AppContext, list_id: str, as_json: bool) -> None:
    """Show LIST_ID: its volumes, appraisals, approval and hold."""
    case = destruction_lists.get_list(app.archive, list_id)
    if as_json:
        echo_json({"state": list_state(case), "entries": case.entries})
        return
    click.echo(f"{list_id}: {list_state(case)}")
    for e in case.entries:
        extra = e.get("role") or e.get("hold_until") or e.get("supervisor") or ""
        click.echo(f"  {str(e['at'])[:19]}  {e['event']:<10} {e['by']}  {extra}")
    for v in case.opened.get("volumes", []):
        click.echo(f"  volume {v['reference']}  {v['title']}  ({len(v.get('documents', []))} records)")


# Customer history -----------------------------------------------------------------------------
customer.short_help = "Customer profiles (Art. 8) and their dated history (Art. 30)."
@customer.command("update")
@click.argument("code")
@click.option("--set", "pairs", multiple=True, required=True, metavar="FIELD=VALUE",
              help=f"A profile field to change (repeatable): {', '.join(PROFILE_FIELDS)}.")
@click.option("--reason", required=True, help="Why it changed (recorded with the change, Art. 30).")
@by_option
@json_option
@click.pass_obj
def customer_update(app: AppContext, code: str, pairs: tuple[str, ...], reason: str, by: str, as_json: bool) -> None:
    """Change the profile of customer CODE and record each change, dated (Art. 26, 30)."""
    try:
        values = history_mod.parse_assignments(list(pairs))
        if not reason.strip():
            raise ArchiverError("A reason is required for a change of a customer profile (Art. 30).",
                                hint="Give --reason, e.g. --reason '工商变更登记'.")
    except ArchiverError as exc:
        raise click.UsageError(str(exc)) from None
    entries = history_mod.update(app.archive, code, values, reason=reason, by=by)
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo(f"{code}: nothing changed (the profile already has these values).")
    for e in entries:
        click.echo(f"{code}: {PROFILE_LABELS.get(e['field'], e['field'])} {e['old']!r} → {e['new']!r}")


@customer.command("history")
@click.argument("code")
@json_option
@click.pass_obj
def customer_history(app: AppContext, code: str, as_json: bool) -> None:
    """Show the recorded changes of customer CODE's profile."""
    entries = history_mod.history(app.archive, code)
    if as_json:
        echo_json(entries)
        return
    for e in entries:
        label = PROFILE_LABELS.get(e.get("field", ""), e.get("field", ""))
        click.echo(f"{str(e.get('at'))[:19]}  {e.get('by')}  {label}: {e.get('old')!r} → {e.get('new')!r}  "
                   f"({e.get('reason', '')})")
    if not entries:
        click.echo(f"{code}: no recorded changes.")
