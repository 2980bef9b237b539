"""Commands of the volumes stage: build."""

from __future__ import annotations

import click

from ..volumes.build import build
from . import AppContext, ProgressBar, echo_json, json_option, main


@main.command("build")
@click.option("--customer", default="", help="Only this customer's volumes (e.g. C0001).")
@click.option("--year", type=click.IntRange(1900, 2999), default=None, help="Only this filing year (Art. 14).")
@click.option("--force", is_flag=True, help="Rebuild even the volumes whose inputs have not changed.")
@click.option("--filer", default="", help="立卷人 on the remarks sheet. Default: volumes.filer, else the login name.")
@click.option("--checker", default="", help="检查人 on the remarks sheet (required unless volumes.checker is set).")
@json_option
@click.pass_obj
def build_cmd(app: AppContext, customer: str, year: int | None, force: bool, filer: str, checker: str,
              as_json: bool) -> None:
    """Assemble bound-ready volume PDFs from the filed records (Art. 12–20).

    Each volume is volumes/<customer>/<filing-year>/<reference>.pdf with a manifest
    (.toml) beside it. A volume whose inputs (records, sidecars, customer profile,
    configuration) have not changed is not rebuilt. The earlier PDF of a rebuilt volume,
    and a volume no longer planned, are moved to volumes/.superseded/, never deleted.
    Reference codes are recorded in registers/references.jsonl before any file is
    written; a build cut off (killed) is completed by running it again. Material on a
    destruction list, and records still being filed, are left for later. If any record
    of the volumes asked for is missing, altered or inconsistent, or a volume manifest is
    damaged, nothing is built and every problem is listed (exit code 6).
    """
    archive = app.archive
    bar = ProgressBar("Building volumes", show=not as_json)
    try:
        result = build(archive, customer=customer, year=year, force=force, filer=filer, checker=checker,
                       planned=bar.planned, progress=bar.step)
    finally:
        bar.close()
    if as_json:
        echo_json({"built": result.count("built"), "unchanged": result.count("unchanged"),
                   "superseded": result.count("superseded"), "skipped": result.count("skipped"),
                   "held": result.count("held"), "volumes": [o.as_dict() for o in result.outcomes]})
        return
    if not result.outcomes:
        click.echo("No volumes to build: no filed records" + (f" for {customer}" if customer else "")
                   + (f" in {year}" if year else "") + ".")
        return
    for o in result.outcomes:
        if o.status == "built":
            docs = f"{o.documents} document{'s' if o.documents != 1 else ''}"
            pages = f"{o.pages} numbered page{'s' if o.pages != 1 else ''}"
            click.echo(f"built      {o.path}  ({docs}, {pages}, {o.detail})")
            if o.warning:
                click.echo(f"warning: {o.path}: {o.warning}", err=True)
        elif o.status == "unchanged":
            click.echo(f"unchanged  {o.path}  (inputs unchanged; --force rebuilds it)")
        elif o.status in ("skipped", "held"):
            click.echo(f"{o.status:<10} {o.path or o.reference}  ({o.detail})")
        else:
            click.echo(f"superseded {o.reference} → {o.path} ({o.detail})")
    rebuilt = sum(o.status == "built" and o.detail == "rebuilt" for o in result.outcomes)
    kept = f" The earlier PDFs of the {rebuilt} rebuilt volume(s) are kept in volumes/.superseded/." if rebuilt else ""
    skipped = result.count("skipped") + result.count("held")
    left = f" {skipped} left for later (see above)." if skipped else ""
    click.echo(f"{result.count('built')} built, {result.count('unchanged')} unchanged, "
               f"{result.count('superseded')} superseded.{kept}{left}")
    failed = sum(bool(o.warning) for o in result.outcomes)
    if failed:
        click.echo(f"warning: {failed} built volume(s) are not valid PDF/A-2b (listed above; every reason is in "
                   "[pdfa] of the volume's manifest). They are complete and bound-ready, but not fit for long-term "
                   "deposit as they are. Where the reason is in a record (a font its producer did not embed, a "
                   "JPEG 2000 image, a damaged content stream), rescan or replace that record, then run "
                   "`archiver build` again.", err=True)
