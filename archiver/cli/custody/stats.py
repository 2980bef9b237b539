"""``archiver stats`` (Art. 25) and ``archiver due`` (Art. 5, 11): the counts of the archive
and the completeness of each month's documents."""

from __future__ import annotations

from typing import Any

import click

from ...clock import today
from ...custody import due as due_mod
from ...custody import stats as stats_mod
from ...volumes.manifest import iter_manifests
from .. import AppContext, echo_json, json_option, main
from .common import pad


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
    labels, order = stats_mod.dimension_names(cfg)

    def ordered(dim: str, table: dict[str, Any]) -> list[tuple[str, Any]]:
        keys = order.get(dim, [])
        return sorted(table.items(), key=lambda kv: (keys.index(kv[0]) if kv[0] in keys else len(keys), kv[0]))

    for dim, table in d["by"].items():
        if not table:
            continue
        click.echo(f"  by {dim}:")
        for key, row in ordered(dim, table):
            click.echo(f"    {pad(labels[dim](key), 24)} {row['documents']:>6} documents {row['pages']:>7} pages "
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
