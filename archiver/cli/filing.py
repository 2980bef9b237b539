"""Commands of the filing stage: init, customer, ingest, watch, log."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from ..atomic import ensure_dir, write_text_atomic
from ..config import CONFIG_NAME, parse_config, template_text
from ..customers import PROFILE_LABELS, Customer, check_code, clean_text, write_customer
from ..errors import EXIT_REJECTED, ArchiverError, NotFoundError
from ..filing.candidate import Candidate, SplitRequest
from ..filing.names import escape_name
from . import AppContext, by_option, echo_json, json_option, main


def split_batches(request: SplitRequest) -> list[Candidate] | None:
    """The step before filing (cover sheets), imported only when a scan needs it."""
    from ..batch.filing import split_candidates

    return split_candidates(request)


@main.command()
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@click.option("--fonds-code", default="", help="Fonds code (全宗号) to write into archive.toml.")
@click.option("--fonds-name", default="", help="Fonds name to write into archive.toml.")
def init(root: Path, fonds_code: str, fonds_name: str) -> None:
    """Create a new archive at ROOT with a commented archive.toml."""
    config = root / CONFIG_NAME
    if config.exists():
        raise ArchiverError(f"{config} already exists: {root} is an archive already.",
                            hint="Nothing was changed. Edit archive.toml to change its settings.")
    text = template_text()
    if fonds_code:
        text = text.replace('code = "Q001"', f'code = "{clean_text(fonds_code)}"', 1)
    if fonds_name:
        text = text.replace('name = "某某有限公司客户服务部"', f'name = "{clean_text(fonds_name)}"', 1)
    import tomllib

    parse_config(tomllib.loads(text))  # never write a configuration we would refuse
    for sub in ("inbox/rejected", "records", "customers", "volumes", "registers"):
        ensure_dir(root / sub)
    write_text_atomic(config, text)
    click.echo(f"Created the archive {root.resolve()}.\n"
               f"Next: review {config}, add customers with `archiver customer add`, "
               f"then drop scans into {root / 'inbox'} and run `archiver ingest`.")


@main.command("check-config")
@click.pass_obj
def check_config(app: AppContext) -> None:
    """Check archive.toml and say what it sets."""
    cfg = app.archive.config
    click.echo(f"{cfg.path}: OK — fonds {cfg.fonds_code} {cfg.fonds_name}, "
               f"{len(cfg.document_types)} document types, {len(cfg.departments)} departments, "
               f"policy {cfg.policy_version or '(not stated)'}.")


# Customers -----------------------------------------------------------------------------
@main.group()
def customer() -> None:
    """Customer profiles (Art. 8)."""


def _profile_options(f: Any) -> Any:
    for field, label in reversed(list(PROFILE_LABELS.items())):
        if field == "name":
            continue
        f = click.option(f"--{field.replace('_', '-')}", field, default=None, help=f"{label}.")(f)
    return f


@customer.command("add")
@click.argument("code")
@click.option("--name", required=True, help="客户名称, the customer's full name.")
@_profile_options
@click.pass_obj
def customer_add(app: AppContext, code: str, name: str, **fields: str | None) -> None:
    """Add the customer CODE (e.g. C0001) with its Art. 8 profile."""
    archive = app.archive
    check_code(code)
    try:
        archive.customer(code)
    except NotFoundError:
        pass
    else:
        raise ArchiverError(f"Customer {code} exists already.",
                            hint=f"Change its profile with `archiver customer update {code}` or edit its customer.toml.")
    if not clean_text(name):
        raise click.UsageError("The customer's name (客户名称, Art. 8) cannot be empty: give --name NAME.")
    values: dict[str, Any] = {k: clean_text(v) for k, v in fields.items() if v}
    path = write_customer(archive.customers_dir, Customer(code=code, name=clean_text(name), **values))
    archive.register("customers").append("added", customer=code, name=clean_text(name))
    click.echo(f"Added customer {code} {name} ({path}).")


@customer.command("list")
@json_option
@click.pass_obj
def customer_list(app: AppContext, as_json: bool) -> None:
    """List customers."""
    people = app.archive.customers()
    if as_json:
        echo_json([c.__dict__ for c in people])
        return
    for c in people:
        click.echo(f"{c.code}\t{c.name}")


@customer.command("show")
@click.argument("code")
@json_option
@click.pass_obj
def customer_show(app: AppContext, code: str, as_json: bool) -> None:
    """Show the profile of customer CODE."""
    c = app.archive.customer(code)
    if as_json:
        echo_json(c.__dict__)
        return
    click.echo(f"{c.code}")
    for field, label in PROFILE_LABELS.items():
        click.echo(f"  {label}: {getattr(c, field) or '—'}")


# Filing --------------------------------------------------------------------------------
@main.command("ingest")
@by_option
@json_option
@click.option("--stable-seconds", type=float, default=None,
              help="Leave files changed more recently than this (default: filing.stable_seconds).")
@click.pass_obj
def ingest_cmd(app: AppContext, by: str, as_json: bool, stable_seconds: float | None) -> None:
    """File every scan waiting in the inbox, once (cron-friendly).

    Exit code 0 when everything was filed, 8 when some scans were set aside in
    inbox/rejected/ (each with NAME.reason.txt), 9 when the disk refused a write
    (nothing is lost: run again once space is freed).
    """
    from ..filing.inbox import inbox_candidates
    from ..filing.ingest import ingest  # pikepdf: only for the commands that need it

    archive = app.archive
    bar = None
    total = 0
    if sys.stderr.isatty() and not as_json:

        total = len(inbox_candidates(archive))
    if total > 20:
        bar = click.progressbar(length=total, label="Filing", file=sys.stderr)
        bar.__enter__()
    try:
        result = ingest(archive, by=by, stable_seconds=stable_seconds, splitter=split_batches,
                        progress=(lambda _o: bar.update(1)) if bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        echo_json({"filed": result.filed, "rejected": result.rejected, "waiting": result.waiting,
                   "outcomes": [o.as_dict() for o in result.outcomes]})
    else:
        click.echo(f"{result.filed} filed, {result.rejected} rejected, {len(result.waiting)} still being written.")
        if result.rejected:
            click.echo(f"See the .reason.txt files in {archive.rejected}.")
    if result.rejected:
        sys.exit(EXIT_REJECTED)


@main.command()
@click.option("--polling", is_flag=True, help="Poll the inbox instead of native events (network shares).")
@by_option
@click.pass_obj
def watch(app: AppContext, polling: bool, by: str) -> None:
    """Keep watching the inbox and file each scan once it is completely written.

    Stops on Ctrl-C or SIGTERM after finishing the file in hand. Only one watcher runs
    per archive.
    """
    from ..filing.watcher import Watcher  # watchdog: only for this command

    # each outcome is logged as one line by the filer
    sys.exit(Watcher(app.archive, polling=polling, by=by, splitter=split_batches).run())


@main.command("log")
@click.option("--customer", default="", help="Only this customer.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="From this day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Up to this day (YYYY-MM-DD).")
@click.option("--event", default="", help="Only this event (filed, rejected).")
@json_option
@click.pass_obj
def log_cmd(app: AppContext, customer: str, since: dt.datetime | None, until: dt.datetime | None,
            event: str, as_json: bool) -> None:
    """Show the filing journal."""
    rows = []
    for entry in app.archive.journal:
        day = str(entry.get("at", ""))[:10]
        if customer and entry.get("customer") != customer:
            continue
        if since and day < since.date().isoformat():
            continue
        if until and day > until.date().isoformat():
            continue
        if event and entry.get("event") != event:
            continue
        rows.append(entry)
    if as_json:
        echo_json(rows)
        return
    for e in rows:
        what = e.get("record") or e.get("rejected_to") or ""
        detail = e.get("title") or e.get("reason") or ""
        line = (f"{str(e.get('at', ''))[:19]}  {e.get('event', ''):<9} {e.get('by', ''):<10} "
                f"{e.get('source', '')}  {what}  {detail}")
        click.echo(escape_name(line).replace("\\\\", "\\"))  # nothing raw reaches the terminal
