"""``archiver disposal``: destruction lists of expired volumes — due, propose, appraise ×2,
approve (the hold), cancel, destroy, list, show (Art. 29)."""

from __future__ import annotations

import click

from ...custody.disposal import lists as destruction_lists
from ...custody.disposal import rules as disposal_rules
from ...custody.disposal import steps as disposal_steps
from ...custody.state import list_state
from ...store import Archive
from .. import AppContext, by_option, echo_json, json_option, main
from .common import echo_step, who


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
    e = disposal_steps.propose(app.archive, list(volumes), by=who(by))
    echo_step(as_json, e, f"Destruction list {e['id']}: {len(e['volumes'])} volume(s). Next: "
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
    e = disposal_steps.appraise(app.archive, list_id, role=role, by=who(by), opinion=opinion)
    echo_step(as_json, e, f"{list_id}: {role} appraisal by {e['by']} recorded.")


@disposal.command("approve")
@click.argument("list_id")
@by_option
@json_option
@click.pass_obj
def disposal_approve(app: AppContext, list_id: str, by: str, as_json: bool) -> None:
    """Approve LIST_ID (the customer director); its files move into the hold.

    Run it again after an interruption to complete the move.
    """
    e = disposal_steps.approve(app.archive, list_id, by=who(by))
    echo_step(as_json, e, f"{list_id} approved: {e['files']} file(s) held apart in hold/{list_id}/ until "
               f"{e['hold_until']}.{_refresh_catalogue(app.archive)}")


@disposal.command("cancel")
@click.argument("list_id")
@click.option("--reason", default="", help="Why the list is withdrawn.")
@by_option
@json_option
@click.pass_obj
def disposal_cancel(app: AppContext, list_id: str, reason: str, by: str, as_json: bool) -> None:
    """Withdraw LIST_ID; during the hold every file goes back exactly where it was."""
    e = disposal_steps.cancel(app.archive, list_id, by=who(by), reason=reason)
    echo_step(as_json, e, f"{list_id} cancelled; {e['restored']} file(s) restored.{_refresh_catalogue(app.archive)}")


@disposal.command("destroy")
@click.argument("list_id")
@click.option("--supervisor", required=True, help="The destruction supervisor (监销人), who signs the register.")
@click.option("--place", required=True, help="Where the destruction takes place.")
@by_option
@json_option
@click.pass_obj
def disposal_destroy(app: AppContext, list_id: str, supervisor: str, place: str, by: str, as_json: bool) -> None:
    """Destroy the held files of LIST_ID after the hold; record it in the destruction register."""
    e = disposal_steps.destroy(app.archive, list_id, by=who(by), supervisor=supervisor, place=place)
    copies = e.get("derived_copies") or {}
    sites = copies.get("sites", [])
    text = (f"{list_id} destroyed ({e['files']} files) at {e['place']} under {e['supervisor']}; "
            f"recorded in registers/destruction.jsonl. Copies removed: {len(copies.get('superseded', []))} "
            f"superseded volume file(s), {len(copies.get('caches', []))} cached file(s), "
            f"{sum(len(x['removed']) for x in sites)} file(s) in {len(sites)} catalogue folder(s).")
    for problem in copies.get("problems", []):
        text += f"\nWarning: {problem}"
    echo_step(as_json, e, text)


def _refresh_catalogue(archive: Archive) -> str:
    """Material held apart or destroyed leaves the catalogue at once (Art. 24, 29): every
    catalogue folder the archive has written is brought up to date (its copies and links go)."""
    from ...catalogue.purge import refresh_sites

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
