"""Commands of the OCR stage: ocr."""

from __future__ import annotations

import click

from . import AppContext, ProgressBar, echo_json, json_option, main

PAGE_LABELS = {"ocr": "page(s) recognised", "pdf": "with their own text", "none": "without text"}


@main.command("ocr")
@click.option("--customer", default="", help="Only this customer's records (e.g. C0001).")
@click.option("--force", is_flag=True, help="Recognise again even the records whose text is current.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Records recognised at once. Default: ocr.workers in archive.toml (1).")
@json_option
@click.pass_obj
def ocr_cmd(app: AppContext, customer: str, force: bool, workers: int | None, as_json: bool) -> None:
    """Recognise the text of every filed record not yet done (Chinese and English).

    The text is stored beside each record as <id>.text.json (lines with their boxes and
    confidences, the engine and its models; docs/text-format.md); the scan itself is
    never changed. A page that carries its own text (a born-digital PDF, a scan with a
    text layer) keeps it and is not recognised again. A run cut off (killed) is finished
    by running it again. A page that cannot be recognised is recorded with the reason;
    a record whose PDF no longer matches its sidecar is reported and left for
    `archiver audit`. The watcher runs this after filing (ocr.after_filing).
    """
    from ..ocr.stage import run

    archive = app.archive
    bar = ProgressBar("Recognising records", show=not as_json)
    try:
        result = run(archive, customer=customer, force=force, workers=workers, planned=bar.planned, progress=bar.step)
    finally:
        bar.close()
    if as_json:
        echo_json({"done": result.count("done"), "failed": result.count("failed"),
                   "records": [o.as_dict() for o in result.outcomes]})
        return
    if not result.outcomes:
        click.echo("Nothing to recognise: every filed record" + (f" of {customer}" if customer else "")
                   + " has its text.")
        return
    for o in result.outcomes:
        if o.status == "done":
            pages = ", ".join(f"{o.pages[what]} {label}" for what, label in PAGE_LABELS.items() if o.pages.get(what))
            click.echo(f"text       {o.path}  ({pages})")
            if o.detail:
                click.echo(f"warning: {o.record}: {o.detail}", err=True)
        else:
            click.echo(f"warning: {o.record}: {o.detail}", err=True)
    failed = result.count("failed")
    click.echo(f"{result.count('done')} record(s) done" + (f", {failed} left with a problem (see the warnings above)"
                                                            if failed else "") + ".")
