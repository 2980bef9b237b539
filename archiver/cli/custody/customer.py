"""``archiver customer update`` and ``customer history``: the Art. 8 profile changed, each
change recorded, dated (Art. 26, 30). (``customer add``/``list``/``show`` are filing's.)"""

from __future__ import annotations

import click

from ...custody import history as history_mod
from ...customers import PROFILE_FIELDS, PROFILE_LABELS
from ...errors import ArchiverError
from .. import AppContext, by_option, echo_json, json_option
from ..filing import customer

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
