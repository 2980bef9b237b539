"""Commands of the catalogue stage: site."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..catalogue.build import build_site, output_folder
from ..errors import ArchiverError
from . import AppContext, echo_json, json_option, main

STAGES = {"customers": "Customers", "thumbnails": "Thumbnails", "pages": "Pages"}


@main.command("site")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder. Default: catalogue.output in archive.toml (site/ in the archive root).")
@json_option
@click.pass_obj
def site(app: AppContext, out: Path | None, as_json: bool) -> None:
    """Write the static catalogue: browse and search the archive in a web browser.

    \b
    Open OUT/index.html straight from disk, or serve it:
        python -m http.server -d site
    Rebuilding updates only what changed and never touches anything outside the output
    folder; a non-empty folder not written by `archiver site` is refused. Documents
    classified at or above catalogue.restricted_from appear by reference code only
    (Art. 24), and their PDFs are never put in the site.
    """
    archive = app.archive
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if as_json or not sys.stderr.isatty() or total < 50:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = click.progressbar(length=total, label=STAGES.get(stage, stage), file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    try:
        result = build_site(archive, out, progress=progress)
    except OSError as exc:  # a full disk, a folder made read-only …: the next run completes the build
        raise ArchiverError(
            f"The catalogue build in {output_folder(archive, out)} stopped: {exc.strerror or exc} "
            f"({exc.filename or 'no file named'}).",
            hint="Nothing of the archive was changed. Fix the cause (free some space), then run `archiver site` "
                 "again: it completes the interrupted build.") from None
    for bar in bars.values():
        if not bar.finished:
            bar.__exit__(None, None, None)
    if as_json:
        echo_json(result.as_dict())
        return
    target = output_folder(archive, out)
    click.echo(f"Catalogue written to {result.folder}: {result.pages} pages, {result.documents} documents "
               f"({result.restricted} restricted, by reference code only); {result.written} files written, "
               f"{result.removed} removed, {result.thumbnails_made} new thumbnails, in {result.seconds:.1f} s.")
    if result.missing:
        click.echo(f"warning: {len(result.missing)} archive file(s) missing, not in the site "
                   f"(first: {result.missing[0]}). Run `archiver audit`.", err=True)
    click.echo(f"Open {target / 'index.html'} in a browser, or run: python -m http.server -d {target}")
