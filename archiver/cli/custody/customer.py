"""``archiver customer update`` and ``customer history``: the Art. 8 profile changed, each
change recorded, dated (Art. 26, 30). (``customer add``/``list``/``show`` are filing's.)"""

from __future__ import annotations

from typing import Any

import click

from ...custody import dealings as dealings_mod
from ...custody import history as history_mod
from ...customers import PROFILE_FIELDS, PROFILE_LABELS
from .. import AppContext, by_option, echo_json, json_option, parsed_by
from ..filing import customer

customer.short_help = "Customer profiles (Art. 8), their dated history and dealings (Art. 26, 30)."
@customer.command("update")
@click.argument("code")
@click.option("--set", "values", multiple=True, required=True, metavar="FIELD=VALUE",
              callback=parsed_by(lambda pairs: history_mod.parse_assignments(list(pairs))),
              help=f"A profile field to change (repeatable): {', '.join(PROFILE_FIELDS)}.")
@click.option("--reason", required=True, help="Why it changed (recorded with the change, Art. 30).")
@by_option
@json_option
@click.pass_obj
def customer_update(app: AppContext, code: str, values: dict[str, Any], reason: str, by: str, as_json: bool) -> None:
    """Change the profile of customer CODE and record each change, dated (Art. 26, 30)."""
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


# Dealings (Art. 8, 26, 30) ------------------------------------------------------------------------
@customer.group("dealing", short_help="A customer's dealings with the company (Art. 8, 26, 30).")
def dealing() -> None:
    """The record of business dealings with the company (业务往来, Art. 8, 26, 30): dated,
    attributed, kept in the customer's history register; confidential ones stay out of the
    catalogue (Art. 26)."""


def _dealing_line(d: dealings_mod.Dealing) -> str:
    amount = f"  amount {d.amount}" if d.amount else ""
    document = f"  document {d.document}" if d.document else ""
    secret = "  [confidential 保密: not in the catalogue]" if d.confidential else ""
    return f"{d.id}  {d.date.isoformat()}  {d.customer}  {d.summary}{amount}{document}{secret}"


@dealing.command("add")
@click.argument("code")
@click.option("--date", "day", required=True, help="The day of the dealing, YYYY-MM-DD (not after today).")
@click.option("--summary", required=True, help="What the dealing was (摘要).")
@click.option("--amount", default="", help="Its amount, a number without unit (金额).")
@click.option("--document", default="", metavar="RECORD", help="The id of the filed record that documents it.")
@click.option("--confidential", is_flag=True, help="A confidential dealing (保密): never shown in the catalogue "
              "(Art. 26).")
@by_option
@json_option
@click.pass_obj
def dealing_add(app: AppContext, code: str, day: str, summary: str, amount: str, document: str, confidential: bool,
                by: str, as_json: bool) -> None:
    """Record a dealing of customer CODE with the company, dated and attributed."""
    e = dealings_mod.add(app.archive, code, date=day, summary=summary, amount=amount, document=document,
                         confidential=confidential, by=by)
    if as_json:
        echo_json(e)
        return
    where = "kept out of the catalogue (confidential)" if confidential else "shown on the customer's catalogue page"
    click.echo(f"Dealing {e['id']} of {code} on {e['date']} recorded by {e['by']}; {where}.")


@dealing.command("list")
@click.argument("code")
@json_option
@click.pass_obj
def dealing_list(app: AppContext, code: str, as_json: bool) -> None:
    """List the recorded dealings of customer CODE, oldest first (confidential ones marked)."""
    found = dealings_mod.dealings(app.archive, code)
    if as_json:
        echo_json([d.as_dict() for d in found])
        return
    for d in found:
        click.echo(_dealing_line(d))
    if not found:
        click.echo(f"{code}: no recorded dealings.")


@dealing.command("show")
@click.argument("dealing_id")
@json_option
@click.pass_obj
def dealing_show(app: AppContext, dealing_id: str, as_json: bool) -> None:
    """Show dealing DEALING_ID: what, when, for whom, who recorded it."""
    d = dealings_mod.find(app.archive, dealing_id)
    if as_json:
        echo_json(d.as_dict())
        return
    click.echo(f"{d.id}  ({d.customer})")
    for label, value in (("date 日期", d.date.isoformat()), ("summary 摘要", d.summary), ("amount 金额", d.amount),
                         ("document 凭证", d.document), ("confidential 保密", "yes" if d.confidential else "no"),
                         ("recorded", f"{d.at[:19].replace('T', ' ')} by {d.by}")):
        click.echo(f"  {label}: {value or '—'}")
