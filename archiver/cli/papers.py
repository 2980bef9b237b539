"""``archiver papers …``: the printed papers (issue 14), each written to ``--out`` as PDF/A-2b."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import clock
from ..errors import NotFoundError
from ..papers import paper
from . import AppContext, by_option, main

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from ..forms.typeset import Typesetter
    from ..store import Archive

OUT = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                   help="The PDF file to write (PDF/A-2b).")


@main.group("papers")
def papers() -> None:
    """Print the papers people cut, sign and file: box labels, the volume register,
    destruction papers, request and loan slips, the statistics report.

    Each command writes one A4 PDF (PDF/A-2b, checked after writing) to --out, set in
    the font of the volume forms (volumes.font).
    """


def _written(out: Path, data: bytes, what: str) -> None:
    result = paper.write(out, data, clock.now())
    pages = paper.page_count(data)
    click.echo(f"wrote {out}: {what}, {pages} page{'s' if pages != 1 else ''}, {result.summary()}")
    if not result.valid:
        click.echo(f"warning: {out} is not valid PDF/A-2b: {result.summary()}. It prints as it is; "
                   "report this as a bug of archiver.", err=True)


@papers.command("box-labels")
@click.option("--customer", default="", help="Only this customer's volumes.")
@click.option("--year", type=click.IntRange(1900, 2999), default=None, help="Only this filing year.")
@click.option("--retention", default="", help="Only this retention class (e.g. permanent).")
@click.option("--from", "first", default="", help="The first volume of the range (reference code).")
@click.option("--to", "last", default="", help="The last volume of the range (reference code).")
@OUT
@by_option
@click.pass_obj
def box_labels_cmd(app: AppContext, customer: str, year: int | None, retention: str, first: str, last: str,
                   out: Path, by: str) -> None:
    """卷盒封面 and 盒脊 for the boxes that hold a range of volumes (Art. 20).

    Volumes not yet in a box are placed first, in volume-number order, one series
    (customer, year, retention class) to a box, as many as volumes.box_sheets allows;
    each placement is recorded once in registers/boxes.jsonl and never moved.
    """
    from ..papers import box_labels, box_register, boxes, sources

    archive = app.archive
    chosen = {m.reference for m in sources.manifests(archive, customer=customer, year=year, retention=retention,
                                                      first=first, last=last)}
    if not chosen:
        raise NotFoundError("No built volumes match: nothing to label.",
                            hint="Check --customer/--year/--retention, or run `archiver build` first.")
    volumes, placed, new = box_register.place_all(archive, by=by or clock.login_name())
    wanted = {placed[r].box for r in chosen}
    held = {box: vols for box, vols in boxes.boxes_of(volumes, placed).items() if box in wanted}
    labels = sources.box_labels(archive, held)
    when = clock.now()
    doc = paper.Paper(title=f"卷盒封面 {labels[0].first_reference}…{labels[-1].last_reference}",
                      identifier=f"box-labels:{labels[0].first_reference}:{labels[-1].last_reference}", created=when)
    data = paper.render(doc, "box", lambda ts, st: box_labels.draw(ts, st, labels),
                        texts=[t for label in labels for t in label.texts()], font=_font(archive))
    newly = f", {len(new)} volume(s) newly placed" if new else ""
    _written(out, data, f"{len(labels)} box(es){newly}")


@papers.command("volume-register")
@click.option("--year", type=click.IntRange(1900, 2999), required=True, help="The filing year.")
@click.option("--retention", required=True, help="The retention class (e.g. permanent).")
@OUT
@by_option
@click.pass_obj
def volume_register_cmd(app: AppContext, year: int, retention: str, out: Path, by: str) -> None:
    """案卷目录: the register of the fonds' volumes of one year and retention class.

    A cover (fonds, year, retention class, number of volumes, first and last reference
    code, compiler, date, number of pages), then one row per volume: 案卷号 档号 案卷题名
    起止日期 页数 保管期限 备注 (classification, box).
    """
    from ..papers import sources, volume_register

    archive = app.archive
    when = clock.now()
    register = sources.volume_register(archive, year, retention, by=by or clock.login_name(), day=when.date())
    doc = paper.Paper(title=f"案卷目录 {register.fonds_code} {year} {register.retention_name}",
                      identifier=f"volume-register:{register.fonds_code}:{year}:{retention}", created=when)
    data = paper.render(doc, "register", lambda ts, st: volume_register.draw(ts, st, register),
                        texts=register.texts(), font=_font(archive))
    _written(out, data, f"{len(register.rows)} volume(s)")


@papers.command("destruction-list")
@click.argument("list_id")
@OUT
@click.pass_obj
def destruction_list_cmd(app: AppContext, list_id: str, out: Path) -> None:
    """销毁清册 of a destruction list (Art. 29): what, why, the two appraisals and the
    approval, with a signature line for each (blank where not recorded yet)."""
    from ..papers import destruction, sources

    archive = app.archive
    listed = sources.destruction_list(archive, list_id)
    doc = paper.Paper(title=f"档案销毁清册 {list_id}", identifier=f"destruction-list:{list_id}", created=clock.now())
    data = paper.render(doc, "destruction", lambda ts, st: destruction.draw_list(ts, st, listed),
                        texts=listed.texts(), font=_font(archive))
    _written(out, data, f"{len(listed.volumes)} volume(s)")


@papers.command("destruction-register")
@click.argument("list_id")
@OUT
@click.pass_obj
def destruction_register_cmd(app: AppContext, list_id: str, out: Path) -> None:
    """销毁登记表 of a destroyed list (Art. 29): date, place, what was destroyed, who
    carried it out, and the destruction supervisor's signature line."""
    from ..papers import destruction, sources

    archive = app.archive
    record = sources.destruction_record(archive, list_id)
    doc = paper.Paper(title=f"档案销毁登记表 {list_id}", identifier=f"destruction-register:{list_id}",
                      created=clock.now())
    data = paper.render(doc, "destruction", lambda ts, st: destruction.draw_record(ts, st, record),
                        texts=record.texts(), font=_font(archive))
    _written(out, data, f"{len(record.volumes)} volume(s) destroyed")


