"""``archiver search``: full-text search of the catalogue's index, on the command line.

It reads the index ``archiver site`` wrote into the catalogue folder — the same files,
through the same rules (:mod:`archiver.catalogue.fulltext`), as the catalogue's search
box — so it finds what the catalogue finds and nothing else: never a restricted
document (Art. 24), never one held apart or destroyed. Run ``archiver site`` after
``archiver ocr`` to bring it up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..catalogue.build import output_folder
from ..catalogue.fulltext import Filters, Hit, Result
from ..catalogue.fulltext_index import SiteIndex
from ..errors import ArchiverError
from . import AppContext, echo_json, json_option, main


def _page(hit: Hit) -> str:
    if hit.page.stamped is not None:
        return f"页号 {hit.page.stamped}"
    return f"第 {hit.page.page} 页"


def _link(hit: Hit) -> str:
    d = hit.doc
    return f"{d.pdf}#page={hit.page.pdf_page}" if d.pdf else d.page


def _snippet(hit: Hit, styled: bool) -> str:
    if styled:
        return "".join(click.style(t, reverse=True) if marked else t for t, marked in hit.snippet)
    return "".join(f"【{t}】" if marked else t for t, marked in hit.snippet)


def hit_data(hit: Hit) -> dict[str, Any]:
    d, p = hit.doc, hit.page
    return {"customer": d.customer, "customer_name": d.customer_name, "record": d.record, "title": d.title,
            "type": d.type, "year": d.year, "reference": d.reference, "page": p.page, "stamped_page": p.stamped,
            "pdf": d.pdf, "pdf_page": p.pdf_page if d.pdf else None, "in_volume": d.in_volume, "link": _link(hit),
            "document_page": d.page, "snippet": "".join(t for t, _m in hit.snippet),
            "marks": [t for t, m in hit.snippet if m]}


def result_data(result: Result, folder: Path) -> dict[str, Any]:
    return {"site": str(folder), "terms": list(result.terms), "candidates": result.candidates,
            "complete": result.complete, "hits": [hit_data(h) for h in result.hits]}


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--customer", default="", help="Only this customer's documents (its code).")
@click.option("--year", type=click.IntRange(1000, 9999), default=None, help="Only documents of this filing year.")
@click.option("--type", "type_", default="", help="Only documents of this type (its code or name).")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True, help="At most this many pages.")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The catalogue folder whose index is searched. Default: catalogue.output (site/).")
@json_option
@click.pass_obj
def search_command(app: AppContext, query: tuple[str, ...], customer: str, year: int | None, type_: str, limit: int,
                   site: Path | None, as_json: bool) -> None:
    """Find the documents whose text holds QUERY (every word of it), and their pages.

    \b
    Chinese is matched exactly: 减速器 finds the pages where 减速器 stands, not those
    with 减速 and 速器 apart; Latin words and numbers match whole (ISO9001). One line a
    page: customer, title, reference code (档号) of its volume, the page number stamped
    on it (页号; for a document not yet bound: its page), and the text around the hit.
    Searches the index of the catalogue (`archiver site`): restricted documents (Art. 24)
    are never in it.
    """
    folder = output_folder(app.archive, site)
    index = SiteIndex(folder)
    types = {str(code): str(name) for code, name in index.meta.get("types", [])}
    type_code = next((c for c, n in types.items() if type_ in (c, n)), type_) if type_ else ""
    if type_ and type_code not in types:
        known = ", ".join(f"{c} ({n})" for c, n in types.items()) or "none"
        raise ArchiverError(f"No document in the index is of the type {type_!r}.", hint=f"Types in the index: {known}.")
    text = " ".join(query)
    result = index.search(text, Filters(customer=customer.strip(), year=str(year or ""), type=type_code), limit)
    if as_json:
        echo_json(result_data(result, folder))
        return
    if not result.terms:
        raise ArchiverError(f"Nothing to search for in {text!r}: give a word, a number or Chinese characters.")
    styled = sys.stdout.isatty()
    for hit in result.hits:
        d = hit.doc
        name = f"{d.customer} {d.customer_name}".strip()
        click.echo(f"{name} | {d.title} | {d.reference or '(未装订)'} | {_page(hit)} | {_snippet(hit, styled)}")
    shown = len(result.hits)
    if shown == 0:
        click.echo(f"No page holds {text!r}" + (" with those filters." if customer or year or type_ else "."), err=True)
    elif not result.complete:
        click.echo(f"{shown} pages shown; up to {result.candidates} documents may hold more (--limit).", err=True)
