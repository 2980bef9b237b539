"""Commands of batch scanning: print cover sheets (``archiver coversheet``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..atomic import write_bytes_atomic
from ..batch.coversheet import check_for_printing, printed_names, read_list, render_sheets
from ..clock import today
from ..config import CLASSIFICATION_LEVELS
from ..errors import ArchiverError
from ..model import KINDS, ROLES, SIDES, Metadata
from . import AppContext, echo_json, json_option, main


@main.command("coversheet")
@click.argument("customer", required=False)
@click.argument("doc_type", metavar="[TYPE]", required=False)
@click.option("--date", help="The document's date, YYYY-MM-DD (required without --from).")
@click.option("--title", default="", help="题名. Default: the type's name and the date.")
@click.option("--doc-no", default="", help="文号, the document's number.")
@click.option("--responsible", default="", help="责任者, who made the document.")
@click.option("--classification", type=click.Choice(CLASSIFICATION_LEVELS), default=None, help="密级.")
@click.option("--retention", default="", help="Retention class, if not the type's.")
@click.option("--sides", type=click.Choice(SIDES), default=None, help="Whether the paper is written on both sides.")
@click.option("--pages", type=click.IntRange(1), default=None, help="Pages with writing the paper has (Art. 11).")
@click.option("--copies", type=click.IntRange(1), default=None, help="Copies the paper has (Art. 11).")
@click.option("--group", default="", help="Group key shared by linked documents (Art. 12).")
@click.option("--role", type=click.Choice(ROLES), default=None, help="Role in the group (Art. 12, 15).")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="plan / summary / meeting (Art. 14).")
@click.option("--period", default="", metavar="START/END", help="What a plan, summary or meeting covers.")
@click.option("--notes", default="", help="Condition notes for the remarks sheet (Art. 18, 19).")
@click.option("--from", "from_list", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A CSV list (UTF-8; columns named like the metadata fields): one sheet a row, all in one PDF.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to write. Default: coversheet-CUSTOMER-TYPE-DATE.pdf, or coversheets.pdf with --from.")
@json_option
@click.pass_obj
def coversheet(app: AppContext, customer: str | None, doc_type: str | None, date: str | None, from_list: Path | None,
               out: Path | None, as_json: bool, **optional: Any) -> None:
    """Print cover sheets for batch scanning.

    Put each printed sheet on top of its paper document, scan the whole stack as one
    PDF (simplex or duplex) into the inbox: filing splits the batch at each sheet and
    files every document with the metadata in the sheet's QR code.

    \b
    archiver coversheet C0001 credit-report --date 2026-10-15 --title "2026年第三季度信用评估报告"
    archiver coversheet --from list.csv --out today.pdf
    """
    archive = app.archive
    cfg = archive.config
    customers = {c.code: c.name for c in archive.customers()}
    if from_list is not None:
        if customer or doc_type or date:
            raise click.UsageError("Give either CUSTOMER TYPE --date … or --from LIST, not both.")
        rows = read_list(from_list)
        wheres = [f"{from_list.name}, line {row.pop('line')}" for row in rows]
    else:
        if not (customer and doc_type and date):
            raise click.UsageError("Give CUSTOMER TYPE --date YYYY-MM-DD (or --from LIST).")
        raw: dict[str, Any] = {"customer": customer, "type": doc_type, "date": date}
        for key, value in optional.items():
            if value not in ("", None):
                raw[key] = value
        if "period" in raw:
            raw["period"] = [v.strip() for v in str(raw["period"]).split("/")]
        rows, wheres = [raw], [""]
    metas: list[Metadata] = [check_for_printing(row, cfg, customers, today(), where)
                             for row, where in zip(rows, wheres, strict=True)]
    if out is None:
        m = metas[0]
        out = Path("coversheets.pdf" if from_list else f"coversheet-{m.customer}-{m.type}-{m.date:%Y%m%d}.pdf")
    data = render_sheets([(m, printed_names(cfg, customers[m.customer], m)) for m in metas])
    try:
        write_bytes_atomic(out, data, mode=0o644)
    except OSError as exc:
        raise ArchiverError(f"Cannot write {out}: {exc.strerror}.", hint="Choose another --out file.") from None
    if as_json:
        echo_json({"out": str(out), "sheets": len(metas),
                   "documents": [{"customer": m.customer, "type": m.type, "date": m.date, "title": m.title}
                                 for m in metas]})
        return
    click.echo(f"Wrote {len(metas)} cover sheet(s) to {out}.\n"
               "Print at actual size (100 %), one side only; put each sheet on top of its document "
               "and scan the stack into the inbox.")