@papers.command("slip")
@click.argument("request_id")
@OUT
@click.pass_obj
def slip_cmd(app: AppContext, request_id: str, out: Path) -> None:
    """查档/借档申请单 of a consultation (CQ-…) or loan (LN-…) request (Art. 27, 28).

    The request with every field the policy names, the requesting department's stamp box
    and signature line, and the archive's review; for a loan a second sheet, 借阅登记,
    with the borrower's signature line and, once returned, its cancellation (注销).
    """
    from ..papers import slips, sources

    archive = app.archive
    slip, record = sources.request_slip(archive, request_id)

    def draw(ts: Typesetter, st: Mapping[str, Any]) -> None:
        slips.draw_request(ts, st, slip)
        if record is not None:
            slips.draw_record(ts, st, record)

    name = "借档申请单" if slip.loan else "查档申请单"
    doc = paper.Paper(title=f"{name} {request_id}", identifier=f"slip:{request_id}", created=clock.now())
    data = paper.render(doc, "slip", draw, texts=[*slip.texts(), *(record.texts() if record else ())],
                        font=_font(archive))
    _written(out, data, name + (" and 借阅登记" if record else ""))


@papers.command("stats")
@OUT
@by_option
@click.pass_obj
def stats_cmd(app: AppContext, out: Path, by: str) -> None:
    """档案统计表: the statistics of Art. 25 (the numbers of `archiver stats`) as a printed report."""
    from ..papers import sources, stats_report

    archive = app.archive
    when = clock.now()
    report = sources.stats_report(archive, when.date(), by=by or clock.login_name())
    doc = paper.Paper(title=f"客户档案统计表 {report.fonds_code} {when.date().isoformat()}",
                      identifier=f"stats:{report.fonds_code}:{when.date().isoformat()}", created=when)
    data = paper.render(doc, "stats", lambda ts, st: stats_report.draw(ts, st, report), texts=report.texts(),
                        font=_font(archive))
    _written(out, data, f"{len(report.sections)} tables")


def _font(archive: Archive) -> str:
    """``volumes.font`` (relative to the archive root), '' for the shipped font."""
    font = archive.config.volumes.font
    return str(archive.root / Path(font).expanduser()) if font else ""
